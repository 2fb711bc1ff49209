"""Known divergences: cases where a backend really computes something else.

The one place they are recorded. For exactly its configuration, backend and Keras
versions (and the backend's own, where one of its releases brought or fixed it), a
divergence's checks compare with what that backend computes, kept in
a baseline set of its own (`Divergence.folder`). Some hold only under a condition of
the numeric environment (`Condition`, e.g. TensorFlow's own CPU kernels, without
oneDNN): where it does not hold, the shared baseline applies. They pass while the
divergence stays exactly as recorded, fail as "divergence changed" when the wrong output
changes, and as "divergence fixed upstream" when the output matches the shared
baseline again. Reports name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layerviz.core import precision_divergences
from layerviz.core.divergence import Condition, Divergence, each
from layerviz.core.names import BACKENDS

# oneDNN's CPU kernels, and GPUs', compute what TensorFlow's own CPU kernels refuse.
TENSORFLOW_OWN_CPU_KERNELS = Condition(
    "TensorFlow's own CPU kernels (oneDNN off, no GPU)",
    lambda numerics: (
        numerics.get("tensorflow", {}).get("onednn") is False and str(numerics.get("device", "")).startswith("CPU")
    ),
)


# The post's cases, measured on every Keras release from 3.0.0 to 3.15.1 with torch 2.13.0
# and jax 0.10.2 (and tensorflow 2.21.0 on 3.0.0, 3.4.1, 3.5.0, 3.10.0, 3.13.2, 3.14.0,
# 3.15.1): jax and tensorflow match the shared baselines on all of them. Within each range
# below, the torch output is byte-identical on every release; a range ends where it changes.

KNOWN: tuple[Divergence, ...] = (
    *each(
        ("edge/avgpool-p3-s2-same",),
        ("torch",),
        ("3.0.0", "3.5.0"),
        "keras-team/keras#18452",
        "torch cannot pad unevenly and counts zero padding in the average: the last pooled row "
        "and column come out darker (up to 193 levels, on 3.1% of the pixels)",
    ),
    *each(
        ("edge/avgpool-p3-s2-same",),
        ("torch",),
        ("3.5.0", None),  # fixed upstream after 3.15.1: "divergence fixed upstream" once released
        "keras-team/keras#18452, fixed by keras-team/keras#23233",
        "the last pooled row and column average a repeated border instead of the valid pixels "
        "only (up to 3 levels, 45 in hue, on 0.1-0.5% of the pixels)",
    ),
    *each(
        ("edge/conv2d-transpose-k3-s2-same",),
        ("torch",),
        ("3.0.0", "3.15.0"),
        "keras-team/keras#22876",
        "values shifted one row up and one column left (92-100% of the pixels change, up to 190 levels)",
    ),
    *each(
        ("edge/conv2d-transpose-k4-s1-same",),
        ("torch",),
        ("3.0.0", "3.13.0"),
        "keras-team/keras#20949, fixed by keras-team/keras#21852",
        "raises ValueError: the output_padding torch would need (1) is not below the strides (1)",
    ),
    *each(
        ("edge/conv2d-transpose-k4-s1-same",),
        ("torch",),
        ("3.13.0", "3.15.0"),
        "keras-team/keras#22876",
        "output 127x127 instead of 128x128: the first row and column are missing",
    ),
    # The atlas (layerviz.catalogue.atlas), measured on every minor Keras release from 3.0.0 to 3.15.1
    # (and 3.4.1, 3.15.1) with torch 2.13.0, jax 0.10.2 and tensorflow 2.21.0; each range
    # ends where the output changes.
    *each(
        ("pooling-strides/average-p3-s2-same", "odd-sizes/avgpool-p3-s2-same-64", "odd-sizes/avgpool-p3-s2-same-63x48"),
        ("torch",),
        ("3.0.0", "3.5.0"),
        "keras-team/keras#18452",
        'uneven "same" padding: the last pooled row and column count zero padding in the average (up to 107 levels)',
    ),
    *each(
        ("pooling-strides/average-p3-s2-same", "odd-sizes/avgpool-p3-s2-same-64", "odd-sizes/avgpool-p3-s2-same-63x48"),
        ("torch",),
        ("3.5.0", None),
        "keras-team/keras#18452, fixed by keras-team/keras#23233",
        'uneven "same" padding: the last pooled row and column average a repeated border',
    ),
    *each(
        (
            "channels-first/transpose-s2-same",
            "odd-sizes/transpose-s2-same-64",
            "odd-sizes/transpose-s2-same-63",
            "odd-sizes/transpose-s2-same-63x48",
        ),
        ("torch",),
        ("3.0.0", "3.15.0"),
        "keras-team/keras#22876",
        "values shifted one row up and one column left (every pixel changes, up to 198 levels)",
    ),
    *each(
        tuple(
            f"resampling/resize-{name}"
            for name in (
                "up-lanczos3",
                "down-lanczos3",
                "down-lanczos3-antialias",
                "up-lanczos5",
                "down-lanczos5",
                "down-lanczos5-antialias",
            )
        ),
        ("torch",),
        ("3.0.0", None),
        "keras-team/keras-core#220",
        "raises ValueError: torch has no Lanczos resizing",
    ),
    *each(
        ("resampling/resize-up-bicubic", "resampling/resize-down-bicubic"),
        ("torch",),
        ("3.0.0", None),
        "keras-team/keras-core#220",
        "PyTorch's bicubic kernel (a = -0.75) is not TensorFlow's and JAX's (a = -0.5): up to 9 levels",
    ),
    *each(
        ("resampling/resize-up-area", "resampling/resize-down-area", "resampling/resize-down-area-antialias"),
        ("jax", "torch"),
        ("3.0.0", None),
        "keras-team/keras#20264 (area for the tensorflow backend only)",
        "raises ValueError: only TensorFlow has area resizing",
    ),
    *each(
        ("resampling/resize-pad-aspect",),
        ("torch",),
        ("3.9.0", "3.15.0"),  # before 3.9.0 torch resizes through torchvision (skipped without it)
        "keras-team/keras#22902, fixed by keras-team/keras#22903",
        "the left bar is white, not `fill_value` (a quarter of the pixels, up to 127 levels)",
    ),
    *each(
        ("channels-first/upsampling-bilinear",),
        ("jax", "tensorflow"),
        ("3.0.0", "3.2.0"),
        "keras-team/keras#19153, fixed by keras-team/keras#19336",
        "channels_first ignored: a 6x128 output instead of 128x128",
    ),
    *each(
        ("integer-inputs/resize-bilinear",),
        ("jax", "tensorflow"),
        ("3.0.0", "3.6.0"),
        "keras-team/keras#20213",
        "uint8 results cast without rounding or saturation (jax: wrapped, up to 248 levels; tensorflow: truncated)",
    ),
    *each(
        ("mixed-precision/layer-norm-float16", "mixed-precision/layer-norm-bfloat16"),
        ("tensorflow", "jax"),
        ("3.0.0", "3.6.0"),
        "keras-team/keras#20257",
        "the input is rounded to the compute dtype before normalising (up to 3 levels)",
    ),
    *each(
        ("mixed-precision/layer-norm-float16",),
        ("torch",),
        ("3.0.0", "3.6.0"),
        "keras-team/keras#20257",
        "the input is rounded to the compute dtype before normalising (up to 3 levels)",
    ),
    *each(
        (
            "mixed-precision/conv-relu-bfloat16",
            "mixed-precision/dense-tanh-bfloat16",
            "mixed-precision/batch-norm-bfloat16",
            "mixed-precision/layer-norm-bfloat16",
        ),
        ("torch",),
        ("3.0.0", "3.0.5"),  # every release swept: docs/sweeps/torch.json
        "pytorch/pytorch#110285 (NumPy has no bfloat16)",
        "raises TypeError: a bfloat16 tensor cannot become a NumPy array",
    ),
    *each(
        ("mixed-precision/layer-norm-bfloat16",),
        ("torch",),
        ("3.0.5", "3.6.0"),
        "keras-team/keras#20257",
        "the input is rounded to bfloat16 before normalising (up to 255 levels, on 4% of the pixels)",
    ),
    *each(
        ("augmentation/rotation", "augmentation/translation", "augmentation/zoom"),
        ("jax",),
        ("3.0.0", "3.7.0"),
        "keras-team/keras#20469",
        "raises TypeError with jax 0.10.2: Keras calls jnp.reshape(newshape=...), which jax removed",
    ),
    *each(
        ("integer-inputs/flip",),
        ("tensorflow",),
        ("3.0.0", "3.6.0"),
        "none found",
        "RandomFlip on a uint8 photo draws another flip: every pixel changes (up to 161 levels)",
    ),
    # Keras's own fixes (docs/keras-fixes.md), measured on all 40 releases from 3.0.0 to
    # 3.15.1 on each backend (`layerviz sweep -k …`): every backend, until the fix.
    *each(
        ("activations/softmax-spatial",),
        BACKENDS,
        ("3.0.0", "3.5.0"),
        "keras-team/keras#20021, fixed by keras-team/keras#20022",
        "a tuple axis took the softmax over the channels, not over height and width",
    ),
    *each(
        ("initializers/dense-identity",),
        BACKENDS,
        ("3.0.0", "3.2.1"),
        "fixed by keras-team/keras#19468",
        'raises ValueError: the initializer "identity" cannot be found by name',
    ),
    *each(
        ("resampling/resize-crop-aspect-strip",),
        ("tensorflow", "jax"),  # torch resizes through torchvision before 3.9.0: skipped without it
        ("3.0.0", "3.5.0"),
        "fixed by keras-team/keras#19941",
        "raises: a crop rounded to zero pixels high",
    ),
    *each(
        ("activations/log-softmax-spatial",),
        BACKENDS,
        ("3.0.0", "3.5.0"),
        "fixed by keras-team/keras#20028",
        "a tuple axis took the log-softmax over the channels (the picture is black either way: the raw values differ)",
    ),
    *each(
        ("normalization/layer-rms-hw",),
        BACKENDS,
        ("3.0.0", "3.4.0"),
        "fixed by keras-team/keras#19643",
        "raises: RMS scaling's gamma is not broadcast over height and width",
    ),
    *each(
        ("convolutions/transpose-op0",),
        BACKENDS,
        ("3.0.0", "3.11.0"),
        "fixed by keras-team/keras#21383",
        "raises ValueError: output padding 0 refused",
    ),
    *each(
        ("convolutions/depthwise-s2-d2", "convolutions/separable-s2-d2"),
        BACKENDS,
        ("3.0.0", "3.15.0"),
        "fixed by keras-team/keras#22598 and keras-team/keras#23027",
        "raises ValueError: strides and dilation above 1 together refused",
    ),
    *each(
        ("normalization/given-scalar",),
        BACKENDS,
        ("3.0.0", "3.8.0"),
        "fixed by keras-team/keras#20626",
        "raises: a single mean and variance cannot be reshaped to one per channel",
    ),
    *each(
        ("normalization/given-per-column",),
        BACKENDS,
        ("3.8.0", "3.14.0"),
        "keras-team/keras#20626 broke it, keras-team/keras#22068 fixed it",
        "raises: a mean per column (axis=2) is broadcast against the last axis",
    ),
    *each(
        ("pooling-strides/max-p3x5-s1-same", "pooling-strides/max-p2-s4-same"),
        ("torch",),
        ("3.0.0", "3.9.0"),
        "fixed by keras-team/keras#20774",
        'raises RuntimeError: torch\'s "same" padding came with height and width swapped, or negative',
    ),
    *each(
        ("channels-first/depthwise",),
        ("tensorflow",),
        ("3.0.0", "3.15.0"),
        "keras-team/keras#23031, fixed by keras-team/keras#23041",
        "raises UnimplementedError: TensorFlow's CPU depthwise convolution takes NHWC only",
        TENSORFLOW_OWN_CPU_KERNELS,
    ),
    *each(
        ("channels-first/conv",),
        ("tensorflow",),
        ("3.0.0", None),
        "keras-team/keras#23650, fix keras-team/keras#23651 (open)",
        "raises UnimplementedError: TensorFlow's CPU Conv2D takes NHWC only",
        TENSORFLOW_OWN_CPU_KERNELS,
    ),
    *each(
        ("channels-first/transpose-s2-same",),
        ("tensorflow",),
        ("3.0.0", None),
        "keras-team/keras#23650",
        "raises InvalidArgumentError: TensorFlow's CPU transposed convolution takes NHWC only",
        TENSORFLOW_OWN_CPU_KERNELS,
    ),
    *each(
        ("convolutions/transpose-d2",),
        ("tensorflow",),
        ("3.0.0", None),
        "keras-team/keras#19870, tensorflow/tensorflow#69103",
        "raises InvalidArgumentError: TensorFlow's CPU transposed convolution has no dilation",
        TENSORFLOW_OWN_CPU_KERNELS,
    ),
    *precision_divergences.KNOWN,
)


def find(config_id: str, running: Mapping[str, str], numerics: Mapping[str, Any]) -> Divergence | None:
    return next((d for d in KNOWN if d.applies(config_id, running, numerics)), None)

"""The divergences of the low-precision and input-kind checks (`layerviz.catalogue.precision`,
`.feeds`), measured on every Keras release from 3.0.0 to 3.15.1 on each backend and, under
Keras 3.15.1, on every tensorflow release from 2.16.1 to 2.21.0 and every jax release from
0.4.30 to 0.10.2 (docs/sweeps/). A range of the backend's own releases was measured under
Keras 3.15.1; its Keras range is where the Keras sweep on the pinned backend saw the check
render alike."""

from __future__ import annotations

from layerviz.core.divergence import Divergence, each
from layerviz.core.names import BACKENDS

_KERAS_SWEEPS = "not traced: measured by the Keras sweeps"
_TENSORFLOW_SWEEP = "not traced: measured by the tensorflow release sweep"
_GROUP_NORM_OUTPUT = "keras-team/keras#22589, keras-team/keras#23070 (the output in the compute dtype)"

KNOWN: tuple[Divergence, ...] = (
    *each(
        ("initializers/conv-glorot-seed0",),
        BACKENDS,
        ("3.0.0", "3.2.0"),
        "keras-team/keras#19364",
        "a seed of 0 is taken for no seed: the kernel is drawn anew on every run",
        draws_anew=True,
    ),
    *each(
        ("low-precision/conv-gelu-bfloat16",),
        ("tensorflow",),
        ("3.0.0", "3.0.1"),  # TensorFlow 2.16 is the only one Keras 3.0.0 installs with
        _TENSORFLOW_SWEEP,
        "TensorFlow before 2.19 computes gelu in bfloat16 otherwise: its values change (as from Keras 3.3.3)",
        backend_releases=(None, "2.19.0"),
    ),
    *each(
        ("low-precision/conv-gelu-bfloat16",),
        ("tensorflow",),
        ("3.0.1", "3.3.3"),
        _KERAS_SWEEPS,
        "gelu in bfloat16 takes another path: its values change (3.0.0 renders as 3.3.3 does)",
    ),
    *each(
        ("low-precision/conv-gelu-bfloat16",),
        ("tensorflow",),
        ("3.3.3", None),
        _TENSORFLOW_SWEEP,
        "TensorFlow before 2.19 computes gelu in bfloat16 otherwise: its values change",
        backend_releases=(None, "2.19.0"),
    ),
    *each(
        ("low-precision/conv-sparsemax-float16",),
        ("tensorflow",),
        ("3.8.0", None),  # sparsemax came in Keras 3.8.0
        _TENSORFLOW_SWEEP,
        "raises NotFoundError before TensorFlow 2.18: no float16 kernel for the Range sparsemax takes",
        backend_releases=(None, "2.18.0"),
    ),
    *each(
        ("low-precision/transpose-mixed-bfloat16",),
        ("tensorflow",),
        ("3.0.0", None),
        _TENSORFLOW_SWEEP,
        "TensorFlow before 2.21 computes a bfloat16 transposed convolution otherwise: its values change",
        backend_releases=(None, "2.21.0"),
    ),
    *each(
        ("low-precision/gaussian-blur-bfloat16",),
        ("tensorflow",),
        ("3.9.0", None),  # RandomGaussianBlur came in Keras 3.9.0
        _TENSORFLOW_SWEEP,
        "raises NotFoundError before TensorFlow 2.18: no bfloat16 kernel for the Range its blur takes",
        backend_releases=(None, "2.18.0"),
    ),
    *each(
        ("low-precision/gaussian-blur-bfloat16",),
        ("tensorflow",),
        ("3.9.0", None),
        _TENSORFLOW_SWEEP,
        "TensorFlow 2.18 to 2.20 blurs in bfloat16 otherwise: its values change",
        backend_releases=("2.18.0", "2.21.0"),
    ),
    *each(
        (
            "low-precision/conv-gelu-bfloat16",
            "low-precision/transpose-mixed-bfloat16",
            "low-precision/group-norm-bfloat16",
        ),
        ("torch",),
        ("3.0.0", "3.0.5"),
        "pytorch/pytorch#110285 (NumPy has no bfloat16)",
        "raises TypeError: a bfloat16 tensor cannot become a NumPy array",
    ),
    *each(
        ("low-precision/transpose-mixed-bfloat16",),
        ("torch",),
        ("3.0.5", "3.15.0"),
        "keras-team/keras#22876",
        "values shifted one row up and one column left, as in float32",
    ),
    *each(
        ("low-precision/group-norm-float16",),
        BACKENDS,
        ("3.0.0", "3.7.0"),
        "keras-team/keras#20385 (the statistics in float32)",
        "GroupNormalization in float16 computes otherwise: its values change",
    ),
    *each(
        ("low-precision/group-norm-float16",),
        BACKENDS,
        ("3.7.0", "3.15.0"),
        _GROUP_NORM_OUTPUT,
        "GroupNormalization in float16 rounds otherwise: its raw statistics change, the picture does not",
    ),
    *each(
        ("low-precision/group-norm-bfloat16",),
        ("tensorflow", "jax"),
        ("3.0.0", "3.0.3"),
        "keras-team/keras commit 9815ac1c81 (ops.moments upcasts half inputs)",
        "GroupNormalization in bfloat16 takes its moments in bfloat16: its values change",
    ),
    *each(
        ("low-precision/group-norm-bfloat16",),
        ("tensorflow", "jax"),
        ("3.0.3", "3.7.0"),
        "keras-team/keras#20385 (the statistics in float32)",
        "GroupNormalization in bfloat16 computes otherwise: its values change",
    ),
    *each(
        ("low-precision/group-norm-bfloat16",),
        ("torch",),
        ("3.0.5", "3.7.0"),
        "keras-team/keras#20385 (the statistics in float32)",
        "GroupNormalization in bfloat16 computes otherwise: its values change",
    ),
    *each(
        ("low-precision/group-norm-bfloat16",),
        BACKENDS,
        ("3.7.0", "3.15.0"),
        _GROUP_NORM_OUTPUT,
        "GroupNormalization in bfloat16 computes otherwise: its values change, and again at 3.15.0",
    ),
    *each(
        ("input-kinds/brightness-uint8",),
        BACKENDS,
        ("3.0.0", "3.6.0"),
        _KERAS_SWEEPS,
        "RandomBrightness on uint8 levels computes otherwise (on torch its raw statistics only)",
    ),
    *each(
        ("input-kinds/flip-copies",),
        BACKENDS,
        ("3.0.0", "3.6.0"),
        _KERAS_SWEEPS,
        "RandomFlip on a batch of copies flips them otherwise: other draws per image",
    ),
)

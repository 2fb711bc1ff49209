"""Low precision: every activation, and every layer with a numeric kernel of its own, in
float16 and bfloat16, as the layer's dtype (variables and computation in half) and under
the mixed policy (float32 variables, half computation).

Backends change their half-precision kernels more often than Keras changes its layers, so
these were rendered on every release of the sweeps (`CANDIDATES`), and a check is kept only
where a release changed its picture or its raw statistics (`KEPT`, with the release pair
that shows it). `LAYERVIZ_CANDIDATES=1` puts every candidate in the catalogue, to measure
them again (`layerviz sweep --section low-precision`).
"""

from __future__ import annotations

from collections.abc import Iterable

from layerviz.catalogue.atlas import ACTIVATIONS, FIXED, UNIT, config
from layerviz.catalogue.cases import CHANNELS, SEED, LayerConfig, Step
from layerviz.catalogue.conditions import BFLOAT16

SECTION = "low-precision"  # its title and note: `sections`
SIZE = 32
DTYPES = ("float16", "bfloat16", "mixed_float16", "mixed_bfloat16")

# (name, description, step): one layer with a kernel of its own.
_KERNELS: tuple[tuple[str, str, Step], ...] = (
    ("conv", "Conv2D kernel 3", Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3})),
    ("depthwise", "DepthwiseConv2D kernel 3", Step("DepthwiseConv2D", {"kernel_size": 3})),
    ("separable", "SeparableConv2D kernel 3", Step("SeparableConv2D", {"filters": CHANNELS, "kernel_size": 3})),
    (
        "transpose",
        "Conv2DTranspose kernel 3, strides 2, same",
        Step("Conv2DTranspose", {"filters": CHANNELS, "kernel_size": 3, "strides": 2, "padding": "same"}),
    ),
    ("dense", "Dense(channels) on each pixel", Step("Dense", {"units": CHANNELS})),
    (
        "maxpool",
        "MaxPooling2D(3, 2, same)",
        Step("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}),
    ),
    (
        "avgpool",
        "AveragePooling2D(3, 2, same)",
        Step("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}),
    ),
    ("global-avgpool", "GlobalAveragePooling2D (keepdims)", Step("GlobalAveragePooling2D", {"keepdims": True})),
    *(
        (
            f"resize-{interpolation}",
            f"Resizing(48, 48, {interpolation}) up from 32 px",
            Step("Resizing", {"height": 48, "width": 48, "interpolation": interpolation}),
        )
        for interpolation in ("nearest", "bilinear", "bicubic", "lanczos3", "area")
    ),
    (
        "upsampling-bilinear",
        "UpSampling2D(2, bilinear)",
        Step("UpSampling2D", {"size": 2, "interpolation": "bilinear"}),
    ),
    ("batch-norm", "BatchNormalization in training", Step("BatchNormalization", {}, call={"training": True})),
    ("layer-norm", "LayerNormalization", Step("LayerNormalization", {})),
    ("group-norm", "GroupNormalization(3 groups)", Step("GroupNormalization", {"groups": 3})),
    ("unit-norm", "UnitNormalization", Step("UnitNormalization", {})),
    ("softmax", "Softmax over the channels", Step("Softmax", {})),
    (
        "gaussian-blur",
        "RandomGaussianBlur(kernel 5, sigma 0.8), seeded, training",
        Step(
            "RandomGaussianBlur",
            {"kernel_size": 5, "sigma": 0.8, "value_range": UNIT, "seed": SEED},
            {"training": True},
        ),
    ),
)


def _named(dtype: str) -> str:
    return dtype.replace("mixed_", "mixed-")


def _tolerance(dtype: str) -> tuple[int, float, float] | None:
    # float16's 11 significant bits agree between backends within the suite's tolerance,
    # which sees a release's change of one float16 rounding in the raw statistics.
    return BFLOAT16 if dtype.endswith("bfloat16") else None


def _candidates() -> Iterable[LayerConfig]:
    for dtype in DTYPES:
        how = f"dtype policy {dtype}" if dtype.startswith("mixed") else f"dtype {dtype}"
        for activation in ("relu", "sigmoid", "tanh", "softplus", *ACTIVATIONS):
            yield config(
                SECTION,
                f"conv-{activation}-{_named(dtype)}",
                f"Conv2D kernel 3, {activation}, {how}",
                Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, "activation": activation, "dtype": dtype}),
                size=SIZE,
                modes=FIXED,
                tolerance=_tolerance(dtype),
            )
        for name, description, step in _KERNELS:
            random = step.layer.startswith("Random")
            yield config(
                SECTION,
                f"{name}-{_named(dtype)}",
                f"{description}, {how}",
                Step(step.layer, {**step.options, "dtype": dtype}, step.call),
                size=SIZE,
                modes=FIXED
                if step.layer in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "Dense")
                else None,
                random=random,
                batch_independent=not random and step.layer != "BatchNormalization",
                tolerance=_tolerance(dtype),
            )


CANDIDATES: tuple[LayerConfig, ...] = tuple(_candidates())
# The candidates a release changed, each with the release pair that shows it (the sweeps:
# docs/sweeps.md). Where several changed at one release, one stands for them. Not kept, as
# measured: a change no larger than the backends' own disagreement on the pinned releases,
# which a shared baseline cannot tell from it (jax 0.10.1 and 0.10.2 moved float16 softmax,
# average pooling and softplus by one float16 rounding in the raw statistics, and jax 0.8.0
# bfloat16 average pooling by a level, as much as tensorflow and torch differ from jax);
# changes before jax 0.5.0, the first jax supported.
KEPT: dict[str, str] = {
    "conv-gelu-bfloat16": "tensorflow 2.18.1 -> 2.19.0: gelu's bfloat16 values change; keras 3.0.0 -> 3.0.1 -> 3.3.3 "
    "on tensorflow: they change, then change back",
    "conv-sparsemax-float16": "tensorflow 2.17.1 -> 2.18.0: it raises NotFoundError (no float16 Range), then works",
    "transpose-mixed-bfloat16": "tensorflow 2.20.0 -> 2.21.0: Conv2DTranspose's bfloat16 values change",
    "gaussian-blur-bfloat16": "tensorflow 2.17.1 -> 2.18.0 -> 2.21.0: it raises, then blurs, then blurs otherwise",
    "group-norm-float16": "keras 3.6.0 -> 3.7.0 -> 3.15.0 on every backend: GroupNormalization's float16 values "
    "change, then its raw statistics",
    "group-norm-bfloat16": "keras 3.0.2 -> 3.0.3 -> 3.7.0 -> 3.15.0 on every backend: its bfloat16 values change "
    "three times (3.0.3: ops.moments upcasts half inputs)",
}
CONFIGS: tuple[LayerConfig, ...] = tuple(config for config in CANDIDATES if config.name in KEPT)

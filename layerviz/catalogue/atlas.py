"""The atlas: Keras's image layers beyond the seed post, under the conditions where Keras
has changed (resampling, preprocessing, depthwise and separable convolutions, strides and
dilation, "same" padding on odd sizes, channels_first, integer inputs, reduced precision).

Here: the layers, activations to normalization (the rest: `preprocessing`, `conditions`,
`precision`, `feeds`). Plain data: every case costs every clone its pictures, so each
section is checked at 64 px, in RGB only and with NumPy-drawn (fixed) weights unless it can
show more; `sections.NOTES` says why, section by section.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from layerviz.catalogue.cases import CHANNELS, LayerConfig, Step
from layerviz.core.names import Weights

SIZE = 64  # px: a quarter of the post's pictures, enough to see what a layer does
RGB = ("rgb",)
FIXED = ("fixed",)
# Preprocessing layers assume 8-bit values unless told: our photos are floats in [0, 1].
UNIT = (0, 1)
# A mean per column of a SIZE-wide photo, 0.2 at the left to 0.8 at the right.
RAMP = tuple(round(0.2 + 0.6 * column / (SIZE - 1), 4) for column in range(SIZE))

# Canonical names: aliases (swish, hard_swish) are checked against these by a property.
ACTIVATIONS = (
    "celu", "elu", "exponential", "gelu", "gelu-approximate", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_tanh", "leaky_relu", "log_sigmoid", "log_softmax", "mish", "relu6", "selu", "silu", "soft_shrink",
    "softmax", "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink",
)  # fmt: skip


def config(section: str, name: str, description: str, *steps: Step, **options: Any) -> LayerConfig:
    return LayerConfig(section, name, description, steps, **{"size": SIZE, "colorspaces": RGB, **options})


def _activations() -> Iterable[LayerConfig]:
    for activation in ACTIVATIONS:
        yield config(
            "activations",
            f"dense-{activation}",
            f"Dense(channels, {activation}) on each pixel",
            Step("Dense", {"units": CHANNELS, "activation": activation}),
            modes=FIXED,
        )
        yield config(
            "activations",
            f"conv-{activation}",
            f"Conv2D kernel 3, {activation}",
            Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, "activation": activation}),
            modes=FIXED,
        )
    # A softmax over the photo's height and width; before Keras 3.5 a tuple axis took the
    # softmax over the channels (keras-team/keras#20022).
    yield config(
        "activations",
        "softmax-spatial",
        "softmax over height and width (axis=(1, 2)): each channel sums to 1 over the photo",
        Step("Activation", {"activation": "softmax-spatial"}),
    )
    yield config(
        "activations",
        "log-softmax-spatial",
        "log_softmax over height and width (axis=(1, 2)); before Keras 3.5 over the channels (keras-team/keras#20028)",
        Step("Activation", {"activation": "log_softmax-spatial"}),
    )


def _initializers() -> Iterable[LayerConfig]:
    # The identity initializer by name: Keras before 3.2.1 could not find it (keras-team/keras#19468).
    yield config(
        "initializers",
        "dense-identity",
        "Dense(channels, kernel_initializer='identity') on each pixel: the photo itself",
        Step("Dense", {"units": CHANNELS, "kernel_initializer": "identity"}),
        modes=(Weights.KERAS,),
    )
    # A seed of 0 drew anew on every run before Keras 3.2.0 (keras-team/keras#19364): a
    # baseline made since fails on those releases.
    yield config(
        "initializers",
        "conv-glorot-seed0",
        "Conv2D kernel 3, kernel_initializer GlorotUniform(seed=0): the case's own seed, left as given",
        Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, "kernel_initializer": "glorot_uniform-seed0"}),
        modes=(Weights.KERAS,),
    )


def _convolutions() -> Iterable[LayerConfig]:
    both = (Weights.KERAS, Weights.FIXED)  # a layer whose initializers the post does not have
    variants = (
        ("depthwise", "DepthwiseConv2D kernel 3", Step("DepthwiseConv2D", {"kernel_size": 3}), both),
        (
            "depthwise-m2",
            "DepthwiseConv2D kernel 3, depth multiplier 2: six channels, a mosaic",
            Step("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}),
            FIXED,
        ),
        (
            "depthwise-s2",
            "DepthwiseConv2D kernel 3, strides 2",
            Step("DepthwiseConv2D", {"kernel_size": 3, "strides": 2}),
            FIXED,
        ),
        (
            "depthwise-d2",
            "DepthwiseConv2D kernel 3, dilation 2",
            Step("DepthwiseConv2D", {"kernel_size": 3, "dilation_rate": 2}),
            FIXED,
        ),
        (
            "separable",
            "SeparableConv2D kernel 3",
            Step("SeparableConv2D", {"filters": CHANNELS, "kernel_size": 3}),
            both,
        ),
        (
            "separable-s2",
            "SeparableConv2D kernel 3, strides 2",
            Step("SeparableConv2D", {"filters": CHANNELS, "kernel_size": 3, "strides": 2}),
            FIXED,
        ),
        (
            "separable-d2",
            "SeparableConv2D kernel 3, dilation 2",
            Step("SeparableConv2D", {"filters": CHANNELS, "kernel_size": 3, "dilation_rate": 2}),
            FIXED,
        ),
        (
            "conv-s2",
            "Conv2D kernel 3, strides 2",
            Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, "strides": 2}),
            FIXED,
        ),
        (
            "conv-d2",
            "Conv2D kernel 3, dilation 2",
            Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, "dilation_rate": 2}),
            FIXED,
        ),
        (
            "conv-s2-d2",
            "Conv2D kernel 3, strides 2 and dilation 2 together (Keras refuses them, a recorded error)",
            Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, "strides": 2, "dilation_rate": 2}),
            FIXED,
        ),
        (
            "conv-groups3",
            "Conv2D kernel 3, 3 groups: each channel convolved alone",
            Step("Conv2D", {"filters": 3, "kernel_size": 3, "groups": 3}),
            FIXED,
        ),
        (
            "transpose-op1",
            "Conv2DTranspose kernel 3, strides 2, output padding 1",
            Step("Conv2DTranspose", {"filters": CHANNELS, "kernel_size": 3, "strides": 2, "output_padding": 1}),
            FIXED,
        ),
        (
            "transpose-d2",
            "Conv2DTranspose kernel 3, dilation 2",
            Step("Conv2DTranspose", {"filters": CHANNELS, "kernel_size": 3, "dilation_rate": 2}),
            FIXED,
        ),
        # From Keras's own fixes (docs/keras-fixes.md): options refused until a release allowed them.
        (
            "transpose-op0",
            "Conv2DTranspose kernel 3, strides 2, output padding 0 (refused before Keras 3.11: keras-team/keras#21383)",
            Step("Conv2DTranspose", {"filters": CHANNELS, "kernel_size": 3, "strides": 2, "output_padding": 0}),
            FIXED,
        ),
        (
            "depthwise-s2-d2",
            "DepthwiseConv2D kernel 3, strides 2 and dilation 2 together (refused before Keras 3.15: "
            "keras-team/keras#22598, keras-team/keras#23027)",
            Step("DepthwiseConv2D", {"kernel_size": 3, "strides": 2, "dilation_rate": 2}),
            FIXED,
        ),
        (
            "separable-s2-d2",
            "SeparableConv2D kernel 3, strides 2 and dilation 2 together (refused before Keras 3.15: "
            "keras-team/keras#22598, keras-team/keras#23027)",
            Step("SeparableConv2D", {"filters": CHANNELS, "kernel_size": 3, "strides": 2, "dilation_rate": 2}),
            FIXED,
        ),
    )
    for name, description, step, modes in variants:
        yield config("convolutions", name, description, step, modes=modes)


def _pooling() -> Iterable[LayerConfig]:
    for kind, layer in (("max", "MaxPooling2D"), ("average", "AveragePooling2D")):
        for pool, strides, padding in ((3, 2, "same"), (2, 3, "valid"), (3, 1, "same")):
            yield config(
                "pooling-strides",
                f"{kind}-p{pool}-s{strides}-{padding}",
                f"{layer}({pool}, strides={strides}, padding='{padding}')",
                Step(layer, {"pool_size": pool, "strides": strides, "padding": padding}),
            )
        if kind == "max":  # "same" padding that torch got wrong before Keras 3.9 (keras-team/keras#20774)
            yield config(
                "pooling-strides",
                "max-p3x5-s1-same",
                "MaxPooling2D((3, 5), strides=1, padding='same'): a pool taller than wide",
                Step(layer, {"pool_size": (3, 5), "strides": 1, "padding": "same"}),
            )
            yield config(
                "pooling-strides",
                "max-p2-s4-same",
                "MaxPooling2D(2, strides=4, padding='same'): strides beyond the pool",
                Step(layer, {"pool_size": 2, "strides": 4, "padding": "same"}),
            )
        yield LayerConfig(
            "pooling-strides",
            f"global-{kind}",
            f"Global{layer} (keepdims): one colour per photo",
            (Step(f"Global{layer}", {"keepdims": True}),),
            size=SIZE,
            blind="one pixel per photo: its value (the average or maximum colour) is the whole record",
        )


def _resampling() -> Iterable[LayerConfig]:
    for interpolation in ("nearest", "bilinear"):
        yield config(
            "resampling",
            f"upsampling-{interpolation}",
            f"UpSampling2D(2, {interpolation}) from 32 px",
            Step("UpSampling2D", {"size": 2, "interpolation": interpolation}),
            size=32,
        )
    for interpolation in ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area"):
        since = "3.6.0" if interpolation == "area" else ""  # measured: "area" came in Keras 3.6.0
        yield config(
            "resampling",
            f"resize-up-{interpolation}",
            f"Resizing(96, 96, {interpolation}) up from 48 px",
            Step("Resizing", {"height": 96, "width": 96, "interpolation": interpolation}),
            size=48,
            min_keras=since,
        )
        for antialias in (False, True):
            yield config(
                "resampling",
                f"resize-down-{interpolation}" + ("-antialias" if antialias else ""),
                f"Resizing(48, 48, {interpolation}{', antialias' if antialias else ''}) down from 128 px",
                # `antialias` is given only when on: Keras before 3.9.0 rejects the keyword.
                Step(
                    "Resizing",
                    {"height": 48, "width": 48, "interpolation": interpolation}
                    | ({"antialias": True} if antialias else {}),
                ),
                size=128,
                min_keras="3.9.0" if antialias else since,
            )
    yield config(
        "resampling",
        "resize-crop-aspect",
        "Resizing(32, 64, crop_to_aspect_ratio): the middle band, not squeezed",
        Step("Resizing", {"height": 32, "width": 64, "crop_to_aspect_ratio": True}),
    )
    yield config(
        "resampling",
        "resize-crop-aspect-strip",
        "Resizing(1, 256, crop_to_aspect_ratio): a crop one quarter of a pixel high (before Keras 3.5 it "
        "raises: keras-team/keras#19941)",
        Step("Resizing", {"height": 1, "width": 256, "crop_to_aspect_ratio": True}),
    )
    yield config(
        "resampling",
        "resize-pad-aspect",
        "Resizing(32, 64, pad_to_aspect_ratio, fill_value 0.5): grey bars, not squeezed",
        Step("Resizing", {"height": 32, "width": 64, "pad_to_aspect_ratio": True, "fill_value": 0.5}),
        min_keras="3.4.0",
    )
    yield config(
        "resampling",
        "zero-padding",
        "ZeroPadding2D((4, 8), (2, 10))",
        Step("ZeroPadding2D", {"padding": ((4, 8), (2, 10))}),
    )
    yield config(
        "resampling", "cropping", "Cropping2D((4, 8), (2, 10))", Step("Cropping2D", {"cropping": ((4, 8), (2, 10))})
    )
    yield config("resampling", "center-crop", "CenterCrop(40, 56)", Step("CenterCrop", {"height": 40, "width": 56}))
    yield config(
        "resampling", "rescaling", "Rescaling(2, offset -0.5)", Step("Rescaling", {"scale": 2.0, "offset": -0.5})
    )


# A mean normalized to 0 is float round-off: measured -1.1e-5 on tensorflow against -1.5e-7
# on jax and 3.6e-7 on torch, beyond the suite's atol of 1e-5 (a real change moves it by
# far more: the picture's stretch follows it).
CENTRED = (1, 1e-4, 1e-4)


def _normalization() -> Iterable[LayerConfig]:
    yield config(
        "normalization", "batch-inference", "BatchNormalization, fresh, in inference", Step("BatchNormalization")
    )
    yield config(
        "normalization",
        "batch-training",
        "BatchNormalization in training: the photo's own channel statistics",
        Step("BatchNormalization", call={"training": True}),
        batch_independent=False,
        tolerance=CENTRED,
    )
    yield config(
        "normalization",
        "layer",
        "LayerNormalization over the channels of each pixel",
        Step("LayerNormalization"),
        tolerance=CENTRED,
    )
    yield config(
        "normalization",
        "group-3",
        "GroupNormalization(3): each channel over the photo",
        Step("GroupNormalization", {"groups": 3}),
        tolerance=CENTRED,
    )
    yield config(
        "normalization", "unit", "UnitNormalization: each pixel's colour to unit length", Step("UnitNormalization")
    )
    yield config(
        "normalization",
        "adapted",
        "Normalization adapted on the photo: each channel to mean 0, variance 1",
        Step("Normalization", adapt=True),
        tolerance=CENTRED,
    )
    # From Keras's own fixes (docs/keras-fixes.md): a given mean and variance.
    yield config(
        "normalization",
        "given-per-column",
        "Normalization(axis=2) with a given mean per column, a left-to-right ramp (Keras 3.8-3.13 raise: "
        "keras-team/keras#20626, fixed by keras-team/keras#22068)",
        Step("Normalization", {"axis": 2, "mean": RAMP, "variance": (0.04,) * SIZE}),
    )
    yield config(
        "normalization",
        "layer-rms-hw",
        "LayerNormalization over height and width with RMS scaling (before Keras 3.4 it raises: "
        "keras-team/keras#19643)",
        Step("LayerNormalization", {"axis": (1, 2), "rms_scaling": True}),
    )
    yield config(
        "normalization",
        "given-scalar",
        "Normalization(mean=0.5, variance=0.04): one mean for every channel (before Keras 3.8 it raises: "
        "keras-team/keras#20626)",
        Step("Normalization", {"mean": 0.5, "variance": 0.04}),
    )


CONFIGS: tuple[LayerConfig, ...] = (
    *_activations(),
    *_initializers(),
    *_convolutions(),
    *_pooling(),
    *_resampling(),
    *_normalization(),
)

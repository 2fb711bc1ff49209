"""The atlas: Keras's image layers beyond the seed post, under the conditions where
Keras has changed (resampling, preprocessing, depthwise and separable convolutions,
strides and dilation, "same" padding on odd sizes, channels_first, integer inputs,
reduced precision).

Plain data, as the rest of the catalogue. Every case costs every clone its pictures,
so each section is checked at 64 px, in RGB only and with NumPy-drawn (fixed) weights
unless it can show something more; `SECTION_NOTES` says why, section by section.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from layerviz.catalogue.cases import CHANNELS, SEED, LayerConfig, Step

SIZE = 64  # px: a quarter of the post's pictures, enough to see what a layer does
RGB = ("rgb",)
FIXED = ("fixed",)
# Preprocessing layers assume 8-bit values unless told: our photos are floats in [0, 1].
UNIT = (0, 1)
# A mean per column of a SIZE-wide photo, 0.2 at the left to 0.8 at the right.
RAMP = tuple(round(0.2 + 0.6 * column / (SIZE - 1), 4) for column in range(SIZE))

SECTION_TITLES = {
    "activations": "Activations: every one Keras exports, per pixel and in a 3x3 convolution",
    "initializers": "Initializers: by name",
    "convolutions": "Convolutions: depthwise, separable, strides, dilation, groups, transposed",
    "pooling-strides": "Pooling: strides other than the pool, global pooling",
    "resampling": "Resampling: upsampling, resizing, padding, cropping, rescaling",
    "normalization": "Normalization",
    "preprocessing": "Image preprocessing: deterministic",
    "augmentation": "Image augmentation: random, with a fixed seed",
    "channels-first": "Condition: channels_first",
    "odd-sizes": "Condition: odd and non-square inputs",
    "integer-inputs": "Condition: integer (uint8) inputs",
    "mixed-precision": "Condition: mixed precision (float16, bfloat16)",
}
SECTION_NOTES = {
    "activations": "RGB only, fixed weights: an activation acts on each value alone, so other colour "
    "spaces only change its input, and NumPy-drawn weights make it the same picture on every backend. "
    "relu, sigmoid, softplus, tanh and linear are in the post's sections; swish and hard_swish are "
    "aliases of silu and hard_silu (a property checks they agree); glu halves the channels and threshold "
    "needs arguments, so neither maps a tensor to one of its shape.",
    "initializers": "RGB only, keras weights: the check is that Keras finds the initializer by its name; "
    "identity draws nothing, so it comes out the same on every backend.",
    "convolutions": "RGB only, fixed weights, except one keras-weights case for each layer whose "
    "initializers the post does not have (DepthwiseConv2D, SeparableConv2D).",
    "pooling-strides": "RGB only; global pooling (one colour per photo, a swatch) in all four colour spaces, "
    "where the average or maximum colour differs.",
    "resampling": "RGB only: resampling moves pixels, not colours. Up from 48 px, down from 128 px.",
    "normalization": "RGB only: the statistics are per channel, and another colour space only changes "
    "what is normalized.",
    "preprocessing": "RGB only, values in [0, 1] (value_range) as the photos are.",
    "augmentation": "RGB only, each layer with a seed of its own and training=True (in inference they "
    "pass the photo through); the random draws differ between backends, so the baselines are per "
    "backend, as keras-mode weights are.",
    "channels-first": "RGB, fixed weights: the layer on the photo transposed to channels first, then "
    "transposed back; a property checks it equals the channels-last layer on every backend.",
    "odd-sizes": "RGB, fixed weights: 63 x 63 and 63 x 48 inputs beside a 64 x 64 one, where padding and "
    "strides do their arithmetic.",
    "integer-inputs": "RGB: the photo as uint8 levels 0-255 (an integer output is shown divided by 255); "
    "a property compares each with the float path.",
    "mixed-precision": "RGB, fixed weights, under the dtype policies mixed_float16 and mixed_bfloat16; "
    "a property bounds the distance to float32 with a measured tolerance.",
}

# Canonical names: aliases (swish, hard_swish) are checked against these by a property.
ACTIVATIONS = (
    "celu", "elu", "exponential", "gelu", "gelu-approximate", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_tanh", "leaky_relu", "log_sigmoid", "log_softmax", "mish", "relu6", "selu", "silu", "soft_shrink",
    "softmax", "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink",
)  # fmt: skip


def _config(section: str, name: str, description: str, *steps: Step, **options: Any) -> LayerConfig:
    return LayerConfig(section, name, description, steps, **{"size": SIZE, "colorspaces": RGB, **options})


def _activations() -> Iterable[LayerConfig]:
    for activation in ACTIVATIONS:
        yield _config(
            "activations",
            f"dense-{activation}",
            f"Dense(channels, {activation}) on each pixel",
            Step("Dense", {"units": CHANNELS, "activation": activation}),
            modes=FIXED,
        )
        yield _config(
            "activations",
            f"conv-{activation}",
            f"Conv2D kernel 3, {activation}",
            Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, "activation": activation}),
            modes=FIXED,
        )
    # A softmax over the photo's height and width; before Keras 3.5 a tuple axis took the
    # softmax over the channels (keras-team/keras#20022).
    yield _config(
        "activations",
        "softmax-spatial",
        "softmax over height and width (axis=(1, 2)): each channel sums to 1 over the photo",
        Step("Activation", {"activation": "softmax-spatial"}),
    )
    yield _config(
        "activations",
        "log-softmax-spatial",
        "log_softmax over height and width (axis=(1, 2)); before Keras 3.5 over the channels (keras-team/keras#20028)",
        Step("Activation", {"activation": "log_softmax-spatial"}),
    )


def _initializers() -> Iterable[LayerConfig]:
    # The identity initializer by name: Keras before 3.2.1 could not find it (keras-team/keras#19468).
    yield _config(
        "initializers",
        "dense-identity",
        "Dense(channels, kernel_initializer='identity') on each pixel: the photo itself",
        Step("Dense", {"units": CHANNELS, "kernel_initializer": "identity"}),
        modes=("keras",),
    )


def _convolutions() -> Iterable[LayerConfig]:
    both = ("keras", "fixed")  # a layer whose initializers the post does not have
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
        yield _config("convolutions", name, description, step, modes=modes)


def _pooling() -> Iterable[LayerConfig]:
    for kind, layer in (("max", "MaxPooling2D"), ("average", "AveragePooling2D")):
        for pool, strides, padding in ((3, 2, "same"), (2, 3, "valid"), (3, 1, "same")):
            yield _config(
                "pooling-strides",
                f"{kind}-p{pool}-s{strides}-{padding}",
                f"{layer}({pool}, strides={strides}, padding='{padding}')",
                Step(layer, {"pool_size": pool, "strides": strides, "padding": padding}),
            )
        if kind == "max":  # "same" padding that torch got wrong before Keras 3.9 (keras-team/keras#20774)
            yield _config(
                "pooling-strides",
                "max-p3x5-s1-same",
                "MaxPooling2D((3, 5), strides=1, padding='same'): a pool taller than wide",
                Step(layer, {"pool_size": (3, 5), "strides": 1, "padding": "same"}),
            )
            yield _config(
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
        yield _config(
            "resampling",
            f"upsampling-{interpolation}",
            f"UpSampling2D(2, {interpolation}) from 32 px",
            Step("UpSampling2D", {"size": 2, "interpolation": interpolation}),
            size=32,
        )
    for interpolation in ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area"):
        since = "3.6.0" if interpolation == "area" else ""  # measured: "area" came in Keras 3.6.0
        yield _config(
            "resampling",
            f"resize-up-{interpolation}",
            f"Resizing(96, 96, {interpolation}) up from 48 px",
            Step("Resizing", {"height": 96, "width": 96, "interpolation": interpolation}),
            size=48,
            min_keras=since,
        )
        for antialias in (False, True):
            yield _config(
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
    yield _config(
        "resampling",
        "resize-crop-aspect",
        "Resizing(32, 64, crop_to_aspect_ratio): the middle band, not squeezed",
        Step("Resizing", {"height": 32, "width": 64, "crop_to_aspect_ratio": True}),
    )
    yield _config(
        "resampling",
        "resize-crop-aspect-strip",
        "Resizing(1, 256, crop_to_aspect_ratio): a crop one quarter of a pixel high (before Keras 3.5 it "
        "raises: keras-team/keras#19941)",
        Step("Resizing", {"height": 1, "width": 256, "crop_to_aspect_ratio": True}),
    )
    yield _config(
        "resampling",
        "resize-pad-aspect",
        "Resizing(32, 64, pad_to_aspect_ratio, fill_value 0.5): grey bars, not squeezed",
        Step("Resizing", {"height": 32, "width": 64, "pad_to_aspect_ratio": True, "fill_value": 0.5}),
        min_keras="3.4.0",
    )
    yield _config(
        "resampling",
        "zero-padding",
        "ZeroPadding2D((4, 8), (2, 10))",
        Step("ZeroPadding2D", {"padding": ((4, 8), (2, 10))}),
    )
    yield _config(
        "resampling", "cropping", "Cropping2D((4, 8), (2, 10))", Step("Cropping2D", {"cropping": ((4, 8), (2, 10))})
    )
    yield _config("resampling", "center-crop", "CenterCrop(40, 56)", Step("CenterCrop", {"height": 40, "width": 56}))
    yield _config(
        "resampling", "rescaling", "Rescaling(2, offset -0.5)", Step("Rescaling", {"scale": 2.0, "offset": -0.5})
    )


# A mean normalized to 0 is float round-off: measured -1.1e-5 on tensorflow against -1.5e-7
# on jax and 3.6e-7 on torch, beyond the suite's atol of 1e-5 (a real change moves it by
# far more: the picture's stretch follows it).
CENTRED = (1, 1e-4, 1e-4)
# bfloat16 keeps 8 significant bits: the same output rounds to values 2^-8 (0.4%) apart on
# different backends (measured: 0.4% at most, in Dense(tanh)'s statistics).
BFLOAT16 = (1, 1e-2, 1e-3)


def _normalization() -> Iterable[LayerConfig]:
    yield _config(
        "normalization", "batch-inference", "BatchNormalization, fresh, in inference", Step("BatchNormalization")
    )
    yield _config(
        "normalization",
        "batch-training",
        "BatchNormalization in training: the photo's own channel statistics",
        Step("BatchNormalization", call={"training": True}),
        batch_independent=False,
        tolerance=CENTRED,
    )
    yield _config(
        "normalization",
        "layer",
        "LayerNormalization over the channels of each pixel",
        Step("LayerNormalization"),
        tolerance=CENTRED,
    )
    yield _config(
        "normalization",
        "group-3",
        "GroupNormalization(3): each channel over the photo",
        Step("GroupNormalization", {"groups": 3}),
        tolerance=CENTRED,
    )
    yield _config(
        "normalization", "unit", "UnitNormalization: each pixel's colour to unit length", Step("UnitNormalization")
    )
    yield _config(
        "normalization",
        "adapted",
        "Normalization adapted on the photo: each channel to mean 0, variance 1",
        Step("Normalization", adapt=True),
        tolerance=CENTRED,
    )
    # From Keras's own fixes (docs/keras-fixes.md): a given mean and variance.
    yield _config(
        "normalization",
        "given-per-column",
        "Normalization(axis=2) with a given mean per column, a left-to-right ramp (Keras 3.8-3.13 raise: "
        "keras-team/keras#20626, fixed by keras-team/keras#22068)",
        Step("Normalization", {"axis": 2, "mean": RAMP, "variance": (0.04,) * SIZE}),
    )
    yield _config(
        "normalization",
        "layer-rms-hw",
        "LayerNormalization over height and width with RMS scaling (before Keras 3.4 it raises: "
        "keras-team/keras#19643)",
        Step("LayerNormalization", {"axis": (1, 2), "rms_scaling": True}),
    )
    yield _config(
        "normalization",
        "given-scalar",
        "Normalization(mean=0.5, variance=0.04): one mean for every channel (before Keras 3.8 it raises: "
        "keras-team/keras#20626)",
        Step("Normalization", {"mean": 0.5, "variance": 0.04}),
    )


def _preprocessing() -> Iterable[LayerConfig]:
    yield _config("preprocessing", "auto-contrast", "AutoContrast", Step("AutoContrast", {"value_range": UNIT}))
    yield _config(
        "preprocessing",
        "equalization",
        "Equalization",
        Step("Equalization", {"value_range": UNIT}),
        # Measured (Keras 3.15.1, three backends): a photo batched with another comes out
        # changed, the histogram is the batch's, not each photo's.
        batch_independent=False,
    )


def _random(name: str, layer: str, description: str, min_keras: str = "", **options: object) -> LayerConfig:
    return _config(
        "augmentation",
        name,
        description,
        Step(layer, {**options, "seed": SEED}, call={"training": True}),
        random=True,
        batch_independent=False,  # one draw per batch element, from one generator
        min_keras=min_keras,
    )


def _augmentation() -> Iterable[LayerConfig]:
    yield _random("flip", "RandomFlip", "RandomFlip, horizontal and vertical")
    yield _random("rotation", "RandomRotation", "RandomRotation(0.2)", factor=0.2)
    yield _random(
        "translation", "RandomTranslation", "RandomTranslation(0.2, 0.2)", height_factor=0.2, width_factor=0.2
    )
    yield _random("zoom", "RandomZoom", "RandomZoom(0.3)", height_factor=0.3)
    # `value_range` came in Keras 3.8.0 (measured).
    yield _random("contrast", "RandomContrast", "RandomContrast(0.5)", "3.8.0", factor=0.5, value_range=UNIT)
    yield _random("brightness", "RandomBrightness", "RandomBrightness(0.4)", factor=0.4, value_range=UNIT)
    yield _random("crop", "RandomCrop", "RandomCrop(48, 48)", height=48, width=48)
    yield _random("shear", "RandomShear", "RandomShear(0.3, 0.3)", x_factor=0.3, y_factor=0.3)
    yield _random("hue", "RandomHue", "RandomHue(0.3)", factor=0.3, value_range=UNIT)
    yield _random("saturation", "RandomSaturation", "RandomSaturation(0.5)", factor=0.5, value_range=UNIT)
    yield _random(
        "color-jitter",
        "RandomColorJitter",
        "RandomColorJitter(brightness 0.2, contrast 0.3, saturation 0.3, hue 0.1)",
        value_range=UNIT,
        brightness_factor=0.2,
        contrast_factor=0.3,
        saturation_factor=0.3,
        hue_factor=0.1,
    )
    yield _random(
        "gaussian-blur",
        "RandomGaussianBlur",
        "RandomGaussianBlur(kernel 5, sigma 0.8)",
        kernel_size=5,
        sigma=0.8,
        value_range=UNIT,
    )
    yield _random("sharpness", "RandomSharpness", "RandomSharpness(0.5)", factor=0.5, value_range=UNIT)
    yield _random(
        "posterization", "RandomPosterization", "RandomPosterization(4 bits)", factor=(4, 4), value_range=UNIT
    )
    yield _random(
        "solarization", "Solarization", "Solarization(threshold 0.5)", threshold_factor=(0.5, 0.5), value_range=UNIT
    )
    yield _random("grayscale", "RandomGrayscale", "RandomGrayscale(1.0)", factor=1.0)
    yield _random("invert", "RandomInvert", "RandomInvert(1.0)", factor=1.0, value_range=UNIT)
    yield _random("perspective", "RandomPerspective", "RandomPerspective(scale 0.5)", scale=0.5)
    yield _random("elastic", "RandomElasticTransform", "RandomElasticTransform(scale 0.5)", scale=0.5, value_range=UNIT)
    yield _random(
        "color-degeneration", "RandomColorDegeneration", "RandomColorDegeneration(0.5)", factor=0.5, value_range=UNIT
    )
    yield _random("erasing", "RandomErasing", "RandomErasing(scale 0.1-0.3)", scale=(0.1, 0.3), value_range=UNIT)


def _channels_first() -> Iterable[LayerConfig]:
    to_first, to_last = Step("Permute", {"dims": (3, 1, 2)}), Step("Permute", {"dims": (2, 3, 1)})
    first = {"data_format": "channels_first"}
    layers = (
        ("conv", "Conv2D kernel 3", Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, **first})),
        ("depthwise", "DepthwiseConv2D kernel 3", Step("DepthwiseConv2D", {"kernel_size": 3, **first})),
        (
            "transpose-s2-same",
            "Conv2DTranspose kernel 3, strides 2, same",
            Step("Conv2DTranspose", {"filters": CHANNELS, "kernel_size": 3, "strides": 2, "padding": "same", **first}),
        ),
        (
            "maxpool-p3-s2-same",
            "MaxPooling2D(3, 2, same)",
            Step("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same", **first}),
        ),
        ("avgpool-p2", "AveragePooling2D(2)", Step("AveragePooling2D", {"pool_size": 2, **first})),
        (
            "upsampling-bilinear",
            "UpSampling2D(2, bilinear)",
            Step("UpSampling2D", {"size": 2, "interpolation": "bilinear", **first}),
        ),
    )
    for name, description, step in layers:
        yield _config(
            "channels-first",
            name,
            f"{description}, channels_first (transposed in and out)",
            to_first,
            step,
            to_last,
            modes=FIXED,
        )


def _odd_sizes() -> Iterable[LayerConfig]:
    shapes = (("64", (64, 64)), ("63", (63, 63)), ("63x48", (63, 48)))
    layers = (
        (
            "conv-s2-valid",
            "Conv2D kernel 3, strides 2, valid",
            Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, "strides": 2}),
        ),
        (
            "conv-s2-same",
            "Conv2D kernel 3, strides 2, same",
            Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, "strides": 2, "padding": "same"}),
        ),
        (
            "conv-k4-same",
            "Conv2D kernel 4, same (uneven padding)",
            Step("Conv2D", {"filters": CHANNELS, "kernel_size": 4, "padding": "same"}),
        ),
        (
            "transpose-s2-same",
            "Conv2DTranspose kernel 3, strides 2, same",
            Step("Conv2DTranspose", {"filters": CHANNELS, "kernel_size": 3, "strides": 2, "padding": "same"}),
        ),
        (
            "maxpool-p3-s2-same",
            "MaxPooling2D(3, 2, same)",
            Step("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}),
        ),
        (
            "avgpool-p3-s2-same",
            "AveragePooling2D(3, 2, same)",
            Step("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}),
        ),
    )
    for name, description, step in layers:
        for label, shape in shapes:
            yield _config(
                "odd-sizes",
                f"{name}-{label}",
                f"{description}, {shape[0]}x{shape[1]} input",
                step,
                shape=shape,
                modes=FIXED,
            )
    yield _config(
        "odd-sizes",
        "resize-63x48",
        "Resizing(40, 56) from a 63x48 input",
        Step("Resizing", {"height": 40, "width": 56}),
        shape=(63, 48),
    )


def _integer_inputs() -> Iterable[LayerConfig]:
    layers = (
        ("resize-bilinear", "Resizing(48, 48, bilinear)", Step("Resizing", {"height": 48, "width": 48})),
        (
            "resize-nearest",
            "Resizing(48, 48, nearest)",
            Step("Resizing", {"height": 48, "width": 48, "interpolation": "nearest"}),
        ),
        ("rescaling", "Rescaling(1/255): levels to [0, 1]", Step("Rescaling", {"scale": 1 / 255})),
        ("center-crop", "CenterCrop(40, 56)", Step("CenterCrop", {"height": 40, "width": 56})),
        ("flip", "RandomFlip (seeded, training)", Step("RandomFlip", {"seed": SEED}, call={"training": True})),
    )
    for name, description, step in layers:
        yield _config(
            "integer-inputs",
            name,
            f"{description} on uint8 levels",
            step,
            integer_input=True,
            random=step.layer.startswith("Random"),
            batch_independent=not step.layer.startswith("Random"),
        )


def _mixed_precision() -> Iterable[LayerConfig]:
    layers: tuple[tuple[str, str, dict[str, object], str], ...] = (
        ("conv-relu", "Conv2D kernel 3, relu", {"filters": CHANNELS, "kernel_size": 3, "activation": "relu"}, "Conv2D"),
        ("dense-tanh", "Dense(channels, tanh) on each pixel", {"units": CHANNELS, "activation": "tanh"}, "Dense"),
        ("batch-norm", "BatchNormalization in training", {}, "BatchNormalization"),
        ("layer-norm", "LayerNormalization", {}, "LayerNormalization"),
    )
    for policy in ("mixed_float16", "mixed_bfloat16"):
        for name, description, options, layer in layers:
            training = {"training": True} if layer == "BatchNormalization" else {}
            yield _config(
                "mixed-precision",
                f"{name}-{policy.removeprefix('mixed_')}",
                f"{description}, dtype policy {policy}",
                Step(layer, {**options, "dtype": policy}, call=training),
                modes=FIXED if layer in ("Conv2D", "Dense") else None,
                batch_independent=layer != "BatchNormalization",
                tolerance=BFLOAT16 if policy == "mixed_bfloat16" else (CENTRED if "Normalization" in layer else None),
            )


CONFIGS: tuple[LayerConfig, ...] = (
    *_activations(),
    *_initializers(),
    *_convolutions(),
    *_pooling(),
    *_resampling(),
    *_normalization(),
    *_preprocessing(),
    *_augmentation(),
    *_channels_first(),
    *_odd_sizes(),
    *_integer_inputs(),
    *_mixed_precision(),
)

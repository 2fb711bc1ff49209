"""The atlas's conditions: layers the atlas and the post already have, run under the
conditions where Keras has changed (channels_first, odd and non-square sizes, uint8
inputs, mixed precision). Why each is checked as it is: `sections.NOTES`."""

from __future__ import annotations

from collections.abc import Iterable

from layerviz.catalogue.atlas import CENTRED, FIXED, config
from layerviz.catalogue.cases import CHANNELS, SEED, Feed, LayerConfig, Step

# bfloat16 keeps 8 significant bits: the same output rounds to values 2^-8 (0.4%) apart on
# different backends (measured: 0.4% at most, in Dense(tanh)'s statistics).
BFLOAT16 = (1, 1e-2, 1e-3)


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
        yield config(
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
            yield config(
                "odd-sizes",
                f"{name}-{label}",
                f"{description}, {shape[0]}x{shape[1]} input",
                step,
                shape=shape,
                modes=FIXED,
            )
    yield config(
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
        yield config(
            "integer-inputs",
            name,
            f"{description} on uint8 levels",
            step,
            feed=Feed.UINT8,
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
            yield config(
                "mixed-precision",
                f"{name}-{policy.removeprefix('mixed_')}",
                f"{description}, dtype policy {policy}",
                Step(layer, {**options, "dtype": policy}, call=training),
                modes=FIXED if layer in ("Conv2D", "Dense") else None,
                batch_independent=layer != "BatchNormalization",
                tolerance=BFLOAT16 if policy == "mixed_bfloat16" else (CENTRED if "Normalization" in layer else None),
            )


CONFIGS: tuple[LayerConfig, ...] = (*_channels_first(), *_odd_sizes(), *_integer_inputs(), *_mixed_precision())

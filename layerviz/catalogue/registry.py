"""The catalogue of cases: the single source of truth for tests, gallery and CLI.

A case is a layer configuration in one colour space: the seed blog post's (here),
then edge cases, then the atlas beyond the post (`layerviz.catalogue.atlas`). The catalogue is
plain data (`layerviz.catalogue.cases`) and does not import Keras, so listing cases is instant;
`layerviz.pipeline.subject` turns a configuration into real Keras layers.

Everything a configuration does not name keeps Keras's defaults (padding "valid",
zero biases, glorot_uniform kernels): the suite exists to notice when they change.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from layerviz.catalogue import atlas, conditions, feeds, precision, preprocessing, sections
from layerviz.catalogue.cases import (
    CHANNELS,
    INPUT_SHAPE,
    SEED,
    VOLUME,
    WEIGHT_MODES,
    WEIGHTED_LAYERS,
    Case,
    Check,
    LayerConfig,
    LayerInfo,
    Step,
    UnknownNameError,
)
from layerviz.inputs.colorspaces import COLOR_SPACES

# The data model is layerviz.catalogue.cases; these names are the catalogue's vocabulary too.
__all__ = [
    "CASES",
    "CHANNELS",
    "CHECKS",
    "CONFIGS",
    "INPUT_SHAPE",
    "SECTIONS",
    "SECTION_NOTES",
    "SECTION_TITLES",
    "SEED",
    "VOLUME",
    "WEIGHT_MODES",
    "WEIGHTED_LAYERS",
    "Case",
    "Check",
    "LayerConfig",
    "LayerInfo",
    "Step",
    "UnknownNameError",
    "get_case",
    "select",
]


def _spaces(luminance: str, rgb: str, hsv: str, ycbcr: str) -> dict[str, str]:
    return {"luminance": luminance, "rgb": rgb, "hsv": hsv, "ycbcr": ycbcr}


# The seed post's captions, verbatim.
_MERGING_NOTES = {
    "Add": _spaces(
        "Add layer applied to a single-channel image.",
        "Add in RGB.",
        "Add in HSV gives you a hue shift.",
        "Adding the Cb and Cr channels gives this color space even more of a hue shift.",
    ),
    "Subtract": _spaces(
        "Subtraction layer applied to a single-channel image.",
        "Subtraction in RGB.",
        "Subtraction in HSV.",
        "Subtracting YCbCr is pretty deformative.",
    ),
    "Multiply": _spaces(
        "Multiply, I guess, makes things darker by the amount of darkness being multiplied (0.0-1.0 values).",
        "RGB multiply looks similar.",
        "In HSV, the multiplication is applied less to brightness and more to saturation.",
        "Likewise YCbCr shifts green.",
    ),
    "Average": _spaces(
        "Average in luminance is pretty straightforward.",
        "Average in RGB also makes sense.",
        "Average in HSV sometimes sees a hue shift.",
        "Average YCbCr works like RGB.",
    ),
    "Maximum": _spaces(
        "Max in monochrome selects the brighter pixel.",
        "Same in RGB.",
        "It's not as straightforward in HSV where hue and saturation impact which pixel value is used.",
        "Max for YCbCr likewise biases toward purple (red and blue) pixels.",
    ),
    "Minimum": _spaces(
        "Minimum, of course, selects the darker pixels.",
        "Same with RGB.",
        "In HSV, minimum looks for dark, desaturated pixels with hues happening to be near zero.",
        "YCbCr looks for dark, greenish pixels.",
    ),
}
_POOLING_NOTES = {
    "MaxPooling2D": _spaces(
        "In monochrome images you can see the dark details disappear as pooling selects the brightest pixels.",
        "RGB behaves similar to luminance.",
        "HSV makes the occasional weird selection based on hue and saturation.",
        "Much like with maximum and minimum from the previous section, "
        "maxpooling on YCbCr biases toward the purplest pixel.",
    ),
    "AveragePooling2D": _spaces(
        "The jaggies (square artifacts) are less obvious in average pooling.",
        "Edges in RGB look more like antialiasing, flat areas look blurred.",
        "HSV again shows some occasional hue shift.",
        "Like with averaging two images, average pooling a single YCbCr image looks just like RGB.",
    ),
}
_DENSE_NOTES = {
    "relu": "The ReLu looks pretty close to identical.",
    "sigmoid": "Sigmoid looks like it inverts the input.",
    "softplus": "Softplus isn't too fond of the dark parts of the panda.",
    "tanh": "Tanh seems to have more or less just darkened the input.",
}
_CONV_NOTES = {
    "relu": "ReLu seems very good at finding edges/shapes",
    "tanh": "tanh pushed everything to black and white",
}

SECTION_TITLES = {
    "merging": "Merging layers",
    "pooling": "Pooling layers",
    "dense": "Dense layers",
    "dense-flatten": "Dense: Flatten, Dense, Reshape",
    "conv2d": "Convolutional layers: one layer",
    "conv2d-two": "Convolutional layers: two layers",
    "conv2d-transpose": "Convolutional layers: transpose",
    "edge": "Edge cases: where backends have disagreed",
    **sections.TITLES,
}
# Why each section beyond the post is checked as it is.
SECTION_NOTES = sections.NOTES
# The sections of the seed post; the others are "Beyond the post".
POST_SECTIONS = ("merging", "pooling", "dense", "dense-flatten", "conv2d", "conv2d-two", "conv2d-transpose")


def _merging() -> Iterable[LayerConfig]:
    for layer, notes in _MERGING_NOTES.items():
        yield LayerConfig("merging", layer.lower(), f"{layer} of two photos", (Step(layer),), inputs=2, notes=notes)


def _pooling() -> Iterable[LayerConfig]:
    for kind, layer in (("max", "MaxPooling2D"), ("average", "AveragePooling2D")):
        yield LayerConfig(
            "pooling",
            kind,
            f"{layer}(2), repeated back to input size",
            (Step(layer, {"pool_size": 2}),),
            upsample=2,
            notes=_POOLING_NOTES[layer],
        )


def _dense() -> Iterable[LayerConfig]:
    for activation in ("relu", "sigmoid", "softplus", "tanh"):
        yield LayerConfig(
            "dense",
            activation,
            f"Dense(channels, {activation}) on each pixel",
            (Step("Dense", {"units": CHANNELS, "activation": activation}),),
            notes={"all": _DENSE_NOTES[activation]},
        )
    yield LayerConfig(
        "dense-flatten",
        "s32",
        "Flatten -> Dense(H*W*C) -> Reshape, 32x32 input",
        (
            Step("Flatten"),
            Step("Dense", {"units": VOLUME}),
            Step("Reshape", {"target_shape": INPUT_SHAPE}),
        ),
        size=32,
        notes={
            "all": "To get a fully-connected dense layer you need to flatten before and reshape after. "
            "This uses a lot of params though."
        },
    )


def _conv(kernel: int, activation: str) -> Step:
    return Step("Conv2D", {"filters": CHANNELS, "kernel_size": kernel, "activation": activation})


def _conv2d() -> Iterable[LayerConfig]:
    for kernel, activations in (
        (3, ("linear", "relu", "sigmoid", "softplus", "tanh")),
        (7, ("relu", "sigmoid", "softplus", "tanh")),
    ):
        for activation in activations:
            yield LayerConfig(
                "conv2d",
                f"k{kernel}-{activation}",
                f"Conv2D kernel {kernel}, {activation}",
                (_conv(kernel, activation),),
                notes={"all": _CONV_NOTES[activation]} if kernel == 3 and activation in _CONV_NOTES else {},
            )
    for first, second in (("relu", "relu"), ("relu", "tanh"), ("tanh", "relu"), ("tanh", "tanh")):
        yield LayerConfig(
            "conv2d-two",
            f"k3-{first}-{second}",
            f"Two Conv2D kernel 3, {first} then {second}",
            (_conv(3, first), _conv(3, second)),
        )


def _conv2d_transpose() -> Iterable[LayerConfig]:
    for kernel, stride, activation in (
        (2, 2, "relu"),
        (2, 2, "sigmoid"),
        (2, 4, "tanh"),
        (4, 2, "relu"),
        (4, 2, "tanh"),
        (8, 2, "relu"),
        (8, 2, "tanh"),
    ):
        yield LayerConfig(
            "conv2d-transpose",
            f"k{kernel}-s{stride}-{activation}",
            f"Conv2DTranspose kernel {kernel}, strides {stride}, {activation}",
            (
                Step(
                    "Conv2DTranspose",
                    {
                        "filters": CHANNELS,
                        "kernel_size": kernel,
                        "strides": stride,
                        "activation": activation,
                    },
                ),
            ),
        )


def _edge() -> Iterable[LayerConfig]:
    """Beyond the post: "same" padding, where backends pad differently."""
    for kind, layer in (("avgpool", "AveragePooling2D"), ("maxpool", "MaxPooling2D")):
        yield LayerConfig(
            "edge",
            f"{kind}-p3-s2-same",
            f"{layer}(3, strides=2, padding='same') on an even size, repeated back",
            (Step(layer, {"pool_size": 3, "strides": 2, "padding": "same"}),),
            upsample=2,
        )
    for kernel in (3, 4):
        yield LayerConfig(
            "edge",
            f"conv2d-k{kernel}-same",
            f"Conv2D kernel {kernel}, padding 'same'",
            (Step("Conv2D", {"filters": CHANNELS, "kernel_size": kernel, "padding": "same"}),),
        )
    for kernel, stride in ((3, 2), (4, 1)):
        yield LayerConfig(
            "edge",
            f"conv2d-transpose-k{kernel}-s{stride}-same",
            f"Conv2DTranspose kernel {kernel}, strides {stride}, padding 'same'",
            (
                Step(
                    "Conv2DTranspose",
                    {"filters": CHANNELS, "kernel_size": kernel, "strides": stride, "padding": "same"},
                ),
            ),
        )


# In the seed post's order, then the edge cases, then the atlas beyond the post and its conditions.
# LAYERVIZ_CANDIDATES=1: every candidate the low-precision and input-kind checks were chosen
# from, to measure them again on the sweeps (the tests know only those kept).
_CANDIDATES = os.environ.get("LAYERVIZ_CANDIDATES") == "1"
CONFIGS: tuple[LayerConfig, ...] = (
    *_merging(),
    *_pooling(),
    *_dense(),
    *_conv2d(),
    *_conv2d_transpose(),
    *_edge(),
    *atlas.CONFIGS,
    *preprocessing.CONFIGS,
    *conditions.CONFIGS,
    *(precision.CANDIDATES if _CANDIDATES else precision.CONFIGS),
    *(feeds.CANDIDATES if _CANDIDATES else feeds.CONFIGS),
)
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(config.section for config in CONFIGS))
CASES: tuple[Case, ...] = tuple(Case(config, space) for config in CONFIGS for space in config.colorspaces)
_BY_ID = {case.id: case for case in CASES}
CHECKS: tuple[Check, ...] = tuple(Check(case, mode) for case in CASES for mode in case.config.weight_modes)


def get_case(case_id: str) -> Case:
    try:
        return _BY_ID[case_id]
    except KeyError:
        raise UnknownNameError(f"unknown case {case_id!r}; `layerviz list` shows every case id") from None


def select(sections: Iterable[str] | None = None, colorspaces: Iterable[str] | None = None) -> tuple[Case, ...]:
    """Cases in catalogue order, optionally restricted to some sections / colour spaces."""
    wanted_sections = _checked(sections, SECTIONS, "section")
    wanted_spaces = _checked(colorspaces, tuple(COLOR_SPACES), "colour space")
    return tuple(case for case in CASES if case.section in wanted_sections and case.colorspace in wanted_spaces)


def _checked(values: Iterable[str] | None, known: tuple[str, ...], what: str) -> set[str]:
    if values is None:
        return set(known)
    chosen = set(values)
    unknown = sorted(chosen - set(known))
    if unknown:
        raise UnknownNameError(f"unknown {what} {', '.join(map(repr, unknown))}; choose from: {', '.join(known)}")
    return chosen

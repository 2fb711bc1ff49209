"""The catalogue of cases: the single source of truth for tests, gallery and CLI.

A case is a layer configuration (from the seed blog post) in one colour space. The
catalogue is plain data and does not import Keras, so listing cases is instant;
`layerviz.layers` turns a configuration into real Keras layers.

Everything a configuration does not name keeps Keras's defaults (padding "valid",
zero biases, glorot_uniform kernels): the suite exists to notice when they change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from layerviz.colorspaces import COLOR_SPACES
from layerviz.images import WORKING_SIZE

# Layers with trainable weights; the rest (merging, pooling, reshaping) compute the
# same whatever the weight mode.
WEIGHTED_LAYERS = frozenset({"Dense", "Conv2D", "Conv2DTranspose"})
# "keras": Keras's default initializers with per-case seeds (what the seed post did);
# "fixed": the same distributions drawn by NumPy, identical on every backend.
WEIGHT_MODES = ("keras", "fixed")

# Placeholders resolved against the step's input when the layer is built.
CHANNELS = "channels"  # the colour space's channel count
VOLUME = "volume"  # H * W * C of the step's input
INPUT_SHAPE = "input-shape"  # H, W, C of the case's input
# Options as a short title shows them: Conv2DTranspose(k3, s2, same).
_SHORT_OPTIONS = {"kernel_size": "k", "strides": "s", "pool_size": "p", "dilation_rate": "d"}


class UnknownNameError(LookupError):
    """An unknown case id, section or colour space; the message lists what exists."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Step:
    """One Keras layer: its class name in `keras.layers` and the options we set."""

    layer: str
    options: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    @property
    def title(self) -> str:
        """The layer and the options that tell it apart, e.g. "Conv2D(k3, relu)"
        (units and filters follow the colour space, so they are left out)."""
        parts = []
        for key, value in self.options.items():
            if value in (CHANNELS, INPUT_SHAPE):
                continue
            if value == VOLUME:
                parts.append("H·W·C")
            elif key in _SHORT_OPTIONS:
                parts.append(f"{_SHORT_OPTIONS[key]}{value}")
            else:
                parts.append(str(value) if isinstance(value, str) else f"{key}={value}")
        return f"{self.layer}({', '.join(parts)})" if parts else self.layer


@dataclass(frozen=True)
class LayerInfo:
    """One built layer of a case, as a model summary lists it."""

    layer: str
    output_shape: tuple[int, ...]  # without the batch axis
    parameters: int


@dataclass(frozen=True)
class LayerConfig:
    section: str
    name: str
    description: str
    steps: tuple[Step, ...]
    inputs: int = 1  # merging layers take the default pair of photos
    # Input side in pixels; None follows the working size (128 px unless a user asks).
    size: int | None = None
    # Nearest-neighbour repetition after the layers (pooling is shown at input size).
    upsample: int = 1
    # What the seed post says, by colour space ("all" for every one).
    notes: Mapping[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.section}/{self.name}"

    @property
    def title(self) -> str:
        return " → ".join(step.title for step in self.steps)

    @property
    def has_weights(self) -> bool:
        return any(step.layer in WEIGHTED_LAYERS for step in self.steps)

    def input_size(self, working_size: int = WORKING_SIZE) -> int:
        return self.size or working_size


@dataclass(frozen=True)
class Case:
    config: LayerConfig
    colorspace: str

    @property
    def id(self) -> str:
        return f"{self.config.id}/{self.colorspace}"

    @property
    def section(self) -> str:
        return self.config.section

    @property
    def description(self) -> str:
        return f"{self.config.description}, in {self.colorspace}"

    @property
    def note(self) -> str:
        """The seed post's sentence about this case, if it has one."""
        notes = self.config.notes
        return notes.get(self.colorspace) or notes.get("all", "")


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
}


def _merging() -> Iterable[LayerConfig]:
    for layer, notes in _MERGING_NOTES.items():
        yield LayerConfig(
            "merging", layer.lower(), f"{layer} of two photos", (Step(layer),), inputs=2, notes=notes
        )


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


# In the seed post's order, then the edge cases.
CONFIGS: tuple[LayerConfig, ...] = (
    *_merging(),
    *_pooling(),
    *_dense(),
    *_conv2d(),
    *_conv2d_transpose(),
    *_edge(),
)
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(config.section for config in CONFIGS))
CASES: tuple[Case, ...] = tuple(
    Case(config, space) for config in CONFIGS for space in COLOR_SPACES
)
_BY_ID = {case.id: case for case in CASES}


@dataclass(frozen=True)
class Check:
    """One visual regression test: a case, and for cases with weights, a weight mode."""

    case: Case
    weights: str | None  # None for cases without weights: one check serves both modes

    @property
    def id(self) -> str:
        return f"{self.weights}/{self.case.id}" if self.weights else self.case.id


CHECKS: tuple[Check, ...] = tuple(
    Check(case, mode)
    for case in CASES
    for mode in (WEIGHT_MODES if case.config.has_weights else (None,))
)


def get_case(case_id: str) -> Case:
    try:
        return _BY_ID[case_id]
    except KeyError:
        raise UnknownNameError(
            f"unknown case {case_id!r}; `layerviz list` shows every case id"
        ) from None


def select(
    sections: Iterable[str] | None = None, colorspaces: Iterable[str] | None = None
) -> tuple[Case, ...]:
    """Cases in catalogue order, optionally restricted to some sections / colour spaces."""
    wanted_sections = _checked(sections, SECTIONS, "section")
    wanted_spaces = _checked(colorspaces, tuple(COLOR_SPACES), "colour space")
    return tuple(
        case
        for case in CASES
        if case.section in wanted_sections and case.colorspace in wanted_spaces
    )


def _checked(values: Iterable[str] | None, known: tuple[str, ...], what: str) -> set[str]:
    if values is None:
        return set(known)
    chosen = set(values)
    unknown = sorted(chosen - set(known))
    if unknown:
        raise UnknownNameError(f"unknown {what} {', '.join(map(repr, unknown))}; choose from: {', '.join(known)}")
    return chosen

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

# Placeholders resolved against the step's input when the layer is built.
CHANNELS = "channels"  # the colour space's channel count
VOLUME = "volume"  # H * W * C of the step's input
INPUT_SHAPE = "input-shape"  # H, W, C of the case's input


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

    @property
    def id(self) -> str:
        return f"{self.section}/{self.name}"

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


def _merging() -> Iterable[LayerConfig]:
    for layer in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        yield LayerConfig(
            "merging", layer.lower(), f"{layer} of two photos", (Step(layer),), inputs=2
        )


def _pooling() -> Iterable[LayerConfig]:
    for kind, layer in (("max", "MaxPooling2D"), ("average", "AveragePooling2D")):
        yield LayerConfig(
            "pooling",
            kind,
            f"{layer}(2), repeated back to input size",
            (Step(layer, {"pool_size": 2}),),
            upsample=2,
        )


def _dense() -> Iterable[LayerConfig]:
    for activation in ("relu", "sigmoid", "softplus", "tanh"):
        yield LayerConfig(
            "dense",
            activation,
            f"Dense(channels, {activation}) on each pixel",
            (Step("Dense", {"units": CHANNELS, "activation": activation}),),
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


# In the seed post's order.
CONFIGS: tuple[LayerConfig, ...] = (
    *_merging(),
    *_pooling(),
    *_dense(),
    *_conv2d(),
    *_conv2d_transpose(),
)
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(config.section for config in CONFIGS))
CASES: tuple[Case, ...] = tuple(
    Case(config, space) for config in CONFIGS for space in COLOR_SPACES
)
_BY_ID = {case.id: case for case in CASES}


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

"""Cases: the data a catalogue entry is made of, without Keras.

A `LayerConfig` is a chain of Keras layers (`Step`s, by class name and options) and
the conditions it runs under (input size and shape, integer inputs, colour spaces,
weight modes); a `Case` is a configuration in one colour space; a `Check` is a case
in one weight mode. `layerviz.pipeline.layers` and `layerviz.pipeline.subject` make them real.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from layerviz.core.names import Weights
from layerviz.inputs.colorspaces import COLOR_SPACES
from layerviz.inputs.images import WORKING_SIZE

# Layers whose default initializers draw random numbers; the rest (merging, pooling,
# resampling, normalization with its ones and zeros) compute the same in every weight mode.
WEIGHTED_LAYERS = frozenset({"Dense", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D"})
# "keras": Keras's default initializers with per-case seeds (what the seed post did);
# "fixed": the same distributions drawn by NumPy, identical on every backend.
WEIGHT_MODES = (Weights.KERAS, Weights.FIXED)

# Placeholders resolved against the step's input when the layer is built.
CHANNELS = "channels"  # the colour space's channel count
VOLUME = "volume"  # H * W * C of the step's input
INPUT_SHAPE = "input-shape"  # H, W, C of the case's input
SEED = "seed"  # a seed derived from the case id, for a random layer's own generator
# Options as a short title shows them: Conv2DTranspose(k3, s2, same).
_SHORT_OPTIONS = {"kernel_size": "k", "strides": "s", "pool_size": "p", "dilation_rate": "d", "depth_multiplier": "m"}


class Feed(StrEnum):
    """What the photos go into the first layer as: Keras's preprocessing and augmentation
    layers take other paths for integer tensors and for NumPy arrays than for float tensors."""

    FLOAT = "float32"  # a float32 tensor of values in [0, 1]: what every other check feeds
    UINT8 = "uint8"  # a uint8 tensor of 8-bit levels (0-255)
    FLOAT_NUMPY = "float32 NumPy"  # a float32 NumPy array in [0, 1]
    UINT8_NUMPY = "uint8 NumPy"  # a uint8 NumPy array of levels

    @property
    def levels(self) -> bool:
        """Whether it holds 8-bit levels (0-255) rather than values in [0, 1]."""
        return self in (Feed.UINT8, Feed.UINT8_NUMPY)

    @property
    def numpy(self) -> bool:
        return self in (Feed.FLOAT_NUMPY, Feed.UINT8_NUMPY)


class UnknownNameError(LookupError):
    """An unknown case id, section or colour space; the message lists what exists."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Step:
    """One Keras layer: its class name in `keras.layers`, the options we set, the
    options of its call (e.g. training=True) and whether it adapts to its input first."""

    layer: str
    options: Mapping[str, object] = field(default_factory=dict)
    call: Mapping[str, object] = field(default_factory=dict)
    adapt: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        object.__setattr__(self, "call", MappingProxyType(dict(self.call)))

    @property
    def title(self) -> str:
        """The layer and the options that tell it apart, e.g. "Conv2D(k3, relu)"
        (units and filters follow the colour space, seeds the case: they are left out)."""
        parts = []
        for key, value in self.options.items():
            if value in (CHANNELS, INPUT_SHAPE, SEED):
                continue
            if value == VOLUME:
                parts.append("H·W·C")
            elif key in _SHORT_OPTIONS:
                parts.append(f"{_SHORT_OPTIONS[key]}{_short(value)}")
            else:
                parts.append(str(value) if isinstance(value, str) else f"{key}={_short(value)}")
        parts += [f"{key}={value}" for key, value in self.call.items()]
        if self.adapt:
            parts.append("adapted")
        return f"{self.layer}({', '.join(parts)})" if parts else self.layer


def _short(value: object) -> str:
    if isinstance(value, tuple) and len(set(value)) == 1:
        return str(value[0])
    return str(value).replace(" ", "")


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
    # (height, width) of a non-square input, centre-cropped from the photo at max(H, W).
    shape: tuple[int, int] | None = None
    # Nearest-neighbour repetition after the layers (pooling is shown at input size).
    upsample: int = 1
    # What the seed post says, by colour space ("all" for every one).
    notes: Mapping[str, str] = field(default_factory=dict)
    # The colour spaces it is checked in: all four, unless they cannot show anything more.
    colorspaces: tuple[str, ...] = tuple(COLOR_SPACES)
    # The weight modes of a configuration with weights; None: both.
    modes: tuple[str, ...] | None = None
    # It draws from Keras's random generator as it runs (augmentation): its baselines are
    # per backend, as keras-mode weights are.
    random: bool = False
    # What the photos go in as (uint8 levels, NumPy arrays) instead of a float tensor.
    feed: Feed = Feed.FLOAT
    # A batch of this many copies of the photo, shown side by side: whether a random layer
    # draws once per image or once per batch.
    copies: int = 1
    # Why a record that is constant (every pixel and statistic) is still worth its check.
    blind: str = ""
    # Whether each photo of a batch comes out as it would alone (batch statistics, random
    # draws per batch do not).
    batch_independent: bool = True
    # The first Keras release that has an option it sets (a layer or activation Keras
    # lacks is noticed by itself): older releases skip it, saying so.
    min_keras: str = ""
    # (levels, rtol, atol) where its measured spread between backends needs more than the
    # suite's; the catalogue says what was measured.
    tolerance: tuple[int, float, float] | None = None

    @property
    def id(self) -> str:
        return f"{self.section}/{self.name}"

    @property
    def title(self) -> str:
        return " → ".join(step.title for step in self.steps)

    @property
    def has_weights(self) -> bool:
        return any(step.layer in WEIGHTED_LAYERS for step in self.steps)

    @property
    def weight_modes(self) -> tuple[str | None, ...]:
        """The modes it is checked in: None (one check) when no weights are drawn."""
        if self.has_weights:
            return self.modes or WEIGHT_MODES
        return (Weights.KERAS,) if self.random else (None,)

    @property
    def per_backend(self) -> bool:
        """Whether its keras-mode output depends on the backend's random generator."""
        return self.has_weights or self.random

    def input_shape(self, working_size: int = WORKING_SIZE) -> tuple[int, int]:
        """(height, width) of its input photos."""
        if self.shape:
            return self.shape
        side = self.size or working_size
        return (side, side)

    def input_size(self, working_size: int = WORKING_SIZE) -> int:
        return max(self.input_shape(working_size))


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


@dataclass(frozen=True)
class Check:
    """One visual regression test: a case, and for cases with weights, a weight mode."""

    case: Case
    weights: str | None  # None for cases without weights: one check serves both modes

    @property
    def id(self) -> str:
        return f"{self.weights}/{self.case.id}" if self.weights else self.case.id

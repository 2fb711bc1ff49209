"""Layer: turn a catalogue configuration into seeded Keras layers and run it.

Layers are called directly on eager tensors (no `Model.predict`, which retraces
for every new model and is an order of magnitude slower).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np

from layerviz import colorspaces
from layerviz.catalogue import CHANNELS, INPUT_SHAPE, VOLUME, WEIGHT_MODES, WEIGHTED_LAYERS, Case, LayerInfo, Step
from layerviz.images import WORKING_SIZE, ImageInputError, PhotoSet
from layerviz.raised import Raised
from layerviz.render import Rendering, render
from layerviz.seeds import DEFAULT_SUITE_SEED, derive_seed


def _resolve(value: object, in_shape: tuple[int, ...], case_shape: tuple[int, ...]) -> object:
    if value == CHANNELS:
        return case_shape[-1]
    if value == VOLUME:
        return int(np.prod(in_shape))
    if value == INPUT_SHAPE:
        return case_shape
    return value


def _initializers(layer: keras.layers.Layer) -> dict[str, keras.initializers.Initializer]:
    """The layer's initializers by attribute (kernel_initializer, bias_initializer, ...)."""
    return {
        attribute: value
        for attribute, value in vars(layer).items()
        if attribute.endswith("_initializer") and isinstance(value, keras.initializers.Initializer)
    }


def _seed_initializers(layer: keras.layers.Layer, case_id: str, index: int, suite_seed: int) -> None:
    """Give each of the layer's *default* random initializers an explicit seed.

    The initializer class stays Keras's default, so a change of default is noticed;
    only the seed is pinned. It must happen before the layer is built: an unseeded
    initializer draws from the global generator, whose state depends on what ran before.
    """
    for attribute, initializer in _initializers(layer).items():
        config = initializer.get_config()
        if "seed" in config:
            config["seed"] = derive_seed(case_id, f"{index}.{attribute}", suite_seed)
            setattr(layer, attribute, type(initializer).from_config(config))


def make_layer(
    step: Step,
    index: int,
    in_shape: tuple[int, ...],
    case_shape: tuple[int, ...],
    case_id: str,
    suite_seed: int = DEFAULT_SUITE_SEED,
) -> keras.layers.Layer:
    options = {key: _resolve(value, in_shape, case_shape) for key, value in step.options.items()}
    layer = getattr(keras.layers, step.layer)(**options)
    _seed_initializers(layer, case_id, index, suite_seed)
    return layer


class FixedWeightsError(LookupError):
    """A default initializer fixed weights cannot draw: layerviz's gap, not the layer's behaviour."""


# NumPy twins of Keras's default initializers, for "fixed" weights. An initializer
# without a twin raises: a changed Keras default must be noticed, not absorbed.
def _glorot_uniform(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    # keras.initializers.GlorotUniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)),
    # with fans as keras computes them (receptive field times the last two axes).
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape)


NUMPY_INITIALIZERS = {
    "GlorotUniform": _glorot_uniform,
    "Zeros": lambda _rng, shape: np.zeros(shape),
}


def assign_fixed_weights(
    layer: keras.layers.Layer, input_shape: tuple[int, ...], case_id: str, index: int, suite_seed: int
) -> None:
    """Replace the layer's weights by NumPy draws from the same distributions.

    Isolates the layer's computation from every random number generator: the
    weights are the same on every backend and Keras version.
    """
    defaults = {attribute: type(initializer).__name__ for attribute, initializer in _initializers(layer).items()}
    # Build with zeros: Keras's own random draw would be overwritten anyway.
    for attribute in defaults:
        setattr(layer, attribute, keras.initializers.Zeros())
    layer.build(input_shape)
    values = []
    for variable in layer.weights:
        kind = defaults[f"{variable.name}_initializer"]
        if kind not in NUMPY_INITIALIZERS:
            raise FixedWeightsError(
                f"{case_id}: {layer.name}.{variable.name} defaults to {kind}, which fixed weights "
                f"cannot draw; add its NumPy twin to layerviz.layers.NUMPY_INITIALIZERS"
            )
        seed = derive_seed(case_id, f"{index}.{variable.name}.fixed", suite_seed)
        rng = np.random.Generator(np.random.PCG64(seed))
        values.append(NUMPY_INITIALIZERS[kind](rng, tuple(int(d) for d in variable.shape)).astype(np.float32))
    layer.set_weights(values)


def apply(
    case: Case,
    tensors: Sequence[object],
    suite_seed: int = DEFAULT_SUITE_SEED,
    weights: str = "keras",
) -> tuple[object, tuple[LayerInfo, ...]]:
    """Apply the case's layers to batched tensors, eager or symbolic (`keras.Input`).

    Returns the output and a summary of the layers as built.
    """
    if weights not in WEIGHT_MODES:
        raise ValueError(f"unknown weight mode {weights!r}; choose one of: {', '.join(WEIGHT_MODES)}")
    case_shape = tuple(int(d) for d in tensors[0].shape[1:])
    value: object = list(tensors) if case.config.inputs > 1 else tensors[0]
    summary = []
    for index, step in enumerate(case.config.steps):
        in_shape = tuple(int(d) for d in (tensors[0] if index == 0 else value).shape[1:])
        layer = make_layer(step, index, in_shape, case_shape, case.id, suite_seed)
        if weights == "fixed" and step.layer in WEIGHTED_LAYERS:
            assign_fixed_weights(layer, (None, *in_shape), case.id, index, suite_seed)
        value = layer(value)
        summary.append(LayerInfo(step.layer, tuple(int(d) for d in value.shape[1:]), int(layer.count_params())))
    return value, tuple(summary)


def case_inputs(case: Case, photos: PhotoSet | None = None, size: int = WORKING_SIZE) -> list[np.ndarray]:
    """The case's inputs (the bundled pair unless `photos` are given) in its colour space."""
    config = case.config
    rgb = (photos or PhotoSet.bundled()).at(config.input_size(size))
    if len(rgb) < config.inputs:
        raise ValueError(f"{case.id} needs {config.inputs} photos, got {len(rgb)}")
    space = colorspaces.get(case.colorspace)
    return [space.from_rgb(image) for image in rgb[: config.inputs]]


@dataclass(frozen=True)
class CaseOutput:
    raw: np.ndarray  # float32 H x W x C, unclipped
    layers: tuple[LayerInfo, ...]

    @property
    def parameters(self) -> int:
        return sum(info.parameters for info in self.layers)


def trace_case(
    case: Case,
    photos: PhotoSet | None = None,
    suite_seed: int = DEFAULT_SUITE_SEED,
    size: int = WORKING_SIZE,
    weights: str = "keras",
) -> CaseOutput:
    """Run the case's layers at the working `size` with `weights` ("keras" or "fixed"):
    the raw output and a layer summary."""
    # float32 always: since Keras 3.4 integer arrays stay integer and wrap around.
    inputs = case_inputs(case, photos, size)
    batch = [keras.ops.convert_to_tensor(x[np.newaxis], dtype="float32") for x in inputs]
    output, layers = apply(case, batch, suite_seed, weights)
    raw = repeat_pixels(keras.ops.convert_to_numpy(output)[0], case.config.upsample)
    return CaseOutput(np.ascontiguousarray(raw, dtype=np.float32), layers)


def run_case(
    case: Case,
    photos: PhotoSet | None = None,
    suite_seed: int = DEFAULT_SUITE_SEED,
    weights: str = "keras",
) -> np.ndarray:
    """The raw float32 output (H x W x C, unclipped) of the case's layers."""
    return trace_case(case, photos, suite_seed, weights=weights).raw


def outcome(
    case: Case,
    label: str,
    photos: PhotoSet | None = None,
    suite_seed: int = DEFAULT_SUITE_SEED,
    size: int = WORKING_SIZE,
    weights: str = "keras",
) -> Rendering | Raised:
    """The case's rendering, named `label`; or, if its layers raise, the exception.

    A layer's exception is its behaviour, recorded and compared like a picture;
    layerviz's own errors (a bad photo, a default initializer fixed weights cannot
    draw) are not, and propagate.
    """
    try:
        output = trace_case(case, photos, suite_seed, size, weights)
    except (ImageInputError, FixedWeightsError):
        raise
    except Exception as error:
        return Raised.of(label, error)
    return render(label, case.colorspace, output.raw, output.layers)


def repeat_pixels(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upsampling by exact repetition (no resampler involved)."""
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def build_model(case: Case, suite_seed: int = DEFAULT_SUITE_SEED) -> keras.Model:
    """The case as a functional model, for its parameter count and summary (not for running)."""
    depth = colorspaces.get(case.colorspace).depth
    side = case.config.input_size()
    shape = (side, side, depth)
    inputs = [keras.Input(shape=shape) for _ in range(case.config.inputs)]
    outputs, _ = apply(case, inputs, suite_seed)
    return keras.Model(inputs, outputs, name=case.id.replace("/", "_"))


def parameter_count(case: Case) -> int:
    return int(build_model(case).count_params())


def summary(case: Case) -> str:
    lines: list[str] = []
    build_model(case).summary(print_fn=lambda line, **_: lines.append(line), line_length=80)
    return "\n".join(lines)

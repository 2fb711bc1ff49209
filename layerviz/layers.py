"""Layer: turn a catalogue configuration into seeded Keras layers and run it.

Layers are called directly on eager tensors (no `Model.predict`, which retraces
for every new model and is an order of magnitude slower).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from layerviz import colorspaces
from layerviz.catalogue import CHANNELS, INPUT_SHAPE, VOLUME, Case, Step
from layerviz.images import DEFAULT_PAIR, box_downsample, load_sample
from layerviz.seeds import DEFAULT_SUITE_SEED, derive_seed


def _resolve(value: object, in_shape: tuple[int, ...], case_shape: tuple[int, ...]) -> object:
    if value == CHANNELS:
        return case_shape[-1]
    if value == VOLUME:
        return int(np.prod(in_shape))
    if value == INPUT_SHAPE:
        return case_shape
    return value


def _seed_initializers(layer: keras.layers.Layer, case_id: str, index: int, suite_seed: int) -> None:
    """Give each of the layer's *default* random initializers an explicit seed.

    The initializer class stays Keras's default, so a change of default is noticed;
    only the seed is pinned. It must happen before the layer is built: an unseeded
    initializer draws from the global generator, whose state depends on what ran before.
    """
    for attribute, initializer in list(vars(layer).items()):
        if not (attribute.endswith("_initializer") and isinstance(initializer, keras.initializers.Initializer)):
            continue
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


def apply(case: Case, tensors: Sequence[object], suite_seed: int = DEFAULT_SUITE_SEED) -> object:
    """Apply the case's layers to batched tensors, eager or symbolic (`keras.Input`)."""
    case_shape = tuple(int(d) for d in tensors[0].shape[1:])
    value: object = list(tensors) if case.config.inputs > 1 else tensors[0]
    for index, step in enumerate(case.config.steps):
        in_shape = tuple(int(d) for d in (tensors[0] if index == 0 else value).shape[1:])
        value = make_layer(step, index, in_shape, case_shape, case.id, suite_seed)(value)
    return value


def case_inputs(case: Case, photos: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """The case's inputs in its colour space, float32 H x W x C.

    `photos` are RGB images at the working size (the default pair if omitted);
    configurations with a smaller size get an exact box downsample of them.
    """
    config = case.config
    if photos is None:
        rgb = [load_sample(name, config.size) for name in DEFAULT_PAIR[: config.inputs]]
    else:
        if len(photos) < config.inputs:
            raise ValueError(f"{case.id} needs {config.inputs} photos, got {len(photos)}")
        rgb = [_at_size(photo, config.size) for photo in photos[: config.inputs]]
    space = colorspaces.get(case.colorspace)
    return [space.from_rgb(image) for image in rgb]


def _at_size(photo: np.ndarray, size: int) -> np.ndarray:
    side = photo.shape[0]
    if side == size:
        return np.asarray(photo, dtype=np.float32)
    if side % size:
        raise ValueError(f"a {side} px photo cannot be box-downsampled to {size} px")
    return box_downsample(photo, side // size)


def run_case(
    case: Case,
    photos: Sequence[np.ndarray] | None = None,
    suite_seed: int = DEFAULT_SUITE_SEED,
) -> np.ndarray:
    """The raw float32 output (H x W x C, unclipped) of the case's layers."""
    # float32 always: since Keras 3.4 integer arrays stay integer and wrap around.
    batch = [keras.ops.convert_to_tensor(x[np.newaxis], dtype="float32") for x in case_inputs(case, photos)]
    output = keras.ops.convert_to_numpy(apply(case, batch, suite_seed))[0]
    return np.ascontiguousarray(repeat_pixels(output, case.config.upsample), dtype=np.float32)


def repeat_pixels(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upsampling by exact repetition (no resampler involved)."""
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def build_model(case: Case, suite_seed: int = DEFAULT_SUITE_SEED) -> keras.Model:
    """The case as a functional model, for its parameter count and summary (not for running)."""
    depth = colorspaces.get(case.colorspace).depth
    shape = (case.config.size, case.config.size, depth)
    inputs = [keras.Input(shape=shape) for _ in range(case.config.inputs)]
    model = keras.Model(inputs, apply(case, inputs, suite_seed), name=case.id.replace("/", "_"))
    return model


def parameter_count(case: Case) -> int:
    return int(build_model(case).count_params())


def summary(case: Case) -> str:
    lines: list[str] = []
    build_model(case).summary(print_fn=lambda line, **_: lines.append(line), line_length=80)
    return "\n".join(lines)

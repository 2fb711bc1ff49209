"""Layers: Keras layers built and weighted reproducibly.

A catalogue step becomes a Keras layer with seeded default initializers
(`make_layer`); any subject's layers can be found (`walk`), given seeded
initializers (`seed_initializers`) or NumPy-drawn "fixed" weights (`fix_weights`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

import keras
import numpy as np

from layerviz.catalogue.cases import CHANNELS, INPUT_SHAPE, SEED, VOLUME, Step
from layerviz.core.seeds import DEFAULT_SUITE_SEED, derive_seed

# Activations with options, named in the catalogue as "<name>-<variant>".
ACTIVATION_VARIANTS: dict[str, tuple[str, dict[str, object]]] = {
    "gelu-approximate": ("gelu", {"approximate": True}),
    "softmax-spatial": ("softmax", {"axis": (1, 2)}),
    "log_softmax-spatial": ("log_softmax", {"axis": (1, 2)}),
}
# Initializers with a seed of the case's own, which layerviz leaves as given: before Keras
# 3.2.0 a seed of 0 drew anew on every run (keras-team/keras#19364).
INITIALIZER_VARIANTS: dict[str, tuple[str, dict[str, object]]] = {
    "glorot_uniform-seed0": ("GlorotUniform", {"seed": 0}),
}


def _resolve(key: str, value: object, in_shape: tuple[int, ...], case_shape: tuple[int, ...], seed: int) -> object:
    if value == CHANNELS:
        return case_shape[-1]
    if value == VOLUME:
        return int(np.prod(in_shape))
    if value == INPUT_SHAPE:
        return case_shape
    if value == SEED:
        return seed
    if key == "activation" and value in ACTIVATION_VARIANTS:
        name, options = ACTIVATION_VARIANTS[value]
        return functools.partial(getattr(keras.activations, name), **options)
    if key.endswith("_initializer") and value in INITIALIZER_VARIANTS:
        name, options = INITIALIZER_VARIANTS[value]
        initializer = getattr(keras.initializers, name)(**options)
        initializer._layerviz_own_seed = True  # seeded by the case: `_seed_initializers` leaves it
        return initializer
    return value


def _initializers(layer: keras.layers.Layer) -> dict[str, keras.initializers.Initializer]:
    """The layer's initializers by attribute (kernel_initializer, bias_initializer, ...)."""
    return {
        attribute: value
        for attribute, value in vars(layer).items()
        if attribute.endswith("_initializer") and isinstance(value, keras.initializers.Initializer)
    }


def _seed_initializers(layer: keras.layers.Layer, case_id: str, index: int, suite_seed: int) -> None:
    """Give each of the layer's *default* random initializers an explicit seed (not one a
    catalogue case seeds itself: `INITIALIZER_VARIANTS`).

    The initializer class stays Keras's default, so a change of default is noticed;
    only the seed is pinned. It must happen before the layer is built: an unseeded
    initializer draws from the global generator, whose state depends on what ran before.
    """
    for attribute, initializer in _initializers(layer).items():
        if getattr(initializer, "_layerviz_own_seed", False):
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
    seed = derive_seed(case_id, f"{index}.seed", suite_seed)
    options = {key: _resolve(key, value, in_shape, case_shape, seed) for key, value in step.options.items()}
    # Named by its place, not Keras's process-wide count ("conv2d_57"): TensorFlow caches a
    # variable-creating kernel by the variable's scoped name, so a fresh name every check
    # made every weight's creation a cache miss, a third of a Conv2D's build (measured).
    options.setdefault("name", f"{_snake_case(step.layer)}_{index}")
    layer = getattr(keras.layers, step.layer)(**options)
    _seed_initializers(layer, case_id, index, suite_seed)
    return layer


def _snake_case(class_name: str) -> str:
    """A layer class's name as Keras names its layers: Conv2DTranspose -> conv2d_transpose."""
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)).lower()


class FixedWeightsError(LookupError):
    """A default initializer fixed weights cannot draw: layerviz's gap, not the layer's behaviour."""


# Uniform draws at a time: a big kernel (3 million weights) drawn whole takes three times
# as long, in fresh float64 pages, and the chunks draw the very same numbers.
DRAW_CHUNK = 1 << 16


# NumPy twins of Keras's default initializers, for "fixed" weights, in float32. An
# initializer without a twin raises: a changed Keras default must be noticed, not absorbed.
def _glorot_uniform(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    # keras.initializers.GlorotUniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)),
    # with fans as keras computes them (receptive field times the last two axes).
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    weights = np.empty(int(np.prod(shape)), dtype=np.float32)
    for start in range(0, weights.size, DRAW_CHUNK):
        weights[start : start + DRAW_CHUNK] = rng.uniform(-limit, limit, min(DRAW_CHUNK, weights.size - start))
    return weights.reshape(shape)


NUMPY_INITIALIZERS = {
    "GlorotUniform": _glorot_uniform,
    "Zeros": lambda _rng, shape: np.zeros(shape, dtype=np.float32),
    "Ones": lambda _rng, shape: np.ones(shape, dtype=np.float32),
    "Identity": lambda _rng, shape: np.eye(*shape, dtype=np.float32),  # keras.initializers.Identity (gain 1): 2-D only
}


def walk(thing: object) -> list[keras.layers.Layer]:
    """Every layer of a subject (a layer, a list of layers, a model), each before the
    layers it holds, in a stable order: a model's layers, then a layer's attributes."""
    order: list[keras.layers.Layer] = []
    seen: set[int] = set()

    def visit(layer: keras.layers.Layer) -> None:
        if id(layer) in seen:
            return
        seen.add(id(layer))
        order.append(layer)
        for child in _children(layer):
            visit(child)

    for top in thing if isinstance(thing, list) else [thing]:
        visit(top)
    return order


def _children(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    if isinstance(layer, keras.Model):
        return list(layer.layers)
    children = []
    for value in vars(layer).values():
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
        children += [item for item in items if isinstance(item, keras.layers.Layer)]
    return children


def _attribute_for(weight: str, attributes: Iterable[str]) -> str | None:
    """The initializer attribute of a weight: `<name>_initializer` as Keras names them
    (kernel, bias, gamma, moving_mean), `depthwise_initializer` for "depthwise_kernel",
    and for "kernel" a layer's only other initializer (DepthwiseConv2D's depthwise one)."""
    attributes = list(attributes)
    for candidate in (f"{weight}_initializer", f"{weight.removesuffix('_kernel')}_initializer"):
        if candidate in attributes:
            return candidate
    others = [a for a in attributes if a != "bias_initializer"]
    return others[0] if weight == "kernel" and len(others) == 1 else None


def seed_initializers(
    layers: Sequence[keras.layers.Layer], seed_name: str, suite_seed: int = DEFAULT_SUITE_SEED
) -> None:
    """Seed every default random initializer of `layers` (a walk), by position."""
    for index, layer in enumerate(layers):
        _seed_initializers(layer, seed_name, index, suite_seed)


def fix_weights(
    thing: object,
    steps: Sequence[keras.layers.Layer],
    value: Any,  # a backend tensor, or a list of them
    seed_name: str,
    suite_seed: int = DEFAULT_SUITE_SEED,
) -> None:
    """Build the subject for `value` and give every weight a NumPy draw from the twin of
    its layer's default initializer (seeded by the layer's place in the walk and the
    weight's name): the same numbers on every backend and Keras version.
    """
    kinds: dict[tuple[int, str], str] = {}
    for layer in walk(thing):
        for attribute, initializer in _initializers(layer).items():
            kinds[(id(layer), attribute)] = type(initializer).__name__
            # Build with zeros: Keras's own random draw would be overwritten anyway.
            setattr(layer, attribute, keras.initializers.Zeros())
    if all(not layer.built and walk(layer) == [layer] for layer in steps):
        # Plain layers: build each for its input shape, without running anything.
        shape = [tuple(v.shape) for v in value] if isinstance(value, list) else tuple(value.shape)
        for index, layer in enumerate(steps):
            layer.build(shape)
            if index + 1 < len(steps):
                shape = tuple(layer.compute_output_shape(shape))
    else:  # layers made inside build or call: only a call builds them all
        for layer in steps:
            value = layer(value)
    assigned: set[int] = set()
    walked = walk(thing)
    for index in reversed(range(len(walked))):  # a layer's own weights before its holder's
        layer = walked[index]
        for variable in layer.weights:
            if id(variable) in assigned:
                continue
            # Layers made during the build kept their own initializers (not zeroed above).
            known = {a: k for (owner, a), k in kinds.items() if owner == id(layer)} or {
                attribute: type(initializer).__name__ for attribute, initializer in _initializers(layer).items()
            }
            named = _attribute_for(variable.name, known)
            kind = known.get(named) if named else None
            if kind not in NUMPY_INITIALIZERS:
                what = (
                    f"defaults to {kind}"
                    if kind
                    else f"has no `{variable.name}_initializer` attribute naming its initializer"
                )
                raise FixedWeightsError(
                    f"{seed_name}: {layer.name}.{variable.name} {what}, which fixed weights cannot draw; "
                    f"use weights='keras', or add its NumPy twin to layerviz.pipeline.layers.NUMPY_INITIALIZERS"
                )
            seed = derive_seed(seed_name, f"{index}.{variable.name}.fixed", suite_seed)
            rng = np.random.Generator(np.random.PCG64(seed))
            draw = NUMPY_INITIALIZERS[kind](rng, tuple(int(d) for d in variable.shape))
            variable.assign(np.asarray(draw, dtype=np.float32))  # a user's twin may draw float64
            assigned.add(id(variable))

"""Subject: what a check runs, and running it on photos.

A subject maps images to images (or to any tensor): one of the catalogue's cases, or
a user's own Keras layer (a `keras.layers.Layer` subclass included), a list of
layers applied in turn, a `keras.Sequential` or `keras.Model` (a sub-model cut from
a bigger one included), or a factory called with the colour space's channel count
that returns any of those (so one test can run in every colour space).

Weights, by mode:
- "keras": the subject's own initializers, each given a seed derived from the check's
  name, and Keras's global generator seeded the same way before the subject is made
  or built (for initializers a layer keeps to itself, and models a factory builds)
  unless the subject seeds every draw itself, as a catalogue case does;
  a layer or model passed as is must not be built yet;
- "fixed": every weight drawn by NumPy from the twin of its layer's default
  initializer (`layerviz.pipeline.layers.NUMPY_INITIALIZERS`), identical on every backend;
- "as-is": the weights the subject already has (a trained or loaded model).

Layers are called directly on eager tensors (no `Model.predict`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import keras
import numpy as np

from layerviz.catalogue.cases import Case, Feed, LayerConfig, LayerInfo
from layerviz.core.names import Weights
from layerviz.core.seeds import DEFAULT_SUITE_SEED, derive_seed
from layerviz.core.versions import version
from layerviz.inputs import colorspaces
from layerviz.inputs.images import WORKING_SIZE, ImageInputError, PhotoSet, centre
from layerviz.pipeline import activations
from layerviz.pipeline import layers as keras_layers
from layerviz.pipeline.render import repeat_pixels
from layerviz.pipeline.shapes import SubjectError, input_count, input_shape

# "as-is": weights already there, which a check must not touch.
MODES = tuple(Weights)


@dataclass(frozen=True)
class Subject:
    # Input shape (H, W, C) -> a layer, a list of layers or a model, ready to call.
    make: Callable[[tuple[int, ...]], object]
    title: str  # e.g. "Conv2D(k3, relu)", or the user's layer class
    inputs: int | None = None  # photos per call; None: as many as the built subject takes
    shape: tuple[int, int] | None = None  # input (height, width); None: the check's size, square
    upsample: int = 1  # nearest-neighbour repetition of the output (pooling shown at input size)
    name: str | None = None  # where its baselines go unless the check says otherwise
    colorspace: str | None = None
    has_weights: bool | None = None  # None: known once built
    config_id: str | None = None  # the catalogue configuration (for known divergences)
    fresh: bool = True  # `make` creates it anew (a factory, a catalogue case), under the check's seed
    # By step of a list: the options of its call (training=True) and whether it adapts first.
    calls: tuple[Mapping[str, object], ...] = ()
    adapts: tuple[bool, ...] = ()
    feed: Feed = Feed.FLOAT  # what the photos go in as: a float tensor, uint8 levels, NumPy arrays
    copies: int = 1  # a batch of that many copies of each photo, shown side by side
    random: bool = False  # draws from Keras's generator as it runs: per-backend baselines
    # Every draw it makes is seeded from the check's name (a catalogue case: its initializers
    # and random layers): Keras's global generator need not be reseeded for it.
    seeded: bool = False
    tolerance: tuple[int, float, float] | None = None  # (levels, rtol, atol) it needs at least


def of(thing: object) -> Subject:
    """The subject for whatever a test passes to `layer_regression.check`."""
    if isinstance(thing, Subject):
        return thing
    if isinstance(thing, Case):
        return _case_subject(thing)
    if isinstance(thing, keras.layers.Layer):  # a keras.Model is one too
        return Subject(lambda _shape: thing, type(thing).__name__, fresh=False)
    if isinstance(thing, type) and issubclass(thing, keras.layers.Layer):
        cls = thing  # a class is a factory: made anew for each check, with the channel count if it takes one
        takes = _takes_channels(cls)
        return Subject(lambda shape: cls(shape[-1]) if takes else cls(), cls.__name__)
    if _runnable(thing):
        layers = list(cast("Sequence[keras.layers.Layer]", thing))
        return Subject(lambda _shape: layers, " → ".join(type(x).__name__ for x in layers), fresh=False)
    if callable(thing) and not isinstance(thing, type):
        factory = thing
        title = getattr(factory, "__name__", type(factory).__name__)
        takes = _takes_channels(factory)
        return Subject(lambda shape: _checked_product(factory, shape[-1], takes), title)
    raise SubjectError(
        f"cannot check {thing!r}: give a Keras layer, a list of layers, a keras.Model, or a "
        f"factory called with the channel count that returns one of those"
    )


def _takes_channels(factory: Callable[..., object]) -> bool:
    """Whether a factory (or a layer class's constructor) takes a positional argument, the
    channel count: `lambda: model` is called with none."""
    try:
        parameters = list(inspect.signature(factory).parameters.values())
    except (TypeError, ValueError):
        return not isinstance(factory, type)  # a builtin callable: as documented, with the count
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return bool(parameters) and parameters[0].kind in positional


def _runnable(thing: object) -> bool:
    """A layer (a model is one too), or a non-empty list of layers applied in turn."""
    return isinstance(thing, keras.layers.Layer) or (
        isinstance(thing, (list, tuple)) and bool(thing) and all(isinstance(x, keras.layers.Layer) for x in thing)
    )


def _checked_product(factory: Callable[..., object], channels: int, takes: bool) -> object:
    made = factory(channels) if takes else factory()
    if _runnable(made):
        return made
    raise SubjectError(
        f"the factory {getattr(factory, '__name__', factory)!r} returned {made!r} for {channels} channels; "
        f"it must return a Keras layer, a list of layers or a keras.Model"
    )


def weighted(subject: Subject, has_weights: bool | None, weights: str) -> bool:
    """Whether a check's baselines go in a set with weights (`fixed`, `as-is`,
    `keras/<backend>`): its subject has weights or draws random numbers as it runs. The
    catalogue knows without running; a user's subject, once built (`has_weights`)."""
    if subject.has_weights is not None:
        return subject.has_weights or subject.random
    return has_weights if has_weights is not None else weights != Weights.KERAS


def unavailable(config: LayerConfig) -> str:
    """Why the running Keras cannot run a catalogue configuration ("" when it can): a
    layer or activation it does not have, or an option newer than it."""
    for step in config.steps:
        if not hasattr(keras.layers, step.layer):
            return f"keras.layers.{step.layer} does not exist in Keras {keras.version()}"
        activation = step.options.get("activation")
        if isinstance(activation, str):
            name = keras_layers.ACTIVATION_VARIANTS.get(activation, (activation,))[0]
            if not hasattr(keras.activations, name):
                return f"keras.activations.{name} does not exist in Keras {keras.version()}"
    if config.min_keras and version(keras.version()) < version(config.min_keras):
        return f"an option it sets needs Keras >= {config.min_keras}, this is {keras.version()}"
    return ""


def _case_subject(case: Case) -> Subject:
    config = case.config

    def make(shape: tuple[int, ...]) -> list[keras.layers.Layer]:
        made, in_shape = [], shape
        for index, step in enumerate(config.steps):
            layer = keras_layers.make_layer(step, index, in_shape, shape, case.id)
            made.append(layer)
            if index + 1 < len(config.steps):  # the next layer may size itself from this one's output
                in_shape = tuple(int(d) for d in layer.compute_output_shape((None, *in_shape))[1:])
        return made

    return Subject(
        make,
        config.title,
        inputs=config.inputs,
        shape=config.input_shape() if config.size or config.shape else None,
        upsample=config.upsample,
        name=config.id,
        colorspace=case.colorspace,
        has_weights=config.has_weights,
        config_id=config.id,
        calls=tuple(step.call for step in config.steps),
        adapts=tuple(step.adapt for step in config.steps),
        feed=config.feed,
        copies=config.copies,
        random=config.random,
        tolerance=config.tolerance,
        seeded=True,
    )


@dataclass(frozen=True)
class Output:
    raw: np.ndarray  # float32, without the batch axis, unclipped
    layers: tuple[LayerInfo, ...]  # the layers as built: class, output shape, parameters
    has_weights: bool
    # (step, activation name, its output before the activation), for every step with one.
    pre_activation: tuple[tuple[int, str, np.ndarray], ...] = ()
    levels: bool = False  # an integer output, in 8-bit levels (0-255)
    # A user's model or list: the input shape it was run at, and every layer's output.
    input_shape: tuple[int, ...] = ()
    trace: tuple[activations.Recorded, ...] = ()
    inputs: int = 1  # photos it was given

    @property
    def parameters(self) -> int:
        return sum(info.parameters for info in self.layers)


def run(
    subject: Subject,
    shape: tuple[int, ...],
    photos: Callable[[int, int, int], Sequence[np.ndarray]],
    weights: str,
    seed_name: str,
    suite_seed: int = DEFAULT_SUITE_SEED,
    sized: bool = True,
) -> Output:
    """Make the subject for inputs of `shape` (H, W, C), or of the size a model declares
    (`sized`: unless the check asked for `shape`'s), and run it on `photos(count, H, W)`
    (H x W x C float32 arrays, as many as it takes) with `weights`. `seed_name` names
    the check, so its weights never depend on what ran before. A user's model or list
    has every layer's output recorded."""
    if weights not in MODES:
        raise SubjectError(f"unknown weights {weights!r}; choose one of: {', '.join(MODES)}")
    if weights == Weights.KERAS and not subject.seeded:
        # Draws from Keras's global generator (a model a factory builds, add_weight with
        # an initializer name) depend on this seed only. Reseeding it also empties
        # TensorFlow's kernel cache (tf.random.set_seed does): a third of a catalogue
        # check's time, measured, which is why seeded subjects skip it.
        keras.utils.set_random_seed(derive_seed(seed_name, "global", suite_seed))
    thing = subject.make(shape)
    if subject.config_id is None:
        shape = input_shape(subject.title, thing, shape, sized)
    steps: list[Any] = (  # Keras layers
        list(thing) if isinstance(thing, list) else (thing.layers if isinstance(thing, keras.Sequential) else [thing])
    )
    walked = keras_layers.walk(thing)
    # as-is: weights already there. A layer built only now (a user's weightless layer
    # beside a trained model is) must come out without any.
    unbuilt = [layer for layer in walked if not layer.built] if weights == Weights.AS_IS else []
    if weights == Weights.KERAS:
        # (A layer without weights counts as built from the start.)
        if any(layer.weights for layer in walked) and not subject.fresh:
            raise SubjectError(
                f"{subject.title} is already built, so its weights came from an unseeded draw; pass an "
                f"unbuilt layer or a factory, or use weights='as-is' for weights that must not change"
            )
        keras_layers.seed_initializers(walked, seed_name, suite_seed)
    images = photos(input_count(subject.inputs, thing), shape[0], shape[1])
    batch = [_fed(image, subject.feed, subject.copies) for image in images]
    value: Any = batch if len(batch) > 1 else batch[0]  # a tensor, or a list of them
    if weights == "fixed":
        keras_layers.fix_weights(thing, steps, value, seed_name, suite_seed)
    summary, pre_activation = [], []
    traced = subject.config_id is None and (isinstance(thing, keras.Model) or len(steps) > 1)
    # Every layer inside, not the model itself: its output is the check's own.
    with activations.recording([layer for layer in walked if layer is not thing] if traced else []) as trace:
        for index, layer in enumerate(steps):
            call = dict(subject.calls[index]) if subject.calls else {}
            if subject.adapts and subject.adapts[index]:
                layer.adapt(value)
            with _watching_activation(layer) as before:
                value = layer(value, **call)
            if isinstance(value, (list, tuple, dict)):
                raise SubjectError(
                    f"{subject.title}: {type(layer).__name__} returns {len(value)} outputs; check a sub-model "
                    f"with one output, e.g. keras.Model(model.inputs, model.outputs[0])"
                )
            summary.append(
                LayerInfo(type(layer).__name__, tuple(int(d) for d in value.shape[1:]), int(layer.count_params()))
            )
            if before:
                pre_activation.append((index, *before))
    drawn = [layer.name for layer in unbuilt if layer.weights]
    if drawn:
        raise SubjectError(
            f"{subject.title}: weights='as-is' keeps the weights a subject already has, but {', '.join(drawn)} had "
            f"none until this check built it; build or load it first, or use weights='keras' or 'fixed'"
        )
    out = keras.ops.convert_to_numpy(value)
    raw = out[0] if subject.copies == 1 else np.concatenate(list(out), axis=1)  # the copies side by side
    # 8-bit levels out: an integer output, or floats a layer kept on the uint8 scale
    # (CenterCrop, RandomFlip); Rescaling(1/255) brings them back to [0, 1].
    levels = np.issubdtype(raw.dtype, np.integer) or (subject.feed.levels and float(np.max(raw)) > 1.0)
    if subject.upsample > 1 and raw.ndim == 3:
        raw = repeat_pixels(raw, subject.upsample)
        pre_activation = [(i, name, repeat_pixels(x, subject.upsample)) for i, name, x in pre_activation]
    has_weights = any(layer.weights for layer in steps)
    return Output(
        np.ascontiguousarray(raw, dtype=np.float32),
        tuple(summary),
        has_weights,
        tuple(pre_activation),
        levels,
        shape if traced else (),
        tuple(trace),
        len(images),
    )


def _fed(image: np.ndarray, feed: Feed, copies: int) -> Any:
    """A photo (H x W x C floats in [0, 1]) as a batch of `copies`, in what `feed` says: a
    tensor or a NumPy array, of floats or of uint8 levels (since Keras 3.4 integer arrays
    stay integer, and wrap around)."""
    if feed.levels:
        image = np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
    # A new, writable array (the photos are shared and read-only).
    batch = np.repeat(image[np.newaxis], copies, axis=0).astype(np.uint8 if feed.levels else np.float32, copy=False)
    return batch if feed.numpy else keras.ops.convert_to_tensor(batch, dtype=batch.dtype.name)


@contextlib.contextmanager
def _watching_activation(layer: keras.layers.Layer) -> Iterator[list]:
    """While the layer runs, keep what it hands its activation, where it has one: what a
    saturating activation (a relu killing every value, a tanh flattening) hides from the
    picture. The layer still applies its own activation: only its input is kept."""
    activation = getattr(layer, "activation", None)
    if activation is None or activation is keras.activations.linear:
        yield []
        return
    name = getattr(activation, "__name__", None) or getattr(getattr(activation, "func", None), "__name__", "activation")
    seen: list = []

    def watched(x: object) -> object:
        seen[:] = [name, np.ascontiguousarray(keras.ops.convert_to_numpy(x)[0], dtype=np.float32)]
        return activation(x)

    layer.activation = watched
    try:
        yield seen
    finally:
        layer.activation = activation


def trace(
    subject: Subject,
    space: colorspaces.ColorSpace,
    photos: PhotoSet | None = None,
    size: int | None = None,
    weights: str = Weights.KERAS,
    seed_name: str = "",
    suite_seed: int = DEFAULT_SUITE_SEED,
) -> Output:
    """Run the subject on `photos` (the bundled pair unless given) in `space`, at
    the subject's own size, else `size`, else the size a model declares, else the working size."""
    height, width = subject.shape or (size or WORKING_SIZE,) * 2

    def inputs(count: int, height: int, width: int) -> Sequence[np.ndarray]:
        images = photo_inputs(photos or _BUNDLED, space, height, width, count)
        if len(images) < count:
            raise ImageInputError(f"{subject.title} takes {count} inputs: give {count} photos, got {len(images)}")
        return images

    sized = subject.shape is not None or size is not None
    return run(subject, (height, width, space.depth), inputs, weights, seed_name or subject.title, suite_seed, sized)


_BUNDLED = PhotoSet.bundled()


@functools.lru_cache(maxsize=32)
def photo_inputs(
    photos: PhotoSet, space: colorspaces.ColorSpace, height: int, width: int, count: int
) -> tuple[np.ndarray, ...]:
    """The first `count` photos, centre-cropped to `height` x `width`, in the colour space:
    the same for every check of that shape, so made once (and read-only)."""
    images = tuple(space.from_rgb(centre(image, height, width)) for image in photos.at(max(height, width))[:count])
    for image in images:
        image.flags.writeable = False
    return images

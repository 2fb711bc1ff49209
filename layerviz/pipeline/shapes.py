"""What a made subject is given: how many photos a call takes, and at what size a model
that declares its input shape runs (a user's size must then agree with it)."""

from __future__ import annotations

import keras


class SubjectError(TypeError):
    """A subject layerviz cannot run as asked; the message says what to pass instead."""


def input_count(inputs: int | None, built: object) -> int:
    """Photos per call: `inputs`, as the subject says, else a model's inputs, else 2 for a merging layer."""
    if inputs is not None:
        return inputs
    declared = _declared_inputs(built)
    if declared:
        return len(declared)
    first = built[0] if isinstance(built, list) else built
    # Add, Maximum, ... derive from Keras's merging base class.
    return 2 if any(cls.__name__ == "Merge" for cls in type(first).__mro__) else 1


def _declared_inputs(built: object) -> list[tuple[int | None, ...]]:
    """The input shapes (without the batch axis) a functional or Sequential model declares
    (the first of a list), or [] where it declares none (a layer, a subclassed model)."""
    first = built[0] if isinstance(built, list) else built
    if not isinstance(first, keras.Model):
        return []
    try:
        inputs = first.inputs
    except (AttributeError, ValueError):  # subclassed, or a Sequential not built yet
        return []
    return [tuple(tensor.shape[1:]) for tensor in keras.tree.flatten(inputs or [])]


def input_shape(title: str, built: object, shape: tuple[int, ...], sized: bool) -> tuple[int, ...]:
    """The (H, W, C) a made subject (`title`) runs at: a model that declares its input size is
    given photos of that size; `sized`: the check asked for `shape`'s size, which must
    then agree."""
    declared = {s for s in _declared_inputs(built) if len(s) == 3}
    if not declared:
        return shape
    if len(declared) > 1:
        raise SubjectError(
            f"{title} takes inputs of different shapes {sorted(map(str, declared))}; layerviz gives every "
            f"input a photo: check a model whose image inputs share one shape"
        )
    height, width, channels = next(iter(declared))
    if channels is not None and channels != shape[2]:
        raise SubjectError(
            f"{title} takes {channels} channels per pixel, and this check's colour space gives {shape[2]}: "
            f"pass colorspace= one with {channels} (luminance has 1; rgb, hsv and ycbcr have 3)"
        )
    if (height, width) == (None, None) or (height, width) == shape[:2]:
        return shape
    if sized:
        raise SubjectError(
            f"{title} takes {height}x{width} inputs (its input shape), not the {shape[0]}x{shape[1]} "
            f"asked for: leave the size out to render it at its own"
        )
    return (height or shape[0], width or shape[1], shape[2])

"""Activations: every layer's output while a model or a list of layers runs, as keract's
`get_activations` gives them, but from the one real call the check makes (no second
model, no `Model.predict`), so subclassed models are covered too.

Each layer's `call` is wrapped on the instance for the duration of the run: Keras calls
`self.call` from `Layer.__call__` on every backend. Symbolic calls (a Sequential that
builds itself on its first call, a layer that traces its output shape) are not recorded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

import keras
import numpy as np

Recorded = tuple[str, str, np.ndarray, int]


@contextlib.contextmanager
def recording(layers: Sequence[keras.layers.Layer]) -> Iterator[list[Recorded]]:
    """While the block runs, the (name, class, float32 output without the batch axis,
    parameter count) of each of `layers` as it returns, in that order (a layer called
    twice, twice)."""
    seen: list[Recorded] = []
    wrapped = [layer for layer in layers if not isinstance(layer, keras.layers.InputLayer)]
    # A call the instance already has of its own (a wrapper of the user's) is kept, inside.
    own = [vars(layer).get("call") for layer in wrapped]
    for layer, call in zip(wrapped, own, strict=True):
        vars(layer)["call"] = _recorder(layer, call or type(layer).call.__get__(layer), seen)  # past __setattr__
    try:
        yield seen
    finally:
        for layer, call in zip(wrapped, own, strict=True):
            if call is None:
                del vars(layer)["call"]
            else:
                vars(layer)["call"] = call


def _recorder(layer: keras.layers.Layer, call: Callable[..., object], seen: list[Recorded]) -> object:
    def recorded(*args: object, **kwargs: object) -> object:
        output = call(*args, **kwargs)
        tensors = keras.tree.flatten(output)
        values = [_concrete(tensor) for tensor in tensors]
        if all(value is not None for value in values):
            for index, value in enumerate(values):
                suffix = f"[{index}]" if len(values) > 1 else ""
                seen.append((layer.name + suffix, type(layer).__name__, value, int(layer.count_params())))  # type: ignore[arg-type]
        return output

    return recorded


def _concrete(tensor: object) -> np.ndarray | None:
    """The eager tensor's values (float32, batch axis dropped), or None for a symbolic one."""
    if isinstance(tensor, keras.KerasTensor) or not hasattr(tensor, "shape") or len(tensor.shape) < 1:
        return None
    try:
        values = keras.ops.convert_to_numpy(tensor)
    except Exception:  # a graph tensor or a tracer, from a call that only traced shapes
        return None
    return np.ascontiguousarray(values[0], dtype=np.float32)

"""Where a model's change starts: its layers' recorded outputs compared in the order they
returned, naming the first that differs (keract shows every layer's output; this names
the one that changed)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from layerviz.core.tolerance import Tolerance
from layerviz.judge.moves import StatMove, moved
from layerviz.pipeline.render import LayerTrace, Rendering

# A trace records 4 significant digits (render.LayerTrace), which round a value by at
# most 5e-4 of itself: a layer differs when it moved by more than 0.1%.
TRACE_RTOL = 1e-3


@dataclass(frozen=True)
class LayerChange:
    """The first layer of a model or list whose output differs from the baseline's, or
    why none can be named."""

    said: str
    obtained: LayerTrace | None = None  # that layer's output, to show it
    index: int | None = None  # its place in the trace

    def __str__(self) -> str:
        return self.said


def first_changed_layer(baseline: Rendering, obtained: Rendering, tolerance: Tolerance) -> LayerChange | None:
    """Where a model's change starts: the first layer, in the order they returned, whose
    class, output shape or statistics differ (names are Keras's, and may be numbered by
    what else the process made, so they are not compared). None without a trace."""
    if not obtained.trace:
        return None
    if not baseline.trace:
        return LayerChange(
            "first differing layer: unknown, the baseline records no layer's output (made before layerviz "
            "recorded them): `--layerviz-rewrite` records them"
        )
    for index, (old, new) in enumerate(zip(baseline.trace, obtained.trace, strict=False)):
        if (old.layer, old.stats.shape) != (new.layer, new.stats.shape):
            what = f"was {old.layer} {_shape(old)}"
        else:
            moves = moved(old.stats, new.stats, replace(tolerance, rtol=max(tolerance.rtol, TRACE_RTOL)))
            if not moves:
                continue
            what = ", ".join(f"{m.name} {m.before:.6g} -> {m.after:.6g}{_percent(m)}" for m in moves)
        before = {0: "no layer before it", 1: "the layer before it matches"}.get(
            index, f"the {index} layers before it match"
        )
        return LayerChange(
            f"first differing layer: `{new.name}` ({new.layer}), output {_shape(new)}: {what}; {before}", new, index
        )
    old_count, new_count = len(baseline.trace), len(obtained.trace)
    if old_count != new_count:
        return LayerChange(
            f"layers: {new_count} now, {old_count} in the baseline; the first {min(old_count, new_count)} match"
        )
    return LayerChange(f"every layer's output matches ({new_count} layers): only the rendering differs")


def _shape(trace: LayerTrace) -> str:
    return "(" + ", ".join(map(str, trace.stats.shape)) + ")"


def _percent(move: StatMove) -> str:
    return f" ({100.0 * (move.after - move.before) / abs(move.before):+.1f}%)" if move.before else ""

"""Compare: what a check obtained against its baseline, strictly, with a readable verdict.

Stricter than pytest-regressions' `image_regression`, which averages differences:
here one pixel, one border row, a size or mode change, or a change of the raw
output that the display clipping hides is enough to fail. Either side may be an
exception instead of a picture (`layerviz.core.raised`): "now raises", "now works".
Each failed comparison names one cause, so a report can group what it found.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np

from layerviz.core.raised import Raised
from layerviz.core.tolerance import MAX_LEVEL_DIFF, Tolerance
from layerviz.pipeline.render import LayerTrace, Rendering, Stats

Outcome = Rendering | Raised

# A picture whose changed pixels mostly vanish when moved by at most this many rows
# and columns is reported as shifted, not as changed.
MAX_SHIFT = 2

# A trace records 4 significant digits (render.LayerTrace), which round a value by at
# most 5e-4 of itself: a layer differs when it moved by more than 0.1%.
TRACE_RTOL = 1e-3


@dataclass(frozen=True)
class StatMove:
    """One raw-output statistic of one channel that moved beyond tolerance."""

    name: str
    channel: str
    before: float
    after: float

    def __str__(self) -> str:
        return f"{self.name}[{self.channel}] {self.before:.6g} -> {self.after:.6g}"


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
            moves = _moved(old.stats, new.stats, replace(tolerance, rtol=max(tolerance.rtol, TRACE_RTOL)))
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


@dataclass
class Comparison:
    baseline: Outcome
    obtained: Outcome
    tolerance: Tolerance
    # Per-pixel largest level difference over channels, when the shapes agree.
    diff: np.ndarray | None = None
    shape_change: str | None = None  # image size or mode
    raw_shape_change: str | None = None
    stats_moved: list[StatMove] = field(default_factory=list)
    layers_change: str | None = None
    raised_change: str | None = None  # now raises, now works, raises differently
    pre_activation_change: str | None = None  # which layers have a record before their activation
    # (rows, columns) the obtained picture is moved by, when that explains the change.
    shift: tuple[int, int] | None = None
    layer_change: LayerChange | None = None  # a model's: where a failure starts

    @property
    def case_id(self) -> str:
        return self.obtained.case_id

    @property
    def max_diff(self) -> int:
        return int(self.diff.max()) if self.diff is not None and self.diff.size else 0

    @property
    def changed(self) -> np.ndarray | None:
        return None if self.diff is None else self.diff > self.tolerance.levels

    @property
    def changed_pixels(self) -> int:
        changed = self.changed
        return 0 if changed is None else int(changed.sum())

    @property
    def total_pixels(self) -> int:
        if not isinstance(self.obtained, Rendering):
            return 0
        return int(self.obtained.pixels.shape[0] * self.obtained.pixels.shape[1])

    @property
    def image_failed(self) -> bool:
        """The PNG part of the baseline no longer holds (pixels, size or mode)."""
        return bool(self.raised_change or self.shape_change or self.changed_pixels)

    @property
    def sidecar_failed(self) -> bool:
        """The statistics part of the baseline no longer holds."""
        return bool(
            self.raised_change
            or self.raw_shape_change
            or self.stats_moved
            or self.layers_change
            or self.pre_activation_change
        )

    @property
    def bbox(self) -> tuple[int, int, int, int] | None:
        """(first row, first column, last row, last column) of the changed pixels."""
        changed = self.changed
        if changed is None or not changed.any():
            return None
        rows = np.flatnonzero(changed.any(axis=1))
        cols = np.flatnonzero(changed.any(axis=0))
        return int(rows[0]), int(cols[0]), int(rows[-1]), int(cols[-1])

    @property
    def problems(self) -> list[str]:
        problems = [
            p for p in (self.raised_change, self.shape_change, self.layers_change, self.pre_activation_change) if p
        ]
        if self.changed_pixels:
            top, left, bottom, right = self.bbox  # type: ignore[misc]
            count, total = self.changed_pixels, self.total_pixels
            problems.append(
                f"pixels: max difference {self.max_diff} levels (tolerance {self.tolerance.levels}); "
                f"{count} of {total} pixels ({100.0 * count / total:.2f}%) changed, "
                f"in rows {top}-{bottom}, columns {left}-{right}" + self._uniform()
            )
        if self.shift:
            problems.append(f"moved {_describe_shift(self.shift)}, the baseline matches the obtained picture")
        if self.raw_shape_change:
            problems.append(self.raw_shape_change)
        if self.stats_moved:
            problems.append(
                f"raw statistics moved (rtol {self.tolerance.rtol:g}, atol {self.tolerance.atol:g} "
                "× the largest |value|): " + "; ".join(map(str, self.stats_moved))
            )
        if self.layer_change:
            problems.append(str(self.layer_change))
        return problems

    def _uniform(self) -> str:
        """Whether every pixel moved alike (a gain, an offset), not one part of the picture."""
        assert self.diff is not None
        low, high = int(self.diff.min()), int(self.diff.max())
        if self.changed_pixels == self.total_pixels and high - low <= max(1, high // 4):
            return f"; uniform: every pixel moved by {low}-{high} levels"
        return ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def cause(self) -> str:
        """What changed, in a few words shared by every check the same change hit."""
        if self.raised_change:
            if isinstance(self.obtained, Raised):
                return "raises differently" if isinstance(self.baseline, Raised) else f"now raises {self.obtained.type}"
            return "now works"
        if self.shape_change or self.raw_shape_change:
            return "output shape changed"
        if self.layers_change:
            return "layers changed"
        if self.pre_activation_change:
            return "pre-activation record changed"
        if self.shift:
            return f"values shifted {_describe_shift(self.shift)}"
        if self.changed_pixels:
            return "values changed"
        if self.stats_moved:
            return "raw values changed, picture unchanged"
        return ""

    @property
    def severity(self) -> tuple[int, float, int, int]:
        """Sort key, larger is worse: structural changes, then share of pixels changed,
        largest difference, and number of statistics moved."""
        structural = sum(
            bool(p) for p in (self.raised_change, self.shape_change, self.raw_shape_change, self.layers_change)
        )
        share = self.changed_pixels / self.total_pixels if self.total_pixels else 0.0
        return structural, share, self.max_diff, len(self.stats_moved)

    def message(self, name: str | None = None) -> str:
        """The verdict in words, the check called `name` (default: its case id)."""
        name = name or self.case_id
        if self.ok:
            return f"{name}: matches its baseline"
        return "\n".join([f"{name}: differs from its baseline", *(f"  {p}" for p in self.problems)])

    def summary(self) -> dict[str, object]:
        """The numbers of the verdict, for JSON reports."""
        return {
            "case": self.case_id,
            "ok": self.ok,
            "cause": self.cause,
            "problems": self.problems,
            "max_diff": self.max_diff,
            "changed_pixels": self.changed_pixels,
            "total_pixels": self.total_pixels,
            "bbox": self.bbox,
            "shape_change": self.shape_change,
            "raw_shape_change": self.raw_shape_change,
            "layers_change": self.layers_change,
            "raised_change": self.raised_change,
            "pre_activation_change": self.pre_activation_change,
            "shift": self.shift,
            "stats_moved": [vars(move) for move in self.stats_moved],
            "layer_change": str(self.layer_change) if self.layer_change else None,
        }


def _describe_image(rendering: Rendering) -> str:
    height, width = rendering.pixels.shape[:2]
    return f"{width}x{height} {rendering.mode}"


def _describe_layers(rendering: Rendering) -> str:
    return ", ".join(f"{i.layer}{list(i.output_shape)} {i.parameters:,} params" for i in rendering.layers)


def _describe_outcome(outcome: Outcome) -> str:
    if isinstance(outcome, Raised):
        return f"raises {outcome}"
    return f"a {_describe_image(outcome)} picture"


def _error(outcome: Outcome) -> tuple[str, str] | None:
    return (outcome.type, outcome.message) if isinstance(outcome, Raised) else None


def _describe_shift(shift: tuple[int, int]) -> str:
    rows, columns = shift
    parts = [
        f"{abs(n)} {unit}{'s' if abs(n) > 1 else ''} {way[n < 0]}"
        for n, unit, way in ((rows, "row", ("down", "up")), (columns, "column", ("right", "left")))
        if n
    ]
    return " and ".join(parts)


def find_shift(baseline: np.ndarray, obtained: np.ndarray, levels: int) -> tuple[int, int] | None:
    """The move (rows, columns; down and right positive) of at most MAX_SHIFT pixels after
    which `obtained` matches `baseline` but for at most 1% of the pixels both still
    cover, if there is one and it explains at least 90% of the change."""
    height, width = baseline.shape[:2]
    if height <= 4 * MAX_SHIFT or width <= 4 * MAX_SHIFT:
        return None
    unmoved = _changed_count(baseline, obtained, levels)
    best: tuple[int, tuple[int, int]] | None = None
    for rows in range(-MAX_SHIFT, MAX_SHIFT + 1):
        for columns in range(-MAX_SHIFT, MAX_SHIFT + 1):
            if rows or columns:
                # obtained[y, x] == baseline[y - rows, x - columns] where both exist.
                old = baseline[max(0, -rows) : height - max(0, rows), max(0, -columns) : width - max(0, columns)]
                new = obtained[max(0, rows) : height - max(0, -rows), max(0, columns) : width - max(0, -columns)]
                count = _changed_count(old, new, levels)
                if best is None or count < best[0]:
                    best = (count, (rows, columns))
    overlap = (height - MAX_SHIFT) * (width - MAX_SHIFT)
    if best is not None and best[0] <= 0.01 * overlap and best[0] <= 0.1 * unmoved:
        return best[1]
    return None


def _changed_count(before: np.ndarray, after: np.ndarray, levels: int) -> int:
    return int((_level_diff(before, after) > levels).sum())


def _level_diff(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Per pixel, the largest difference in 8-bit levels over the channels (uint8, H x W)."""
    delta: np.ndarray = np.maximum(before, after) - np.minimum(before, after)  # stays in uint8: no wrap-around
    if delta.ndim == 2:
        return delta
    # Channel by channel: NumPy reduces a short last axis many times slower.
    largest: np.ndarray = functools.reduce(np.maximum, (delta[..., channel] for channel in range(delta.shape[-1])))
    return largest


def compare(baseline: Outcome, obtained: Outcome, tolerance: Tolerance = Tolerance()) -> Comparison:
    result = Comparison(baseline, obtained, tolerance)
    if isinstance(baseline, Raised) or isinstance(obtained, Raised):
        if _error(baseline) != _error(obtained):
            was = _describe_outcome(baseline)
            if isinstance(obtained, Raised):
                verb = "raises differently" if isinstance(baseline, Raised) else "now raises"
                result.raised_change = f"{verb}: {obtained} (baseline: {was})"
            else:
                result.raised_change = f"now works: obtained {_describe_outcome(obtained)} (baseline: {was})"
        return result
    if baseline.pixels.shape != obtained.pixels.shape or baseline.mode != obtained.mode:
        result.shape_change = (
            f"image shape changed: baseline {_describe_image(baseline)}, obtained {_describe_image(obtained)}"
        )
    else:
        result.diff = _level_diff(baseline.pixels, obtained.pixels)
        if result.changed_pixels > 0.05 * result.total_pixels:
            result.shift = find_shift(baseline.pixels, obtained.pixels, tolerance.levels)
    if baseline.layers != obtained.layers:
        result.layers_change = (
            f"layers changed: baseline {_describe_layers(baseline)}; obtained {_describe_layers(obtained)}"
        )
    before, after = baseline.stats, obtained.stats
    if before.shape != after.shape or before.channels != after.channels:
        result.raw_shape_change = (
            f"raw output shape changed: baseline {before.shape} {'/'.join(before.channels)}, "
            f"obtained {after.shape} {'/'.join(after.channels)}"
        )
    else:
        result.stats_moved += _moved(before, after, tolerance)
        _compare_pre_activation(baseline, obtained, tolerance, result)
    if obtained.trace and not result.ok:  # a catalogue check has no trace: nothing to look for
        result.layer_change = first_changed_layer(baseline, obtained, tolerance)
    return result


def _compare_pre_activation(baseline: Rendering, obtained: Rendering, tolerance: Tolerance, result: Comparison) -> None:
    records = [(r.layer, r.activation) for r in baseline.pre_activation]
    if records != [(r.layer, r.activation) for r in obtained.pre_activation]:
        result.pre_activation_change = (
            f"pre-activation record changed: baseline {_describe_records(baseline)}, "
            f"obtained {_describe_records(obtained)}"
            + ("; a baseline made before layerviz recorded it: regenerate it" if not records else "")
        )
    else:
        for old, new in zip(baseline.pre_activation, obtained.pre_activation, strict=True):
            result.stats_moved += _moved(old.stats, new.stats, tolerance, f" before {new.activation}")


def magnitude(stats: Stats) -> float:
    """The largest finite |value| the statistics record (its min and max over channels):
    the scale round-off is relative to."""
    ends = np.abs(np.array([*stats.min, *stats.max], dtype=np.float64))
    ends = ends[np.isfinite(ends)]
    return float(ends.max()) if ends.size else 0.0


def _moved(before: Stats, after: Stats, tolerance: Tolerance, suffix: str = "") -> list[StatMove]:
    # Every statistic of every channel in one call: statistics x channels.
    old, new = (np.array([getattr(stats, name) for name in Stats.NAMES]) for stats in (before, after))
    # atol is for statistics near zero, and scales with the output's own magnitude (it was
    # measured on pictures, whose values are around 1): a 5% change of values around 1e-7
    # is caught as surely as one of values around 1, and round-off of values around 1e4,
    # which is 1e4 times larger, still passes.
    atol = tolerance.atol * max(magnitude(before), float(np.finfo(np.float32).tiny))
    close = np.isclose(new, old, rtol=tolerance.rtol, atol=atol, equal_nan=True)
    return [
        StatMove(name + suffix, channel, float(old[row, column]), float(new[row, column]))
        for row, name in enumerate(Stats.NAMES)
        for column, channel in enumerate(after.channels)
        if not close[row, column]
    ]


def _describe_records(rendering: Rendering) -> str:
    return ", ".join(f"layer {r.layer} ({r.activation})" for r in rendering.pre_activation) or "none"


def heat_map(diff: np.ndarray, levels: int = MAX_LEVEL_DIFF) -> np.ndarray:
    """RGB picture of a difference map: black = equal, grey = within tolerance, red to
    yellow = beyond it, yellow at this map's largest difference: a uniform shift is one
    flat colour, a local change a bright patch."""
    heat = np.zeros((*diff.shape, 3), dtype=np.uint8)
    heat[(diff > 0) & (diff <= levels)] = (64, 64, 64)
    beyond = diff > levels
    if beyond.any():
        top = int(diff.max())
        ramp = (diff[beyond].astype(np.float64) - levels) / max(top - levels, 1)
        heat[beyond, 0] = 255
        heat[beyond, 1] = np.rint(ramp * 255.0).astype(np.uint8)
    return heat


def side_by_side(panels: list[np.ndarray], gap: int = 4) -> np.ndarray:
    """Panels (L or RGB, any sizes) left to right on a white canvas."""
    rgb = [np.repeat(p[..., np.newaxis], 3, axis=-1) if p.ndim == 2 else p for p in panels]
    height = max(p.shape[0] for p in rgb)
    width = sum(p.shape[1] for p in rgb) + gap * (len(rgb) - 1)
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    left = 0
    for panel in rgb:
        canvas[: panel.shape[0], left : left + panel.shape[1]] = panel
        left += panel.shape[1] + gap
    return canvas

"""Compare: what a check obtained against its baseline, strictly, with a readable verdict.

Stricter than pytest-regressions' `image_regression`, which averages differences:
here one pixel, one border row, a size or mode change, or a change of the raw
output that the display clipping hides is enough to fail. Either side may be an
exception instead of a picture (`layerviz.core.raised`): "now raises", "now works".
Each failed comparison names one cause, so a report can group what it found.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from layerviz.core.raised import Raised
from layerviz.core.tolerance import Tolerance
from layerviz.judge.moves import StatMove, moved
from layerviz.judge.trace import LayerChange, first_changed_layer
from layerviz.pipeline.render import Rendering

Outcome = Rendering | Raised

# A picture whose changed pixels mostly vanish when moved by at most this many rows
# and columns is reported as shifted, not as changed.
MAX_SHIFT = 2


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
        result.stats_moved += moved(before, after, tolerance)
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
            result.stats_moved += moved(old.stats, new.stats, tolerance, f" before {new.activation}")


def _describe_records(rendering: Rendering) -> str:
    return ", ".join(f"layer {r.layer} ({r.activation})" for r in rendering.pre_activation) or "none"

"""Compare: an obtained rendering against its baseline, strictly, with a readable verdict.

Stricter than pytest-regressions' `image_regression`, which averages differences:
here one pixel, one border row, a size or mode change, or a change of the raw
output that the display clipping hides is enough to fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from layerviz.render import Rendering, Stats

# One 8-bit level absorbs float round-off (oneDNN vs. plain kernels, thread count)
# that moves a value across a rounding boundary; a real change of a layer moves many
# pixels by more.
MAX_LEVEL_DIFF = 1
# Raw statistics are float64 reductions of float32 outputs: round-off is ~1e-7
# relative, so these leave two to three orders of magnitude of headroom while still
# catching a change hidden by clipping. atol covers statistics near zero.
STATS_RTOL = 1e-4
STATS_ATOL = 1e-5


@dataclass(frozen=True)
class Tolerance:
    levels: int = MAX_LEVEL_DIFF
    rtol: float = STATS_RTOL
    atol: float = STATS_ATOL


@dataclass
class Comparison:
    baseline: Rendering
    obtained: Rendering
    tolerance: Tolerance
    problems: list[str] = field(default_factory=list)
    # Per-pixel largest level difference over channels, when the shapes agree.
    diff: np.ndarray | None = None

    @property
    def case_id(self) -> str:
        return self.obtained.case_id

    @property
    def ok(self) -> bool:
        return not self.problems

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
    def bbox(self) -> tuple[int, int, int, int] | None:
        """(first row, first column, last row, last column) of the changed pixels."""
        changed = self.changed
        if changed is None or not changed.any():
            return None
        rows = np.flatnonzero(changed.any(axis=1))
        cols = np.flatnonzero(changed.any(axis=0))
        return int(rows[0]), int(cols[0]), int(rows[-1]), int(cols[-1])

    def message(self) -> str:
        if self.ok:
            return f"{self.case_id}: matches its baseline"
        return "\n".join([f"{self.case_id}: differs from its baseline", *(f"  {p}" for p in self.problems)])


def _describe_image(rendering: Rendering) -> str:
    height, width = rendering.pixels.shape[:2]
    return f"{width}x{height} {rendering.mode}"


def compare(baseline: Rendering, obtained: Rendering, tolerance: Tolerance = Tolerance()) -> Comparison:
    result = Comparison(baseline, obtained, tolerance)
    if baseline.pixels.shape != obtained.pixels.shape or baseline.mode != obtained.mode:
        result.problems.append(
            f"image shape changed: baseline {_describe_image(baseline)}, "
            f"obtained {_describe_image(obtained)}"
        )
    else:
        _compare_pixels(baseline.pixels, obtained.pixels, result)
    result.problems.extend(_compare_stats(baseline.stats, obtained.stats, tolerance))
    return result


def _compare_pixels(baseline: np.ndarray, obtained: np.ndarray, result: Comparison) -> None:
    delta = np.abs(baseline.astype(np.int16) - obtained.astype(np.int16))
    result.diff = (delta if delta.ndim == 2 else delta.max(axis=-1)).astype(np.uint8)
    count = result.changed_pixels
    if count:
        top, left, bottom, right = result.bbox  # type: ignore[misc]
        total = result.diff.size
        result.problems.append(
            f"pixels: max difference {result.max_diff} levels (tolerance {result.tolerance.levels}); "
            f"{count} of {total} pixels ({100.0 * count / total:.2f}%) changed, "
            f"in rows {top}-{bottom}, columns {left}-{right}"
        )


def _compare_stats(baseline: Stats, obtained: Stats, tolerance: Tolerance) -> list[str]:
    if baseline.shape != obtained.shape or baseline.channels != obtained.channels:
        return [
            f"raw output shape changed: baseline {baseline.shape} {'/'.join(baseline.channels)}, "
            f"obtained {obtained.shape} {'/'.join(obtained.channels)}"
        ]
    moved = []
    for name in Stats.NAMES:
        before, after = np.array(getattr(baseline, name)), np.array(getattr(obtained, name))
        close = np.isclose(after, before, rtol=tolerance.rtol, atol=tolerance.atol, equal_nan=True)
        moved += [
            f"{name}[{channel}] {b:.6g} -> {a:.6g}"
            for channel, b, a, ok in zip(obtained.channels, before, after, close)
            if not ok
        ]
    if not moved:
        return []
    return [
        f"raw statistics moved (rtol {tolerance.rtol:g}, atol {tolerance.atol:g}): " + "; ".join(moved)
    ]


def heat_map(diff: np.ndarray, levels: int = MAX_LEVEL_DIFF) -> np.ndarray:
    """RGB picture of a difference map: black = equal, grey = within tolerance,
    red to yellow = beyond it (yellow at 64 levels or more)."""
    heat = np.zeros((*diff.shape, 3), dtype=np.uint8)
    heat[(diff > 0) & (diff <= levels)] = (64, 64, 64)
    beyond = diff > levels
    ramp = np.clip(diff.astype(np.float64) / 64.0, 0.0, 1.0)
    heat[beyond, 0] = 255
    heat[beyond, 1] = np.rint(ramp[beyond] * 255.0).astype(np.uint8)
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

"""Raw-output statistics compared: which statistic of which channel moved beyond
tolerance, with an absolute tolerance that scales with the output's own magnitude."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from layerviz.core.tolerance import Tolerance
from layerviz.pipeline.render import Stats


@dataclass(frozen=True)
class StatMove:
    """One raw-output statistic of one channel that moved beyond tolerance."""

    name: str
    channel: str
    before: float
    after: float

    def __str__(self) -> str:
        return f"{self.name}[{self.channel}] {self.before:.6g} -> {self.after:.6g}"


def magnitude(stats: Stats) -> float:
    """The largest finite |value| the statistics record (its min and max over channels):
    the scale round-off is relative to."""
    ends = np.abs(np.array([*stats.min, *stats.max], dtype=np.float64))
    ends = ends[np.isfinite(ends)]
    return float(ends.max()) if ends.size else 0.0


def moved(before: Stats, after: Stats, tolerance: Tolerance, suffix: str = "") -> list[StatMove]:
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

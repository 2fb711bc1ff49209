"""Tolerance: how far a check may drift from its baseline and still pass.

Plain data, without NumPy: the pytest plugin, which every pytest run loads (a pytest-xdist
controller too, which renders nothing), reads its defaults from here.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

# One 8-bit level absorbs float round-off that moves a value across a rounding
# boundary; the raw statistics (float64 reductions of float32 outputs) get rtol 1e-4,
# with atol 1e-5 for statistics near zero, times the output's largest |value| (compare).
# Measured against the committed baselines (keras 3.15.1): TensorFlow with oneDNN off,
# and the fixed and weightless checks on JAX and PyTorch, differ by at most 1 level (in
# 15, 26 and 18 checks) and use at most 1.7% of the statistics tolerance; a real change
# moves many pixels by far more.
MAX_LEVEL_DIFF = 1
STATS_RTOL = 1e-4
STATS_ATOL = 1e-5


@dataclass(frozen=True)
class Tolerance:
    """Largest per-pixel difference in 8-bit levels; the raw statistics' rtol and atol."""

    levels: int = MAX_LEVEL_DIFF
    rtol: float = STATS_RTOL
    atol: float = STATS_ATOL

    def at_least(self, floor: tuple[int, float, float] | None) -> Tolerance:
        """This tolerance, loosened to what a configuration is measured to need (`floor`)."""
        if floor is None:
            return self
        return Tolerance(*(max(mine, needed) for mine, needed in zip(astuple(self), floor, strict=True)))

"""Raw statistics beyond tolerance, with an absolute tolerance that scales with the output."""

import numpy as np

from layerviz.core.tolerance import Tolerance
from layerviz.judge.moves import StatMove, magnitude, moved
from layerviz.pipeline.render import Stats


def stats(values: np.ndarray) -> Stats:
    return Stats.of(values, ("R", "G", "B"))


def test_a_moved_statistic_is_named_with_its_channel_and_both_values():
    before = np.linspace(0, 1, 4 * 4 * 3, dtype=np.float32).reshape(4, 4, 3)
    after = before.copy()
    after[..., 1] += 0.5  # the green channel only
    found = moved(stats(before), stats(after), Tolerance())
    assert {(m.name, m.channel) for m in found} == {("min", "G"), ("max", "G"), ("mean", "G")}
    assert str(next(m for m in found if m.name == "mean")).startswith("mean[G] ")
    assert isinstance(found[0], StatMove)


def test_the_absolute_tolerance_scales_with_the_largest_value():
    tiny = np.full((4, 4, 3), 1e-7, dtype=np.float32)
    tiny[0, 0] = 2e-7
    assert magnitude(stats(tiny)) == np.float32(2e-7)
    # 5% of values around 1e-7 is caught, as 5% of values around 1 would be.
    assert moved(stats(tiny), stats(tiny * 1.05), Tolerance())
    assert not moved(stats(tiny), stats(tiny * (1 + 1e-6)), Tolerance())


def test_a_statistic_that_is_nan_on_both_sides_has_not_moved():
    values = np.full((2, 2, 3), np.nan, dtype=np.float32)
    assert magnitude(stats(values)) == 0.0 and moved(stats(values), stats(values), Tolerance()) == []

from layerviz.core.tolerance import MAX_LEVEL_DIFF, STATS_ATOL, STATS_RTOL, Tolerance


def test_the_defaults_are_the_measured_constants():
    assert Tolerance() == Tolerance(levels=MAX_LEVEL_DIFF, rtol=STATS_RTOL, atol=STATS_ATOL)


def test_a_configuration_loosens_the_tolerance_only_where_it_needs_more():
    given = Tolerance(levels=1, rtol=1e-4, atol=1e-5)
    assert given.at_least(None) is given
    assert given.at_least((3, 1e-5, 1e-3)) == Tolerance(levels=3, rtol=1e-4, atol=1e-3)

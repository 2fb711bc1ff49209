"""Release numbers, one way: PEP 440 order, ranges and spans."""

from layerviz.core import versions


def test_releases_sort_as_pip_sorts_them():
    given = ["3.10.0", "3.9.2", "3.15.1", "3.2.0", "3.15.0rc1", "3.15.0"]
    assert sorted(given, key=versions.version) == ["3.2.0", "3.9.2", "3.10.0", "3.15.0rc1", "3.15.0", "3.15.1"]
    assert versions.version("3.14.2.dev0") < versions.version("3.14.2")  # a tuple of numbers said equal


def test_a_range_starts_at_its_first_release_and_ends_before_its_fix():
    assert versions.in_range("3.5.0", "3.5.0", "3.9.0") and versions.in_range("3.8.9", "3.5.0", "3.9.0")
    assert not versions.in_range("3.9.0", "3.5.0", "3.9.0") and not versions.in_range("3.4.1", "3.5.0", "3.9.0")
    assert versions.in_range("3.15.1", "3.5.0", None)  # still open


def test_a_span_keeps_its_ends_and_the_order_given():
    known = ["3.0.0", "3.1.0", "3.1.1", "3.2.0", "3.10.0"]
    assert versions.between(known, "3.1.0", "3.10.0") == ["3.1.0", "3.1.1", "3.2.0", "3.10.0"]
    assert versions.between(known, "3.1.1", "3.1.1") == ["3.1.1"]
    assert [versions.minor(v) for v in ("3.1.1", "3.10.0")] == [(3, 1), (3, 10)]

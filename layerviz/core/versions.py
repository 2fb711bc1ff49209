"""Release numbers, one way for every caller: PEP 440 versions (packaging's `Version`), a
release's place in a range, and the releases of a span."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version


def version(text: str) -> Version:
    """A release number, comparable ("3.14.2.dev0" sorts before "3.14.2", as pip has it)."""
    return Version(text)


def in_range(release: str, start: str, before: str | None) -> bool:
    """Whether `release` is `start` or later, and, where `before` is given, earlier than it."""
    running = Version(release)
    return Version(start) <= running and (before is None or running < Version(before))


def between(releases: Iterable[str], first: str, last: str) -> list[str]:
    """The `releases` from `first` to `last`, both included, in the order given."""
    low, high = Version(first), Version(last)
    return [release for release in releases if low <= Version(release) <= high]


def minor(release: str) -> tuple[int, ...]:
    """(major, minor) of a release: what its patch releases share."""
    return Version(release).release[:2]

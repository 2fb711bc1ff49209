"""What a set of changes means, from plain inputs (each failed check's label, status and
cause): a keras-mode change whose fixed-weights twin still matches changed only its
initial weights; when every deterministic check matched, only the backend's random
stream changed. The report and the sweep matrix both say it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from layerviz.catalogue import UnknownNameError, get_case
from layerviz.store import baselines

INITIAL_WEIGHTS = "initial weights changed, layer maths unchanged"
RANDOM_DRAWS = "random draws changed"
RANDOM_STREAM = "the backend's random stream changed"


@dataclass(frozen=True)
class Said:
    """A failed check's cause, as explained, and what to say before its own problems."""

    cause: str
    first: tuple[str, ...] = ()


def explain(failures: Sequence[tuple[str, str, str]], compared: Collection[str]) -> tuple[dict[str, Said], str]:
    """Each failure (label, status, cause) explained, given the checks `compared`; and,
    when every deterministic check of `compared` matched and only seeded random draws
    differ (initial weights, random layers), the one line that says so ("" otherwise)."""
    failed = {label for label, _, _ in failures}
    said = {label: _weights_or_maths(label, status, cause, failed, compared) for label, status, cause in failures}
    drawn = [
        label
        for label, status, _ in failures
        if said[label].cause == INITIAL_WEIGHTS or _random_layer(label, status, said[label].cause)
    ]
    if not failures or len(drawn) < len(failures):
        return said, ""
    layers = [label for label, _, _ in failures if said[label].cause != INITIAL_WEIGHTS]
    for label in layers:
        first = ("random draws changed (every deterministic check still matches)", *said[label].first)
        said[label] = Said(RANDOM_DRAWS, first)
    weighted = len(failures) - len(layers)
    return said, (
        f"{RANDOM_STREAM}: every deterministic check matches; only seeded random draws differ "
        f"({count(weighted, 'check')} of initial weights, {count(len(layers), 'check')} of random layers)"
    )


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _weights_or_maths(label: str, status: str, cause: str, failed: set[str], compared: Collection[str]) -> Said:
    twin = baselines.Label.parse(label).twin()
    if status != "changed" or twin is None or cause.startswith(("now ", "raises", "divergence")):
        return Said(cause)
    if str(twin) in compared and str(twin) not in failed:
        return Said(INITIAL_WEIGHTS, ("initial weights changed, layer maths unchanged (fixed weights still match)",))
    if str(twin) in failed:
        return Said(cause, ("layer maths changed (fixed weights differ too)",))
    return Said(cause)


def _random_layer(label: str, status: str, cause: str) -> bool:
    """A changed check of a layer that draws random numbers as it runs (augmentation)."""
    if status != "changed" or cause.startswith(("now ", "raises", "divergence")):
        return False
    try:
        return get_case(baselines.Label.parse(label).case).config.random
    except UnknownNameError:
        return False

"""The verdict on one check: from what its comparison found and how the session runs,
what to write, whether the check fails, and what to say. Pure: no pytest, no Keras,
no files; `tests/test_verdict.py` holds its whole decision table.

What `CI` means: a plain run under `CI` never writes a missing baseline (it fails,
naming the file), since nobody is there to look at a picture that appears by itself.
An explicit regeneration flag (`--regen-all`, `--force-regen`, `--layerviz-rewrite`)
is a request, and is honoured with `CI` set or not, as jest-image-snapshot's `--ci`
refuses new snapshots but its explicit update flag writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum


class Found(Enum):
    """What comparing a check with its baseline found."""

    MATCHES = "matches"
    DIFFERS = "differs"
    MISSING = "missing"  # no baseline file
    UNREADABLE = "unreadable"  # files there, but not a baseline


class Write(Enum):
    NOTHING = "nothing"
    FAILING = "failing"  # the parts that no longer match: the picture, the statistics or both
    ALL = "all"


@dataclass(frozen=True)
class Mode:
    """How a session runs, read once: the regeneration flags and `CI`."""

    regen_all: bool = False  # --regen-all: write what no longer matches, pass
    force_regen: bool = False  # --force-regen: write what no longer matches, fail once
    rewrite: bool = False  # --layerviz-rewrite: write everything, pass
    ci: bool = False

    @classmethod
    def of(cls, *, regen_all: bool, force_regen: bool, rewrite: bool, environ: Mapping[str, str]) -> Mode:
        return cls(regen_all or rewrite, force_regen and not (regen_all or rewrite), rewrite, bool(environ.get("CI")))

    @property
    def regenerating(self) -> bool:
        return self.regen_all or self.force_regen


@dataclass(frozen=True)
class Verdict:
    write: Write
    fails: bool
    # The report entry of a failing check: its status (changed, missing, unreadable) and,
    # where it is not the comparison's own, its cause.
    status: str | None = None
    cause: str | None = None
    # The end of the message: what was done and what to do. Fields the caller fills:
    # {png} (the baseline), {made} (what was written), {root}, {hint}, {keras}, and
    # {backend} with its {release}.
    note: str = ""


PASS = Verdict(Write.NOTHING, False)
FIXED_UPSTREAM = "divergence fixed upstream"
DIVERGENCE_CHANGED = "divergence changed"
_REWROTE = "--force-regen set, rewrote its baseline {png}; run again to confirm"


def decide(found: Found, mode: Mode, divergence: bool = False, shared_matches: bool = False) -> Verdict:
    """The verdict on a check: `divergence`, its baseline records a known divergence;
    `shared_matches`, its output matches the shared baseline the divergence stands in for."""
    if found is Found.MATCHES:
        return Verdict(Write.ALL, False) if mode.rewrite else PASS
    if found is Found.DIFFERS:
        if divergence and shared_matches:  # even when regenerating: the fix belongs in divergences.py
            return Verdict(
                Write.NOTHING,
                True,
                "changed",
                FIXED_UPSTREAM,
                'Record the fix: give this divergence keras_before="{keras}" (or the first release that has it) '
                'in layerviz/core/divergences.py, or backend_before="{release}" if a {backend} release fixed it, '
                "or the condition it holds under.",
            )
        cause = DIVERGENCE_CHANGED if divergence else None
        if mode.regen_all:
            return Verdict(Write.ALL if mode.rewrite else Write.FAILING, False)
        if mode.force_regen:
            return Verdict(Write.FAILING, True, "changed", cause, _REWROTE)
        return Verdict(Write.NOTHING, True, "changed", cause, "If the change is intended: `{hint}`")
    if mode.regen_all:
        return Verdict(Write.ALL, False)
    if found is Found.UNREADABLE:
        if mode.force_regen:
            return Verdict(Write.ALL, True, "unreadable", None, _REWROTE)
        return Verdict(Write.NOTHING, True, "unreadable")
    if mode.force_regen:
        return Verdict(
            Write.ALL, True, "missing", None, "--force-regen set, wrote its baseline {png}; run again to confirm"
        )
    if mode.ci:
        return Verdict(
            Write.NOTHING,
            True,
            "missing",
            None,
            "Nothing was written under {root} because CI is set. Run `{hint}` on your machine, look at the new "
            "picture and commit it.",
        )
    return Verdict(
        Write.ALL, True, "missing", None, "No baseline existed; {made}. Look at it and commit it (or run `{hint}`)."
    )

"""Obtain: render catalogue checks into a tree laid out as baselines are, in the
running environment, with no baseline involved. Two such trees, made by two stacks on
one machine, are what `layerviz upgrade`, `bisect` and `sweep` compare.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

from layerviz.catalogue import CHECKS, SECTIONS, UnknownNameError
from layerviz.catalogue.cases import Check
from layerviz.core import numerics
from layerviz.core.names import Weights
from layerviz.core.seeds import DEFAULT_SUITE_SEED
from layerviz.store import baselines, files, manifest

# Beside the sets: which checks the running Keras could not run, and why.
SKIPPED = "SKIPPED.json"


def select(sections: Sequence[str] | None = None, keywords: Sequence[str] | None = None) -> list[Check]:
    """Catalogue checks in `sections` whose id contains any of `keywords` (all by default)."""
    for section in sections or ():
        if section not in SECTIONS:
            raise UnknownNameError(f"unknown section {section!r}; choose from: {', '.join(SECTIONS)}")
    return [
        check
        for check in CHECKS
        if (not sections or check.case.config.section in sections)
        and (not keywords or any(word in check.id for word in keywords))
    ]


def tree(checks: Sequence[Check], out: Path, numerics_mode: str = numerics.DEFAULT_MODE) -> dict[str, int]:
    """Render `checks` under `out` (`<set>/<case>.png` and statistics, an exception as its
    statistics alone), with a manifest per set; return counts of rendered, raised and skipped."""
    running = numerics.pin(numerics_mode)
    import keras

    from layerviz.core.raised import Raised
    from layerviz.pipeline import outcomes, subject

    backend = keras.backend.backend()
    counts = {"rendered": 0, "raised": 0, "skipped": 0}
    skipped: dict[str, str] = {}
    modes: dict[Path, str] = {}
    for check in checks:
        case, weights = check.case, check.weights or Weights.KERAS
        reason = subject.unavailable(case.config)
        outcome = None
        if not reason:
            outcome, _ = outcomes.outcome(outcomes.Request.of_case(case, weights=weights))
            if isinstance(outcome, Raised) and outcome.type in ("ImportError", "ModuleNotFoundError"):
                reason = f"needs a module that is not installed here: {outcome.message}"
        set_name = baselines.set_name(case.config.per_backend, weights, backend)
        if reason:
            skipped[f"{set_name}/{case.id}"] = reason
            counts["skipped"] += 1
            continue
        folder = out / set_name
        assert outcome is not None  # rendered: it is not skipped
        # Named by the check, as the tests name what they save.
        baselines.save(dataclasses.replace(outcome, case_id=check.id), baselines.png_path(folder, case.id))
        modes[folder] = weights
        counts["raised" if isinstance(outcome, Raised) else "rendered"] += 1
    for folder, weights in modes.items():
        manifest.write_manifest(folder, DEFAULT_SUITE_SEED, weights, running)
    out.mkdir(parents=True, exist_ok=True)
    files.write_atomic(out / SKIPPED, (json.dumps(skipped, indent=2, sort_keys=True) + "\n").encode())
    return counts


def skipped(out: Path) -> dict[str, str]:
    """The checks a tree's stack could not run, by label (`<set>/<case>`), with why."""
    path = out / SKIPPED
    return json.loads(path.read_text()) if path.is_file() else {}

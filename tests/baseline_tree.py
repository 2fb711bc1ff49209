"""The tests' view of baseline trees: what a whole tree should hold, by the catalogue
(layerviz itself judges from what a run checked: `layerviz.plugin.unused`), and the one
line a broken baseline file is said in."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from layerviz.catalogue.cases import Check
from layerviz.core import divergences
from layerviz.core.names import BACKENDS
from layerviz.store.baselines import MANIFEST, BaselineError, divergence_set, png_path, set_name, set_names, stats_path


def check_sets(check: Check, backends: Iterable[str] = BACKENDS) -> set[str]:
    """The sets a catalogue check has a baseline in, whatever backend runs it."""
    config = check.case.config
    return {set_name(config.per_backend, check.weights or "keras", backend) for backend in backends}


def expected_files(root: Path) -> set[Path]:
    """Every file the catalogue produces in the sets present under `root`: each check's
    sidecar, its PNG unless the sidecar records an exception, and each set's manifest;
    a known divergence's own sets wherever the set they stand in for is present (one that
    draws anew on every run keeps none)."""
    from layerviz.catalogue import CHECKS

    present = [name for name in set_names() if (root / name).is_dir()]
    wanted = [(name, check.case) for check in CHECKS for name in check_sets(check) if name in present]
    for known in (known for known in divergences.KNOWN if not known.draws_anew):
        wanted += [
            (divergence_set(known, name), check.case)
            for check in CHECKS
            if check.case.config.id == known.config
            for name in check_sets(check, [known.backend])
            if name in present
        ]
    files = {root / name / MANIFEST for name, _ in wanted}
    for name, case in wanted:
        png = png_path(root / name, case.id)
        files.add(stats_path(png))
        if not records_error(png):
            files.add(png)
    return files


def records_error(png: Path) -> bool:
    """Whether the baseline beside `png` is an exception (a sidecar without picture)."""
    try:
        data = json.loads(stats_path(png).read_text(encoding="utf-8"))
        return isinstance(data, dict) and "raises" in data
    except (OSError, ValueError, RecursionError):
        return False


def obsolete_files(root: Path) -> list[Path]:
    """Files under `root` that no case produces (a removed case, a wrong set, a stray file)."""
    expected = expected_files(root)
    return sorted(path for path in root.rglob("*") if path.is_file() and path not in expected)


def missing_files(root: Path) -> list[Path]:
    """Files the catalogue produces in the sets present under `root` that are not there."""
    return sorted(path for path in expected_files(root) if not path.is_file())


def one_line_error(call, *args) -> str:
    """The message of the BaselineError `call(*args)` raises, which must be one line."""
    with pytest.raises(BaselineError) as error:
        call(*args)
    said = str(error.value)
    assert "\n" not in said
    return said

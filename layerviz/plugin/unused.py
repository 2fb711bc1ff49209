"""Unused baselines: the files no check of a run used, judged from what ran, as syrupy
judges snapshots. A check that was deselected, failed or not collected still owns its
files, so a run that did not cover every check cannot tell, and says why. Judged from
plain inputs: the session does the deleting."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import pytest

from layerviz.store import baselines


def files(root: Path, compared: Collection[str], backend: str) -> list[Path]:
    """The baseline files under `root` that none of the `compared` checks used, in the
    sets a run on `backend` owns (and those its checks named)."""
    sets = [*baselines.set_names([backend])]
    sets += sorted({baselines.Label.parse(label).set for label in compared} - set(sets) - {""})
    return baselines.unused_files(root, compared, sets)


def coverage_gap(session: pytest.Session, compared: Collection[str], gaps: Sequence[str], distributed: bool) -> str:
    """Why the run did not cover every check ("" if it did): `gaps` are the checks it
    deselected or that did not pass; a `distributed` run's workers each saw a share."""
    config = session.config
    if not compared:
        return "no check ran"
    if gaps:
        return "; ".join(gaps[:3]) + (f" and {len(gaps) - 3} more" if len(gaps) > 3 else "")
    if session.shouldstop or session.shouldfail:
        return "the run stopped early"
    if distributed:
        return "pytest-xdist workers each see only their share of the checks (run in one process: -n 0)"
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        chosen = [Path(arg.split("::")[0]).resolve() for arg in config.args]
        wanted = [config.rootpath / path for path in config.getini("testpaths")] or [config.rootpath]
        if any("::" in arg for arg in config.args) or not all(
            any(path == arg or path.is_relative_to(arg) for arg in chosen) for path in wanted
        ):
            return f"the run was limited to {' '.join(config.args)}"
    return ""

"""Unused baselines: the files no check of a run used, judged from what ran, as syrupy
judges snapshots. A check that was deselected, failed or not collected still owns its
files, so a run that did not cover every check cannot tell, and says why."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from layerviz import baselines

if TYPE_CHECKING:
    from layerviz.session import LayerSession


def judge(session: pytest.Session, run: LayerSession) -> list[Path] | str:
    """The baseline files no check of this run used, deleted with --regen-all
    --layerviz-prune; or why this run cannot tell."""
    gap = coverage_gap(session, run)
    if gap:
        return gap
    import keras

    sets = [baselines.WEIGHTLESS, "fixed", "as-is", f"keras/{keras.backend.backend()}"]
    sets += sorted({baselines.split_label(label)[0] for label in run.compared} - set(sets) - {""})
    unused = baselines.unused_files(run.settings.root, run.compared, sets)
    if unused and run.settings.mode.regen_all and run.settings.prune:
        baselines.delete(run.settings.root, unused)
    return unused


def coverage_gap(session: pytest.Session, run: LayerSession) -> str:
    """Why the run did not cover every check ("" if it did)."""
    config = session.config
    if not run.compared:
        return "no check ran"
    if run.gaps:
        return "; ".join(run.gaps[:3]) + (f" and {len(run.gaps) - 3} more" if len(run.gaps) > 3 else "")
    if session.shouldstop or session.shouldfail:
        return "the run stopped early"
    if run.distributed:
        return "pytest-xdist workers each see only their share of the checks (run in one process: -n 0)"
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        chosen = [Path(arg.split("::")[0]).resolve() for arg in config.args]
        wanted = [config.rootpath / path for path in config.getini("testpaths")] or [config.rootpath]
        if any("::" in arg for arg in config.args) or not all(
            any(path == arg or path.is_relative_to(arg) for arg in chosen) for path in wanted
        ):
            return f"the run was limited to {' '.join(config.args)}"
    return ""

"""A sweep's matrix: each check against the newest release that rendered it, check x
release, as typed values; written as matrix.json and an HTML page, and reduced to the
evidence that backs the divergence table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path

from layerviz.core.raised import Raised
from layerviz.judge.compare import compare
from layerviz.pages import explain, findings, page, tree_diff
from layerviz.pipeline.render import Rendering
from layerviz.store import baselines, files, manifest
from layerviz.upgrade import stacks
from layerviz.upgrade.sweep import MATRIX, StackResult, load, slug


class State(StrEnum):
    """How a check renders on a release, against the newest release's rendering."""

    SAME = "same"
    DIFFERS = "differs"
    RAISES = "raises"
    SKIPPED = "skipped"
    ABSENT = "absent"
    FAILED = "failed"  # the stack did not render


# The page's mark for each state.
_MARK = {
    State.SAME: "",
    State.DIFFERS: "≠",
    State.RAISES: "!",
    State.SKIPPED: "–",
    State.ABSENT: "·",
    State.FAILED: "×",
}


@dataclass(frozen=True)
class Cell:
    state: State
    detail: str = ""  # how much it differs, the exception, why skipped
    picture: str = ""  # the rendering, relative to the sweep folder
    # It renders otherwise than the release before it did (both rendered, or raised): two
    # releases can each differ from the newest and from each other.
    moved: bool = False

    @property
    def said(self) -> str:
        """The outcome in a word, with what differs or what it raises."""
        shown = self.state in (State.DIFFERS, State.RAISES) and self.detail
        return self.state + (f": {self.detail}" if shown else "")


@dataclass(frozen=True)
class Row:
    check: str
    cells: dict[str, Cell]  # by release

    @property
    def varies(self) -> bool:
        # A stack that did not render is said once, for its release, not in every row.
        return {cell.state for cell in self.cells.values()} - {State.FAILED} != {State.SAME}


@dataclass(frozen=True)
class Release:
    """A swept release: its stack's result, and what its changes amount to (the report's
    explanation: a release whose every change is a seeded random draw only reseeds)."""

    result: StackResult
    note: str = ""


@dataclass(frozen=True)
class Matrix:
    package: str
    backend: str
    reference: str  # the newest release that rendered: every cell compares with it
    numerics: dict  # the numeric environment the sweep ran in (a divergence may hold only in one)
    releases: tuple[Release, ...]  # oldest first
    rows: tuple[Row, ...]  # by check

    @property
    def varying(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if row.varies)

    def as_json(self) -> dict:
        """matrix.json: plain JSON, each release's result beside its note."""
        return {
            "package": self.package,
            "backend": self.backend,
            "reference": self.reference,
            "numerics": self.numerics,
            "releases": [{**asdict(r.result), "note": r.note} for r in self.releases],
            "rows": [
                {"check": row.check, "cells": {k: asdict(c) for k, c in row.cells.items()}, "varies": row.varies}
                for row in self.rows
            ],
        }


def of(out: Path) -> Matrix:
    """The matrix of the stacks swept into `out` (one package's releases)."""
    results = load(out)
    rendered = [r for r in results if not r.error]
    if not rendered:
        raise stacks.StackError(f"{out}: no stack rendered anything; nothing to compare")
    newest = rendered[-1]
    package = newest.package
    trees = {r.release: out / "stacks" / slug(package, r.release) / "tree" for r in rendered}
    found = {release: baselines.discover(tree) for release, tree in trees.items()}
    checks = sorted(set().union(*found.values()) | {c for r in rendered for c in r.skipped})
    rows = []
    for check in checks:
        reference = _load(found[newest.release].get(check), check)
        cells, before = {}, None
        for result in results:
            cell, outcome = _cell(result, check, found.get(result.release, {}), reference, out)
            moved = (
                outcome is not None
                and before is not None
                and not compare(before, outcome, tree_diff.check_tolerance(check)).ok
            )
            cells[result.release] = replace(cell, moved=moved)
            if cell.state != State.FAILED:  # a stack that did not render: the next compares with the one before
                before = outcome
        rows.append(Row(check, cells))
    releases = []
    for result in results:
        note, explained = _explain(result.release, rows, set(found.get(result.release, {})))
        rows = [replace(row, cells={**row.cells, result.release: explained[row.check]}) for row in rows]
        releases.append(Release(result, note))
    record = manifest.tree_manifest(trees[newest.release]).get("numerics", {})
    return Matrix(package, newest.backend, newest.release, record, tuple(releases), tuple(rows))


def _explain(release: str, rows: list[Row], compared: set[str]) -> tuple[str, dict[str, Cell]]:
    """As the report does: a keras-mode change whose fixed twin matches is "initial weights
    changed". The release's note, and each row's cell for it with that cause."""
    cells = {row.check: row.cells[release] for row in rows}
    changed = [(check, "changed", cell.detail) for check, cell in cells.items() if cell.state == State.DIFFERS]
    said, note = explain.explain(changed, compared)
    return note, {
        check: replace(cell, detail=said[check].cause) if check in said else cell for check, cell in cells.items()
    }


def _load(path: Path | None, check: str) -> Rendering | Raised | None:
    return baselines.load(path, check) if path is not None else None


def _cell(
    result: StackResult, check: str, files: dict[str, Path], reference: Rendering | Raised | None, out: Path
) -> tuple[Cell, Rendering | Raised | None]:
    """The cell of `check` on `result`'s release, and what the release rendered (None: nothing)."""
    if result.error:
        return Cell(State.FAILED, result.error), None
    if check in result.skipped:
        return Cell(State.SKIPPED, result.skipped[check]), None
    path = files.get(check)
    if path is None:
        return Cell(State.ABSENT, "not rendered by this release"), None
    outcome = baselines.load(path, check)
    picture = path.relative_to(out).as_posix() if isinstance(outcome, Rendering) else ""
    if reference is None:
        if isinstance(outcome, Raised):
            return Cell(State.RAISES, outcome.type, picture), outcome
        return Cell(State.DIFFERS, "the newest release does not render it", picture), outcome
    comparison = compare(reference, outcome, tree_diff.check_tolerance(check))
    if comparison.ok:
        return Cell(State.SAME, "", picture), outcome
    if isinstance(outcome, Raised):
        return Cell(State.RAISES, f"{outcome.type}: {outcome.message}", picture), outcome
    return Cell(State.DIFFERS, comparison.cause or "; ".join(comparison.problems[:1]), picture), outcome


def write(out: Path, matrix: Matrix) -> Path:
    """matrix.json and index.html under `out`."""
    files.write_atomic(out / MATRIX, (json.dumps(matrix.as_json(), indent=2) + "\n").encode())
    index = out / "index.html"
    files.write_atomic(index, _html(matrix).encode())
    return index


def _html(matrix: Matrix) -> str:
    # What renders otherwise or raises comes first; checks that only some releases skip, after.
    varying = sorted(
        matrix.varying,
        key=lambda row: not any(cell.state in (State.DIFFERS, State.RAISES) for cell in row.cells.values()),
    )
    results = [r.result for r in matrix.releases]
    columns = [
        _Column(r.release, r.error or ", ".join(f"{k} {v}" for k, v in r.versions.items()), bool(r.error))
        for r in results
    ]
    rows = [_PageRow(row.check, [_page_cell(row.cells[r.release]) for r in results]) for row in varying]
    return page.render(
        "sweep.html.j2",
        title=f"layerviz sweep: {matrix.package} on {matrix.backend}",
        checks=len(matrix.rows),
        reference=matrix.reference,
        steady=len(matrix.rows) - len(varying),
        releases=columns,
        failed=[(r.release, r.error) for r in results if r.error],
        reseeded=[r.result.release for r in matrix.releases if r.note],
        rows=rows,
    )


# What sweep.html.j2 is given: plain data, which it escapes.


@dataclass(frozen=True)
class _Column:
    """A release's column: its tooltip says its stack, or why it has no tree."""

    release: str
    tooltip: str
    failed: bool


@dataclass(frozen=True)
class _PageCell:
    state: str  # its class: how it renders against the newest release's
    tooltip: str
    picture: str  # its rendering, relative to the page; "" where it has none
    mark: str


@dataclass(frozen=True)
class _PageRow:
    check: str
    cells: list[_PageCell]  # by release


def _page_cell(cell: Cell) -> _PageCell:
    tooltip = cell.state + (": " + cell.detail if cell.detail else "")
    return _PageCell(cell.state, tooltip, cell.picture, _MARK[cell.state])


# --- evidence for the divergence table ---------------------------------------------


def evidence(matrix: Matrix) -> dict:
    """The matrix reduced to what backs a claim, small enough to commit: each release's
    stack, and per check that varies, the runs of consecutive releases that render alike,
    e.g. [["3.0.0", "3.14.1", "differs: values shifted …"], ["3.15.0", "3.15.1", "same"]]: a
    run ends where the outcome changes, or where two releases that both differ from the
    newest differ from each other too."""
    found = []
    for row in matrix.varying:
        runs: list[list[str]] = []
        for release in (r.result.release for r in matrix.releases):
            cell = row.cells[release]
            said = cell.said
            if runs and runs[-1][2] == said and not cell.moved:
                runs[-1][1] = release
            else:
                runs.append([release, release, said])
        found.append({"check": row.check, "runs": runs})
    return {
        "package": matrix.package,
        "backend": matrix.backend,
        "reference": matrix.reference,
        "numerics": matrix.numerics,
        "checks": len(matrix.rows),
        # What was swept, varying or not: a claim about anything else has no evidence here.
        "configurations": sorted({findings.describe(row.check)[0] for row in matrix.rows}),
        "releases": [
            {"release": r.result.release, "error": r.result.error, "versions": r.result.versions, "note": r.note}
            for r in matrix.releases
        ],
        "varying": found,
    }


def evidence_markdown(found: dict) -> str:
    """A sweep's evidence as a Markdown table, its varying checks grouped by configuration:
    which releases render each way (what backs the divergence table's ranges)."""
    releases = found["releases"]
    failed = [r for r in releases if r["error"]]
    reseeded = [r["release"] for r in releases if r.get("note")]
    lines = [
        f"{found['package']} {releases[0]['release']} .. {releases[-1]['release']} ({len(releases)} releases) on "
        f"{found['backend']}: {found['checks']} checks, each compared with {found['reference']}; "
        f"{len(found['varying'])} vary, the others render the same on every release"
        + (f"; did not render: {', '.join(r['release'] + ' (' + r['error'] + ')' for r in failed)}" if failed else "")
        + (f"; only the random stream changed in {', '.join(reseeded)}" if reseeded else "")
        + ".",
        "",
        "| configuration | checks | releases: outcome |",
        "| --- | --- | --- |",
    ]
    grouped: dict[tuple[str, tuple], list[str]] = {}
    for row in found["varying"]:
        group = findings.describe(row["check"])[0]
        runs = tuple((a, b, what) for a, b, what in row["runs"] if not what.startswith("failed"))
        grouped.setdefault((group, runs), []).append(row["check"])
    for (group, runs), checks in sorted(grouped.items()):
        said = "<br>".join(f"{a}{'' if a == b else ' .. ' + b}: {_cell_text(what)}" for a, b, what in runs)
        lines.append(f"| `{group}` | {len(checks)} | {said} |")
    return "\n".join(lines) + "\n"


def _cell_text(text: str) -> str:
    """An outcome as one table cell: pipes and brackets (a link, to Markdown) escaped."""
    for mark in "|[]":
        text = text.replace(mark, "\\" + mark)
    return text.replace("\n", " ")

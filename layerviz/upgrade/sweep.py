"""Sweep: render the checks on every release of a range, and say for each check and
release whether it renders as the newest release does, differs (by how much), raises, or
was skipped: a compatibility matrix, as JSON and as an HTML page.

Each stack's result lives in its own folder (`<out>/stacks/<slug>/`: the tree and
`result.json`), so a sweep resumes from the stacks it already has, and stacks run on
other machines (a CI matrix, one stack a job) merge with `--merge`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from layerviz.core import numerics, versions
from layerviz.core.raised import Raised
from layerviz.judge.compare import compare
from layerviz.pages import explain, findings, page, tree_diff
from layerviz.pipeline.render import Rendering
from layerviz.store import baselines, files, manifest
from layerviz.upgrade import stacks
from layerviz.upgrade.two_stacks import Rendered, Selection, render_all

RESULT = "result.json"
MATRIX = "matrix.json"


def made_by_sweep(files: set[str]) -> bool:
    """Whether a folder's files (relative, POSIX) are a sweep's, as CI jobs' artifacts
    gathered into one folder are, without the record a run leaves (`layerviz.store.outputs`)."""
    results = [name for name in files if name.startswith("stacks/") and name.endswith(f"/{RESULT}")]
    return bool(results) and all(name.startswith("stacks/") or name in (MATRIX, "index.html") for name in files)


@dataclass
class StackResult:
    release: str  # the swept package's version
    requirements: list[str]
    backend: str
    error: str = ""  # why it has no tree
    versions: dict[str, str] = field(default_factory=dict)
    numerics: str = ""
    skipped: dict[str, str] = field(default_factory=dict)


def releases_in(
    package: str, span: str, source: stacks.Source, minor: bool = False, cache: Path | None = None
) -> list[str]:
    """The releases of `span` ("3.0.0..3.15.1", or one version), oldest first; with
    `minor`, the newest patch of each minor release only."""
    first, _, last = span.partition("..")
    known = stacks.releases(package, source, cache)
    for end in (first, last or first):
        stacks.require(package, end, known)
    chosen = versions.between(known, first, last or first)
    if minor:
        newest: dict[tuple[int, ...], str] = {}
        for version in chosen:
            newest[versions.minor(version)] = version
        chosen = list(newest.values())
    return chosen


def run(
    package: str,
    versions: Sequence[str],
    extra: Sequence[str],
    backend: str,
    source: stacks.Source,
    selection: Selection,
    out: Path,
    cache: Path | None = None,
    workers: int | None = None,
    say: Callable[[str], None] = print,
) -> list[StackResult]:
    """Render every release not already in `out` (stacks run in parallel up to the
    cores), and keep each one's result; a stack that cannot install or run is a result
    saying why."""
    pending = [v for v in versions if not (out / "stacks" / _slug(package, v) / RESULT).is_file()]
    if len(pending) < len(versions):
        say(f"resuming: {len(versions) - len(pending)} of {len(versions)} releases already swept")
    trees = {out / "stacks" / _slug(package, v) / "tree": v for v in pending}

    def keep(done: Rendered) -> None:  # as each ends: an interrupted sweep resumes from it
        result = _result(trees[done.tree], done)
        files.write_atomic(done.tree.parent / RESULT, (json.dumps(asdict(result), indent=2) + "\n").encode())
        say(f"  {package} {trees[done.tree]}: {result.error or 'rendered'}")

    jobs = [(stacks.Stack((f"{package}=={v}", *extra), backend, source), tree) for tree, v in trees.items()]
    render_all(jobs, selection, cache, workers, keep)
    return load(out)


def _slug(package: str, version: str) -> str:
    return f"{package}-{version}"


def _result(version: str, done: Rendered) -> StackResult:
    from layerviz.upgrade import obtain

    made = manifest.tree_manifest(done.tree).get("numerics")
    return StackResult(
        version,
        list(done.stack.requirements),
        done.stack.backend,
        done.error,
        done.versions,
        numerics.summary(made) if made else "",
        obtain.skipped(done.tree) if not done.error else {},
    )


def load(out: Path) -> list[StackResult]:
    """Every stack result under `out` (one folder a stack), oldest release first."""
    results = [_read_result(path) for path in (out / "stacks").glob(f"*/{RESULT}")]
    return sorted(results, key=lambda r: versions.version(r.release))


# What each field of a stack's result.json holds (the types `StackResult` declares).
_RESULT_FIELDS: dict[str, type] = {
    "release": str,
    "requirements": list,
    "backend": str,
    "error": str,
    "versions": dict,
    "numerics": str,
    "skipped": dict,
}


def _read_result(path: Path) -> StackResult:
    """A stack's result.json; one that is damaged or not a sweep's is a StackError naming it."""
    data, why = files.read_json(path, _result_problem)
    if why:
        raise stacks.StackError(
            f"{path}: not a sweep's stack result: {why}; delete its folder {path.parent} and sweep that release again"
        )
    return StackResult(**data)


def _result_problem(data: object) -> str:
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    unknown = sorted(set(data) - set(_RESULT_FIELDS))
    if unknown:
        return f"unknown field {unknown[0]!r}"
    for name in ("release", "requirements", "backend"):
        if name not in data:
            return f"no {name!r}"
    for name, kind in _RESULT_FIELDS.items():
        if name in data and not isinstance(data[name], kind):
            return f"{name!r} is not a JSON {'string' if kind is str else 'array' if kind is list else 'object'}"
    if not re.fullmatch(r"\d+(\.\d+)*", data["release"]):
        return f"the release {data['release']!r} is not a version"
    strings = [*data["requirements"], *data.get("versions", {}).values(), *data.get("skipped", {}).values()]
    if not all(isinstance(item, str) for item in strings):
        return "its requirements, versions and skip reasons are not all strings"
    return ""


# --- the matrix ---------------------------------------------------------------------


@dataclass
class Cell:
    state: str  # same, differs, raises, skipped, absent, failed (the stack did not render)
    detail: str = ""  # how much it differs, the exception, why skipped
    picture: str = ""  # the rendering, relative to the sweep folder


def matrix(out: Path, package: str = "keras") -> dict:
    """Each check against the newest release that rendered: configuration x release."""
    results = load(out)
    rendered = [r for r in results if not r.error]
    if not rendered:
        raise stacks.StackError(f"{out}: no stack rendered anything; nothing to compare")
    newest = rendered[-1]
    trees = {r.release: out / "stacks" / _slug(package, r.release) / "tree" for r in rendered}
    found = {release: baselines.discover(tree) for release, tree in trees.items()}
    checks = sorted(set().union(*found.values()) | {c for r in rendered for c in r.skipped})
    rows = []
    for check in checks:
        reference = _load(found[newest.release].get(check), check)
        cells = {}
        for result in results:
            cells[result.release] = asdict(_cell(result, check, found.get(result.release, {}), reference, out))
        # A stack that did not render is said once, in the header, not in every row.
        states = {cell["state"] for cell in cells.values()} - {"failed"}
        rows.append({"check": check, "cells": cells, "varies": states != {"same"}})
    releases = [asdict(r) for r in results]
    for release in releases:
        release["note"] = _explain(release["release"], rows, set(found.get(release["release"], {})))
    # The numeric environment the sweep ran in (a divergence may hold only in one).
    record = manifest.tree_manifest(trees[newest.release]).get("numerics", {})
    return {
        "package": package,
        "backend": newest.backend,
        "reference": newest.release,
        "numerics": record,
        "releases": releases,
        "rows": rows,
    }


def _explain(release: str, rows: list[dict], compared: set[str]) -> str:
    """As the report does: a keras-mode change whose fixed twin matches is "initial weights
    changed"; a release whose every change is a seeded random draw only reseeds."""
    cells = {row["check"]: row["cells"][release] for row in rows if row["cells"][release]["state"] == "differs"}
    said, note = explain.explain([(check, "changed", cell["detail"]) for check, cell in cells.items()], compared)
    for check, cell in cells.items():
        cell["detail"] = said[check].cause
    return note


def _load(path: Path | None, check: str) -> Rendering | Raised | None:
    return baselines.load(path, check) if path is not None else None


def _cell(
    result: StackResult, check: str, files: dict[str, Path], reference: Rendering | Raised | None, out: Path
) -> Cell:
    if result.error:
        return Cell("failed", result.error)
    if check in result.skipped:
        return Cell("skipped", result.skipped[check])
    path = files.get(check)
    if path is None:
        return Cell("absent", "not rendered by this release")
    outcome = baselines.load(path, check)
    picture = path.relative_to(out).as_posix() if isinstance(outcome, Rendering) else ""
    if reference is None:
        state = "raises" if isinstance(outcome, Raised) else "differs"
        return Cell(
            state, outcome.type if isinstance(outcome, Raised) else "the newest release does not render it", picture
        )
    comparison = compare(reference, outcome, tree_diff.check_tolerance(check))
    if comparison.ok:
        return Cell("same", "", picture)
    if isinstance(outcome, Raised):
        return Cell("raises", f"{outcome.type}: {outcome.message}", picture)
    return Cell("differs", comparison.cause or "; ".join(comparison.problems[:1]), picture)


def write(out: Path, data: dict) -> Path:
    """matrix.json and index.html under `out`."""
    files.write_atomic(out / MATRIX, (json.dumps(data, indent=2) + "\n").encode())
    index = out / "index.html"
    files.write_atomic(index, _html(data).encode())
    return index


_MARK = {"same": "", "differs": "≠", "raises": "!", "skipped": "–", "absent": "·", "failed": "×"}


def _html(data: dict) -> str:
    releases = data["releases"]
    # What renders otherwise or raises comes first; checks that only some releases skip, after.
    varying = sorted(
        (row for row in data["rows"] if row["varies"]),
        key=lambda row: not any(cell["state"] in ("differs", "raises") for cell in row["cells"].values()),
    )
    columns = [
        _Release(r["release"], r["error"] or ", ".join(f"{k} {v}" for k, v in r["versions"].items()), bool(r["error"]))
        for r in releases
    ]
    rows = [_PageRow(row["check"], [_page_cell(row["cells"][r["release"]]) for r in releases]) for row in varying]
    return page.render(
        "sweep.html.j2",
        title=f"layerviz sweep: {data['package']} on {data['backend']}",
        checks=len(data["rows"]),
        reference=data["reference"],
        steady=len(data["rows"]) - len(varying),
        releases=columns,
        failed=[(r["release"], r["error"]) for r in releases if r["error"]],
        reseeded=[r["release"] for r in releases if r.get("note")],
        rows=rows,
    )


# What sweep.html.j2 is given: plain data, which it escapes.


@dataclass(frozen=True)
class _Release:
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


def _page_cell(cell: dict) -> _PageCell:
    tooltip = cell["state"] + (": " + cell["detail"] if cell["detail"] else "")
    return _PageCell(cell["state"], tooltip, cell["picture"], _MARK[cell["state"]])


# --- evidence for the divergence table ---------------------------------------------


def evidence(data: dict) -> dict:
    """The matrix reduced to what backs a claim, small enough to commit: each release's
    stack, and per check that varies, the runs of consecutive releases with the same
    outcome, e.g. [["3.0.0", "3.14.1", "differs: values shifted …"], ["3.15.0", "3.15.1", "same"]]."""
    found = []
    for row in data["rows"]:
        if not row["varies"]:
            continue
        runs: list[list[str]] = []
        for release in (r["release"] for r in data["releases"]):
            cell = row["cells"][release]
            said = cell["state"] + (
                f": {cell['detail']}" if cell["state"] in ("differs", "raises") and cell["detail"] else ""
            )
            if runs and runs[-1][2] == said:
                runs[-1][1] = release
            else:
                runs.append([release, release, said])
        found.append({"check": row["check"], "runs": runs})
    releases = [
        {"release": r["release"], "error": r["error"], "versions": r["versions"], "note": r.get("note", "")}
        for r in data["releases"]
    ]
    return {
        "package": data["package"],
        "backend": data["backend"],
        "reference": data["reference"],
        "numerics": data.get("numerics", {}),
        "checks": len(data["rows"]),
        # What was swept, varying or not: a claim about anything else has no evidence here.
        "configurations": sorted({findings.describe(row["check"])[0] for row in data["rows"]}),
        "releases": releases,
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

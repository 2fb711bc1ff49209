"""Sweep: render the checks on every release of a range, one stack a release (the matrix
they make: `layerviz.upgrade.matrix`).

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
from layerviz.store import files, manifest
from layerviz.upgrade import stacks
from layerviz.upgrade.packages import Package
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
    package: str = "keras"  # whose releases were swept (results from before backend sweeps: keras's)


def run(
    package: Package,
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
    pending = [v for v in versions if not (out / "stacks" / slug(package.name, v) / RESULT).is_file()]
    if len(pending) < len(versions):
        say(f"resuming: {len(versions) - len(pending)} of {len(versions)} releases already swept")
    trees = {out / "stacks" / slug(package.name, v) / "tree": v for v in pending}

    def keep(done: Rendered) -> None:  # as each ends: an interrupted sweep resumes from it
        result = _result(package, trees[done.tree], done)
        files.write_atomic(done.tree.parent / RESULT, (json.dumps(asdict(result), indent=2) + "\n").encode())
        say(f"  {package.name} {trees[done.tree]}: {result.error or 'rendered'}")

    jobs = [(package.stack(v, tuple(extra), backend, source, cache), tree) for tree, v in trees.items()]
    render_all(jobs, selection, cache, workers, keep)
    return load(out)


def slug(package: str, version: str) -> str:
    return f"{package}-{version}"


def _result(package: Package, version: str, done: Rendered) -> StackResult:
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
        package.name,
    )


def load(out: Path) -> list[StackResult]:
    """Every stack result under `out` (one folder a stack), oldest release first: one
    package's releases (a folder of two sweeps' is a StackError naming both)."""
    results = [_read_result(path) for path in (out / "stacks").glob(f"*/{RESULT}")]
    swept = sorted({result.package for result in results})
    if len(swept) > 1:
        raise stacks.StackError(
            f"{out}: holds sweeps of {' and '.join(swept)}; a matrix compares one package's releases: "
            f"give each its own --out"
        )
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
    "package": str,
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

"""Output folders: a report, gallery, diff, upgrade or sweep writes into a folder that is
layerviz's, and removes on its next run only the files it wrote there, never a user's.

A folder is layerviz's when it is new or empty, or holds the record (`RECORD`) a run left
in it. The record lists the files that run wrote; while a run is under way it lists the
files that were someone else's instead, so that a run killed half-way is cleaned up too.
A non-empty folder without a record, `/`, the home folder and any folder inside a baseline
tree are refused, in one line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from layerviz.store import baselines, files

RECORD = ".layerviz-output.json"


class OutputFolderError(ValueError):
    """A folder that cannot be layerviz's output: one line, with what to do."""


@dataclass(frozen=True)
class Claim:
    """A folder this run writes into; `seal()` records what it wrote, when it is done."""

    folder: Path
    foreign: frozenset[str]  # files (relative, POSIX) that are not layerviz's

    def seal(self) -> None:
        written = sorted(_files(self.folder) - self.foreign - {RECORD})
        if written or self.foreign:
            _write_record(self.folder, {"written": written})
        else:  # a run that wrote nothing leaves nothing, not even the folder
            (self.folder / RECORD).unlink(missing_ok=True)
            if not any(self.folder.iterdir()):
                self.folder.rmdir()


def claim(
    folder: Path,
    option: str,
    *,
    keep: bool = False,
    trees: Iterable[Path] = (),
    made_by_layerviz: Callable[[set[str]], bool] = lambda _files: False,
) -> Claim:
    """Make `folder` this run's: check it may be, and remove what layerviz wrote there
    before (unless `keep`: a sweep resumes from it). `option` names the folder in errors;
    `trees` are baseline trees it must not lie in; `made_by_layerviz` recognises, from its
    files, a folder layerviz made without a record (a sweep's, gathered from CI jobs)."""
    where = folder.resolve()
    if where == Path(where.anchor) or where == Path.home().resolve():
        raise OutputFolderError(f"{option} {folder}: layerviz does not write into {where}; give a folder of its own")
    tree = _baseline_tree(where, trees)
    if tree is not None:
        raise OutputFolderError(f"{option} {folder}: this is inside the baseline tree {tree}; give a folder outside it")
    if where.exists() and not where.is_dir():
        raise OutputFolderError(f"{option} {folder}: this is a file; give a folder")
    present = _files(where) if where.is_dir() else set()
    record = _read_record(where, option, folder)
    if record is None:
        if present and not made_by_layerviz(present):
            raise OutputFolderError(
                f"{option} {folder}: this folder holds files layerviz did not write (such as "
                f"{sorted(present)[0]}); give an empty or new folder"
            )
        ours = present
    elif "written" in record:
        ours = present & record["written"]
    else:  # a run stopped before it was done: everything but what was someone else's
        ours = present - record["foreign"]
    if not keep:
        files.remove(where, [where / name for name in sorted(ours)])
        ours = set()
    foreign = frozenset(_files(where) - ours - {RECORD}) if where.is_dir() else frozenset()
    try:
        _write_record(where, {"foreign": sorted(foreign)})
    except OSError as error:
        raise OutputFolderError(
            f"{option} {folder}: cannot write there ({error.strerror or error}); give a writable folder"
        ) from None
    return Claim(where, foreign)


def _baseline_tree(where: Path, trees: Iterable[Path]) -> Path | None:
    """The baseline tree `where` lies in (or is): one given, or a folder holding a set's
    manifest above it."""
    for tree in trees:
        if where.is_relative_to(tree.resolve()):
            return tree
    for folder in (where, *where.parents):
        if (folder / baselines.MANIFEST).is_file() or any(
            (folder / name / baselines.MANIFEST).is_file() for name in baselines.set_names()
        ):
            return folder
    return None


def _files(folder: Path) -> set[str]:
    """Every file under `folder` (symbolic links as links, not followed), relative, POSIX."""
    found: set[str] = set()
    for parent, folders, names in os.walk(folder):
        relative = Path(parent).relative_to(folder)
        found.update((relative / name).as_posix() for name in names)
        found.update((relative / name).as_posix() for name in folders if (Path(parent) / name).is_symlink())
    return found


def _read_record(where: Path, option: str, folder: Path) -> dict[str, set[str]] | None:
    path = where / RECORD
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        record = {key: {_safe(name) for name in data[key]} for key in ("written", "foreign") if key in data}
        if len(record) != 1:
            raise ValueError("neither 'written' nor 'foreign'")
    except (OSError, ValueError, TypeError) as error:
        raise OutputFolderError(
            f"{option} {folder}: its record {RECORD} is unreadable ({error}); delete the folder or give another"
        ) from None
    return record


def _safe(name: object) -> str:
    """A relative path inside the folder, as a record may only hold."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"{name!r} is not a file name")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\0" in name:
        raise ValueError(f"{name!r} lies outside the folder")
    return path.as_posix()


def _write_record(where: Path, data: dict[str, list[str]]) -> None:
    files.write_atomic(where / RECORD, (json.dumps(data, indent=1) + "\n").encode())

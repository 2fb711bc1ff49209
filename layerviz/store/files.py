"""Files layerviz writes whole or not at all: through a temporary file and a rename, with
the mode open() would give them (not mkstemp's 0600); and JSON it reads back, saying why
a file is not what it should be."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def _umask() -> int:
    """The process's umask: read, not set, where Linux says it (setting it to read it races
    with threads that create files); else set and restored, once, as the module loads."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp makes its file 0600; what layerviz writes gets the mode open() would give it.
FILE_MODE = 0o666 & ~_umask()


def remove(root: Path, paths: Iterable[Path]) -> None:
    """Remove the files `paths` under `root` (symbolic links as links, never followed; a
    folder someone put where a file was stays), then the folders they leave empty, deepest
    first, up to `root`, which stays."""
    gone = [path for path in paths if path.is_symlink() or path.is_file()]
    for path in gone:
        path.unlink()
    for folder in sorted({path.parent for path in gone}, key=lambda folder: len(folder.parts), reverse=True):
        while folder != root and folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # Windows has no modes to honour (before Python 3.13, no fchmod)
            os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_json(path: Path, problem: Callable[[Any], str]) -> tuple[Any, str]:
    """The JSON in `path`, and why it is not what the caller reads ("" if it is): unreadable,
    or what `problem` finds wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        return None, f"unreadable ({getattr(exc, 'strerror', None) or exc})"
    return data, problem(data)


# Why the operating system refused a write, by errno: what to say and what to do.
# Each file is written whole, through a temporary file and a rename: a refused write loses nothing.
_INTACT = "nothing was lost: the files already there are whole"
_UNWRITABLE = {
    errno.ENOSPC: f"the disk is full; free some space and run again ({_INTACT})",
    errno.EDQUOT: f"the disk quota is used up; free some space and run again ({_INTACT})",
    errno.EROFS: f"the folder is on a read-only file system; make it writable and run again ({_INTACT})",
    errno.EACCES: f"the folder is not writable; make it writable and run again ({_INTACT})",
    errno.EPERM: f"the folder is not writable; make it writable and run again ({_INTACT})",
    errno.EISDIR: "a folder is where that file should be; remove it and run again",
    errno.ENOTDIR: "a file is where one of its folders should be; remove it and run again",
    errno.EEXIST: "a file is where one of its folders should be; remove it and run again",
    errno.ENAMETOOLONG: "its name is too long for this file system; give the check a shorter name=",
}


def refusal(path: Path, error: OSError) -> str | None:
    """What to say of an OSError writing `path` ("cannot write … (why): what to do"), or
    None for an error that is not the file system saying no."""
    said = _UNWRITABLE.get(error.errno) if error.errno is not None else None
    if said is None:
        return None
    culprit = None
    if error.errno in (errno.ENOTDIR, errno.EEXIST):  # the file standing in for a folder, not the folder
        culprit = next((parent for parent in reversed(path.parents) if parent.exists() and not parent.is_dir()), None)
    where = f"{error.strerror or error}{f': {culprit}' if culprit else ''}"
    return f"cannot write {path} ({where}): {said}"

"""Where a check's baseline lives: its name inside a set (kept inside the baseline
root), the set (by weights and backend), a known divergence's own set, and the command
that regenerates it. Pure paths: nothing here reads or writes a file but the test for a
backend's set."""

from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from layerviz.core.divergences import Divergence
from layerviz.core.names import BACKENDS
from layerviz.store import baselines


class BaselineNameError(ValueError):
    """A check's name that would put its baseline outside the baseline root, or that cannot
    name its folders as written (a control character, an empty or '.' part, a part too long)."""


@dataclass(frozen=True)
class Target:
    """Where one check's baseline lives, and how people and pytest name it."""

    folder: Path  # the baseline set
    case_id: str  # the path inside the set
    hint: str  # the command that regenerates it
    weights: str  # what the set's manifest records: none, fixed, as-is or keras

    @property
    def png(self) -> Path:
        return baselines.png_path(self.folder, self.case_id)

    def label(self, root: Path) -> str:
        """The check's name in messages and reports: its set under the root, then its case."""
        return f"{self.folder.relative_to(root).as_posix()}/{self.case_id}"


@dataclass(frozen=True)
class Location:
    target: Target  # where its baseline is
    shared: Target  # the baseline shared by backends, which a divergence stands in for
    divergence: Divergence | None
    skip: str = ""  # why it cannot be checked here ("" when it can)


def name_of_test(nodeid: str) -> str:
    """<test module>/<test name>[<param id>] (classes too), safe as a relative path."""
    module, *rest = nodeid.split("::")
    parts = [Path(module).stem, *rest]
    return "/".join(re.sub(r'[<>:"|?*\\]', "_", part).strip(". ") or "_" for part in parts)


def key(name: str | None, default: str | None, nodeid: str, colorspace: str, root: Path) -> str:
    """`<name>/<colorspace>`: the check's `name=`, else the catalogue's `default`, else
    its test's name; a name that would leave the baseline root (a ".." part, an absolute
    path, a drive letter), or whose folders cannot be made as written, is refused, naming
    where it came from."""
    __tracebackhide__ = True
    if name:
        return (
            f"{_inside(name, f'name={name!r}', root, 'Give a relative name, e.g. ' + repr('photos/cat'))}/{colorspace}"
        )
    if default:
        return f"{default}/{colorspace}"
    fix = "Give its parameter an id without '..' (pytest.param(..., id=...)), or the check a name=."
    plain = "Give its parameter a short id of letters, digits, '-' and '_' (pytest.param(..., id=...)), or a name=."
    return f"{_inside(name_of_test(nodeid), f'the test id {nodeid!r}', root, fix, plain)}/{colorspace}"


def _inside(name: str, given_as: str, root: Path, fix: str, plain_fix: str | None = None) -> str:
    """`name`, unless it would leave the root (`fix` says what to do) or cannot name folders
    as written (`plain_fix`, default `fix`, says what to do)."""
    __tracebackhide__ = True
    parts = re.split(r"[/\\]", name)
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        why = "it is an absolute path"
    elif ".." in parts:
        why = "it climbs out with '..'"
    elif (unusable := _unusable_part(name, parts)) is not None:
        raise BaselineNameError(
            f"{given_as} cannot name a baseline folder: {unusable}; nothing was written. {plain_fix or fix}"
        )
    else:
        return name
    raise BaselineNameError(
        f"{given_as} would put its baseline outside the baseline root {root} ({why}); nothing was written. {fix}"
    )


# A folder name's limit on every common file system (ext4, APFS, NTFS), in bytes of UTF-8.
NAME_MAX = 255


def _unusable_part(name: str, parts: list[str]) -> str | None:
    """Why a name's folders cannot be made as written (None if they can): the folder the
    operating system would refuse, or make other than the name says."""
    control = next((char for char in name if unicodedata.category(char) == "Cc"), None)
    if control == "\0":
        return "it holds a NUL character, which no file name can"
    if control is not None:
        return f"it holds the control character {control!r}; use letters, digits, '-', '_' or '.'"
    if "" in parts:
        return "it has an empty part ('//', or '/' at an end); write each folder once, between single '/'"
    if "." in parts:
        return "it has a '.' part, which names no folder; leave it out"
    long = next((part for part in parts if len(part.encode()) > NAME_MAX), None)
    if long is not None:
        size = len(long.encode())
        return f"its part {long[:20]!r}… is {size} bytes long, over the {NAME_MAX} a folder name may have; shorten it"
    return None


def locate(
    root: Path,
    case_key: str,
    nodeid: str,
    *,
    weighted: bool,
    weights: str,
    backend: str,
    divergence: Divergence | None,
    regenerating: bool,
) -> Location:
    """The check's baseline: in the set of its weights (`weighted`: it has weights, or
    draws random numbers as it runs) and backend, or a known divergence's own."""
    name_of_set = baselines.set_name(weighted, weights, backend)
    kind = weights if weighted else "none"
    hint = shlex.join(["pytest", "--regen-all", nodeid])  # a test id may hold any character
    shared = Target(root / name_of_set, case_key, hint, kind)
    target = shared
    if divergence is not None:  # only that backend, on a Keras it applies to, computes it
        divergence_hint = f"KERAS_BACKEND={backend} {hint}  # keras {divergence.versions}"
        target = Target(root / baselines.divergence_set(divergence, name_of_set), case_key, divergence_hint, kind)
    return Location(target, shared, divergence, "" if regenerating else missing_backend_set(root, name_of_set, backend))


def missing_backend_set(root: Path, name_of_set: str, backend: str) -> str:
    """Why a keras-mode check cannot be compared: keras-mode baselines are per backend, and
    a tree that has other backends' sets but not this one's cannot check it (a new tree,
    without any, gets this one's made). "" when it can."""
    if not name_of_set.startswith("keras/") or (root / name_of_set).is_dir():
        return ""
    others = [b for b in BACKENDS if b != backend and (root / "keras" / b).is_dir()]
    if not others:
        return ""
    return (
        f"{NO_BACKEND_SET} {backend} backend ({root / name_of_set}): Keras's seeded initializers draw different "
        f"numbers on each backend. Make them with `KERAS_BACKEND={backend} pytest --regen-all` (which writes only "
        f"what no longer matches)"
    )


# The start of the reason a keras-mode check without its backend's set is skipped.
NO_BACKEND_SET = "no keras-mode baselines for the"

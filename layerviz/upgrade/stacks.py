"""Stacks: package versions to compare (Keras 3.14.1 against 3.15.0, say), each in an
isolated environment on this machine, made with uv and cached by its pins.

An environment is layered on the running one: it holds only the packages its
requirements name (no dependencies), and sees everything else, layerviz included,
through the running environment's site-packages. So a stack costs one small download,
a second use installs nothing, and machine differences cancel out between two stacks.
A backend's release comes with the dependencies it declares instead (`dependencies`),
resolved with the running Keras, as installing it would: TensorFlow pins NumPy, ml_dtypes
and protobuf to ranges of its own.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from layerviz.core import versions
from layerviz.store.files import write_atomic

DEFAULT_INDEX = "https://pypi.org/simple"
# What uv says when it cannot reach an index (its messages, lower-cased).
_OFFLINE = (
    "failed to fetch",
    "dns error",
    "connection refused",
    "could not connect",
    "network is unreachable",
    "offline",
)
_MARKER = "layerviz-stack.json"


class StackError(Exception):
    """A stack that cannot be made or used; the message says why and what to do."""


class UnknownRelease(StackError):
    """A version the index does not offer: bad input (exit 2), naming the closest releases."""


class CacheError(StackError):
    """A cache folder that cannot hold environments: the same for every stack of a run, so
    the run stops with one line rather than failing each stack."""


@dataclass(frozen=True)
class Source:
    """Where packages come from: an index (default PyPI) and local folders of wheels."""

    index_url: str = DEFAULT_INDEX
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    offline: bool = False

    def uv_options(self) -> list[str]:
        options = ["--no-index"] if self.no_index else ["--index-url", self.index_url]
        for place in self.find_links:
            options += ["--find-links", place]
        return options + (["--offline"] if self.offline else [])


@dataclass(frozen=True)
class Stack:
    """Requirements installed over the running environment, e.g. ("keras==3.15.0",)."""

    requirements: tuple[str, ...]
    backend: str = "tensorflow"
    source: Source = field(default_factory=Source)
    dependencies: bool = False  # install what the requirements depend on too, into the stack

    def __post_init__(self) -> None:
        # A requirement only, never an option of uv's own (`--with "-e /etc"`).
        for text in self.requirements:
            try:
                Requirement(text)
            except InvalidRequirement:
                raise StackError(
                    f"{text!r} is not a requirement (PEP 508); give e.g. keras==3.15.1 or 'dm-tree>=0.1'"
                ) from None

    @property
    def name(self) -> str:
        return " ".join(self.requirements) or "the running environment"

    def key(self) -> str:
        """What decides the environment's contents: the pins (and, for a range, where it is
        installed from), the interpreter, and the environment it is layered on."""
        identity: dict[str, object] = {
            "requirements": sorted(self.requirements),
            "python": sys.version,
            "parent": _site_packages(sys.executable),
        }
        # A range, or dependencies resolved: what it installs depends on where from.
        if self.dependencies or not all(pinned(r) for r in self.requirements):
            identity["source"] = [self.source.index_url, sorted(self.source.find_links), self.source.no_index]
        if self.dependencies:
            identity["dependencies"] = True
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def cache_root() -> Path:
    """$LAYERVIZ_CACHE, else the user's cache folder."""
    if os.environ.get("LAYERVIZ_CACHE"):
        return Path(os.environ["LAYERVIZ_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "layerviz" / "stacks"


def uv() -> str:
    try:
        from uv import find_uv_bin
    except ImportError:
        found = shutil.which("uv")
        if found:
            return found
        raise StackError("uv is not installed; `pip install uv` (layerviz makes its environments with it)") from None
    return find_uv_bin()


def _site_packages(python: str | Path) -> str:
    if Path(python) == Path(sys.executable):
        return sysconfig.get_paths()["purelib"]
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def python_of(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure(stack: Stack, root: Path | None = None) -> tuple[Path, bool]:
    """The Python of the stack's environment, made if it is not cached yet; and whether
    it was made now. A folder left half-made by an interrupted run is made again; a cache
    folder that cannot hold it (a file, not writable, a full disk) is a CacheError."""
    cache = root or cache_root()
    folder = cache / stack.key()
    marker = folder / _MARKER
    if marker.is_file():  # written last, atomically: a cached stack needs no lock (a read-only cache works)
        return python_of(folder), False
    try:
        return _make(stack, folder, marker)
    except OSError as error:
        inside = bool(error.filename) and Path(str(error.filename)).is_relative_to(cache)
        if not inside and error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        why = "a file, not a folder" if cache.is_file() else error.strerror or error
        raise CacheError(
            f"{cache}: cannot keep environments there ({why}); give a writable folder with --cache (or $LAYERVIZ_CACHE)"
        ) from None


def _make(stack: Stack, folder: Path, marker: Path) -> tuple[Path, bool]:
    """Make the stack's environment in `folder` (one process at a time), unless another made it meanwhile."""
    with _locked(folder.with_suffix(".lock")):
        if marker.is_file():
            return python_of(folder), False
        shutil.rmtree(folder, ignore_errors=True)
        _run([uv(), "venv", "--quiet", "--python", sys.executable, str(folder)], stack)
        # A .pth line that starts with "import" runs: addsitedir also reads the running
        # environment's own .pth files (an editable layerviz), after this one's packages.
        (Path(_site_packages(python_of(folder))) / "_layerviz_parent.pth").write_text(
            f"import site; site.addsitedir({_site_packages(sys.executable)!r})\n"
        )
        if stack.requirements:
            command = [uv(), "pip", "install", "--quiet", "--python", str(python_of(folder))]
            command += [] if stack.dependencies else ["--no-deps"]
            _run([*command, *stack.source.uv_options(), "--", *stack.requirements], stack)
        write_atomic(marker, (json.dumps({"requirements": list(stack.requirements)}, indent=2) + "\n").encode())
    return python_of(folder), True


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One process makes a given environment at a time (parallel sweeps share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no lock; stacks of one run are distinct anyway
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: Sequence[str], stack: Stack) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        said = (done.stderr or done.stdout).strip()
        if any(sign in said.lower() for sign in _OFFLINE):
            raise StackError(
                f"{stack.name}: cannot reach the package index ({_last_line(said)}); cached stacks work with --offline"
            )
        raise StackError(f"{stack.name}: cannot install: {_last_line(said)}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[-2:]) if lines else "no message"


# --- releases ----------------------------------------------------------------------

_VERSION = re.compile(r"^\d+(\.\d+)*$")  # final releases only: no rc, dev or post


def releases(package: str, source: Source, cache: Path | None = None) -> list[str]:
    """The final releases of `package` that `source` offers, oldest first: wheel and
    sdist names in its --find-links folders, and its index (PEP 691 JSON, PEP 700 versions);
    offline, the releases cached stacks pin instead of the index's."""
    name = re.sub(r"[-_.]+", "-", package).lower()
    found: set[str] = set()
    if source.offline:
        for marker in (cache or cache_root()).glob(f"*/{_MARKER}"):
            for requirement in json.loads(marker.read_text())["requirements"]:
                pin = pinned(requirement)
                if pin and re.sub(r"[-_.]+", "-", pin[0]).lower() == name:
                    found.add(pin[1])
    for place in source.find_links:
        folder = Path(place.removeprefix("file://"))
        for path in folder.iterdir() if folder.is_dir() else ():
            stem = path.name.removesuffix(".tar.gz").removesuffix(".zip").removesuffix(".whl")
            parts = stem.split("-")
            if len(parts) >= 2 and re.sub(r"[-_.]+", "-", parts[0]).lower() == name:
                found.add(parts[1])
    if not source.no_index and not source.offline:
        found |= _index_versions(name, source.index_url)
    return sorted((v for v in found if _VERSION.match(v)), key=versions.version)


def _index_versions(name: str, index_url: str) -> set[str]:
    request = urllib.request.Request(
        f"{index_url.rstrip('/')}/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            data = json.load(answer)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return set()
        raise StackError(f"cannot list {name}'s releases at {index_url} (HTTP {exc.code})") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StackError(
            f"cannot reach the package index {index_url} ({reason}); cached stacks work with --offline"
        ) from None
    if "versions" in data:
        return set(data["versions"])
    return {file["filename"].split("-")[1] for file in data.get("files", []) if "-" in file["filename"]}


def closest(version: str, known: Sequence[str]) -> list[str]:
    """The releases either side of `version` (the newest two if it is no version at all)."""
    try:
        wanted = versions.version(version)
    except ValueError:
        return list(known[-2:])[::-1]
    below = [v for v in known if versions.version(v) < wanted]
    above = [v for v in known if versions.version(v) > wanted]
    return [*below[-1:], *above[:1]]


def pinned(requirement: str) -> tuple[str, str] | None:
    """("keras", "3.15.0") of "keras==3.15.0"; None for a range, a wildcard, a bare name,
    or a requirement with extras or a marker (read as PEP 508, as Stack checks it)."""
    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return None
    specifiers = list(parsed.specifier)
    if parsed.extras or parsed.marker or parsed.url or len(specifiers) != 1:
        return None
    (only,) = specifiers
    return (parsed.name, only.version) if only.operator == "==" and not only.version.endswith(".*") else None


def require(package: str, version: str, known: Sequence[str]) -> None:
    """UnknownRelease, naming the closest releases, unless `version` is one of `known`."""
    if version not in known:
        near = closest(version, known)
        hint = f"closest: {', '.join(near)}" if near else f"no release of {package} found there"
        raise UnknownRelease(f"{package} {version} is not a release; {hint}")


def check_released(requirements: Sequence[str], source: Source, cache: Path | None = None) -> None:
    """Every `name==version` must be a release the source offers (an unreachable index is
    a StackError)."""
    for requirement in requirements:
        pin = pinned(requirement)
        if pin is not None:
            require(pin[0], pin[1], releases(pin[0], source, cache))

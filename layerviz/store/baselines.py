"""Baseline files: where each case's PNG and statistics live, atomic writes, provenance.

A tree holds sets, each with its own `MANIFEST.json` (the environment that made it):

- `weightless/`: cases without weights (merging, pooling): the same in both weight
  modes and on every backend;
- `fixed/`: cases with weights, NumPy-drawn ("fixed") weights: the same on every backend;
- `keras/<backend>/`: cases with weights, Keras's seeded initializers, whose numbers
  differ between backends;
- `as-is/`: a user's subject with the weights it already has (trained or loaded).

In a set, a case is `<section>/<config>/<colourspace>.png` with
`<colourspace>.stats.json` beside it; a case whose layer raised has the sidecar
alone, recording the exception (`layerviz.core.raised`).

A known divergence (`layerviz.core.divergences`) keeps what its backend really computes
in sets of its own, under `divergences/<backend>/<Keras versions>/`.

Pictures and the catalogue are imported where a function needs them: a pytest-xdist
controller reads manifests and names sets here but renders nothing, and NumPy and Pillow
would delay the start of its workers.
"""

from __future__ import annotations

import datetime
import errno
import functools
import importlib
import io
import json
import os
import platform
import stat
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerviz.core import divergences, numerics
from layerviz.core.raised import Raised

if TYPE_CHECKING:
    from layerviz.catalogue.cases import Check
    from layerviz.judge.compare import Outcome
    from layerviz.pipeline.render import Rendering

MANIFEST = "MANIFEST.json"
BACKENDS = ("tensorflow", "jax", "torch")
WEIGHTLESS = "weightless"


class BaselineError(Exception):
    """A baseline file that is missing or unreadable; the message names it and the fix."""


class BaselineWriteError(BaselineError):
    """A file the operating system would not let layerviz write (a full disk, a folder that
    is not writable, a folder where the file should be): one line naming it."""


class BaselineLinkError(BaselineError):
    """A baseline path through a symbolic link inside the tree, which could take a
    regeneration's writes outside it."""


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


def unwritable(label: str, path: Path, error: OSError) -> BaselineWriteError | None:
    """The one line to say for an OSError writing `path`, or None for an error that is not
    the file system saying no (that one is a bug, and keeps its traceback)."""
    said = _UNWRITABLE.get(error.errno) if error.errno is not None else None
    if said is None:
        return None
    culprit = None
    if error.errno in (errno.ENOTDIR, errno.EEXIST):  # the file standing in for a folder, not the folder
        culprit = next((parent for parent in reversed(path.parents) if parent.exists() and not parent.is_dir()), None)
    where = f"{error.strerror or error}{f': {culprit}' if culprit else ''}"
    return BaselineWriteError(f"{label + ': ' if label else ''}cannot write {path} ({where}): {said}")


def set_name(has_weights: bool, weights: str, backend: str) -> str:
    """The baseline set of a check, by whether its subject has weights (or draws random
    numbers as it runs, as augmentation does), the weight mode ("keras", "fixed" or
    "as-is") and the backend."""
    if not has_weights:
        return WEIGHTLESS
    return weights if weights in ("fixed", "as-is") else f"keras/{backend}"


def set_names(backends: Iterable[str] = BACKENDS) -> tuple[str, ...]:
    return (WEIGHTLESS, "fixed", "as-is", *(f"keras/{backend}" for backend in backends))


def divergence_set(known: divergences.Divergence, name: str) -> str:
    """The set recording what a divergence's backend computes in place of set `name`."""
    return f"{known.folder}/{name}"


def check_sets(check: Check, backends: Iterable[str] = BACKENDS) -> set[str]:
    """The sets a catalogue check has a baseline in, whatever backend runs it."""
    config = check.case.config
    return {set_name(config.per_backend, check.weights or "keras", backend) for backend in backends}


def expected_files(root: Path) -> set[Path]:
    """Every file the catalogue produces in the sets present under `root`: each check's
    sidecar, its PNG unless the sidecar records an exception, and each set's manifest;
    a known divergence's own sets wherever the set they stand in for is present."""
    from layerviz.catalogue import CHECKS

    present = [name for name in set_names() if (root / name).is_dir()]
    wanted = [(name, check.case) for check in CHECKS for name in check_sets(check) if name in present]
    for known in divergences.KNOWN:
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


def unused_files(root: Path, labels: Iterable[str], sets: Iterable[str]) -> list[Path]:
    """Files in the sets `sets` under `root` that none of the checks `labels` (as
    `<set>/<name>`) uses, judged from what a run checked (its manifests are kept)."""
    used = {root / name / MANIFEST for name in sets}
    for label in labels:
        png = png_path(root, label)
        used |= {png, stats_path(png)}
    return sorted(
        path
        for name in sets
        if (root / name).is_dir()
        for path in (root / name).rglob("*")
        if path.is_file() and path not in used
    )


def delete(root: Path, files: Iterable[Path]) -> None:
    """Delete baseline files under `root`, and the folders they leave empty."""
    files = list(files)
    for path in files:
        path.unlink()
    for folder in sorted({path.parent for path in files}, key=lambda folder: len(folder.parts), reverse=True):
        while folder != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


@functools.cache
def _every_set_name(known: tuple[divergences.Divergence, ...]) -> frozenset[str]:
    return frozenset(set_names()) | {divergence_set(k, name) for k in known for name in set_names()}


def split_label(label: str) -> tuple[str, str]:
    """A check's label (`<set>/<section>/<config>/<colourspace>`) as (set, case id)."""
    parts = label.split("/")
    for depth in range(len(parts) - 1, 0, -1):
        name = "/".join(parts[:depth])
        if name in _every_set_name(tuple(divergences.KNOWN)):
            return name, "/".join(parts[depth:])
    return "", label


def png_path(root: Path, case_id: str) -> Path:
    return root.joinpath(*case_id.split("/")).with_suffix(".png")


def stats_path(png: Path) -> Path:
    return png.with_name(png.stem + ".stats.json")


def discover(root: Path) -> dict[str, Path]:
    """Every case a baseline tree holds: case id -> PNG path (which is absent for an
    exception baseline)."""
    if not root.is_dir():
        raise BaselineError(f"{root}: not a folder; give the folder of a baseline tree")
    suffix = ".stats.json"
    return {
        sidecar.relative_to(root).as_posix()[: -len(suffix)]: sidecar.with_name(sidecar.name[: -len(suffix)] + ".png")
        for sidecar in sorted(root.rglob(f"*{suffix}"))
        if not sidecar.name.startswith(".")
    }


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


def refuse_links(root: Path, path: Path, label: str) -> None:
    """A BaselineLinkError if a folder between `root` and `path` (inside the tree) is a
    symbolic link: a regeneration would write through it, outside the tree."""
    folder = root
    for part in path.parent.relative_to(root).parts:
        folder = folder / part
        try:
            linked = stat.S_ISLNK(os.lstat(folder).st_mode)
        except (FileNotFoundError, NotADirectoryError):  # what does not exist yet is made as a real folder
            return
        if linked:
            raise BaselineLinkError(
                f"{label}: {folder} is a symbolic link (to {os.readlink(folder)}) inside the baseline tree "
                f"{root}; regenerating would write outside the tree through it: replace it with a real folder"
            )


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


def save(outcome: Outcome, png: Path, *, image: bool = True, sidecar: bool = True) -> list[Path]:
    """Write the case's PNG (`image`) and statistics (`sidecar`); return the files whose
    content changed. An exception is its sidecar alone: a PNG left from before goes.

    Identical files are left alone, so regenerating an unchanged tree changes nothing.
    """
    from layerviz.pipeline.render import encode_png

    written: list[Path] = []
    path = png
    try:
        if isinstance(outcome, Raised):
            if png.is_file():
                png.unlink()
                written.append(png)
            parts = [(stats_path(png), outcome.sidecar().encode())]
        else:
            parts = [(stats_path(png), outcome.sidecar().encode())] if sidecar else []
            if image:
                parts.append((png, encode_png(outcome.pixels)))
        for path, data in parts:
            if not (path.is_file() and path.read_bytes() == data):
                write_atomic(path, data)
                written.append(path)
    except OSError as error:
        said = unwritable(outcome.case_id, path, error)
        if said is None:
            raise
        raise said from None
    return written


def layer_png(png: Path, index: int) -> Path:
    """Where an obtained tree keeps the picture of a model's layer `index` (its place in the
    trace), beside the check's own: what `upgrade --tests` shows of a layer that changed."""
    return png.with_name(f"{png.stem}.layers") / f"{index:03d}.png"


def save_layers(rendering: Rendering, png: Path) -> None:
    """Every traced layer's picture of a rendering, for an obtained tree (never a baseline)."""
    from layerviz.pipeline.render import encode_png, feature_picture

    for index, layer in enumerate(rendering.trace):
        if layer.raw is not None:
            write_atomic(layer_png(png, index), encode_png(feature_picture(layer.raw), level=1))


def load(png: Path, case_id: str, hint: str | None = None) -> Outcome:
    """A baseline: a picture with its statistics, or the exception it records;
    `hint` is the command that regenerates it (none for a tree read outside its tests,
    which cannot know the test that made it)."""
    from layerviz.pipeline.render import Rendering, read_sidecar

    stats = stats_path(png)
    fix = f"regenerate it with `{hint}`" if hint else "make the tree again with the command that made it"

    def missing(path: Path) -> BaselineError:
        if path.is_dir():
            what = "PNG" if path == png else "statistics file"
            return BaselineError(
                f"{case_id}: {path} is a folder where the baseline's {what} should be; remove it, then {fix}"
            )
        return BaselineError(f"{case_id}: baseline file {path} is missing; {fix}")

    def unreadable(path: Path, why: object) -> BaselineError:
        return BaselineError(f"{case_id}: baseline file {path} is unreadable ({why}); restore it from git or {fix}")

    # Read, not looked for first: a check that passes costs no extra file-system call.
    try:
        text = stats.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        raise missing(stats if png.is_file() or stats.is_dir() else png) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(stats, getattr(exc, "strerror", None) or exc) from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise unreadable(stats, f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise unreadable(stats, f"a JSON {type(data).__name__}, not an object")
    try:
        if "raises" in data:
            return Raised(case_id, str(data["raises"]["type"]), str(data["raises"]["message"]))
        fields = read_sidecar(data)
    except KeyError as exc:
        raise BaselineError(
            f"{case_id}: {stats} lacks the field {exc}, perhaps from an older layerviz; {fix}"
        ) from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise unreadable(stats, exc) from None
    try:
        image = png.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise missing(png) from None
    except OSError as exc:
        raise unreadable(png, exc.strerror or exc) from None
    try:
        pixels = _baseline_pixels(image)
    except _NotABaselinePicture as exc:
        raise unreadable(png, exc) from None
    return Rendering(case_id, pixels, **fields)


class _NotABaselinePicture(Exception):
    """Why bytes are not a baseline's picture (said in a BaselineError naming the file)."""


def _baseline_pixels(data: bytes) -> Any:
    """The pixels of a baseline PNG as layerviz writes them (uint8 greyscale or RGB); a
    1-bit or palette PNG (what a PNG optimiser may make of one) holds the same pixels."""
    import numpy as np
    from PIL import Image

    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise _NotABaselinePicture("not a PNG file" if data else "an empty file")
    try:
        with warnings.catch_warnings():
            # A baseline is at most a few thousand pixels a side: past Pillow's warning limit
            # it is refused before anything is decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as stored:
                stored.load()
                image: Image.Image = stored
                if stored.mode == "1" or (stored.mode == "P" and "transparency" not in stored.info):
                    image = stored.convert("L" if stored.mode == "1" else "RGB")
                if image.mode not in ("L", "RGB"):
                    raise _NotABaselinePicture(f"a {image.mode} PNG; baselines are 8-bit greyscale or RGB")
                return np.asarray(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _NotABaselinePicture("more pixels than Pillow's decompression-bomb limit") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow names the stream it read ("<_io.BytesIO object at 0x...>"): the file is named instead.
        raise _NotABaselinePicture(f"a damaged PNG: {str(exc).split(' <_io.', 1)[0]}") from None


def load_or_why(png: Path, case_id: str, hint: str) -> tuple[Outcome | None, str | None]:
    """The baseline; or None, and why when files are there but unusable."""
    try:
        return load(png, case_id, hint), None
    except BaselineError as error:
        return None, str(error) if png.exists() or stats_path(png).exists() else None


def running_versions() -> dict[str, str]:
    """Keras, the backend it runs on, and that backend's library version."""
    import keras

    backend = keras.backend.backend()
    library = importlib.import_module(backend)
    return {"keras": keras.version(), "backend": backend, backend: str(library.__version__)}


def environment(suite_seed: int, size: int, weights: str, running: dict[str, Any]) -> dict[str, Any]:
    """What made (or is checking) a set of baselines; `running`: the numeric environment
    (`layerviz.core.numerics.pin`)."""
    import numpy
    import PIL

    from layerviz.inputs.images import DEFAULT_PAIR, sample_sha256

    return {
        "numerics": running,
        "versions": {
            **running_versions(),
            "numpy": numpy.__version__,
            "pillow": PIL.__version__,
            "python": platform.python_version(),
        },
        "platform": {"system": platform.platform(), "machine": platform.machine(), "byteorder": sys.byteorder},
        "weights": weights,
        "suite_seed": suite_seed,
        "working_size": size,
        "inputs": {name: {"sha256": sample_sha256(name)} for name in DEFAULT_PAIR},
    }


def write_manifest(root: Path, suite_seed: int, weights: str, running: dict[str, Any]) -> Path:
    from layerviz.inputs.images import WORKING_SIZE

    data = environment(suite_seed, WORKING_SIZE, weights, running)
    data["created"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = root / MANIFEST
    try:
        write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())
    except OSError as error:
        said = unwritable("", path, error)
        if said is None:
            raise
        raise said from None
    return path


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The manifest of the set `root`, None when it has none; one that cannot be read, or
    does not record what made the set, is a BaselineError naming it."""
    path = root / MANIFEST
    if not path.is_file():
        return None
    data, why = read_json(path, _manifest_problem)
    if why:
        raise BaselineError(
            f"{path}: the set's manifest is {why}; restore it from git, or regenerate the set "
            f"(`pytest --regen-all` writes it again)"
        )
    return data


def read_json(path: Path, problem: Callable[[Any], str]) -> tuple[Any, str]:
    """The JSON in `path`, and why it is not what the caller reads ("" if it is): unreadable,
    or what `problem` finds wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        return None, f"unreadable ({getattr(exc, 'strerror', None) or exc})"
    return data, problem(data)


def _manifest_problem(data: object) -> str:
    """What is wrong with a parsed manifest, as far as layerviz reads it ("" if nothing)."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    versions = data.get("versions")
    if not isinstance(versions, dict) or not isinstance(versions.get("backend"), str):
        return "without the versions that made the set"
    if not all(isinstance(versions.get(name), str) for name in ("keras", versions["backend"])):
        return f"without the keras and {versions['backend']} versions that made the set"
    made = data.get("numerics", {})
    backend = made.get("backend", "") if isinstance(made, dict) else None
    if not isinstance(backend, str) or not isinstance(made.get(backend, {}), dict):
        return "damaged: its numerics are not as layerviz records them"
    size = data.get("working_size", 0)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return "damaged: its working_size is not a number of pixels"
    return ""


def records_numerics(root: Path) -> bool:
    """Whether the set's manifest records the numeric environment (an unreadable one does not)."""
    try:
        return "numerics" in (read_manifest(root) or {})
    except BaselineError:
        return False


def describe_environment(data: dict[str, Any]) -> dict[str, str]:
    """An environment record (a manifest) as short facts for a page footer."""
    versions = data["versions"]
    backend = versions["backend"]
    # Only the versions are sure to be there (`read_manifest`): the rest may be from an older layerviz.
    inputs, machine = data.get("inputs"), data.get("platform")
    return {
        "keras": versions["keras"],
        "backend": f"{backend} {versions[backend]}",
        "numpy, pillow, python": ", ".join(str(versions.get(name, "?")) for name in ("numpy", "pillow", "python")),
        "platform": str(machine.get("system", "not recorded")) if isinstance(machine, dict) else "not recorded",
        "weights": str(data.get("weights", "not recorded")),
        "seed": str(data.get("suite_seed", "not recorded")),
        "working size": f"{data['working_size']} px" if "working_size" in data else "not recorded",
        "inputs": ", ".join(map(str, inputs)) if isinstance(inputs, (list, dict)) else "not recorded",
        "numerics": numerics.summary(data["numerics"]) if "numerics" in data else "not recorded",
    }


def tree_manifest(root: Path) -> dict[str, Any]:
    """The manifest of the first set under a tree one stack made (its sets share versions
    and numeric environment), or {} when it has none."""
    manifests = sorted(root.rglob(MANIFEST))
    return (read_manifest(manifests[0].parent) or {}) if manifests else {}


def describe_tree(root: Path) -> str | None:
    """Which stack made the sets under `root` (or `root` itself, if it is one set),
    e.g. "keras 3.15.1/tensorflow 2.21.0 (weightless, fixed, keras/tensorflow)"."""
    by_stack: dict[str, list[str]] = {}
    for name in (".", *set_names()):
        try:
            manifest = read_manifest(root / name)
        except BaselineError:  # a summary names it; what is wrong is said where a set is read in full
            by_stack.setdefault(f"unreadable {MANIFEST}", []).append(name)
            continue
        if manifest is not None:
            by_stack.setdefault(describe_versions(manifest), []).append(name)
    if not by_stack:
        return None
    return "; ".join(stack if names == ["."] else f"{stack} ({', '.join(names)})" for stack, names in by_stack.items())


def numeric_differences(root: Path, running: dict[str, Any]) -> dict[tuple[str, ...], list[str]]:
    """Sets under `root` whose manifest's numeric environment differs from `running`,
    grouped by what differs (a set from before layerviz recorded it says so)."""
    by_difference: dict[tuple[str, ...], list[str]] = {}
    for name in set_names():
        try:
            manifest = read_manifest(root / name)
        except BaselineError as error:
            by_difference.setdefault((str(error),), []).append(name)
            continue
        if manifest is None:
            continue
        made = manifest.get("numerics")
        said = numerics.differences(made, running) if made else ["numeric environment not recorded"]
        if said:
            by_difference.setdefault(tuple(said), []).append(name)
    return {tuple(names): list(said) for said, names in by_difference.items()}


def describe_versions(data: dict[str, Any]) -> str:
    versions = data["versions"]
    backend = versions["backend"]
    return f"keras {versions['keras']}/{backend} {versions[backend]}"

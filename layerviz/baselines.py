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
alone, recording the exception (`layerviz.raised`).

A known divergence (`layerviz.divergences`) keeps what its backend really computes
in sets of its own, under `divergences/<backend>/<Keras versions>/`.

Pictures and the catalogue are imported where a function needs them: a pytest-xdist
controller reads manifests and names sets here but renders nothing, and NumPy and Pillow
would delay the start of its workers.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerviz import divergences, numerics
from layerviz.raised import Raised

if TYPE_CHECKING:
    from layerviz.catalogue import Check
    from layerviz.compare import Outcome
    from layerviz.render import Rendering

MANIFEST = "MANIFEST.json"
BACKENDS = ("tensorflow", "jax", "torch")
WEIGHTLESS = "weightless"


class BaselineError(Exception):
    """A baseline file that is missing or unreadable; the message names it and the fix."""


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
        return "raises" in json.loads(stats_path(png).read_text())
    except (OSError, ValueError):
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
    from layerviz.render import encode_png

    written = []
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
    return written


def layer_png(png: Path, index: int) -> Path:
    """Where an obtained tree keeps the picture of a model's layer `index` (its place in the
    trace), beside the check's own: what `upgrade --tests` shows of a layer that changed."""
    return png.with_name(f"{png.stem}.layers") / f"{index:03d}.png"


def save_layers(rendering: Rendering, png: Path) -> None:
    """Every traced layer's picture of a rendering, for an obtained tree (never a baseline)."""
    from layerviz.render import encode_png, feature_picture

    for index, layer in enumerate(rendering.trace):
        if layer.raw is not None:
            write_atomic(layer_png(png, index), encode_png(feature_picture(layer.raw), level=1))


def load(png: Path, case_id: str, hint: str | None = None) -> Outcome:
    """A baseline: a picture with its statistics, or the exception it records;
    `hint` is the command that regenerates it (none for a tree read outside its tests,
    which cannot know the test that made it)."""
    from layerviz.render import Rendering, decode_png, read_sidecar

    stats = stats_path(png)
    fix = f"regenerate it with `{hint}`" if hint else "make the tree again with the command that made it"

    def missing(path: Path) -> BaselineError:
        return BaselineError(f"{case_id}: baseline file {path} is missing; {fix}")

    # Read, not looked for first: a check that passes costs no extra file-system call.
    try:
        try:
            data = json.loads(stats.read_text())
        except (FileNotFoundError, IsADirectoryError):
            raise missing(stats if png.is_file() else png) from None
        if "raises" in data:
            return Raised(case_id, str(data["raises"]["type"]), str(data["raises"]["message"]))
        try:
            image = png.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise missing(png) from None
        pixels, _mode = decode_png(image)
        return Rendering(case_id, pixels, **read_sidecar(data))
    except KeyError as exc:
        raise BaselineError(
            f"{case_id}: {stats} lacks the field {exc}, perhaps from an older layerviz; {fix}"
        ) from None
    except (OSError, SyntaxError, ValueError, TypeError) as exc:
        raise BaselineError(
            f"{case_id}: baseline {png} or {stats.name} is unreadable ({exc}); "
            f"restore it from git or {fix}"
        ) from None


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
    (`layerviz.numerics.pin`)."""
    import numpy
    import PIL

    from layerviz.images import DEFAULT_PAIR, sample_sha256

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
    from layerviz.images import WORKING_SIZE

    data = environment(suite_seed, WORKING_SIZE, weights, running)
    data["created"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = root / MANIFEST
    write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())
    return path


def read_manifest(root: Path) -> dict[str, Any] | None:
    path = root / MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def describe_environment(data: dict[str, Any]) -> dict[str, str]:
    """An environment record (a manifest) as short facts for a page footer."""
    versions = data["versions"]
    backend = versions["backend"]
    return {
        "keras": versions["keras"],
        "backend": f"{backend} {versions[backend]}",
        "numpy, pillow, python": f"{versions['numpy']}, {versions['pillow']}, {versions['python']}",
        "platform": data["platform"]["system"],
        "weights": data["weights"],
        "seed": str(data["suite_seed"]),
        "working size": f"{data['working_size']} px",
        "inputs": ", ".join(data["inputs"]),
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
        manifest = read_manifest(root / name)
        if manifest is not None:
            by_stack.setdefault(describe_versions(manifest), []).append(name)
    if not by_stack:
        return None
    return "; ".join(
        stack if names == ["."] else f"{stack} ({', '.join(names)})" for stack, names in by_stack.items()
    )


def numeric_differences(root: Path, running: dict[str, Any]) -> dict[tuple[str, ...], list[str]]:
    """Sets under `root` whose manifest's numeric environment differs from `running`,
    grouped by what differs (a set from before layerviz recorded it says so)."""
    by_difference: dict[tuple[str, ...], list[str]] = {}
    for name in set_names():
        manifest = read_manifest(root / name)
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

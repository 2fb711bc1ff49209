"""Baseline files: where each case's PNG and statistics live, atomic writes, provenance.

A tree holds sets, each with its own `MANIFEST.json` (the environment that made it):

- `weightless/`: cases without weights (merging, pooling): the same in both weight
  modes and on every backend;
- `fixed/`: cases with weights, NumPy-drawn ("fixed") weights: the same on every backend;
- `keras/<backend>/`: cases with weights, Keras's seeded initializers, whose numbers
  differ between backends.

In a set, a case is `<section>/<config>/<colourspace>.png` with
`<colourspace>.stats.json` beside it.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from layerviz.catalogue import CASES, Case
from layerviz.images import DEFAULT_PAIR, WORKING_SIZE, sample_sha256
from layerviz.render import Rendering, decode_png, encode_png, read_sidecar

MANIFEST = "MANIFEST.json"
BACKENDS = ("tensorflow", "jax", "torch")
WEIGHTLESS = "weightless"
REGEN_HINT = "pytest --regen-all -k '{case_id}'"


class BaselineError(Exception):
    """A baseline file that is missing or unreadable; the message names it and the fix."""


def set_name(case: Case, weights: str, backend: str) -> str:
    """The baseline set a case belongs to under a weight mode and backend."""
    if not case.config.has_weights:
        return WEIGHTLESS
    return "fixed" if weights == "fixed" else f"keras/{backend}"


def set_names(backends: Iterable[str] = BACKENDS) -> tuple[str, ...]:
    return (WEIGHTLESS, "fixed", *(f"keras/{backend}" for backend in backends))


def expected_files(root: Path) -> set[Path]:
    """Every file the catalogue produces in the sets present under `root`."""
    present = [name for name in set_names() if (root / name).is_dir()]
    files = {root / name / MANIFEST for name in present}
    for case in CASES:
        for name in present:
            if (name == WEIGHTLESS) != (not case.config.has_weights):
                continue
            png = png_path(root / name, case.id)
            files |= {png, stats_path(png)}
    return files


def obsolete_files(root: Path) -> list[Path]:
    """Files under `root` that no case produces (a removed case, a wrong set, a stray file)."""
    expected = expected_files(root)
    return sorted(path for path in root.rglob("*") if path.is_file() and path not in expected)


def missing_files(root: Path) -> list[Path]:
    """Files the catalogue produces in the sets present under `root` that are not there."""
    return sorted(path for path in expected_files(root) if not path.is_file())


def png_path(root: Path, case_id: str) -> Path:
    return root.joinpath(*case_id.split("/")).with_suffix(".png")


def stats_path(png: Path) -> Path:
    return png.with_name(png.stem + ".stats.json")


def discover(root: Path) -> dict[str, Path]:
    """Every case a baseline tree holds: case id -> PNG path."""
    if not root.is_dir():
        raise BaselineError(f"{root}: not a folder; give the folder of a baseline tree")
    return {
        png.relative_to(root).with_suffix("").as_posix(): png
        for png in sorted(root.rglob("*.png"))
        if not png.name.startswith(".")
    }


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save(rendering: Rendering, png: Path) -> list[Path]:
    """Write the case's PNG and statistics; return the files whose content changed.

    Identical files are left alone, so regenerating an unchanged tree changes nothing.
    """
    written = []
    for path, data in (
        (stats_path(png), rendering.sidecar().encode()),
        (png, encode_png(rendering.pixels)),
    ):
        if not (path.is_file() and path.read_bytes() == data):
            write_atomic(path, data)
            written.append(path)
    return written


def load(png: Path, case_id: str, regen_id: str | None = None) -> Rendering:
    """A baseline; `regen_id` selects its test in the regeneration hint (default: `case_id`)."""
    stats = stats_path(png)
    hint = REGEN_HINT.format(case_id=regen_id or case_id)
    for path in (png, stats):
        if not path.is_file():
            raise BaselineError(f"{case_id}: baseline file {path} is missing; regenerate it with `{hint}`")
    try:
        pixels, _mode = decode_png(png.read_bytes())
        return Rendering(case_id, pixels, *read_sidecar(stats.read_text()))
    except KeyError as exc:
        raise BaselineError(
            f"{case_id}: {stats} lacks the field {exc}, perhaps from an older layerviz; "
            f"regenerate it with `{hint}`"
        ) from None
    except (OSError, SyntaxError, ValueError, TypeError) as exc:
        raise BaselineError(
            f"{case_id}: baseline {png} or {stats.name} is unreadable ({exc}); "
            f"restore it from git or regenerate it with `{hint}`"
        ) from None


def running_versions() -> dict[str, str]:
    """Keras, the backend it runs on, and that backend's library version."""
    import keras

    backend = keras.backend.backend()
    library = importlib.import_module(backend)
    return {"keras": keras.version(), "backend": backend, backend: str(library.__version__)}


def environment(suite_seed: int, size: int = WORKING_SIZE, weights: str = "keras") -> dict[str, Any]:
    """What made (or is checking) a set of baselines."""
    import numpy
    import PIL

    return {
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


def write_manifest(root: Path, suite_seed: int, weights: str) -> Path:
    data = environment(suite_seed, weights=weights)
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
    }


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


def describe_versions(data: dict[str, Any]) -> str:
    versions = data["versions"]
    backend = versions["backend"]
    return f"keras {versions['keras']}/{backend} {versions[backend]}"

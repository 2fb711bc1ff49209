"""A set's `MANIFEST.json`: the environment that made its baselines (Keras, backend,
libraries, platform, weight mode, seed, working size, photos and the numeric
environment), written when a set changes and read to say what made a tree and how the
running environment differs."""

from __future__ import annotations

import datetime
import importlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

from layerviz.core import numerics
from layerviz.store.baselines import MANIFEST, BaselineError, refuse_write, set_names
from layerviz.store.files import read_json, write_atomic


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
        refuse_write("", path, error)
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

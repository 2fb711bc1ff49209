"""Wheels written by hand (no build backend, no network), for stacks installed offline;
and lvbump, a small package with one Keras layer whose behaviour changes in 1.1, for the
upgrade and bisect tests (its wheels and a user's suite checking it: tests/conftest.py)."""

from __future__ import annotations

import base64
import hashlib
import textwrap
import zipfile
from pathlib import Path

# Halves the picture in 1.0; 1.1 and 1.2 scale by 0.75 (the change to find is in 1.1).
FACTORS = {"1.0": 0.5, "1.1": 0.75, "1.2": 0.75}
PACKAGE = "lvbump"


def build_wheel(folder: Path, name: str, version: str, files: dict[str, str], requires: tuple[str, ...] = ()) -> Path:
    """A pure-Python wheel of `name` `version` holding `files` (path -> text), in `folder`,
    depending on `requires`."""
    info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    files = {
        **files,
        f"{info}/METADATA": metadata + "".join(f"Requires-Dist: {requirement}\n" for requirement in requires),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},"
        f"{len(text.encode())}"
        for path, text in files.items()
    ]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def build_lvbump(folder: Path, version: str, factor: float) -> Path:
    """lvbump `version`: Brighten scales by `factor`; Darken is new in 1.1."""
    code = textwrap.dedent(f"""
        import keras

        class Brighten(keras.layers.Layer):
            def call(self, x):
                return x * {factor}
        """)
    if version != "1.0":
        code += textwrap.dedent("""
            class Darken(keras.layers.Layer):  # new in 1.1
                def call(self, x):
                    return x * 0.5
            """)
    return build_wheel(folder, PACKAGE, version, {f"{PACKAGE}/__init__.py": code})


def offline(wheels: Path, cache: Path) -> list[str]:
    return ["--find-links", str(wheels), "--no-index", "--offline", "--cache", str(cache)]

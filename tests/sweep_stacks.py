"""Sweeps as `layerviz sweep --stack` jobs leave them, for the sweep's and the matrix's tests."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from layerviz.pipeline.render import decode_png, encode_png
from layerviz.store import baselines
from layerviz.upgrade import sweep

COMMITTED = Path(__file__).resolve().parents[1] / "baselines"
CHECKS = ("weightless/merging/add/rgb", "weightless/pooling/max/rgb")


def stack(
    out: Path,
    release: str,
    error: str = "",
    changed: str = "",
    skipped: dict[str, str] | None = None,
    sources: dict[str, Path] | None = None,
    row: int = 0,
) -> None:
    """One stack's result folder, as `layerviz sweep --stack` leaves it: each label's
    committed rendering (`sources`, default CHECKS' own), `changed` inverted in one `row`."""
    folder = out / "stacks" / f"keras-{release}"
    if not error:
        for label, png in (sources or {label: COMMITTED / f"{label}.png" for label in CHECKS}).items():
            target = folder / "tree" / f"{label}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(png, target)
            shutil.copy(baselines.stats_path(png), baselines.stats_path(target))
            if label == changed:
                pixels, _ = decode_png(target.read_bytes())
                pixels = pixels.copy()
                pixels[row] = 255 - pixels[row]
                target.write_bytes(encode_png(pixels))
    result = sweep.StackResult(
        release, [f"keras=={release}"], "torch", error, {"keras": release}, "strict", skipped or {}
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / sweep.RESULT).write_text(json.dumps(asdict(result)))


def merged_sweep(tmp_path: Path) -> Path:
    """Four releases as CI jobs leave them: add differs on the two oldest, the oldest skips
    pooling, and the newest did not install."""
    stack(
        tmp_path,
        "3.9.0",
        changed="weightless/merging/add/rgb",
        skipped={"weightless/pooling/max/rgb": "needs Keras >= 3.10"},
    )
    stack(tmp_path, "3.10.0", changed="weightless/merging/add/rgb")
    stack(tmp_path, "3.11.0")
    stack(tmp_path, "3.12.0", error="keras==3.12.0: cannot install: no wheel for this platform")
    return tmp_path

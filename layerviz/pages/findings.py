"""A report's entries: one failed check each (what failed, its cause, pictures and
numbers), saved on its own so that pytest-xdist workers never write the same file, and
read back when the report is assembled."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from layerviz.catalogue import UnknownNameError, get_case
from layerviz.core.raised import Raised
from layerviz.judge.compare import Comparison, Outcome
from layerviz.judge.pictures import heat_map
from layerviz.pipeline.render import Rendering, encode_png, feature_picture
from layerviz.store import baselines, files

COLUMNS = ("before", "after", "diff")
# The images of a model's first differing layer: as a check obtained it, or as the two
# trees of an upgrade have it.
LAYER, LAYER_BEFORE, LAYER_AFTER = "layer", "layer-before", "layer-after"


# Causes by how much they say about behaviour, worst first (matched as prefixes).
CAUSE_ORDER = (
    "test failed",
    "no baseline",
    "baseline unreadable",
    "now raises",
    "now works",
    "raises differently",
    "output shape changed",
    "layers changed",
    "divergence fixed upstream",
    "divergence changed",
    "values shifted",
    "values changed",
    "raw values changed",
    "initial weights changed",
    "only in",
)


@dataclass
class Entry:
    case_id: str  # the check: <set>/<section>/<config>/<colourspace>, or a test id
    status: str  # changed, added, removed, missing (no baseline), unreadable or error
    problems: list[str]
    # column -> {"path": inside the report, "width", "height"}
    images: dict[str, dict[str, Any]] = field(default_factory=dict)  # Any: as JSON has it
    numbers: dict[str, Any] = field(default_factory=dict)  # Comparison.summary()
    severity: tuple[float, ...] = ()
    cause: str = ""  # what changed, shared by every check the same change hit
    # What the check is of (filled in from the catalogue when empty).
    group: str = ""  # layer configuration, e.g. edge/conv2d-transpose-k3-s2-same
    title: str = ""  # its layers, e.g. Conv2DTranspose(k3, s2, same)
    colorspace: str = ""
    mode: str = ""  # weight mode: keras, fixed, or "" without weights

    def __post_init__(self) -> None:
        if not self.group:
            self.group, self.title, self.colorspace, self.mode = describe(self.case_id)

    @property
    def rank(self) -> int:
        return cause_rank(self.cause)


def cause_rank(cause: str) -> int:
    return next((i for i, prefix in enumerate(CAUSE_ORDER) if cause.startswith(prefix)), len(CAUSE_ORDER))


def describe(check: str) -> tuple[str, str, str, str]:
    """(configuration or test, its title, colour space, weight mode) of a check label:
    a catalogue case by its configuration, a user's check by its name (test)."""
    label = baselines.Label.parse(check)
    case_id, mode = label.case, label.weights or ""
    try:
        case = get_case(case_id)
    except UnknownNameError:
        name, _, space = case_id.rpartition("/")
        return name or case_id, name or case_id, space if name else "", mode
    return case.config.id, case.config.title, case.colorspace, mode


def _case_folder(out: Path, case_id: str) -> Path:
    return out / "cases" / _safe(case_id)


def _safe(case_id: str) -> str:
    """A check label as a relative path (test ids carry "::" and brackets)."""
    return re.sub(r"[^A-Za-z0-9._/-]+", "_", case_id.replace("::", "/")).strip("/")


def safe_name(name: str) -> str:
    """A layer's name as one file name part."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:80] or "_"


def save_image(out: Path, case_id: str, column: str, pixels: np.ndarray) -> dict[str, object]:
    relative = f"cases/{_safe(case_id)}/{column}.png"
    files.write_atomic(out / relative, encode_png(pixels))
    return {"path": relative, "width": int(pixels.shape[1]), "height": int(pixels.shape[0])}


def changed(comparison: Comparison, out: Path, cause: str | None = None) -> Entry:
    """The entry of a failed comparison, with before / after / diff pictures (a side
    that raised has none)."""
    case_id = comparison.case_id
    images = {}
    for column, outcome in (("before", comparison.baseline), ("after", comparison.obtained)):
        if isinstance(outcome, Rendering):
            images[column] = save_image(out, case_id, column, outcome.pixels)
    if comparison.diff is not None:
        images["diff"] = save_image(out, case_id, "diff", heat_map(comparison.diff, comparison.tolerance.levels))
    layer = comparison.layer_change.obtained if comparison.layer_change else None
    if layer is not None and layer.raw is not None:
        images[LAYER] = save_image(out, case_id, f"layer-{safe_name(layer.name)}", feature_picture(layer.raw))
    return Entry(
        case_id,
        "changed",
        comparison.problems,
        images,
        comparison.summary(),
        comparison.severity,
        cause or comparison.cause,
    )


ONE_SIDED_CAUSES = {
    "missing": "no baseline",
    "unreadable": "baseline unreadable",
    "added": "only in the second tree",
    "removed": "only in the first tree",
}


def one_sided(case_id: str, status: str, problem: str, out: Path, outcome: Outcome | None = None) -> Entry:
    """A check only one side has (added / removed / missing), or cannot read (unreadable)."""
    images = {}
    if isinstance(outcome, Rendering):
        column = "before" if status == "removed" else "after"
        images[column] = save_image(out, case_id, column, outcome.pixels)
    elif isinstance(outcome, Raised):
        problem = f"{problem} ({'baseline' if status == 'removed' else 'obtained'}: raises {outcome})"
    return Entry(case_id, status, [problem], images, cause=ONE_SIDED_CAUSES[status])


def test_failed(test_id: str, error: str, text: str) -> Entry:
    """A test that failed before or after its comparison (its own code, a fixture)."""
    return Entry(test_id, "error", [text], cause=f"test failed: {error}", group=test_id, title=test_id)


def save_entry(entry: Entry, out: Path) -> None:
    data = json.dumps(asdict(entry), indent=2) + "\n"
    files.write_atomic(_case_folder(out, entry.case_id) / "entry.json", data.encode())


def load_entries(out: Path) -> list[Entry]:
    entries = []
    for path in sorted((out / "cases").rglob("entry.json")):
        data = json.loads(path.read_text())
        data["severity"] = tuple(data["severity"])
        entries.append(Entry(**data))
    return entries

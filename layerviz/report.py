"""Reports of what changed, as `index.html` and `summary.json`, most severe first.

One layout serves both `layerviz diff` (two baseline trees) and a failed test run
(`pytest --layerviz-report=DIR`). Each case's entry is saved on its own, so that
pytest-xdist workers never write the same file; the page is assembled at the end.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from layerviz import baselines, page
from layerviz.catalogue import CASES
from layerviz.compare import Comparison, Tolerance, compare, heat_map
from layerviz.render import Rendering, encode_png

# Cases only one side has are as serious as a change of shape.
_STRUCTURAL = {"added", "removed", "missing", "unreadable"}
COLUMNS = ("before", "after", "diff")


@dataclass
class Entry:
    case_id: str
    status: str  # changed, added, removed, missing (no baseline) or unreadable
    problems: list[str]
    # column -> {"path": inside the report, "width", "height"}
    images: dict[str, dict[str, object]] = field(default_factory=dict)
    numbers: dict[str, object] = field(default_factory=dict)  # Comparison.summary()
    severity: tuple[float, ...] = ()

    @property
    def sort_key(self) -> tuple[float, ...]:
        return (float(self.status in _STRUCTURAL), *self.severity)


def _case_folder(out: Path, case_id: str) -> Path:
    return out / "cases" / case_id


def _save_image(out: Path, case_id: str, column: str, pixels: np.ndarray) -> dict[str, object]:
    relative = f"cases/{case_id}/{column}.png"
    baselines.write_atomic(out / relative, encode_png(pixels))
    return {"path": relative, "width": int(pixels.shape[1]), "height": int(pixels.shape[0])}


def changed(comparison: Comparison, out: Path) -> Entry:
    """The entry of a failed comparison, with before / after / diff pictures."""
    case_id = comparison.case_id
    images = {
        "before": _save_image(out, case_id, "before", comparison.baseline.pixels),
        "after": _save_image(out, case_id, "after", comparison.obtained.pixels),
    }
    if comparison.diff is not None:
        images["diff"] = _save_image(out, case_id, "diff", heat_map(comparison.diff, comparison.tolerance.levels))
    return Entry(case_id, "changed", comparison.problems, images, comparison.summary(), comparison.severity)


def one_sided(case_id: str, status: str, problem: str, out: Path, rendering: Rendering | None = None) -> Entry:
    """A case only one side has (added / removed / missing), or cannot read (unreadable)."""
    images = {}
    if rendering is not None:
        column = "before" if status == "removed" else "after"
        images[column] = _save_image(out, case_id, column, rendering.pixels)
    return Entry(case_id, status, [problem], images)


def save_entry(entry: Entry, out: Path) -> None:
    data = json.dumps(asdict(entry), indent=2) + "\n"
    baselines.write_atomic(_case_folder(out, entry.case_id) / "entry.json", data.encode())


def load_entries(out: Path) -> list[Entry]:
    entries = []
    for path in sorted((out / "cases").rglob("entry.json")):
        data = json.loads(path.read_text())
        data["severity"] = tuple(data["severity"])
        entries.append(Entry(**data))
    return entries


def clear(out: Path) -> None:
    """Remove what an earlier report wrote here (and nothing else)."""
    shutil.rmtree(out / "cases", ignore_errors=True)
    for name in ("index.html", "summary.json"):
        (out / name).unlink(missing_ok=True)


def _order(entries: Sequence[Entry]) -> list[Entry]:
    catalogue_order = {case.id: index for index, case in enumerate(CASES)}
    by_case = sorted(entries, key=lambda e: (catalogue_order.get(e.case_id, len(CASES)), e.case_id))
    return sorted(by_case, key=lambda e: e.sort_key, reverse=True)


def write(
    out: Path,
    entries: Sequence[Entry],
    *,
    title: str,
    labels: Mapping[str, str],
    compared: int,
    facts: Mapping[str, str],
) -> Path:
    """Write index.html and summary.json; `labels` names the before / after columns."""
    ordered = _order(entries)
    counts: dict[str, int] = {}
    for entry in ordered:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    summary = {
        "title": title,
        "labels": dict(labels),
        "compared": compared,
        "counts": counts,
        "cases": [asdict(entry) for entry in ordered],
        "provenance": dict(facts),
    }
    baselines.write_atomic(out / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    index = out / "index.html"
    baselines.write_atomic(index, _html(ordered, title, labels, compared, counts, facts).encode())
    return index


def _html(
    entries: list[Entry],
    title: str,
    labels: Mapping[str, str],
    compared: int,
    counts: Mapping[str, int],
    facts: Mapping[str, str],
) -> str:
    tally = ", ".join(f"{count} {status}" for status, count in counts.items()) or "no differences"
    parts = [f"<header><h1>{page.esc(title)}</h1><p>{compared} cases compared: {page.esc(tally)}.</p></header>"]
    if entries:
        head = "".join(f'<th scope="col">{page.esc(labels.get(c, c))}</th>' for c in COLUMNS)
        parts.append(
            f'<table><thead><tr><th scope="col">case (most severe first)</th>{head}'
            '<th scope="col">what changed</th></tr></thead><tbody>'
        )
        for entry in entries:
            parts.append(
                f'<tr><th scope="row"><code>{page.esc(entry.case_id)}</code><br>'
                f'<span class="status-{page.esc(entry.status)}">{page.esc(entry.status)}</span></th>'
            )
            for column in COLUMNS:
                parts.append(f"<td>{_image(entry, column, labels.get(column, column))}</td>")
            problems = "".join(f"<li>{page.esc(problem)}</li>" for problem in entry.problems)
            parts.append(f'<td><ul class="problems">{problems}</ul></td></tr>')
        parts.append("</tbody></table>")
    parts.append(page.provenance(facts))
    return page.document(title, "\n".join(parts))


def _image(entry: Entry, column: str, label: str) -> str:
    image = entry.images.get(column)
    if image is None:
        return "&mdash;"
    return page.image(str(image["path"]), f"{entry.case_id}: {label}", int(image["width"]), int(image["height"]))


def diff_trees(before: Path, after: Path, out: Path, tolerance: Tolerance | None = None) -> tuple[list[Entry], int]:
    """Compare two baseline trees case by case, with the comparison the tests use.

    Returns the entries of what differs (pictures written under `out`) and how
    many cases were compared.
    """
    old, new = baselines.discover(before), baselines.discover(after)
    entries = []
    for case_id in sorted(set(old) | set(new)):
        try:
            first, second = (baselines.load(tree[case_id], case_id) if case_id in tree else None for tree in (old, new))
        except baselines.BaselineError as exc:
            entries.append(one_sided(case_id, "unreadable", str(exc), out))
            continue
        if first is None or second is None:
            status, root = ("added", after) if first is None else ("removed", before)
            entries.append(one_sided(case_id, status, f"only in {root}", out, first or second))
            continue
        comparison = compare(first, second, tolerance or Tolerance())
        if not comparison.ok:
            entries.append(changed(comparison, out))
    return entries, len(set(old) | set(new))

"""Reports of what changed, as `index.html` and `summary.json`: the answer first.

One layout serves both `layerviz diff` (two baseline trees) and a test run
(`pytest --layerviz-report=DIR`). The page opens with what changed, grouped by cause
and by layer configuration ("initial weights changed, layer maths unchanged: 116
checks in 29 configurations"), each group linking to its rows; then one row per
check with its pictures and numbers. Each check's entry is saved on its own, so
that pytest-xdist workers never write the same file; the page is assembled at the end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from layerviz.catalogue import CASES, UnknownNameError, get_case
from layerviz.core.raised import Raised
from layerviz.core.tolerance import Tolerance
from layerviz.inputs.colorspaces import COLOR_SPACES
from layerviz.judge.compare import Comparison, Outcome, compare, heat_map
from layerviz.pages import page
from layerviz.pipeline.render import Rendering, decode_png, encode_png, feature_picture
from layerviz.store import baselines, files

COLUMNS = ("before", "after", "diff")
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
# Pictures in the report are shown this wide: three of them and the numbers fit a laptop screen.
IMAGE_WIDTH = 128
# A cause hitting more configurations than this lists them inline instead of one a line.
LISTED_CONFIGURATIONS = 6


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
    set_name, case_id = baselines.split_label(check)
    parts = set_name.split("/")
    mode = next((m for m in ("fixed", "as-is") if parts[-1] == m), "keras" if "keras" in parts else "")
    try:
        case = get_case(case_id)
    except UnknownNameError:
        name, _, space = case_id.rpartition("/")
        return name or case_id, name or case_id, space if name else "", mode
    return case.config.id, case.config.title, case.colorspace, mode


INITIAL_WEIGHTS = "initial weights changed, layer maths unchanged"
RANDOM_DRAWS = "random draws changed"
RANDOM_STREAM = "the backend's random stream changed"


def annotate(entries: Sequence[Entry], compared: Collection[str]) -> str:
    """Say what each keras-mode change means, given its fixed-weight twin; and when every
    deterministic check of `compared` matched and only seeded random draws differ
    (initial weights, random layers), return the one line that says so ("" otherwise)."""
    failed = {entry.case_id for entry in entries}
    for entry in entries:
        _weights_or_maths(entry, failed, compared)
    drawn = [entry for entry in entries if entry.cause == INITIAL_WEIGHTS or _random_layer(entry)]
    if not entries or len(drawn) < len(entries):
        return ""
    layers = [entry for entry in entries if entry.cause != INITIAL_WEIGHTS]
    for entry in layers:
        entry.cause = RANDOM_DRAWS
        entry.problems.insert(0, "random draws changed (every deterministic check still matches)")
    weighted = len(entries) - len(layers)
    return (
        f"{RANDOM_STREAM}: every deterministic check matches; only seeded random draws differ "
        f"({_count(weighted, 'check')} of initial weights, {_count(len(layers), 'check')} of random layers)"
    )


def _weights_or_maths(entry: Entry, failed: set[str], compared: Collection[str]) -> None:
    set_name, case_id = baselines.split_label(entry.case_id)
    parts = set_name.split("/")
    if entry.status != "changed" or "keras" not in parts or entry.cause.startswith(("now ", "raises", "divergence")):
        return
    twin = "/".join([*parts[: parts.index("keras")], "fixed", case_id])
    if twin in compared and twin not in failed:
        entry.cause = INITIAL_WEIGHTS
        entry.problems.insert(0, "initial weights changed, layer maths unchanged (fixed weights still match)")
    elif twin in failed:
        entry.problems.insert(0, "layer maths changed (fixed weights differ too)")


def _random_layer(entry: Entry) -> bool:
    """A changed check of a layer that draws random numbers as it runs (augmentation)."""
    if entry.status != "changed" or entry.cause.startswith(("now ", "raises", "divergence")):
        return False
    try:
        return get_case(baselines.split_label(entry.case_id)[1]).config.random
    except UnknownNameError:
        return False


def _case_folder(out: Path, case_id: str) -> Path:
    return out / "cases" / _safe(case_id)


def _safe(case_id: str) -> str:
    """A check label as a relative path (test ids carry "::" and brackets)."""
    return re.sub(r"[^A-Za-z0-9._/-]+", "_", case_id.replace("::", "/")).strip("/")


def safe_name(name: str) -> str:
    """A layer's name as one file name part."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:80] or "_"


def _save_image(out: Path, case_id: str, column: str, pixels: np.ndarray) -> dict[str, object]:
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
            images[column] = _save_image(out, case_id, column, outcome.pixels)
    if comparison.diff is not None:
        images["diff"] = _save_image(out, case_id, "diff", heat_map(comparison.diff, comparison.tolerance.levels))
    layer = comparison.layer_change.obtained if comparison.layer_change else None
    if layer is not None and layer.raw is not None:
        images[LAYER] = _save_image(out, case_id, f"layer-{safe_name(layer.name)}", feature_picture(layer.raw))
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
        images[column] = _save_image(out, case_id, column, outcome.pixels)
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


# --- the answer: entries grouped by cause, then by configuration ----------------------


@dataclass
class Group:
    """The checks one cause hit in one layer configuration."""

    cause: str
    group: str
    title: str
    entries: list[Entry]
    anchor: str = ""

    @property
    def extent(self) -> str:
        """Which checks, e.g. "4 colour spaces × 2 modes"."""
        spaces = {e.colorspace for e in self.entries if e.colorspace}
        modes = {e.mode for e in self.entries if e.mode}
        parts = []
        if spaces:
            parts.append(_count(len(spaces), "colour space"))
        if len(modes) > 1:
            parts.append(_count(len(modes), "mode"))
        elif modes:
            parts.append(f"{next(iter(modes))} weights")
        return " × ".join(parts) or _count(len(self.entries), "check")

    @property
    def example(self) -> str:
        """The first problem of its first check: the message, where a layer raised."""
        return self.entries[0].problems[0] if self.entries[0].problems else ""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _colorspace_order(entry: Entry) -> int:
    names = list(COLOR_SPACES)
    return names.index(entry.colorspace) if entry.colorspace in names else len(names)


def grouped(entries: Sequence[Entry]) -> list[tuple[str, list[Group]]]:
    """Causes, worst first, each with its configurations (most checks first, then the
    most severe, then catalogue order), each with its checks by colour space and mode."""
    catalogue_order: dict[str, int] = {}
    for index, case in enumerate(CASES):
        catalogue_order.setdefault(case.config.id, index)
    groups: dict[tuple[str, str], Group] = {}
    for entry in entries:
        key = (entry.cause, entry.group)
        groups.setdefault(key, Group(entry.cause, entry.group, entry.title, [])).entries.append(entry)
    by_cause: dict[str, list[Group]] = {}
    for group in groups.values():
        group.entries.sort(key=lambda e: (_colorspace_order(e), e.mode, e.case_id))
        by_cause.setdefault(group.cause, []).append(group)
    causes = sorted(by_cause, key=lambda c: (cause_rank(c), -sum(len(g.entries) for g in by_cause[c]), c))
    result = []
    for cause in causes:
        ordered = sorted(
            by_cause[cause],
            key=lambda g: (
                -len(g.entries),
                tuple(-x for x in max(e.severity for e in g.entries)),
                catalogue_order.get(g.group, len(CASES)),
                g.group,
            ),
        )
        result.append((cause, ordered))
    for number, group in enumerate((g for _, groups_ in result for g in groups_), start=1):
        group.anchor = f"g{number}"
    return result


def headline(cause: str, groups: Sequence[Group]) -> str:
    checks = sum(len(g.entries) for g in groups)
    if len(groups) == 1:
        return f"{groups[0].title}: {cause}, {groups[0].extent}"
    return f"{cause}: {_count(checks, 'check')} in {len(groups)} configurations"


def summary_lines(entries: Sequence[Entry], note: str = "") -> list[str]:
    """The answer as plain text lines, for the terminal; `note` first (see `annotate`)."""
    lines = [note] if note else []
    for cause, groups in grouped(entries):
        lines.append(headline(cause, groups))
        if len(groups) > 1:
            shown = groups[:LISTED_CONFIGURATIONS]
            lines += [f"  {g.title} ({g.group}): {g.extent}" for g in shown]
            if len(groups) > len(shown):
                lines.append(f"  … and {len(groups) - len(shown)} more configurations")
    return lines


def write(
    out: Path,
    entries: Sequence[Entry],
    *,
    title: str,
    labels: Mapping[str, str],
    compared: int,
    facts: Mapping[str, str],
    note: str = "",
) -> Path:
    """Write index.html and summary.json; `labels` names the before / after columns;
    `note` is the one line that sums up every change, where one does (see `annotate`)."""
    causes = grouped(entries)
    ordered = [entry for _, groups in causes for group in groups for entry in group.entries]
    counts: dict[str, int] = {}
    for entry in ordered:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    summary = {
        "title": title,
        "labels": dict(labels),
        "compared": compared,
        "failed": len(ordered),
        "counts": counts,
        "note": note,
        "summary": [
            {
                "cause": cause,
                "headline": headline(cause, groups),
                "checks": sum(len(g.entries) for g in groups),
                "configurations": [
                    {
                        "configuration": g.group,
                        "title": g.title,
                        "checks": [e.case_id for e in g.entries],
                        "extent": g.extent,
                        "example": g.example,
                        "anchor": g.anchor,
                    }
                    for g in groups
                ],
            }
            for cause, groups in causes
        ],
        "cases": [asdict(entry) for entry in ordered],
        "provenance": dict(facts),
    }
    files.write_atomic(out / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    index = out / "index.html"
    files.write_atomic(index, _html(causes, title, labels, compared, counts, facts, note).encode())
    return index


def _html(
    causes: list[tuple[str, list[Group]]],
    title: str,
    labels: Mapping[str, str],
    compared: int,
    counts: Mapping[str, int],
    facts: Mapping[str, str],
    note: str = "",
) -> str:
    failed = sum(counts.values())
    tally = ", ".join(f"{count} {status}" for status, count in counts.items())
    verdict = f"{failed} of {compared} checks did not pass ({tally})" if failed else "no differences"
    return page.render(
        "report.html.j2",
        title=title,
        compared=compared,
        verdict=verdict,
        note=note,
        answer=[_answer(cause, groups) for cause, groups in causes],
        heads=[labels.get(c, c) for c in COLUMNS] + list(NUMBER_COLUMNS),
        groups=[_rows(cause, group, labels) for cause, groups in causes for group in groups],
        facts=dict(facts),
    )


# What report.html.j2 is given: plain data, which it escapes.


@dataclass(frozen=True)
class _Link:
    """A configuration of the answer, linking to its rows."""

    anchor: str
    title: str
    extent: str
    example: str  # the message, where the cause is an exception; "" otherwise


@dataclass(frozen=True)
class _Cause:
    """A cause of the answer, with its configurations."""

    cause: str
    checks: str  # how many, e.g. "112 checks"
    groups: list[_Link]
    inline: bool  # too many configurations to list one a line


@dataclass(frozen=True)
class _Row:
    """A check's row: its words, pictures (None where a side has none) and number cells."""

    case_id: str
    status: str
    notes: list[str]
    layers: list[page.Picture]  # a model's first differing layer
    pictures: list[page.Picture | None]  # by COLUMNS
    numbers: list[list[str]]  # by NUMBER_COLUMNS, a line each; [] where a number does not apply


@dataclass(frozen=True)
class _Rows:
    """A configuration's rows under one cause."""

    anchor: str
    title: str
    group: str  # the configuration's id, where its title is not that
    cause: str
    rows: list[_Row]


def _answer(cause: str, groups: Sequence[Group]) -> _Cause:
    links = [_Link(g.anchor, g.title, g.extent, _example(g)) for g in groups]
    checks = _count(sum(len(g.entries) for g in groups), "check")
    return _Cause(cause, checks, links, len(groups) > LISTED_CONFIGURATIONS)


def _example(group: Group) -> str:
    """The message, where the cause is an exception (the cause alone says too little)."""
    return group.example if group.cause.startswith(("now raises", "raises differently", "test failed")) else ""


# The images of a model's first differing layer, shown beside the words that name it: as a
# check obtained it, or as the two trees of an upgrade have it.
LAYER, LAYER_BEFORE, LAYER_AFTER = "layer", "layer-before", "layer-after"
LAYER_IMAGES = {
    LAYER: "the first differing layer, obtained",
    LAYER_BEFORE: "the first differing layer, before",
    LAYER_AFTER: "the first differing layer, after",
}
NUMBER_COLUMNS = ("max Δ", "pixels changed", "where", "raw statistics moved")


def _rows(cause: str, group: Group, labels: Mapping[str, str]) -> _Rows:
    rows = [_row(entry, labels) for entry in group.entries]
    return _Rows(group.anchor, group.title, group.group if group.group != group.title else "", cause, rows)


def _row(entry: Entry, labels: Mapping[str, str]) -> _Row:
    # The numbers have their columns; the other problems (sizes, exceptions, notes) stay in words.
    words = [p for p in entry.problems if not p.startswith(("pixels:", "raw statistics moved"))]
    layers = [_image(entry, column, label) for column, label in LAYER_IMAGES.items() if column in entry.images]
    pictures = [_image(entry, column, labels.get(column, column)) for column in COLUMNS]
    return _Row(entry.case_id, entry.status, words, [p for p in layers if p], pictures, _numbers(entry))


def _numbers(entry: Entry) -> list[list[str]]:
    """The NUMBER_COLUMNS cells of a row, a line each; [] (a dash) where a number does not apply."""
    numbers = entry.numbers
    if not numbers or numbers.get("total_pixels", 0) == 0 or numbers.get("shape_change"):
        return [[] for _ in NUMBER_COLUMNS]
    changed, total = int(numbers["changed_pixels"]), int(numbers["total_pixels"])
    where: list[str] = []
    if numbers.get("bbox"):
        top, left, bottom, right = numbers["bbox"]
        where = [f"rows {top}–{bottom}", f"columns {left}–{right}"]
    moves = numbers.get("stats_moved") or []
    # Names and channels come from baselines (a user's activation, a .stats.json): the template escapes them.
    moved = [f"{m['name']}[{m['channel']}] {m['before']:.4g}→{m['after']:.4g}" for m in moves[:3]]
    if len(moves) > 3:
        moved.append(f"and {len(moves) - 3} more")
    return [
        [str(numbers["max_diff"])],
        [f"{changed:,} ({100.0 * changed / total:.2f}%)" if changed else "0"],
        where,
        moved,
    ]


def _image(entry: Entry, column: str, label: str) -> page.Picture | None:
    image = entry.images.get(column)
    if image is None:
        return None
    return page.picture(
        str(image["path"]), f"{entry.case_id}: {label}", int(image["width"]), int(image["height"]), IMAGE_WIDTH
    )


def diff_trees(before: Path, after: Path, out: Path, tolerance: Tolerance | None = None) -> tuple[list[Entry], int]:
    """Compare two baseline trees case by case, with the comparison (and the tolerance) the
    tests use.

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
        comparison = compare(first, second, tolerance or check_tolerance(case_id))
        if not comparison.ok:
            entry = changed(comparison, out)
            index = comparison.layer_change.index if comparison.layer_change else None
            for column, tree in ((LAYER_BEFORE, old), (LAYER_AFTER, new)):  # a model's layer, both sides
                picture = baselines.layer_png(tree[case_id], index) if index is not None else None
                if picture is not None and picture.is_file():
                    entry.images[column] = _save_image(out, case_id, column, decode_png(picture.read_bytes())[0])
            entries.append(entry)
    return entries, len(set(old) | set(new))


def check_tolerance(label: str) -> Tolerance:
    """The tolerance the tests compare a check with: the suite's, loosened to what its
    catalogue configuration is measured to need (a user's check: the suite's)."""
    try:
        return Tolerance().at_least(get_case(baselines.split_label(label)[1]).config.tolerance)
    except UnknownNameError:
        return Tolerance()


@dataclass
class TreeDiff:
    entries: list[Entry]
    compared: int
    note: str  # the line that sums every change up, where one does
    index: Path  # the report page


def write_tree_diff(
    before: Path, after: Path, out: Path, *, title: str, labels: Mapping[str, str], facts: Mapping[str, str]
) -> TreeDiff:
    """Compare two trees, explain what changed (twins, random draws) and write the report
    under `out` (a folder its caller claimed: `layerviz.store.outputs`)."""
    entries, compared = diff_trees(before, after, out)
    both = set(baselines.discover(before)) & set(baselines.discover(after))
    note = annotate(entries, both)
    index = write(out, entries, title=title, labels=labels, compared=compared, facts=facts, note=note)
    return TreeDiff(entries, compared, note, index)

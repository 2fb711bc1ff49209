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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from layerviz.catalogue import CASES
from layerviz.inputs.colorspaces import COLOR_SPACES
from layerviz.pages import explain, page
from layerviz.pages.explain import count
from layerviz.pages.findings import COLUMNS, LAYER, LAYER_AFTER, LAYER_BEFORE, Entry, cause_rank
from layerviz.store import files


def annotate(entries: Sequence[Entry], compared: Collection[str]) -> str:
    """Explain each entry's change in place (`explain.explain`, from their labels, statuses
    and causes); return the line that sums every change up, where one does."""
    said, note = explain.explain([(entry.case_id, entry.status, entry.cause) for entry in entries], compared)
    for entry in entries:
        entry.cause = said[entry.case_id].cause
        entry.problems[:0] = said[entry.case_id].first
    return note


# Pictures in the report are shown this wide: three of them and the numbers fit a laptop screen.
IMAGE_WIDTH = 128
# A cause hitting more configurations than this lists them inline instead of one a line.
LISTED_CONFIGURATIONS = 6


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
            parts.append(count(len(spaces), "colour space"))
        if len(modes) > 1:
            parts.append(count(len(modes), "mode"))
        elif modes:
            parts.append(f"{next(iter(modes))} weights")
        return " × ".join(parts) or count(len(self.entries), "check")

    @property
    def example(self) -> str:
        """The first problem of its first check: the message, where a layer raised."""
        return self.entries[0].problems[0] if self.entries[0].problems else ""


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
    return f"{cause}: {count(checks, 'check')} in {len(groups)} configurations"


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
    checks = count(sum(len(g.entries) for g in groups), "check")
    return _Cause(cause, checks, links, len(groups) > LISTED_CONFIGURATIONS)


def _example(group: Group) -> str:
    """The message, where the cause is an exception (the cause alone says too little)."""
    return group.example if group.cause.startswith(("now raises", "raises differently", "test failed")) else ""


# The images of a model's first differing layer, shown beside the words that name it.
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

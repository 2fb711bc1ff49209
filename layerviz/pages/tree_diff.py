"""Two baseline trees compared case by case, with the comparison and tolerance the tests
use (`layerviz diff`, upgrades), and the report of what differs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from layerviz.catalogue import UnknownNameError, get_case
from layerviz.core.tolerance import Tolerance
from layerviz.judge.compare import compare
from layerviz.pages.findings import LAYER_AFTER, LAYER_BEFORE, Entry, changed, one_sided, save_image
from layerviz.pages.report import annotate, write
from layerviz.pipeline.render import decode_png
from layerviz.store import baselines


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
                    entry.images[column] = save_image(out, case_id, column, decode_png(picture.read_bytes())[0])
            entries.append(entry)
    return entries, len(set(old) | set(new))


def check_tolerance(label: str) -> Tolerance:
    """The tolerance the tests compare a check with: the suite's, loosened to what its
    catalogue configuration is measured to need (a user's check: the suite's)."""
    try:
        return Tolerance().at_least(get_case(baselines.Label.parse(label).case).config.tolerance)
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

"""Two baseline trees compared case by case (pages/tree_diff.py), as `layerviz diff`,
upgrades and bisections compare them: every kind of difference found, each check judged
with its own tolerance, and the report written with the note that sums the changes up."""

import json
from pathlib import Path

import pytest

from layerviz.pages import explain, report, tree_diff
from layerviz.pipeline.render import decode_png
from layerviz.store import baselines

from renderings import rendering


def test_diff_trees_finds_every_kind_of_difference(trees, tmp_path):
    out = tmp_path / "report"
    entries, compared = tree_diff.diff_trees(*trees, out)
    assert compared == 7
    statuses = {entry.case_id: (entry.status, entry.cause) for entry in entries}
    assert statuses == {
        "conv2d/k3-relu/rgb": ("changed", "values changed"),
        "dense/tanh/rgb": ("changed", "values changed"),
        "pooling/max/rgb": ("removed", "only in the first tree"),
        "edge/new/rgb": ("added", "only in the second tree"),
        "dense/relu/rgb": ("unreadable", "baseline unreadable"),
        "edge/conv2d-transpose-k4-s1-same/rgb": ("changed", "now works"),
    }
    corner = next(e for e in entries if e.case_id == "conv2d/k3-relu/rgb")
    assert tuple(corner.numbers["bbox"]) == (0, 0, 1, 1)
    assert set(corner.images) == {"before", "after", "diff"}
    for image in corner.images.values():
        pixels, _ = decode_png((out / image["path"]).read_bytes())
        assert pixels.shape[:2] == (image["height"], image["width"])
    works = next(e for e in entries if e.cause == "now works")
    assert set(works.images) == {"after"}  # an exception has no picture
    assert "baseline: raises ValueError: cannot pad" in works.problems[0]


def test_identical_trees_report_no_differences(trees, tmp_path):
    before, _ = trees
    entries, compared = tree_diff.diff_trees(before, before, tmp_path / "report")
    assert entries == [] and compared == 6
    index = report.write(tmp_path / "report", entries, title="t", labels={}, compared=compared, facts={})
    assert "6 checks compared: no differences" in index.read_text()


def test_a_missing_tree_is_a_clear_error(tmp_path):
    with pytest.raises(baselines.BaselineError, match="nowhere: not a folder"):
        tree_diff.diff_trees(tmp_path / "nowhere", tmp_path, tmp_path / "report")


def test_tree_diffs_use_each_checks_own_tolerance(tmp_path):
    """A statistic moved by 1e-3 of itself: beyond the suite's rtol (1e-4), within the 1e-2
    measured for bfloat16 batch normalization; as the tests judge it, so do diffs and sweeps."""
    committed = Path(__file__).resolve().parents[1] / "baselines"
    labels = ["weightless/mixed-precision/batch-norm-bfloat16/rgb", "weightless/merging/add/rgb"]
    for tree in ("before", "after"):
        for label in labels:
            for suffix in (".png", ".stats.json"):
                target = tmp_path / tree / f"{label}{suffix}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes((committed / f"{label}{suffix}").read_bytes())
    for label in labels:
        stats = tmp_path / "after" / f"{label}.stats.json"
        data = json.loads(stats.read_text())
        data["mean"][0] *= 1 + 1e-3
        stats.write_text(json.dumps(data))
    entries, compared = tree_diff.diff_trees(tmp_path / "before", tmp_path / "after", tmp_path / "report")
    assert compared == 2 and [entry.case_id for entry in entries] == ["weightless/merging/add/rgb"]


def test_a_written_diff_says_when_only_seeded_random_draws_changed(tmp_path):
    """The note compares the cases both trees have: a keras-mode check whose fixed-weight
    twin still matches, and a random layer, changed alone, are the backend's random stream."""
    same, weighted, random_layer = (
        "fixed/conv2d/k3-relu/rgb",
        "keras/tensorflow/conv2d/k3-relu/rgb",
        "keras/tensorflow/augmentation/rotation/rgb",
    )
    for tree, value in (("before", 0.25), ("after", 0.75)):
        for label in (same, weighted, random_layer):
            shown = rendering(label, 0.5 if label == same else value)
            baselines.save(shown, baselines.png_path(tmp_path / tree, label))
    out = tmp_path / "report"
    result = tree_diff.write_tree_diff(tmp_path / "before", tmp_path / "after", out, title="t", labels={}, facts={})
    assert result.compared == 3 and [entry.case_id for entry in result.entries] == [random_layer, weighted]
    assert result.note.startswith("the backend's random stream changed: every deterministic check matches")
    assert [entry.cause for entry in result.entries] == [explain.RANDOM_DRAWS, explain.INITIAL_WEIGHTS]
    assert result.index == out / "index.html" and json.loads((out / "summary.json").read_text())["note"] == result.note

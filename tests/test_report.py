import json

import html5lib
import numpy as np
import pytest

from layerviz import baselines, report
from layerviz.render import decode_png, render


def rendering(case_id: str, value: float = 0.5, size: int = 16):
    raw = np.full((size, size, 3), value, dtype=np.float32)
    raw[0, 0] = 0.0
    return render(case_id, "rgb", raw)


@pytest.fixture
def trees(tmp_path):
    """Two baseline trees: one case the same, one changed in a corner, one changed
    everywhere, one only in each tree, and one unreadable in the second."""
    before, after = tmp_path / "before", tmp_path / "after"
    same, corner, everywhere = "merging/add/rgb", "conv2d/k3-relu/rgb", "dense/tanh/rgb"
    for root in (before, after):
        baselines.save(rendering(same), baselines.png_path(root, same))
    baselines.save(rendering(corner), baselines.png_path(before, corner))
    changed_corner = rendering(corner)
    pixels = changed_corner.pixels.copy()
    pixels[:2, :2] = 255
    baselines.save(type(changed_corner)(corner, pixels, changed_corner.stats), baselines.png_path(after, corner))
    baselines.save(rendering(everywhere, 0.2), baselines.png_path(before, everywhere))
    baselines.save(rendering(everywhere, 0.8), baselines.png_path(after, everywhere))
    baselines.save(rendering("pooling/max/rgb"), baselines.png_path(before, "pooling/max/rgb"))
    baselines.save(rendering("edge/new/rgb"), baselines.png_path(after, "edge/new/rgb"))
    for root in (before, after):
        baselines.save(rendering("dense/relu/rgb"), baselines.png_path(root, "dense/relu/rgb"))
    baselines.stats_path(baselines.png_path(after, "dense/relu/rgb")).write_text("{not json")
    return before, after


def test_diff_trees_finds_every_kind_of_difference(trees, tmp_path):
    out = tmp_path / "report"
    entries, compared = report.diff_trees(*trees, out)
    assert compared == 6
    statuses = {entry.case_id: entry.status for entry in entries}
    assert statuses == {
        "conv2d/k3-relu/rgb": "changed",
        "dense/tanh/rgb": "changed",
        "pooling/max/rgb": "removed",
        "edge/new/rgb": "added",
        "dense/relu/rgb": "unreadable",
    }
    corner = next(e for e in entries if e.case_id == "conv2d/k3-relu/rgb")
    assert tuple(corner.numbers["bbox"]) == (0, 0, 1, 1)
    assert set(corner.images) == {"before", "after", "diff"}
    for image in corner.images.values():
        pixels, _ = decode_png((out / image["path"]).read_bytes())
        assert pixels.shape[:2] == (image["height"], image["width"])


def test_report_is_sorted_by_severity_and_readable(trees, tmp_path):
    out = tmp_path / "report"
    entries, compared = report.diff_trees(*trees, out)
    index = report.write(out, entries, title="a <b> test", labels={"before": "A", "after": "B"}, compared=compared, facts={"keras": "3"})
    summary = json.loads((out / "summary.json").read_text())
    order = [case["case_id"] for case in summary["cases"]]
    # One-sided and unreadable cases first, then changes by share of pixels changed.
    assert set(order[:3]) == {"pooling/max/rgb", "edge/new/rgb", "dense/relu/rgb"}
    assert order[3:] == ["dense/tanh/rgb", "conv2d/k3-relu/rgb"]
    assert summary["compared"] == 6
    assert summary["counts"] == {"unreadable": 1, "removed": 1, "added": 1, "changed": 2}
    text = index.read_text()
    html5lib.HTMLParser(strict=True).parse(text)
    assert "a &lt;b&gt; test" in text
    assert text.index("dense/tanh/rgb") < text.index("conv2d/k3-relu/rgb")


def test_entries_written_apart_are_assembled_and_cleared(trees, tmp_path):
    out = tmp_path / "report"
    entries, _ = report.diff_trees(*trees, out)
    # As pytest-xdist workers do: each saves its own entries, in any order.
    for entry in reversed(entries):
        report.save_entry(entry, out)
    loaded = report.load_entries(out)
    assert sorted(e.case_id for e in loaded) == sorted(e.case_id for e in entries)
    assert {e.case_id: e.sort_key for e in loaded} == {e.case_id: e.sort_key for e in entries}
    (out / "notes.txt").write_text("the user's")
    report.write(out, loaded, title="t", labels={}, compared=6, facts={})
    report.clear(out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_identical_trees_report_no_differences(trees, tmp_path):
    before, _ = trees
    entries, compared = report.diff_trees(before, before, tmp_path / "report")
    assert entries == [] and compared == 5
    index = report.write(tmp_path / "report", entries, title="t", labels={}, compared=compared, facts={})
    assert "5 cases compared: no differences" in index.read_text()


def test_a_missing_tree_is_a_clear_error(tmp_path):
    with pytest.raises(baselines.BaselineError, match="nowhere: not a folder"):
        report.diff_trees(tmp_path / "nowhere", tmp_path, tmp_path / "report")

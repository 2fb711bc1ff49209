import json
import re
from pathlib import Path

import html5lib
import numpy as np
import pytest

from layerviz.catalogue import CHECKS, POST_SECTIONS
from layerviz.core.raised import Raised
from layerviz.inputs.colorspaces import RGB
from layerviz.judge.compare import compare
from layerviz.pages import explain, findings, report, tree_diff
from layerviz.pipeline.render import decode_png, render
from layerviz.store import baselines

import chromium


def rendering(case_id: str, value: float = 0.5, size: int = 16):
    raw = np.full((size, size, 3), value, dtype=np.float32)
    raw[0, 0] = 0.0
    return render(case_id, RGB, raw)


@pytest.fixture
def trees(tmp_path):
    """Two baseline trees: one case the same, one changed in a corner, one changed
    everywhere, one only in each tree, one unreadable in the second, and one that
    raises in the first and works in the second."""
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
    works = "edge/conv2d-transpose-k4-s1-same/rgb"
    baselines.save(Raised(works, "ValueError", "cannot pad"), baselines.png_path(before, works))
    baselines.save(rendering(works), baselines.png_path(after, works))
    return before, after


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


def test_report_answers_first_then_lists_rows_by_cause(trees, tmp_path):
    out = tmp_path / "report"
    entries, compared = tree_diff.diff_trees(*trees, out)
    index = report.write(
        out, entries, title="a <b> test", labels={"before": "A", "after": "B"}, compared=compared, facts={"keras": "3"}
    )
    summary = json.loads((out / "summary.json").read_text())
    causes = [group["cause"] for group in summary["summary"]]
    assert causes == [
        "baseline unreadable",
        "now works",
        "values changed",
        "only in the first tree",
        "only in the second tree",
    ]
    values = summary["summary"][2]
    assert values["headline"] == "values changed: 2 checks in 2 configurations"
    # The configuration changed everywhere comes before the one changed in a corner.
    assert [c["configuration"] for c in values["configurations"]] == ["dense/tanh", "conv2d/k3-relu"]
    assert summary["summary"][1]["headline"] == "Conv2DTranspose(k4, s1, same): now works, 1 colour space"
    order = [case["case_id"] for case in summary["cases"]]
    assert order == [
        "dense/relu/rgb",
        "edge/conv2d-transpose-k4-s1-same/rgb",
        "dense/tanh/rgb",
        "conv2d/k3-relu/rgb",
        "pooling/max/rgb",
        "edge/new/rgb",
    ]
    assert summary["compared"] == 7 and summary["failed"] == 6
    assert summary["counts"] == {"unreadable": 1, "changed": 3, "added": 1, "removed": 1}
    text = index.read_text()
    html5lib.HTMLParser(strict=True).parse(text)
    assert "a &lt;b&gt; test" in text
    assert text.index('id="answer"') < text.index('id="checks"')
    # Every link of the answer lands on the rows of its group.
    links = re.findall(r'href="#(g\d+)"', text)
    assert sorted(links, key=lambda a: int(a[1:])) == [f"g{n}" for n in range(1, 7)]
    for anchor in links:
        assert f'<tbody id="{anchor}">' in text
    # The numbers are table cells, not a sentence.
    assert '<td class="number">2.34%' not in text and '<td class="number">4 (1.56%)</td>' in text


def test_one_cause_in_many_configurations_is_one_line_with_compact_links(tmp_path):
    """112 checks of 28 configurations hit by one cause read as one headline, and a
    cause hitting one configuration in every colour space and mode as another."""
    shifted_config = "edge/conv2d-transpose-k3-s2-same"
    keras_checks = [
        c
        for c in CHECKS
        if c.weights == "keras" and c.case.section in (*POST_SECTIONS, "edge") and c.case.config.id != shifted_config
    ]
    entries = [
        findings.Entry(
            f"keras/tensorflow/{c.case.id}",
            "changed",
            ["initial weights changed"],
            cause="initial weights changed, layer maths unchanged",
        )
        for c in keras_checks
    ]
    shifted = [c for c in CHECKS if c.case.config.id == shifted_config]
    entries += [
        findings.Entry(
            f"{'fixed' if c.weights == 'fixed' else 'keras/tensorflow'}/{c.case.id}",
            "changed",
            ["moved"],
            cause="values shifted 1 row down",
        )
        for c in shifted
    ]
    out = tmp_path / "report"
    report.write(out, entries, title="t", labels={}, compared=272, facts={})
    summary = json.loads((out / "summary.json").read_text())
    headlines = [group["headline"] for group in summary["summary"]]
    assert headlines == [
        "Conv2DTranspose(k3, s2, same): values shifted 1 row down, 4 colour spaces × 2 modes",
        "initial weights changed, layer maths unchanged: 112 checks in 28 configurations",
    ]
    assert report.summary_lines(entries)[1] == headlines[1]
    assert report.summary_lines(entries)[-1] == "  … and 22 more configurations"
    text = (out / "index.html").read_text()
    assert text.count('<p class="configurations">') == 1  # 28 links inline, not 28 lines
    assert 'Conv2D(k3, relu) → Conv2D(k3, tanh)</a> <span class="extent">(4 colour spaces × keras weights)' in text


def test_an_exception_is_shown_with_its_message(tmp_path):
    out = tmp_path / "report"
    baseline = rendering("weightless/pooling/average/rgb")
    raised = Raised("weightless/pooling/average/rgb", "ValueError", "pool_size must be positive")
    entry = findings.changed(compare(baseline, raised), out)
    assert entry.cause == "now raises ValueError" and set(entry.images) == {"before"}
    report.write(out, [entry], title="t", labels={}, compared=1, facts={})
    summary = json.loads((out / "summary.json").read_text())
    (group,) = summary["summary"]
    assert group["headline"] == "AveragePooling2D(p2): now raises ValueError, 1 colour space"
    assert "now raises: ValueError: pool_size must be positive" in group["configurations"][0]["example"]
    assert "pool_size must be positive" in (out / "index.html").read_text()


def test_entries_written_apart_are_assembled(trees, tmp_path):
    out = tmp_path / "report"
    entries, _ = tree_diff.diff_trees(*trees, out)
    # As pytest-xdist workers do: each saves its own entries, in any order.
    for entry in reversed(entries):
        findings.save_entry(entry, out)
    loaded = findings.load_entries(out)
    assert sorted(e.case_id for e in loaded) == sorted(e.case_id for e in entries)
    assert {e.case_id: (e.cause, e.severity, e.group) for e in loaded} == {
        e.case_id: (e.cause, e.severity, e.group) for e in entries
    }


def test_identical_trees_report_no_differences(trees, tmp_path):
    before, _ = trees
    entries, compared = tree_diff.diff_trees(before, before, tmp_path / "report")
    assert entries == [] and compared == 6
    index = report.write(tmp_path / "report", entries, title="t", labels={}, compared=compared, facts={})
    assert "6 checks compared: no differences" in index.read_text()


def test_a_missing_tree_is_a_clear_error(tmp_path):
    with pytest.raises(baselines.BaselineError, match="nowhere: not a folder"):
        tree_diff.diff_trees(tmp_path / "nowhere", tmp_path, tmp_path / "report")


@chromium.needed
def test_chromium_shows_the_answer_first_at_laptop_width(trees, tmp_path):
    """At 1366 x 768 the answer is on the first screen, every row fits the width
    (no sideways scrolling) and every picture loads."""
    out = tmp_path / "report"
    entries, compared = tree_diff.diff_trees(*trees, out)
    index = report.write(
        out, entries, title="layerviz diff", labels={"before": "A", "after": "B"}, compared=compared, facts={}
    )
    pixels = chromium.screenshot(index, 1366, 768, tmp_path / "profile")
    assert pixels.shape[:2] == (768, 1366) and pixels.std() > 20
    script = (
        chromium.IMAGES_LOADED + " const answer = document.getElementById('answer').getBoundingClientRect();"
        " document.body.dataset.answerBottom = Math.round(answer.bottom);"
        " document.body.dataset.scrollWidth = document.documentElement.scrollWidth;"
    )
    dom = chromium.probe(index, script, tmp_path / "profile", 1366, 768)
    assert f'data-images="{sum(len(e.images) for e in entries)}"' in dom and 'data-broken="0"' in dom
    assert int(re.search(r'data-answer-bottom="(\d+)"', dom).group(1)) <= 768
    assert int(re.search(r'data-scroll-width="(\d+)"', dom).group(1)) <= 1366


def changed_entry(label: str) -> findings.Entry:
    return findings.Entry(label, "changed", ["values changed"], cause="values changed")


def test_only_seeded_random_draws_changing_is_said_once_as_the_random_stream():
    weighted = "keras/tensorflow/conv2d/k3-relu/rgb"  # its fixed-weight twin still matches
    random_layer = "keras/tensorflow/augmentation/rotation/rgb"
    compared = {weighted, "fixed/conv2d/k3-relu/rgb", random_layer, "merging/add/rgb"}
    entries = [changed_entry(weighted), changed_entry(random_layer)]
    note = report.annotate(entries, compared)
    assert note.startswith("the backend's random stream changed: every deterministic check matches")
    assert "(1 check of initial weights, 1 check of random layers)" in note
    assert [e.cause for e in entries] == [explain.INITIAL_WEIGHTS, explain.RANDOM_DRAWS]
    assert report.summary_lines(entries, note)[0] == note


def test_a_deterministic_change_beside_them_is_no_random_stream():
    compared = {"keras/tensorflow/augmentation/rotation/rgb", "merging/add/rgb"}
    entries = [changed_entry("keras/tensorflow/augmentation/rotation/rgb"), changed_entry("merging/add/rgb")]
    assert report.annotate(entries, compared) == ""
    assert [e.cause for e in entries] == ["values changed", "values changed"]  # nothing claimed
    # Layer maths changed too: a keras-mode change whose fixed twin also changed.
    both = [changed_entry("keras/tensorflow/conv2d/k3-relu/rgb"), changed_entry("fixed/conv2d/k3-relu/rgb")]
    assert report.annotate(both, {e.case_id for e in both}) == ""
    assert both[0].problems[0] == "layer maths changed (fixed weights differ too)"


def test_the_page_opens_with_the_note(tmp_path):
    entries = [changed_entry("keras/tensorflow/augmentation/rotation/rgb")]
    note = report.annotate(entries, {"keras/tensorflow/augmentation/rotation/rgb"})
    index = report.write(tmp_path, entries, title="t", labels={}, compared=1, facts={}, note=note)
    page = index.read_text()
    assert page.index("random stream changed") < page.index('id="answer"')
    assert json.loads((tmp_path / "summary.json").read_text())["note"] == note


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

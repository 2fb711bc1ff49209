import json
import re

import html5lib

from layerviz.catalogue import CHECKS, POST_SECTIONS
from layerviz.core.raised import Raised
from layerviz.judge.compare import compare
from layerviz.pages import explain, findings, report, tree_diff

import chromium
from renderings import rendering


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

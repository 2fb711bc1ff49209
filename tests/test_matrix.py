"""The sweep's matrix as typed values: cells against the newest release that rendered,
which rows vary, the page and the evidence (the CLI's merge of the same: test_sweep.py)."""

from __future__ import annotations

import json
import shutil

import html5lib

from layerviz.upgrade import matrix
from layerviz.upgrade.matrix import Cell, Row, State

import chromium
from sweep_stacks import COMMITTED, merged_sweep, stack


def test_a_cell_says_its_detail_only_where_it_renders_otherwise():
    assert Cell(State.DIFFERS, "values shifted").said == "differs: values shifted"
    assert Cell(State.RAISES, "ValueError: no").said == "raises: ValueError: no"
    assert Cell(State.SKIPPED, "needs Keras >= 3.10").said == "skipped"  # why is on the page, not in the run
    assert Cell(State.SAME).said == "same" and Cell(State.DIFFERS).said == "differs"


def test_a_row_varies_unless_every_release_that_rendered_renders_the_same():
    same, failed = Cell(State.SAME), Cell(State.FAILED, "cannot install")
    assert not Row("a/rgb", {"1": same, "2": same, "3": failed}).varies  # a failed stack is said once, above
    assert Row("a/rgb", {"1": Cell(State.SKIPPED, "why"), "2": same}).varies
    assert Row("a/rgb", {"1": Cell(State.ABSENT), "2": same}).varies


def test_the_matrix_compares_with_the_newest_release_that_rendered(tmp_path):
    swept = matrix.of(merged_sweep(tmp_path))
    assert swept.reference == "3.11.0" and swept.backend == "torch"
    assert [r.result.release for r in swept.releases] == ["3.9.0", "3.10.0", "3.11.0", "3.12.0"]
    add, pooling = swept.rows
    assert [add.cells[r].state for r in ("3.9.0", "3.10.0", "3.11.0", "3.12.0")] == [
        "differs",
        "differs",
        "same",
        "failed",
    ]
    assert add.cells["3.9.0"].picture == "stacks/keras-3.9.0/tree/weightless/merging/add/rgb.png"
    assert pooling.cells["3.9.0"] == Cell(State.SKIPPED, "needs Keras >= 3.10")
    assert swept.varying == (add, pooling)
    written = json.loads(json.dumps(swept.as_json()))  # plain JSON, as matrix.json holds it
    assert written["rows"][1]["cells"]["3.9.0"] == {
        "state": "skipped",
        "detail": "needs Keras >= 3.10",
        "picture": "",
        "moved": False,
    }
    assert [r["note"] for r in written["releases"]] == ["", "", "", ""]


def test_a_run_of_releases_ends_where_they_render_otherwise_even_if_each_differs_from_the_newest(tmp_path):
    """Two releases that each differ from the newest, and from each other, are two runs: a
    divergence recorded across both would hold one baseline for two renderings."""
    add = "weightless/merging/add/rgb"
    stack(tmp_path, "3.9.0", changed=add)
    stack(tmp_path, "3.10.0", changed=add)
    stack(tmp_path, "3.11.0", changed=add, row=5)
    stack(tmp_path, "3.12.0")
    swept = matrix.of(tmp_path)
    row = next(row for row in swept.rows if row.check == add)
    assert [(row.cells[r].state, row.cells[r].moved) for r in ("3.9.0", "3.10.0", "3.11.0", "3.12.0")] == [
        ("differs", False),
        ("differs", False),
        ("differs", True),
        ("same", True),
    ]
    (runs,) = [found["runs"] for found in matrix.evidence(swept)["varying"] if found["check"] == add]
    assert [run[:2] for run in runs] == [["3.9.0", "3.10.0"], ["3.11.0", "3.11.0"], ["3.12.0", "3.12.0"]]


def test_a_check_that_never_varies_is_counted_not_shown(tmp_path):
    merged = merged_sweep(tmp_path)
    shutil.rmtree(merged / "stacks" / "keras-3.9.0")  # the only release that skipped pooling
    matrix.write(merged, matrix.of(merged))
    page = (merged / "index.html").read_text()
    html5lib.HTMLParser(strict=True).parse(page)
    assert "1 vary, 1 render the same on every release" in page
    assert "merging/add/rgb" in page and "pooling/max/rgb" not in page
    assert "3.12.0: keras==3.12.0: cannot install" in page  # a failed stack, said once


@chromium.needed
def test_the_matrix_page_shows_every_picture_and_marks_what_differs(tmp_path):
    merged = merged_sweep(tmp_path / "sweep")
    matrix.write(merged, matrix.of(merged))
    dom = chromium.probe(merged / "index.html", chromium.IMAGES_LOADED, tmp_path / "profile")
    assert 'data-images="5"' in dom and 'data-broken="0"' in dom  # 2 rows x 3 rendered releases, 1 skipped
    shot = chromium.screenshot(merged / "index.html", 900, 500, tmp_path / "shot")
    # Differing cells are filled amber (#f6c343), the failed release grey.
    amber = (abs(shot.astype(int) - [0xF6, 0xC3, 0x43]).sum(axis=-1) < 12).sum()
    assert amber > 500


def test_a_release_that_only_reseeds_is_told_apart(tmp_path):
    """A keras-mode check that differs while its fixed-weight twin matches is a new draw of
    initial weights; a release with nothing else is said to change only the random stream."""
    weighted, twin = "keras/torch/conv2d/k3-relu/rgb", "fixed/conv2d/k3-relu/rgb"
    sources = {weighted: COMMITTED / "keras/tensorflow/conv2d/k3-relu/rgb.png", twin: COMMITTED / f"{twin}.png"}
    stack(tmp_path, "3.14.0", changed=weighted, sources=sources)
    stack(tmp_path, "3.15.0", sources=sources)
    swept = matrix.of(tmp_path)
    notes = {r.result.release: r.note for r in swept.releases}
    assert notes["3.14.0"].startswith("the backend's random stream changed") and notes["3.15.0"] == ""
    cell = next(row for row in swept.rows if row.check == weighted).cells["3.14.0"]
    assert cell.detail == "initial weights changed, layer maths unchanged"
    assert "only the random stream changed in 3.14.0" in matrix.evidence_markdown(matrix.evidence(swept))
    matrix.write(tmp_path, swept)
    assert "Only the random stream changed</strong> in 3.14.0" in (tmp_path / "index.html").read_text()

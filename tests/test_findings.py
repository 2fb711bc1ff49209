"""A failed check's entry, saved on its own (pytest-xdist workers never share a file) and
read back whole when the report is assembled."""

from layerviz.pages import findings


def test_entries_saved_apart_are_read_back_as_they_were(tmp_path):
    saved = [
        findings.Entry("keras/jax/dense/relu/rgb", "changed", ["pixels: 3 changed"], cause="values changed"),
        findings.test_failed("tests/test_a.py::test_b[x]", "ValueError (call)", "ValueError: no"),
        findings.one_sided("fixed/merging/add/rgb", "missing", "no baseline", tmp_path),
    ]
    for entry in saved:
        findings.save_entry(entry, tmp_path)
    assert sorted(findings.load_entries(tmp_path), key=lambda e: e.case_id) == sorted(saved, key=lambda e: e.case_id)


def test_a_label_is_described_by_its_configuration_colour_space_and_weight_mode():
    assert findings.describe("keras/jax/dense/relu/rgb")[::2] == ("dense/relu", "rgb")
    assert findings.describe("keras/jax/dense/relu/rgb")[3] == "keras"
    assert findings.describe("as-is/mine/cat/rgb") == ("mine/cat", "mine/cat", "rgb", "as-is")
    assert findings.describe("tests/test_a.py::test_b")[3] == ""  # no set: no weight mode


def test_causes_rank_worst_first():
    ranks = [findings.cause_rank(c) for c in ("test failed: x", "now raises ValueError", "values changed", "only in")]
    assert ranks == sorted(ranks) and findings.cause_rank("something else") == len(findings.CAUSE_ORDER)

"""The documentation's generated tables (cli/tables.py): the known divergences beside the
sweeps that cover them (`layerviz list --divergences`), the cases (`--markdown`, docs/cases.md)
and the pytest options (`--options`), each the same as the one the docs hold."""

from __future__ import annotations

from pathlib import Path

from layerviz import catalogue
from layerviz.catalogue import CONFIGS
from layerviz.cli import main, tables
from layerviz.core import divergences

SWEEPS = Path(__file__).resolve().parents[1] / "docs" / "sweeps"
MARKER = "<!-- generated: layerviz list --divergences --evidence docs/sweeps/*.json -->\n"


def test_the_documented_table_is_the_generated_one(capsys):
    """The documentation's table comes from divergences.py, each range beside the committed
    sweeps that cover it (`layerviz list --divergences --evidence docs/sweeps/*.json`)."""
    readme = (Path(__file__).resolve().parents[1] / "docs" / "baselines.md").read_text()
    start = readme.index(MARKER) + len(MARKER)
    assert main(["list", "--divergences", "--evidence", *map(str, sorted(SWEEPS.glob("*.json")))]) == 0
    documented = readme[start : readme.index("<!-- end -->", start)]
    assert documented == capsys.readouterr().out
    assert "| `edge/conv2d-transpose-k3-s2-same/*` | torch | always | ≥ 3.0.0, < 3.15.0 |" in documented
    assert documented.splitlines()[
        [r.startswith("| `edge/conv2d-transpose-k3-s2-same/*`") for r in documented.splitlines()].index(True)
    ].endswith(" torch |")
    rows = tables.divergences_markdown().splitlines()[2:]
    # Every divergence is in exactly one row: its configurations times its backends.
    cells = [row.split(" | ") for row in rows]
    assert sum(cell[0].count("`") // 2 * len(cell[1].split(", ")) for cell in cells) == len(divergences.KNOWN)
    assert "| `edge/avgpool-p3-s2-same/*` | torch | always | ≥ 3.5.0, open |" in rows[1]
    assert "| `channels-first/conv/*` | tensorflow | TensorFlow's own CPU kernels (oneDNN off, no GPU) |" in (
        tables.divergences_markdown()
    )


def test_docs_cases_md_is_the_generated_table(capsys):
    """docs/cases.md is `layerviz list --markdown`: the catalogue, listed once."""
    from layerviz.cli import main

    assert main(["list", "--markdown"]) == 0
    generated = capsys.readouterr().out
    assert generated == (Path(__file__).resolve().parents[1] / "docs" / "cases.md").read_text()
    for section in catalogue.SECTIONS:
        assert f"(`{section}`, " in generated
    assert generated.count("\n| `") == len(CONFIGS)


def test_the_documented_options_are_the_options():
    """docs/usage.md's table is generated from the option definitions (`layerviz list --options`)."""
    from layerviz.cli.tables import options_markdown
    from layerviz.pytest_plugin import FLAGS, SETTINGS

    usage = (Path(__file__).resolve().parents[1] / "docs" / "usage.md").read_text()
    marker = "<!-- generated: layerviz list --options -->\n"
    start = usage.index(marker) + len(marker)
    assert usage[start : usage.index("<!-- end -->", start)] == options_markdown()
    for name in [*SETTINGS, *FLAGS]:
        assert f"`--layerviz-{name}" in options_markdown()
    assert "| `--layerviz-numerics=MODE` | `layerviz_numerics` | `strict` |" in options_markdown()


FIXES = Path(__file__).resolve().parents[1] / "docs" / "keras-fixes.md"
FIXES_MARKER = "<!-- generated: layerviz list --fixes docs/keras-fixes.md --evidence docs/sweeps/*.json -->\n"


def test_every_fix_with_a_case_is_shown_on_both_sides_by_a_sweep_or_says_why_not(capsys):
    """docs/keras-fixes.md's evidence: each fix with a case, the committed sweeps that show
    the case change exactly at the fix, generated, so no row claims a picture no sweep shows."""
    page = FIXES.read_text()
    start = page.index(FIXES_MARKER) + len(FIXES_MARKER)
    command = ["list", "--fixes", str(FIXES), "--evidence", *map(str, sorted(SWEEPS.glob("*.json")))]
    assert main(command) == 0
    generated = capsys.readouterr().out
    assert page[start : page.index("<!-- end -->", start)] == generated
    rows = [row for row in generated.splitlines() if row.startswith("| 3.")]
    assert rows and all(" from " in row.split(" | ")[2] or "not shown: " in row for row in rows)


def test_a_fix_is_shown_only_by_a_change_exactly_at_its_release():
    fixes = "| 3.5.0 | a layer | a bug | `x/y` |\n| 3.6.0 | another | bug | `x/z` |\n| 3.7.0 | none | bug | — |\n"
    sweep = {
        "package": "keras",
        "backend": "torch",
        "configurations": ["x/y", "x/z"],
        "varying": [
            {"check": "x/y/rgb", "runs": [["3.0.0", "3.4.1", "differs: values changed"], ["3.5.0", "3.6.0", "same"]]},
            {"check": "x/z/rgb", "runs": [["3.0.0", "3.5.0", "skipped"], ["3.6.0", "3.6.0", "same"]]},
        ],
    }
    said = tables.fixes_markdown(fixes, [("torch", sweep)]).splitlines()
    assert said[0] == "1 of the 2 fixes with a case show it on both sides."
    assert said[4] == "| 3.5.0 | `x/y` | `x/y` on torch: differs: values changed until 3.4.1, same from 3.5.0 |"
    assert said[5].endswith("not shown: the case is skipped before 3.6.0, which brought an option or layer it needs |")
    earlier = [["3.0.0", "3.3.0", "raises: E: x"], ["3.4.0", "3.6.0", "same"]]
    moved = {**sweep, "varying": [{"check": "x/y/rgb", "runs": earlier}]}
    assert "not shown: the case changes at 3.4.0, not at 3.5.0" in tables.fixes_markdown(fixes, [("t", moved)])
    steady = {**sweep, "varying": []}
    assert "not shown: the case renders the same on every swept release" in tables.fixes_markdown(
        fixes, [("t", steady)]
    )

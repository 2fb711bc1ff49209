"""The whole decision table of a check's verdict, as data: every combination of what the
comparison found, the regeneration flag, CI, and a known divergence (whose output may
match the shared baseline), each matched by exactly one row. No Keras."""

import itertools
import subprocess
import sys

import pytest

from layerviz.judge.verdict import DIVERGENCE_CHANGED, FIXED_UPSTREAM, Found, Mode, Write, decide

FLAGS = {
    "plain": Mode(),
    "--regen-all": Mode(regen_all=True),
    "--force-regen": Mode(force_regen=True),
    "--layerviz-rewrite": Mode(regen_all=True, rewrite=True),
}
ANY = "*"
OWN = "the comparison's"  # the report keeps the comparison's own cause (values changed, now raises, ...)
# (found, flag, CI, divergence, output matches the shared baseline)
#   -> (what is written, fails, report status, report cause)
TABLE = [
    (("matches", ANY, ANY, ANY, ANY), None),  # refined by the next row for --layerviz-rewrite
    (("matches", "--layerviz-rewrite", ANY, ANY, ANY), ("all", False, None, None)),
    (("differs", ANY, ANY, True, True), ("nothing", True, "changed", FIXED_UPSTREAM)),
    (("differs", "plain", ANY, False, ANY), ("nothing", True, "changed", OWN)),
    (("differs", "plain", ANY, True, False), ("nothing", True, "changed", DIVERGENCE_CHANGED)),
    (("differs", "--regen-all", ANY, False, ANY), ("failing", False, None, None)),
    (("differs", "--regen-all", ANY, True, False), ("failing", False, None, None)),
    (("differs", "--layerviz-rewrite", ANY, False, ANY), ("all", False, None, None)),
    (("differs", "--layerviz-rewrite", ANY, True, False), ("all", False, None, None)),
    (("differs", "--force-regen", ANY, False, ANY), ("failing", True, "changed", OWN)),
    (("differs", "--force-regen", ANY, True, False), ("failing", True, "changed", DIVERGENCE_CHANGED)),
    (("missing", "plain", False, ANY, ANY), ("all", True, "missing", OWN)),
    (("missing", "plain", True, ANY, ANY), ("nothing", True, "missing", OWN)),  # CI: never by itself
    (("missing", "--regen-all", ANY, ANY, ANY), ("all", False, None, None)),  # an explicit flag, CI or not
    (("missing", "--layerviz-rewrite", ANY, ANY, ANY), ("all", False, None, None)),
    (("missing", "--force-regen", ANY, ANY, ANY), ("all", True, "missing", OWN)),
    (("unreadable", "plain", ANY, ANY, ANY), ("nothing", True, "unreadable", OWN)),
    (("unreadable", "--regen-all", ANY, ANY, ANY), ("all", False, None, None)),
    (("unreadable", "--layerviz-rewrite", ANY, ANY, ANY), ("all", False, None, None)),
    (("unreadable", "--force-regen", ANY, ANY, ANY), ("all", True, "unreadable", OWN)),
]
MATCHES_DEFAULT = ("nothing", False, None, None)


def expected(combination):
    rows = [outcome for key, outcome in TABLE if all(k in (ANY, c) for k, c in zip(key, combination, strict=True))]
    # A specific row may refine the one general row (matches); otherwise exactly one row applies.
    if len(rows) == 2 and rows[0] is None:
        return rows[1]
    assert len(rows) == 1, f"{combination}: {len(rows)} rows"
    return rows[0] or MATCHES_DEFAULT


COMBINATIONS = list(itertools.product([f.value for f in Found], FLAGS, [False, True], [False, True], [False, True]))


@pytest.mark.parametrize("combination", COMBINATIONS, ids=lambda c: "-".join(map(str, c)))
def test_every_combination_has_its_row(combination):
    found, flag, ci, divergence, shared = combination
    mode = Mode(**{**FLAGS[flag].__dict__, "ci": ci})
    verdict = decide(Found(found), mode, divergence, shared)
    write, fails, status, cause = expected(combination)
    assert (verdict.write, verdict.fails, verdict.status) == (Write(write), fails, status)
    assert verdict.cause == (None if cause == OWN else cause)
    # Every failure says what was done and what to do (an unreadable baseline's own error names the fix).
    assert bool(verdict.note) is (fails and not (status == "unreadable" and flag == "plain"))


def test_a_failure_says_what_was_written_and_what_to_do():
    rewrote = decide(Found.DIFFERS, FLAGS["--force-regen"])
    assert rewrote.note.format(png="b/x.png") == "--force-regen set, rewrote its baseline b/x.png; run again to confirm"
    ci = decide(Found.MISSING, Mode(ci=True)).note.format(root="baselines", hint="pytest --regen-all 't.py::x'")
    assert ci.startswith("Nothing was written under baselines because CI is set. Run `pytest --regen-all 't.py::x'`")
    fixed = decide(Found.DIFFERS, Mode(regen_all=True), divergence=True, shared_matches=True)
    said = fixed.note.format(keras="3.16.0", backend="jax", release="0.13.0")
    assert 'keras_before="3.16.0"' in said and 'backend_before="0.13.0" if a jax release fixed it' in said


def test_the_mode_reads_ci_once_and_regen_all_wins():
    assert Mode.of(regen_all=False, force_regen=False, rewrite=False, environ={"CI": "true"}).ci
    assert not Mode.of(regen_all=False, force_regen=False, rewrite=False, environ={}).ci
    both = Mode.of(regen_all=True, force_regen=True, rewrite=False, environ={})
    assert both.regen_all and not both.force_regen
    assert Mode.of(regen_all=False, force_regen=False, rewrite=True, environ={}).regen_all


def test_the_decision_needs_no_keras():
    """Imported alone, the verdict brings in neither Keras nor pytest."""
    code = "import sys, layerviz.judge.verdict; print(sorted({'keras', 'pytest', 'numpy'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

"""The sweep's matrix, merged from per-stack results as a CI matrix leaves them: each
check against the newest release that rendered, as JSON, an HTML page and the Markdown
evidence behind the divergence table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layerviz.cli import main
from layerviz.upgrade import sweep
from layerviz.upgrade.packages import Package

from sweep_stacks import CHECKS, merged_sweep, stack


@pytest.fixture
def merged(tmp_path) -> Path:
    return merged_sweep(tmp_path)


def test_merge_compares_each_check_with_the_newest_release_that_rendered(merged, capsys):
    assert main(["sweep", "--merge", "--out", str(merged), "--table", "--evidence", str(merged / "evidence.json")]) == 0
    said = capsys.readouterr().out
    found = json.loads((merged / "evidence.json").read_text())
    assert [row["check"] for row in found["varying"]] == list(CHECKS)
    assert found["varying"][0]["runs"][1:] == [["3.11.0", "3.11.0", "same"], ["3.12.0", "3.12.0", "failed"]]
    data = json.loads((merged / sweep.MATRIX).read_text())
    assert data["reference"] == "3.11.0"
    assert [r["release"] for r in data["releases"]] == ["3.9.0", "3.10.0", "3.11.0", "3.12.0"]  # in release order
    rows = {row["check"]: row for row in data["rows"]}
    add = rows["weightless/merging/add/rgb"]["cells"]
    assert [add[r]["state"] for r in ("3.9.0", "3.10.0", "3.11.0", "3.12.0")] == [
        "differs",
        "differs",
        "same",
        "failed",
    ]
    assert "cannot install" in add["3.12.0"]["detail"]
    pooling = rows["weightless/pooling/max/rgb"]
    assert pooling["cells"]["3.9.0"] == {
        "state": "skipped",
        "detail": "needs Keras >= 3.10",
        "picture": "",
        "moved": False,
    }
    assert rows["weightless/merging/add/rgb"]["varies"] and pooling["varies"]
    # The evidence: runs of releases with the same outcome, by configuration.
    assert "| `merging/add` | 1 | 3.9.0 .. 3.10.0: differs" in said
    assert "<br>3.11.0: same |" in said  # a release that did not render is said above the table
    assert "did not render: 3.12.0 (keras==3.12.0: cannot install: no wheel for this platform)" in said
    assert "2 checks on 4 releases: 2 vary" in said


def test_a_sweep_with_nothing_rendered_is_one_line(tmp_path, capsys):
    stack(tmp_path, "3.0.0", error="keras==3.0.0: cannot run: No module named 'tree'")
    assert main(["sweep", "--merge", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"layerviz: error: {tmp_path}: no stack rendered anything; nothing to compare\n"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not json", "unreadable (Expecting value: line 1 column 1 (char 0))"),
        ('{"release": "3.1.0", "requirements"', "unreadable (Expecting ':' delimiter"),
        ("[1, 2]", "a JSON list, not an object"),
        ('{"release": "3.1.0"}', "no 'requirements'"),
        ('{"release": "3.1.0", "requirements": [], "backend": "torch", "colour": "red"}', "unknown field 'colour'"),
        ('{"release": 3, "requirements": [], "backend": "torch"}', "'release' is not a JSON string"),
        ('{"release": "3.1.0", "requirements": "keras", "backend": "torch"}', "'requirements' is not a JSON array"),
        ('{"release": "latest", "requirements": [], "backend": "torch"}', "the release 'latest' is not a version"),
        ('{"release": "3.1.0", "requirements": [], "backend": "torch", "skipped": {"a": 1}}', "its requirements,"),
    ],
)
def test_merging_a_damaged_stack_result_is_one_line_naming_it(merged, capsys, text, why):
    result = merged / "stacks" / "keras-3.1.0" / sweep.RESULT
    result.parent.mkdir()
    result.write_text(text)
    assert main(["sweep", "--merge", "--out", str(merged)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"layerviz: error: {result}: not a sweep's stack result: {why}") and err.count("\n") == 1
    assert err.endswith(f"; delete its folder {result.parent} and sweep that release again\n")


def test_sweep_needs_its_releases(tmp_path, capsys):
    assert main(["sweep", "--out", str(tmp_path)]) == 2
    assert "give the releases to sweep with --releases RANGE" in capsys.readouterr().err


def test_a_range_with_an_unknown_end_is_one_line(tmp_path, capsys):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for version in ("3.14.0", "3.15.0"):  # names are all a release listing reads
        (wheels / f"keras-{version}-py3-none-any.whl").write_bytes(b"")
    command = [
        "sweep",
        "--releases",
        "3.14.0..3.16.0",
        "--find-links",
        str(wheels),
        "--no-index",
        "--out",
        str(tmp_path / "out"),
    ]
    assert main(command) == 2
    assert capsys.readouterr().err == "layerviz: error: keras 3.16.0 is not a release; closest: 3.15.0\n"
    assert not (tmp_path / "out").exists()


def test_a_ci_job_whose_release_cannot_install_fails_and_keeps_why(tmp_path, capsys):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "keras-3.14.0-py3-none-any.whl").write_bytes(b"")  # listed, but no wheel to install
    command = ["sweep", "--stack", "3.14.0", "--find-links", str(wheels), "--no-index", "--offline"]
    assert main([*command, "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]) == 1
    result = json.loads((tmp_path / "out" / "stacks" / "keras-3.14.0" / "result.json").read_text())
    assert "cannot install" in result["error"]


def test_a_sweep_resumes_from_the_stacks_it_has(merged):
    said = []
    from layerviz.upgrade import stacks
    from layerviz.upgrade.two_stacks import Selection

    results = sweep.run(
        Package("keras"), ["3.10.0", "3.11.0"], [], "torch", stacks.Source(), Selection(), merged, say=said.append
    )
    assert said == ["resuming: 2 of 2 releases already swept"]  # nothing rendered again
    assert [r.release for r in results] == ["3.9.0", "3.10.0", "3.11.0", "3.12.0"]

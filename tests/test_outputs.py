"""Output folders: layerviz removes only what it wrote, and refuses folders that are not its own."""

import json
from pathlib import Path

import pytest

from layerviz import cli
from layerviz.store import baselines, outputs
from layerviz.store.outputs import RECORD, OutputFolderError, claim
from layerviz.upgrade import sweep

from plugin_projects import CASE_ID, make_project
from renderings import rendering


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_the_next_run_removes_what_the_last_wrote_and_keeps_what_a_user_added(tmp_path):
    out = tmp_path / "report"
    first = claim(out, "--out")
    write(out / "index.html")
    write(out / "cases" / "a" / "entry.json")
    first.seal()
    write(out / "notes.txt", "the user's")
    write(out / "cases" / "README.txt", "the user's")
    second = claim(out, "--out")
    assert files(out) == {RECORD, "notes.txt", "cases/README.txt"}  # cases/a went with its only file
    write(out / "index.html")
    second.seal()
    assert json.loads((out / RECORD).read_text()) == {"written": ["index.html"]}


def test_a_run_killed_half_way_is_cleaned_up_by_the_next(tmp_path):
    out = tmp_path / "gallery"
    first = claim(out, "--out")
    write(out / "index.html")
    first.seal()
    write(out / "mine.txt", "the user's")
    claim(out, "--out")
    write(out / "checks" / "half.png")  # then the run dies: no seal
    claim(out, "--out")
    assert files(out) == {RECORD, "mine.txt"}


def test_a_sweep_keeps_what_it_has_and_adds_to_it(tmp_path):
    out = tmp_path / "sweep"
    write(out / "stacks" / "keras-3.0.0" / "result.json")
    claimed = claim(out, "--out", keep=True, made_by_layerviz=sweep.made_by_sweep)
    write(out / "index.html")
    claimed.seal()
    claim(out, "--out", keep=True).seal()
    assert files(out) == {RECORD, "index.html", "stacks/keras-3.0.0/result.json"}
    assert json.loads((out / RECORD).read_text())["written"] == ["index.html", "stacks/keras-3.0.0/result.json"]


@pytest.mark.parametrize(
    "gathered, accepted",
    [
        ({"stacks/keras-3.0.0/result.json", "stacks/keras-3.0.0/tree/a.png"}, True),
        ({"stacks/keras-3.0.0/result.json", "matrix.json", "index.html"}, True),
        ({"stacks/keras-3.0.0/result.json", "notes.txt"}, False),
        ({"stacks/keras-3.0.0/tree/a.png"}, False),
    ],
)
def test_a_folder_of_sweep_results_from_ci_jobs_is_a_sweeps(gathered, accepted):
    assert sweep.made_by_sweep(gathered) is accepted


def test_a_folder_with_files_layerviz_did_not_write_is_refused_naming_one(tmp_path):
    write(tmp_path / "inputs" / "my_photo.txt")
    write(tmp_path / "cases" / "README.txt")
    with pytest.raises(OutputFolderError) as refused:
        claim(tmp_path, "--layerviz-gallery")
    said = str(refused.value)
    assert "\n" not in said and "cases/README.txt" in said and "give an empty or new folder" in said
    assert files(tmp_path) == {"inputs/my_photo.txt", "cases/README.txt"}  # and nothing written


def test_the_root_the_home_folder_a_file_and_baseline_trees_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    tree = tmp_path / "baselines"
    baselines.save(rendering("merging/add/rgb"), baselines.png_path(tree / "weightless", "merging/add/rgb"))
    write(tree / "keras" / "jax" / baselines.MANIFEST, "{}")
    refused = {
        Path("/"): "does not write into /",
        tmp_path / "home": "does not write into",
        write(tmp_path / "a-file"): "this is a file",
        tree / "cases": f"inside the baseline tree {tree}",  # given as the run's tree
        tree / "keras" / "jax" / "report": "inside the baseline tree",  # found by its manifest
    }
    for folder, said in refused.items():
        with pytest.raises(OutputFolderError, match=said):
            claim(folder, "--out", trees=[tree] if folder == tree / "cases" else [])
    assert not (tree / "cases").exists()


@pytest.mark.parametrize(
    "record", ['{"written": ["../outside.txt"]}', '{"written": ["/etc/passwd"]}', "{not json", "{}"]
)
def test_a_record_that_points_outside_or_cannot_be_read_is_refused(tmp_path, record):
    write(tmp_path / "outside.txt", "the user's")
    out = tmp_path / "out"
    write(out / RECORD, record)
    with pytest.raises(OutputFolderError, match=f"its record {RECORD} is unreadable"):
        claim(out, "--out")
    assert (tmp_path / "outside.txt").read_text() == "the user's"


def test_a_run_that_wrote_nothing_leaves_nothing(tmp_path):
    claim(tmp_path / "report", "--layerviz-report").seal()
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path):
    write(tmp_path / "blocker")
    with pytest.raises(OutputFolderError, match="cannot write there"):
        claim(tmp_path / "blocker" / "out", "--out")


def test_diff_refuses_a_users_folder_and_later_keeps_what_the_user_added(tmp_path, capsys):
    before, after = tmp_path / "before", tmp_path / "after"
    for tree, value in ((before, 0.2), (after, 0.8)):
        baselines.save(rendering("dense/tanh/rgb", value), baselines.png_path(tree, "dense/tanh/rgb"))
    users = tmp_path / "theirs"
    write(users / "cases" / "README.txt", "the user's")
    assert cli.main(["diff", str(before), str(after), "--out", str(users)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cases/README.txt" in err, err
    assert files(users) == {"cases/README.txt"}
    out = tmp_path / "report"
    assert cli.main(["diff", str(before), str(after), "--out", str(out)]) == 1
    write(out / "cases" / "notes.txt", "the user's")
    assert cli.main(["diff", str(before), str(after), "--out", str(out)]) == 1
    assert (out / "cases" / "notes.txt").read_text() == "the user's"
    assert cli.main(["diff", str(before), str(after), "--out", str(before / "report")]) == 2
    assert "inside the baseline tree" in capsys.readouterr().err


GALLERY_TEST = f"""
    from layerviz.catalogue import get_case

    def test_case(layer_regression):
        layer_regression.check(get_case({CASE_ID!r}))
    """


def test_a_pytest_gallery_or_report_in_a_users_folder_is_refused_and_deletes_nothing(pytester, monkeypatch):
    project = make_project(pytester, monkeypatch, "test_gallery_here", GALLERY_TEST)
    monkeypatch.setenv("HOME", str(project.path.parent))  # pytester makes the project the home folder
    write(project.path / "inputs" / "my_photo.txt", "the user's")
    write(project.path / "cases" / "README.txt", "the user's")
    for option in ("--layerviz-gallery=.", "--layerviz-report=.", "--layerviz-report=baselines/cases"):
        result = project.runpytest(option)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        [said] = [line for line in result.stderr.lines if "layerviz" in line]
        assert said.startswith("ERROR: --layerviz-") and (
            "this folder holds files" in said or "inside the baseline tree" in said
        )
    assert (project.path / "inputs" / "my_photo.txt").read_text() == "the user's"
    assert (project.path / "cases" / "README.txt").read_text() == "the user's"
    # A folder of its own: made, then cleared of only its own files on the next run.
    project.runpytest("--regen-all")
    project.runpytest("--layerviz-gallery=gallery").assert_outcomes(passed=1)
    write(project.path / "gallery" / "inputs" / "kept.txt", "the user's")
    project.runpytest("--layerviz-gallery=gallery").assert_outcomes(passed=1)
    assert (project.path / "gallery" / "inputs" / "kept.txt").read_text() == "the user's"
    assert (project.path / "gallery" / "index.html").is_file()
    assert outputs.RECORD in {p.name for p in (project.path / "gallery").iterdir()}

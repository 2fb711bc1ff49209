"""The commands on the catalogue and on baseline trees (cli/commands.py): list, render,
gallery, env and diff, through `main()` in this process and in a new interpreter where a
fresh one is the point; what each prints and writes, and a damaged baseline tree said in
one line or reported case by case."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import given, settings

from layerviz.catalogue import CASES, POST_SECTIONS
from layerviz.cli import main
from layerviz.inputs.images import sample_path
from layerviz.pipeline.render import decode_png, encode_png
from layerviz.store import baselines, files, manifest

from cli_run import layerviz, run
from odd_inputs import MANIFEST, Tree, baseline_trees, png_bytes_header_only, sidecar_and_png, snapshot

COMMITTED = Path(__file__).resolve().parents[1] / "baselines"


def test_list_prints_every_case_once():
    result = run("list")
    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == [case.id for case in CASES]
    pooling_hsv = run("list", "--section", "pooling", "--colorspace", "hsv").stdout.splitlines()
    assert [line.split()[0] for line in pooling_hsv] == ["pooling/max/hsv", "pooling/average/hsv"]


@pytest.mark.slow  # a new interpreter, importing Keras
def test_render_in_a_fresh_interpreter_matches_the_committed_baseline(tmp_path):
    """A seeded case rendered alone, in a new process, as in the baselines' run where
    many cases came before it: its weights depend on nothing but its id."""
    out = tmp_path / "sub" / "stack.png"
    result = layerviz("render", "conv2d-two/k3-relu-tanh/ycbcr", "--out", str(out))
    assert result.returncode == 0, result.stderr
    pixels, mode = decode_png(out.read_bytes())
    png = baselines.png_path(COMMITTED / "keras" / keras.backend.backend(), "conv2d-two/k3-relu-tanh/ycbcr")
    assert mode == "RGB"
    assert np.abs(pixels.astype(int) - decode_png(png.read_bytes())[0].astype(int)).max() <= 1


def test_render_draws_what_the_baselines_hold_and_a_case_that_raises_is_one_line(tmp_path):
    """The way the gallery and the fixture render: a uint8 case shown in its levels (before,
    every pixel was 255), and a case Keras refuses said in one line (before, a traceback)."""
    out = tmp_path / "crop.png"
    assert run("render", "integer-inputs/center-crop/rgb", "--out", str(out)).returncode == 0
    png = baselines.png_path(COMMITTED / "weightless", "integer-inputs/center-crop/rgb")
    assert out.read_bytes() == png.read_bytes()
    said = run("render", "convolutions/conv-s2-d2/rgb", "--out", str(tmp_path / "conv.png"))  # Keras refuses it
    assert said.returncode == 2 and said.stderr.count("\n") == 1, said.stderr
    assert said.stderr.startswith(
        "layerviz: error: convolutions/conv-s2-d2/rgb raises here, so there is no picture: ValueError: "
    )
    assert not (tmp_path / "conv.png").exists()


def test_env_prints_the_running_environment_beside_each_set_and_what_differs(tmp_path):
    from layerviz.core import numerics

    running = numerics.pin("strict")
    tree = tmp_path / "tree"
    committed = json.loads((COMMITTED / "weightless" / baselines.MANIFEST).read_text())
    for name, made in [("weightless", {**running, "mode": "native", "device": "CPU Another CPU"}), ("fixed", None)]:
        (tree / name).mkdir(parents=True)
        data = {**committed, "numerics": made} if made else {k: v for k, v in committed.items() if k != "numerics"}
        (tree / name / baselines.MANIFEST).write_text(json.dumps(data))
    result = run("env", "--baselines", str(tree))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"running: keras {keras.version()}/{keras.backend.backend()} ")
    assert "  numerics" in result.stdout and running["device"] in result.stdout
    assert lines[lines.index("  fixed: " + manifest.describe_versions(committed)) + 1] == (
        "    numeric environment not recorded (a set made before layerviz recorded it)"
    )
    weightless = lines.index("  weightless: " + manifest.describe_versions(committed))
    assert lines[weightless + 2 : weightless + 4] == [
        "    differs: the baselines were made with numerics native; this run has numerics strict",
        f"    differs: the baselines were made on CPU Another CPU; this run is on {running['device']}",
    ]
    nowhere = run("env", "--baselines", str(tmp_path / "nowhere"))
    assert nowhere.returncode == 2
    said = f"{tmp_path / 'nowhere'}: not a folder; give the folder of a baseline tree with --baselines"
    assert nowhere.stderr == f"layerviz: error: {said}\n"


def test_gallery_from_user_photos(tmp_path):
    first, second = tmp_path / "first.jpg", tmp_path / "second.png"
    shutil.copy(sample_path("astronaut"), second)
    from PIL import Image

    Image.open(sample_path("coffee")).convert("RGB").save(first, quality=90)
    out = tmp_path / "my gallery"
    result = run(
        "gallery",
        "--images",
        str(first),
        str(second),
        "--size",
        "64",
        "--section",
        "merging",
        "--section",
        "pooling",
        "--colorspace",
        "rgb",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out / "index.html")
    assert "rendering [" not in result.stderr  # no progress bar when stderr is not a terminal
    pixels, _ = decode_png((out / "cases/pooling/max/rgb.png").read_bytes())
    assert pixels.shape == (64, 64, 3)
    text = (out / "index.html").read_text()
    assert "first.jpg: first input" in text and "second.png: second input" in text
    assert text.count("<img ") == 8 + 2
    assert (out / "cheatsheet.png").is_file()


def test_gallery_from_baselines_without_keras(tmp_path):
    out = tmp_path / "g"
    result = layerviz("gallery", "--from-baselines", str(COMMITTED), "--out", str(out), "--section", "dense-flatten")
    assert result.returncode == 0, result.stderr
    assert "1,049,600" in (out / "index.html").read_text()
    assert "oneDNN" not in result.stderr  # TensorFlow never started
    default = layerviz("gallery", "--from-baselines", "--out", str(tmp_path / "h"), cwd=tmp_path)
    assert default.returncode == 2
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")  # the default of --backend
    assert default.stderr.strip() == (
        f"layerviz: error: baselines: no weightless or keras/{backend} set with a MANIFEST.json here; "
        "give the folder of a baseline tree (or other --weights / --backend)"
    )


def trees(tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of the committed post's sections (weightless and keras/tensorflow sets):
    the second with one changed corner and one configuration removed."""
    before, after = tmp_path / "before", tmp_path / "after"
    for tree in (before, after):
        for name in ("weightless", "keras/tensorflow"):
            for section in POST_SECTIONS:
                if (COMMITTED / name / section).is_dir():
                    shutil.copytree(COMMITTED / name / section, tree / name / section)
            shutil.copy(COMMITTED / name / baselines.MANIFEST, tree / name / baselines.MANIFEST)
    png = baselines.png_path(after / "keras" / "tensorflow", "conv2d/k3-relu/rgb")
    pixels, _ = decode_png(png.read_bytes())
    pixels = pixels.copy()
    pixels[10:20, 10:20] = 0
    png.write_bytes(encode_png(pixels))
    shutil.rmtree(after / "weightless" / "pooling" / "max")
    return before, after


def test_diff_of_two_trees(tmp_path):
    before, after = trees(tmp_path)
    same = run("diff", str(before), str(before), "--out", str(tmp_path / "same"))
    assert same.returncode == 0, same.stderr
    total = len(baselines.discover(before))
    assert f"{total} cases compared, 0 differ" in same.stdout
    result = run("diff", str(before), str(after), "--out", str(tmp_path / "report"))
    assert result.returncode == 1, result.stderr
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["counts"] == {"removed": 4, "changed": 1}
    # A change of behaviour comes before cases only one tree has.
    assert summary["cases"][0]["case_id"] == "keras/tensorflow/conv2d/k3-relu/rgb"
    assert summary["cases"][0]["numbers"]["bbox"] == [10, 10, 19, 19]
    assert "changed    keras/tensorflow/conv2d/k3-relu/rgb" in result.stdout
    assert "  Conv2D(k3, relu): values changed, 1 colour space × keras weights" in result.stdout
    assert "  MaxPooling2D(p2): only in the first tree, 4 colour spaces" in result.stdout


def test_a_decompression_bomb_baseline_is_one_line_for_gallery_and_an_unreadable_case_for_diff(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    for tree in (before, after):
        shutil.copytree(COMMITTED / "weightless" / "merging" / "add", tree / "weightless" / "merging" / "add")
        shutil.copy(COMMITTED / "weightless" / baselines.MANIFEST, tree / "weightless" / baselines.MANIFEST)
    bomb = baselines.png_path(after / "weightless", "merging/add/rgb")
    bomb.write_bytes(png_bytes_header_only(30_000, 30_000))
    said = (
        f"weightless/merging/add/rgb: baseline file {bomb} is unreadable (more pixels than Pillow's decompression-bomb "
        "limit); restore it from git or make the tree again with the command that made it"
    )
    gallery = run("gallery", "--from-baselines", str(after), "--out", str(tmp_path / "gallery"))
    assert (gallery.returncode, gallery.stderr) == (2, f"layerviz: error: {said}\n")
    diff = run("diff", str(before), str(after), "--out", str(tmp_path / "report"))
    assert diff.returncode == 1, diff.stderr
    assert "unreadable weightless/merging/add/rgb" in diff.stdout
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert [(case["status"], case["problems"]) for case in summary["cases"]] == [("unreadable", [said])]


@pytest.mark.slow  # every catalogue case, twice
def test_render_draws_every_case_pixel_for_pixel_as_the_gallery_does(tmp_path):
    """One way into rendering: `layerviz render` and the gallery draw every case alike, pixel
    for pixel (the CLI once drew the uint8 cases all white), and agree on which cases raise.
    Not byte for byte: the gallery writes its PNGs at zlib level 3, for speed."""
    from layerviz.core.raised import Raised
    from layerviz.pages import gallery, gallery_files

    made = gallery.from_keras(CASES)
    gallery_files.write(made, tmp_path / "gallery")
    items = {item.key: item for item in made.items}
    for case in CASES:
        out = tmp_path / "render" / f"{case.id}.png"
        done = run("render", case.id, "--out", str(out))
        raised = isinstance(made.renderings[case.id], Raised)
        assert done.returncode == (2 if raised else 0), (case.id, done.stderr)
        if not raised:
            # The same pixels and mode, whatever the compression (gallery_files._png).
            drawn, mode = decode_png(out.read_bytes())
            shown, shown_mode = decode_png((tmp_path / "gallery" / items[case.id].path).read_bytes())
            assert mode == shown_mode and np.array_equal(drawn, shown), case.id


def test_evidence_that_is_no_sweep_is_one_line(tmp_path, capsys):
    junk = tmp_path / "notes.json"
    junk.write_text('{"hello": 1}')
    assert main(["list", "--divergences", "--evidence", str(junk)]) == 2
    assert (
        capsys.readouterr().err
        == f"layerviz: error: {junk}: not a sweep's evidence; make one with `layerviz sweep --evidence FILE`\n"
    )


# --- Fuzzing: baseline trees with missing or damaged parts, through the command -----------


def named_broken(line: str, root: Path, tree: Tree) -> list[str]:
    """The damaged parts of `tree` (under `root`) that `line` names."""
    return [name for name in tree.broken | tree.doubtful if str(root / name) in line]


def check_one_line(result: subprocess.CompletedProcess[str], root: Path, tree: Tree) -> None:
    """Exit 2 with one line, naming a damaged file (or the tree, whose manifest is missing)."""
    assert result.returncode == 2, result
    (line,) = result.stderr.splitlines()
    assert line.startswith("layerviz: error: ") and "_io." not in line
    missing_manifest = "weightless/MANIFEST.json" not in tree.files
    assert named_broken(line, root, tree) or (missing_manifest and str(root) in line), line


def met(tree: Tree) -> set[str]:
    """The damaged parts a reader of the whole tree meets: a case is found by its sidecar,
    so a PNG without one is a stray file, not a case."""

    def found(name: str) -> bool:
        case = name.removesuffix(".png").removesuffix(".stats.json")
        return name.endswith(baselines.MANIFEST) or f"{case}.stats.json" in tree.files

    return {name for name in tree.broken if found(name)}


def outside(entries: dict, folder: str) -> dict:
    return {name: entry for name, entry in entries.items() if name != folder and not name.startswith(f"{folder}/")}


@settings(max_examples=max(60, settings.default.max_examples))
@given(tree=baseline_trees())
def test_a_gallery_of_any_baseline_tree_is_made_or_refused_in_one_line_naming_the_file(tree):
    with tempfile.TemporaryDirectory() as folder:
        place = Path(folder)
        root, out = place / "tree", place / "out"
        tree.write(root)
        before = snapshot(place)
        result = run("gallery", "--from-baselines", str(root), "--out", str(out))
        assert outside(snapshot(place), "out") == before  # nothing but the output folder changed
        if result.returncode == 0:
            assert not met(tree), result
            assert (out / "index.html").is_file() and (out / "cheatsheet.png").is_file()
        else:
            check_one_line(result, root, tree)
            assert tree.broken or tree.doubtful


@settings(max_examples=max(60, settings.default.max_examples))
@given(tree=baseline_trees())
def test_a_diff_against_any_baseline_tree_reports_each_damaged_file_or_is_one_line(tree):
    with tempfile.TemporaryDirectory() as folder:
        place = Path(folder)
        good, damaged, out = place / "good", place / "damaged", place / "out"
        for case_id in tree.cases:  # the same cases, sound
            stats, png = sidecar_and_png(case_id, 0, 8, 8)
            files.write_atomic(baselines.png_path(good / "weightless", case_id), png)
            files.write_atomic(baselines.stats_path(baselines.png_path(good / "weightless", case_id)), stats)
        (good / "weightless" / baselines.MANIFEST).write_bytes(MANIFEST)
        tree.write(damaged)
        before = snapshot(place)
        result = run("diff", str(good), str(damaged), "--out", str(out))
        assert outside(snapshot(place), "out") == before
        if result.returncode == 2:
            check_one_line(result, damaged, tree)
            return
        assert result.returncode in (0, 1), result
        cases = json.loads((out / "summary.json").read_text())["cases"]
        for case in cases:
            if case["status"] == "unreadable":
                (problem,) = case["problems"]
                assert "\n" not in problem and named_broken(problem, damaged, tree), problem
        unreadable = {case["case_id"] for case in cases if case["status"] == "unreadable"}
        parts = {name.removesuffix(".stats.json").removesuffix(".png") for name in tree.broken}
        # Every case with a damaged part is reported, as unreadable or as only in the first tree.
        reported = unreadable | {case["case_id"] for case in cases if case["status"] == "removed"}
        assert parts - {"weightless/MANIFEST.json"} <= reported, (parts, cases)

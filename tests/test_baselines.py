import errno
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from PIL import Image

from layerviz.core import divergences
from layerviz.core.raised import Raised
from layerviz.inputs.colorspaces import HSV
from layerviz.pipeline.render import Rendering, decode_png, encode_png, render
from layerviz.store import baselines

import baseline_tree
from baseline_tree import one_line_error
from odd_inputs import baseline_cases, png_bytes_header_only, snapshot

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "baselines"


@pytest.fixture
def rendering():
    raw = np.linspace(-0.5, 1.5, 6 * 5 * 3, dtype=np.float32).reshape(6, 5, 3)
    return render("conv2d/k3-relu/hsv", HSV, raw)


def test_sets_by_weight_mode_and_backend():
    assert baselines.set_name(False, "fixed", "jax") == "weightless"
    assert baselines.set_name(True, "fixed", "jax") == "fixed"
    assert baselines.set_name(True, "keras", "jax") == "keras/jax"
    assert baselines.set_name(True, "as-is", "jax") == "as-is"


def test_layout_is_section_config_colourspace(tmp_path):
    png = baselines.png_path(tmp_path, "conv2d-transpose/k2-s4-tanh/rgb")
    assert png == tmp_path / "conv2d-transpose" / "k2-s4-tanh" / "rgb.png"
    assert baselines.stats_path(png) == png.parent / "rgb.stats.json"


def test_save_and_load_round_trip_without_leftovers(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    loaded = baselines.load(png, rendering.case_id)
    np.testing.assert_array_equal(loaded.pixels, rendering.pixels)
    assert loaded.stats.shape == rendering.stats.shape and loaded.stats.channels == rendering.stats.channels
    for name in loaded.stats.NAMES:  # exact at the float32 precision they are stored with
        assert np.array_equal(np.float32(getattr(loaded.stats, name)), np.float32(getattr(rendering.stats, name)))
    assert sorted(p.name for p in png.parent.iterdir()) == ["hsv.png", "hsv.stats.json"]


def test_missing_or_corrupt_baselines_name_the_file_and_the_fix(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    hint = "pytest --regen-all 'tests/test_visual.py::test_case[conv2d/k3-relu/hsv]'"
    with pytest.raises(
        baselines.BaselineError, match=r"hsv\.png is missing; regenerate it with `pytest --regen-all 'tests"
    ):
        baselines.load(png, rendering.case_id, hint)
    # A tree read outside its tests (layerviz diff, upgrade): no command that would select nothing.
    with pytest.raises(baselines.BaselineError, match="is missing; make the tree again with the command that made it$"):
        baselines.load(png, rendering.case_id)
    baselines.save(rendering, png)
    baselines.stats_path(png).unlink()
    with pytest.raises(baselines.BaselineError, match=r"hsv\.stats\.json is missing"):
        baselines.load(png, rendering.case_id)
    baselines.save(rendering, png)
    png.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(baselines.BaselineError, match="is unreadable"):
        baselines.load(png, rendering.case_id)


def test_committed_tree_has_exactly_one_baseline_per_case():
    """Hygiene: every case has its baselines, and no file is there that no case produces."""
    for name in ("weightless", "fixed", "keras/tensorflow"):
        assert (COMMITTED / name).is_dir(), name
    missing = [str(p.relative_to(COMMITTED)) for p in baseline_tree.missing_files(COMMITTED)]
    obsolete = [str(p.relative_to(COMMITTED)) for p in baseline_tree.obsolete_files(COMMITTED)]
    assert missing == [], "cases without a baseline (make them with `pytest --regen-all`)"
    assert obsolete == [], "baselines no case produces (remove them with `pytest --regen-all --layerviz-prune`)"


def test_hygiene_finds_obsolete_and_missing_files(tmp_path, rendering):
    root = tmp_path / "baselines"
    good = baselines.png_path(root / "fixed", "conv2d/k3-relu/hsv")
    baselines.save(rendering, good)
    stray = [
        baselines.png_path(root / "fixed", "conv2d/k5-relu/hsv"),  # a case that no longer exists
        baselines.png_path(root / "fixed", "merging/add/hsv"),  # weightless case in a weight set
        root / "fixed" / "notes.txt",
    ]
    baselines.save(rendering, stray[0])
    baselines.save(rendering, stray[1])
    stray[2].write_text("x")
    obsolete = baseline_tree.obsolete_files(root)
    assert set(obsolete) == {
        stray[0],
        baselines.stats_path(stray[0]),
        stray[1],
        baselines.stats_path(stray[1]),
        stray[2],
    }
    missing = baseline_tree.missing_files(root)
    assert root / "fixed" / "MANIFEST.json" in missing
    assert good not in missing and baselines.png_path(root / "fixed", "conv2d/k3-relu/rgb") in missing
    assert not any("weightless" in str(path) for path in missing)  # only sets that are present


def test_saving_unchanged_content_writes_nothing(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    assert baselines.save(rendering, png) == [baselines.stats_path(png), png]
    before = png.stat().st_mtime_ns
    assert baselines.save(rendering, png) == []
    assert png.stat().st_mtime_ns == before


@pytest.mark.slow  # a real pytest process, killed mid-write
def test_an_interrupted_regeneration_leaves_each_file_old_or_new(tmp_path):
    """Kill `pytest --regen-all` midway: every baseline is the old or the new file, whole."""
    tree = tmp_path / "baselines"
    for name in ("weightless", "fixed"):
        shutil.copytree(COMMITTED / name, tree / name)
    new, old = {}, {}
    for path in sorted(tree.rglob("*")):
        if path.suffix not in (".png", ".json") or path.name == baselines.MANIFEST:
            continue
        new[path] = path.read_bytes()
        if path.suffix == ".png":
            pixels, _ = decode_png(new[path])
            old[path] = encode_png(255 - pixels)
        else:
            old[path] = new[path].replace(b'"case": "', b'"case": "old/')
        path.write_bytes(old[path])
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_visual.py",
            "--regen-all",
            "-k",
            "not keras",
            f"--layerviz-baselines={tree}",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watched = sorted(new)
    deadline = time.monotonic() + 120
    try:
        while not any(path.read_bytes() == new[path] for path in watched[::7]):
            assert process.poll() is None and time.monotonic() < deadline, "regeneration never started"
            time.sleep(0.005)
    finally:
        process.kill()
        process.wait()
    states = {path: {old[path]: "old", new[path]: "new"}.get(path.read_bytes(), "broken") for path in watched}
    assert "broken" not in states.values(), [str(p) for p, s in states.items() if s == "broken"]
    assert {"old", "new"} <= set(states.values()), "the kill did not land midway"
    leftovers = [p for p in tree.rglob("*") if p.is_file() and p not in new and p.name != baselines.MANIFEST]
    assert all(p.name.startswith(".") and p.name.endswith(".tmp") for p in leftovers)


def test_an_exception_baseline_is_a_sidecar_without_picture(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    raised = Raised(rendering.case_id, "ValueError", "cannot pad unevenly")
    assert baselines.save(raised, png) == [png, baselines.stats_path(png)]
    assert not png.exists() and baseline_tree.records_error(png)
    assert baselines.load(png, rendering.case_id) == raised
    assert baselines.discover(tmp_path) == {rendering.case_id: png}
    # Working again: the picture comes back and the sidecar holds statistics again.
    baselines.save(rendering, png)
    assert png.is_file() and not baseline_tree.records_error(png)


def test_saving_only_the_part_that_changed(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    darker = type(rendering)(rendering.case_id, rendering.pixels // 2, rendering.stats)
    assert baselines.save(darker, png, sidecar=False) == [png]
    assert baselines.save(darker, png, image=False) == []


def test_hygiene_expects_no_picture_beside_an_exception(tmp_path, rendering):
    root = tmp_path / "baselines"
    png = baselines.png_path(root / "fixed", "conv2d/k3-relu/hsv")
    baselines.save(Raised("fixed/conv2d/k3-relu/hsv", "ValueError", "no"), png)
    assert png not in baseline_tree.missing_files(root)
    png.write_bytes(b"stale")  # left from before the layer raised
    assert png in baseline_tree.obsolete_files(root)


def test_hygiene_expects_each_divergence_set_beside_the_set_it_stands_in_for(tmp_path, rendering, monkeypatch):
    known = divergences.Divergence("edge/conv2d-k3-same", "jax", "3.1.0", "3.2.0", "x#1", "shifted")
    monkeypatch.setattr(divergences, "KNOWN", (known,))
    root = tmp_path / "baselines"
    (root / "fixed").mkdir(parents=True)
    missing = {p.relative_to(root).as_posix() for p in baseline_tree.missing_files(root)}
    expected = {
        f"divergences/jax/from-3.1.0-before-3.2.0/fixed/edge/conv2d-k3-same/{space}{suffix}"
        for space in ("luminance", "rgb", "hsv", "ycbcr")
        for suffix in (".png", ".stats.json")
    }
    assert expected | {"divergences/jax/from-3.1.0-before-3.2.0/fixed/MANIFEST.json"} <= missing
    assert not any("keras/jax" in path for path in missing)  # that set is not present here
    (root / "keras" / "jax").mkdir(parents=True)
    assert any(
        "from-3.1.0-before-3.2.0/keras/jax/edge/conv2d-k3-same/rgb.png" in str(p)
        for p in baseline_tree.missing_files(root)
    )
    assert baselines.Label.parse("divergences/jax/from-3.1.0-before-3.2.0/keras/jax/edge/conv2d-k3-same/rgb") == (
        baselines.Label("divergences/jax/from-3.1.0-before-3.2.0/keras/jax", "edge/conv2d-k3-same/rgb")
    )


@pytest.mark.parametrize(
    ("text", "weights", "twin"),
    [
        ("keras/torch/dense/relu/rgb", "keras", "fixed/dense/relu/rgb"),
        (
            "divergences/torch/from-3.0.0-before-3.5.0/keras/torch/edge/avgpool-p3-s2-same/rgb",
            "keras",
            "divergences/torch/from-3.0.0-before-3.5.0/fixed/edge/avgpool-p3-s2-same/rgb",
        ),
        ("fixed/dense/relu/rgb", "fixed", None),
        ("as-is/mine/cat/rgb", "as-is", None),
        ("weightless/merging/add/hsv", None, None),
        ("tests/test_a.py::test_b", None, None),  # a test id names no set
    ],
)
def test_a_label_reads_its_set_and_case_once_and_says_them_back(text, weights, twin):
    label = baselines.Label.parse(text)
    assert str(label) == text and label.weights == weights
    assert (str(label.twin()) if label.twin() else None) == twin


def test_every_check_can_fail_unless_marked_blind_with_a_reason():
    """A check whose whole record is constant (every pixel alike, every statistic's
    minimum its maximum, before the activation too) cannot see its layer change: a relu
    that kills every value would leave it black whatever the kernel. Such checks must be
    marked in the catalogue, saying why the record still says enough."""
    import keras

    from layerviz.catalogue import CASES
    from layerviz.pipeline.render import Rendering

    def constant(rendering: Rendering) -> bool:
        flat = rendering.pixels.reshape(-1, *rendering.pixels.shape[2:])
        records = [rendering.stats, *(record.stats for record in rendering.pre_activation)]
        return bool((flat == flat[0]).all()) and all(s.min == s.max for s in records)

    blind = set()
    for name in ("weightless", "fixed", f"keras/{keras.backend.backend()}"):
        for case_id, png in baselines.discover(COMMITTED / name).items():
            outcome = baselines.load(png, case_id)
            if isinstance(outcome, Rendering) and constant(outcome):
                blind.add(case_id)
    marked = {case.id for case in CASES if case.config.blind}
    assert blind == marked, (
        f"blind but unmarked: {sorted(blind - marked)}; marked but not blind: {sorted(marked - blind)}"
    )
    assert all(len(case.config.blind) > 20 for case in CASES if case.config.blind)  # a reason, not a flag


# --- User mistakes are one line naming the file ------------------------------------------


def test_a_decompression_bomb_baseline_is_unreadable_naming_the_png(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    png.write_bytes(png_bytes_header_only(30_000, 30_000))  # 900 Mpx declared, in 45 bytes
    said = one_line_error(baselines.load, png, rendering.case_id)
    assert said.startswith(f"{rendering.case_id}: baseline file {png} is unreadable (more pixels than Pillow's")
    assert said.endswith("; restore it from git or make the tree again with the command that made it")


def test_an_unreadable_baseline_names_which_of_its_two_files_is_broken(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    good = png.read_bytes()
    png.write_bytes(good[: len(good) // 2])
    said = one_line_error(baselines.load, png, rendering.case_id, "pytest --regen-all t.py::x")
    assert f"baseline file {png} is unreadable (a damaged PNG: " in said and "_io.BytesIO" not in said
    assert said.endswith("; restore it from git or regenerate it with `pytest --regen-all t.py::x`")
    png.write_bytes(b"GIF89a not a png")
    assert f"{png} is unreadable (not a PNG file)" in one_line_error(baselines.load, png, rendering.case_id)
    png.write_bytes(good)
    stats = baselines.stats_path(png)
    stats.write_text('{"shape": [6, 5')
    assert f"baseline file {stats} is unreadable (not JSON: " in one_line_error(baselines.load, png, rendering.case_id)
    stats.write_text("[1, 2]")
    assert f"{stats} is unreadable (a JSON list, not an object)" in one_line_error(baselines.load, png, "x")


@pytest.mark.parametrize("mode", ["LA", "RGBA", "I;16"])
def test_a_baseline_png_layerviz_does_not_write_is_refused_naming_its_mode(tmp_path, rendering, mode):
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    Image.fromarray(rendering.pixels).convert(mode).save(png)
    assert f"{png} is unreadable (a {mode} PNG; baselines are 8-bit greyscale or RGB)" in one_line_error(
        baselines.load, png, rendering.case_id
    )


def test_a_palette_or_one_bit_png_of_the_same_pixels_is_the_same_baseline(tmp_path, rendering):
    """What a PNG optimiser may make of a baseline: the same pixels, stored more compactly."""
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    Image.fromarray(rendering.pixels).convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(png)
    paletted = baselines.load(png, rendering.case_id)
    assert paletted.pixels.shape == rendering.pixels.shape and paletted.pixels.dtype == np.uint8
    Image.fromarray(np.array([[0, 255], [255, 0]], dtype=np.uint8)).convert("1").save(png)
    np.testing.assert_array_equal(baselines.load(png, rendering.case_id).pixels, [[0, 255], [255, 0]])


def test_a_folder_where_a_baseline_file_should_be_is_said(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    png.unlink()
    png.mkdir()
    said = one_line_error(baselines.load, png, rendering.case_id, "pytest --regen-all t.py::x")
    assert said == (
        f"{rendering.case_id}: {png} is a folder where the baseline's PNG should be; "
        "remove it, then regenerate it with `pytest --regen-all t.py::x`"
    )
    stats = baselines.stats_path(png)
    stats.unlink()
    assert f"{png} is a folder where the baseline's PNG should be" in one_line_error(baselines.load, png, "x")
    png.rmdir()
    stats.mkdir()
    said = one_line_error(baselines.load, png, "x")
    assert f"{stats} is a folder where the baseline's statistics file should be" in said
    # Writing it there is refused in one line too (a regeneration), naming the folder.
    stats.rmdir()
    png.mkdir()
    said = one_line_error(baselines.save, rendering, png)
    assert said == (
        f"{rendering.case_id}: cannot write {png} (Is a directory): a folder is where that file should be; "
        "remove it and run again"
    )


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_full_disk_or_a_read_only_folder_is_one_line_and_loses_nothing(tmp_path, rendering, monkeypatch, code):
    """The operating system refusing the rename (as a full disk or a read-only mount does):
    the old files stay whole, and the error says which file and what to do."""
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    before = {path: path.read_bytes() for path in png.parent.iterdir()}

    def refuse(source, target):
        raise OSError(code, os.strerror(code), source, None, target)

    monkeypatch.setattr(baselines.os, "replace", refuse)
    changed = render(rendering.case_id, HSV, np.zeros((6, 5, 3), dtype=np.float32))
    said = one_line_error(baselines.save, changed, png)
    what = {errno.ENOSPC: "the disk is full; free some space", errno.EROFS: "read-only file system"}
    assert said.startswith(f"{rendering.case_id}: cannot write {baselines.stats_path(png)} ({os.strerror(code)}): ")
    assert what.get(code, "the folder is not writable; make it writable") in said
    assert said.endswith("(nothing was lost: the files already there are whole)")
    assert {path: path.read_bytes() for path in png.parent.iterdir()} == before  # no temporary file left either


def test_a_file_where_a_folder_of_the_tree_should_be_is_one_line(tmp_path, rendering):
    """As root, where no permission stops a write, the file system still refuses this."""
    (tmp_path / "conv2d").write_text("a file, not the section's folder")
    png = baselines.png_path(tmp_path, rendering.case_id)
    said = one_line_error(baselines.save, rendering, png)
    assert said == (
        f"{rendering.case_id}: cannot write {baselines.stats_path(png)} (Not a directory: {tmp_path / 'conv2d'}): "
        "a file is where one of its folders should be; remove it and run again"
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions stop no write of root's")
def test_a_read_only_folder_is_one_line(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    png.parent.chmod(0o500)
    try:
        changed = render(rendering.case_id, HSV, np.zeros((6, 5, 3), dtype=np.float32))
        said = one_line_error(baselines.save, changed, png)
    finally:
        png.parent.chmod(0o700)
    assert "(Permission denied): the folder is not writable; make it writable and run again" in said


def test_a_symbolic_link_to_a_folder_inside_the_tree_is_refused_naming_it(tmp_path):
    root, outside = tmp_path / "baselines", tmp_path / "elsewhere"
    (root / "fixed").mkdir(parents=True)
    outside.mkdir()
    (root / "fixed" / "photos").symlink_to(outside, target_is_directory=True)
    png = baselines.png_path(root / "fixed", "photos/cat/rgb")
    said = one_line_error(baselines.refuse_links, root, png, "fixed/photos/cat/rgb")
    assert said == (
        f"fixed/photos/cat/rgb: {root / 'fixed' / 'photos'} is a symbolic link (to {outside}) inside the baseline "
        f"tree {root}; regenerating would write outside the tree through it: replace it with a real folder"
    )
    baselines.refuse_links(root, baselines.png_path(root / "fixed", "dogs/rgb"), "x")  # not made yet: fine
    linked_root = tmp_path / "linked"
    linked_root.symlink_to(root, target_is_directory=True)  # the root itself may be a link
    baselines.refuse_links(linked_root, baselines.png_path(linked_root / "fixed", "dogs/rgb"), "x")


# --- Fuzzing: any baseline files give a baseline or one line naming the broken one ----------


@settings(max_examples=max(100, settings.default.max_examples))  # a few ms each: more than the default
@given(case=baseline_cases())
def test_any_baseline_files_load_or_are_refused_in_one_line_naming_the_broken_one(case):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        case.write(root)
        before = snapshot(root)
        case_id = case.cases[0]
        png = baselines.png_path(root / "weightless", case_id)
        try:
            outcome = baselines.load(png, case_id)
        except baselines.BaselineError as error:
            said = str(error)
            assert "\n" not in said and said.startswith(f"{case_id}: ")
            assert "_io." not in said  # the file is named, not Pillow's stream
            named = [name for name in case.broken | case.doubtful if f"{root / name} " in said]
            assert named, said
        else:
            assert not case.broken, f"{sorted(case.broken)} loaded as {outcome}"
            if isinstance(outcome, Rendering):  # as layerviz writes it: 8-bit greyscale or RGB
                assert outcome.pixels.dtype == np.uint8
                assert outcome.pixels.ndim == 2 or (outcome.pixels.ndim == 3 and outcome.pixels.shape[2] == 3)
            else:
                assert isinstance(outcome, Raised)
        assert snapshot(root) == before  # reading changes nothing

import hashlib
from pathlib import Path

import numpy as np
import pytest

from layerviz import baselines
from layerviz.catalogue import CASES
from layerviz.images import DEFAULT_PAIR, WORKING_SIZE, sample_path
from layerviz.render import render
from layerviz.seeds import DEFAULT_SUITE_SEED

COMMITTED = Path(__file__).resolve().parents[1] / "baselines"


@pytest.fixture
def rendering():
    raw = np.linspace(-0.5, 1.5, 6 * 5 * 3, dtype=np.float32).reshape(6, 5, 3)
    return render("conv2d/k3-relu/hsv", "hsv", raw)


def test_layout_is_section_config_colourspace(tmp_path):
    png = baselines.png_path(tmp_path, "conv2d-transpose/k2-s4-tanh/rgb")
    assert png == tmp_path / "conv2d-transpose" / "k2-s4-tanh" / "rgb.png"
    assert baselines.stats_path(png) == png.parent / "rgb.stats.json"


def test_save_and_load_round_trip_without_leftovers(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    baselines.save(rendering, png)
    loaded = baselines.load(png, rendering.case_id)
    np.testing.assert_array_equal(loaded.pixels, rendering.pixels)
    assert loaded.stats == rendering.stats
    assert sorted(p.name for p in png.parent.iterdir()) == ["hsv.png", "hsv.stats.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "rgb.png"
    target.write_bytes(b"old")

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(baselines.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        baselines.write_atomic(target, b"new and longer")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["rgb.png"]


def test_missing_or_corrupt_baselines_name_the_file_and_the_fix(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    with pytest.raises(baselines.BaselineError, match=r"hsv\.png is missing; regenerate it with `pytest --regen-all"):
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
    expected = {"MANIFEST.json"}
    for case in CASES:
        png = baselines.png_path(COMMITTED, case.id)
        expected |= {png.relative_to(COMMITTED).as_posix(), baselines.stats_path(png).relative_to(COMMITTED).as_posix()}
    present = {p.relative_to(COMMITTED).as_posix() for p in COMMITTED.rglob("*") if p.is_file()}
    assert sorted(expected - present) == [], "cases without a baseline"
    assert sorted(present - expected) == [], "baseline files that no case produces"


def test_committed_manifest_matches_the_inputs_the_suite_uses():
    manifest = baselines.read_manifest(COMMITTED)
    assert manifest is not None
    assert manifest["working_size"] == WORKING_SIZE
    assert manifest["suite_seed"] == DEFAULT_SUITE_SEED
    assert manifest["weights"] == "keras"
    for name in DEFAULT_PAIR:
        assert manifest["inputs"][name]["sha256"] == hashlib.sha256(sample_path(name).read_bytes()).hexdigest()
    for key in ("keras", "backend", "numpy", "pillow", "python"):
        assert manifest["versions"][key]
    assert manifest["versions"][manifest["versions"]["backend"]]


def test_saving_unchanged_content_writes_nothing(tmp_path, rendering):
    png = baselines.png_path(tmp_path, rendering.case_id)
    assert baselines.save(rendering, png) == [baselines.stats_path(png), png]
    before = png.stat().st_mtime_ns
    assert baselines.save(rendering, png) == []
    assert png.stat().st_mtime_ns == before

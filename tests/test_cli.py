"""The `layerviz` command, run for real in a subprocess."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from layerviz import baselines
from layerviz.catalogue import CASES
from layerviz.render import decode_png

COMMITTED = Path(__file__).resolve().parents[1] / "baselines"


def layerviz(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "layerviz", *args], capture_output=True, text=True)


def test_list_prints_every_case_once():
    result = layerviz("list")
    assert result.returncode == 0
    ids = [line.split()[0] for line in result.stdout.splitlines()]
    assert ids == [case.id for case in CASES]
    pooling_hsv = layerviz("list", "--section", "pooling", "--colorspace", "hsv").stdout.splitlines()
    assert [line.split()[0] for line in pooling_hsv] == ["pooling/max/hsv", "pooling/average/hsv"]


def test_render_matches_the_committed_baseline(tmp_path):
    out = tmp_path / "maximum.png"
    result = layerviz("render", "merging/maximum/ycbcr", "--out", str(out))
    assert result.returncode == 0, result.stderr
    pixels, mode = decode_png(out.read_bytes())
    baseline = baselines.load(baselines.png_path(COMMITTED, "merging/maximum/ycbcr"), "merging/maximum/ycbcr")
    assert mode == "RGB"
    assert np.abs(pixels.astype(int) - baseline.pixels.astype(int)).max() <= 1


def test_usage_and_input_errors_are_one_line_and_exit_2(tmp_path):
    unknown = layerviz("render", "merging/plus/rgb", "--out", str(tmp_path / "x.png"))
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines() == [
        "layerviz: error: unknown case 'merging/plus/rgb'; `layerviz list` shows every case id"
    ]
    missing = layerviz("render", "merging/add/rgb", "--images", str(tmp_path / "nope.png"), "--out", str(tmp_path / "x.png"))
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1 and "nope.png: does not exist" in missing.stderr
    assert layerviz("list", "--section", "nope").returncode == 2
    assert not (tmp_path / "x.png").exists()

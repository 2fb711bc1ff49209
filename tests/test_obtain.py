"""A catalogue tree rendered with no baseline involved: what upgrade, bisect and sweep compare."""

from pathlib import Path

import keras
import pytest

from layerviz.catalogue import UnknownNameError
from layerviz.cli import main
from layerviz.store import baselines, manifest
from layerviz.upgrade import obtain

BACKEND = keras.backend.backend()
COMMITTED = Path(__file__).resolve().parents[1] / "baselines"


def test_a_tree_holds_the_checks_as_the_tests_name_and_render_them(tmp_path):
    chosen = obtain.select(["merging", "conv2d"], ["k3-relu/rgb", "maximum/rgb"])
    assert [check.id for check in chosen] == [
        "merging/maximum/rgb",
        "keras/conv2d/k3-relu/rgb",
        "fixed/conv2d/k3-relu/rgb",
    ]
    assert obtain.tree(chosen, tmp_path) == {"rendered": 3, "raised": 0, "skipped": 0}
    found = baselines.discover(tmp_path)
    assert sorted(found) == sorted(
        ["weightless/merging/maximum/rgb", f"keras/{BACKEND}/conv2d/k3-relu/rgb", "fixed/conv2d/k3-relu/rgb"]
    )
    # The same rendering the visual test compares with its baseline (within its tolerance).
    committed = baselines.load(
        baselines.png_path(COMMITTED / "fixed", "conv2d/k3-relu/rgb"), "fixed/conv2d/k3-relu/rgb"
    )
    obtained = baselines.load(found["fixed/conv2d/k3-relu/rgb"], "fixed/conv2d/k3-relu/rgb")
    assert obtained.case_id == committed.case_id
    assert abs(obtained.pixels.astype(int) - committed.pixels.astype(int)).max() <= 1
    record = manifest.read_manifest(tmp_path / "fixed")
    assert record["versions"]["keras"] == keras.version() and record["numerics"]["mode"] == "strict"
    assert obtain.skipped(tmp_path) == {}


def test_unknown_sections_and_empty_selections_are_one_line(tmp_path, capsys):
    with pytest.raises(UnknownNameError, match="unknown section 'nope'; choose from: merging, pooling"):
        obtain.select(["nope"])
    assert main(["obtain", "--out", str(tmp_path), "-k", "no-such-check"]) == 2
    assert (
        capsys.readouterr().err
        == "layerviz: error: no catalogue check matches --section / -k; `layerviz list` shows them\n"
    )
    assert not tmp_path.joinpath("weightless").exists()

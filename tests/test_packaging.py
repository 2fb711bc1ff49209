"""layerviz installed from its wheel, used by a project of its own: no conftest.py, the
fixture found through the pytest11 entry point, options from pyproject.toml."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from layerviz.inputs.images import sample_path

ROOT = Path(__file__).resolve().parents[1]
# A wheel is built and installed, and pytest runs in new interpreters: `pytest -m slow`.
pytestmark = pytest.mark.slow

LAYERS = '''
import keras


class Sharpen(keras.layers.Layer):
    """A fixed 3x3 sharpening of each channel: no weights."""

    def call(self, x):
        kernel = keras.ops.convert_to_tensor([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])
        channels = x.shape[-1]
        kernel = keras.ops.tile(kernel[:, :, None, None], (1, 1, channels, 1))
        return keras.ops.depthwise_conv(x, kernel, padding="same")
'''

TESTS = """
import keras
import pytest

from my_layers import Sharpen


def test_sharpen(layer_regression):
    layer_regression.check(Sharpen(), description="a fixed sharpening kernel")


def test_small_cnn(layer_regression):
    layer_regression.check(
        keras.Sequential([keras.layers.Conv2D(3, 3, activation="relu"), keras.layers.MaxPooling2D(2)])
    )


def test_feature_maps(layer_regression):
    layer_regression.check(keras.layers.Conv2D(64, 3), size=32, weights="fixed")


def test_my_photo(layer_regression):
    layer_regression.check(Sharpen(), images=["photo.jpg"], colorspace="luminance")
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """layerviz built as a wheel and unpacked beside this environment's packages, where
    it comes first on the path (this environment's own layerviz stays as it is)."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = dist.glob("layerviz-*.whl")
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
        requires = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "[pytest11]\nlayerviz = layerviz.pytest_plugin" in entry_points
    assert "layerviz/samples/chelsea.png" in names
    # What the plugin imports at run time is the package's own dependency, not a test extra's.
    for needed in ("Requires-Dist: pytest>=8", "Requires-Dist: pytest-regressions", "Requires-Dist: keras"):
        assert needed in requires
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(built)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return site


@pytest.fixture
def project(tmp_path, wheel) -> Path:
    """A project of the user's own: two files and a pyproject.toml, no conftest.py."""
    (tmp_path / "my_layers.py").write_text(textwrap.dedent(LAYERS))
    (tmp_path / "test_my_layers.py").write_text(textwrap.dedent(TESTS))
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\nlayerviz_baselines = "visual"\n')
    Image.open(sample_path("astronaut")).convert("RGB").resize((200, 150)).save(tmp_path / "photo.jpg")
    return tmp_path


def run(project: Path, site: Path, *args: str, ci: bool = False) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env.update({"PYTHONPATH": str(site), "TF_CPP_MIN_LOG_LEVEL": "2", **({"CI": "true"} if ci else {})})
    # Plugins of this environment the project does not use (hypothesis alone takes ~1.5 s to load).
    unused = [f"-pno:{name}" for name in ("cacheprovider", "hypothesispytest", "xdist", "reverse", "randomly")]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *unused, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def baseline_files(project: Path) -> set[str]:
    return {p.relative_to(project / "visual").as_posix() for p in (project / "visual").rglob("*") if p.is_file()}


def test_a_project_without_conftest_uses_the_installed_plugin(project, wheel):
    # Under CI nothing is written, and each check names the file it lacks.
    result = run(project, wheel, "--trace-config", ci=True)
    assert result.returncode == 1, result.stdout
    # The plugin pytest loaded is the installed wheel's, not this repository's.
    assert f"from '{wheel / 'layerviz' / 'pytest_plugin.py'}'" in result.stdout
    assert "4 failed" in result.stdout
    for name in ("weightless/test_my_layers/test_sharpen/rgb.png", "fixed/test_my_layers/test_feature_maps/rgb.png"):
        assert f"no baseline at {project / 'visual' / name}; obtained: " in result.stdout
    assert "Nothing was written under" in result.stdout and "because CI is set" in result.stdout
    assert not (project / "visual").exists()
    assert "fixture 'layer_regression' not found" not in result.stdout

    # Outside CI the baselines are made, where pyproject.toml says, and the test says so.
    result = run(project, wheel)
    assert "4 failed" in result.stdout and "No baseline existed; created" in result.stdout
    assert {
        "weightless/test_my_layers/test_sharpen/rgb.png",
        "keras/tensorflow/test_my_layers/test_small_cnn/rgb.png".replace("tensorflow", _backend()),
        "fixed/test_my_layers/test_feature_maps/rgb.png",
        "weightless/test_my_layers/test_my_photo/luminance.png",
    } <= baseline_files(project)
    assert (
        "a fixed sharpening kernel"
        in (project / "visual/weightless/test_my_layers/test_sharpen/rgb.stats.json").read_text()
    )
    # 64 channels: an 8 x 8 mosaic of 30 px tiles, with a statistic per channel.
    mosaic = Image.open(project / "visual/fixed/test_my_layers/test_feature_maps/rgb.png")
    assert mosaic.size == (8 * 31 - 1, 8 * 31 - 1) and mosaic.mode == "L"
    stats = json.loads((project / "visual/fixed/test_my_layers/test_feature_maps/rgb.stats.json").read_text())
    assert len(stats["channels"]) == len(stats["mean"]) == 64

    result = run(project, wheel)
    assert result.returncode == 0 and "4 passed" in result.stdout, result.stdout

    # A deselected check still owns its baselines: a pruning run that did not see it keeps them.
    before = baseline_files(project)
    result = run(project, wheel, "--regen-all", "--layerviz-prune", "-k", "sharpen")
    assert "--layerviz-prune deleted nothing: 3 tests were deselected" in result.stdout
    assert baseline_files(project) == before

    # One changed line of the layer: exactly its checks fail, and the report says what changed.
    layers = project / "my_layers.py"
    layers.write_text(layers.read_text().replace("5.0", "4.0"))
    report = project / "report"
    result = run(project, wheel, f"--layerviz-report={report}")
    assert "2 failed, 2 passed" in result.stdout, result.stdout
    failed = sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("FAILED"))
    assert failed == ["test_my_layers.py::test_my_photo", "test_my_layers.py::test_sharpen"]
    summary = json.loads((report / "summary.json").read_text())
    assert summary["compared"] == 4 and summary["failed"] == 2
    assert {case["case_id"] for case in summary["cases"]} == {
        "weightless/test_my_layers/test_sharpen/rgb",
        "weightless/test_my_layers/test_my_photo/luminance",
    }
    assert "values changed" in summary["summary"][0]["cause"]


def _backend() -> str:
    import keras

    return keras.backend.backend()

"""Users' own models through the fixture, in a real pytest session: a failure names the
first layer that changed, and a check that raises is a failing test unless it says so."""

import re
from pathlib import Path

import pytest

import layerviz.plugin.fixture  # noqa: F401  imported once, out here (see test_pytest_plugin.py)
from layerviz.pipeline.render import decode_png

from plugin_projects import make_project

SIX_LAYERS = """
    import os

    import keras


    def six_layers(channels):
        # Widths differ from the output's, as in any CNN; one layer may be given a gain.
        widths = [8, 8, 16, 8, 4, channels]
        model = keras.Sequential(
            [
                keras.layers.Conv2D(
                    width, 3, padding="same", activation="sigmoid" if i == 5 else "relu", name=f"conv_{i}"
                )
                for i, width in enumerate(widths)
            ]
        )
        changed = os.environ.get("LAYER_GAIN")
        if changed:
            layer = model.get_layer(changed)
            call = layer.call
            vars(layer)["call"] = lambda *args, **kwargs: call(*args, **kwargs) * 1.05
        return model


    def test_six_layers(layer_regression):
        layer_regression.check(six_layers, size=32)
    """


@pytest.fixture
def six_layers(pytester, monkeypatch):
    monkeypatch.delenv("LAYER_GAIN", raising=False)
    return make_project(pytester, monkeypatch, "test_cnn", SIX_LAYERS)


def test_a_sequential_cnn_is_created_then_passes_then_passes_in_ci_writing_nothing(six_layers, monkeypatch):
    six_layers.runpytest().assert_outcomes(failed=1)  # created
    made = {p: p.read_bytes() for p in (six_layers.path / "baselines").rglob("*") if p.is_file()}
    assert {p.name for p in made} >= {"rgb.png", "rgb.stats.json", "MANIFEST.json"}
    six_layers.runpytest().assert_outcomes(passed=1)
    monkeypatch.setenv("CI", "true")
    six_layers.runpytest().assert_outcomes(passed=1)
    assert {p: p.read_bytes() for p in (six_layers.path / "baselines").rglob("*") if p.is_file()} == made


def test_a_gain_in_a_middle_layer_fails_naming_that_layer_first_with_its_picture(six_layers, monkeypatch):
    six_layers.runpytest("--regen-all").assert_outcomes(passed=1)
    monkeypatch.setenv("LAYER_GAIN", "conv_3")
    result = six_layers.runpytest()
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    named = re.findall(r"first differing layer: `(\w+)` \((\w+)\), output \(([\d, ]+)\): .*; (.*)", output)
    assert named == [("conv_3", "Conv2D", "32, 32, 8", "the 3 layers before it match")], output
    [summary] = [line for line in output.splitlines() if line.startswith("FAILED ")]
    assert summary.startswith("FAILED test_cnn.py::test_six_layers - AssertionError: keras/") and "/…/rgb" in summary, (
        summary
    )
    [picture] = re.findall(r"that layer:\s+(\S+) \(obtained\)", output)
    pixels, _ = decode_png(Path(picture).read_bytes())
    assert pixels.shape == (3 * 33 - 1, 3 * 33 - 1)  # a mosaic of its 8 channels, 3 to a row


def test_a_users_check_that_raises_fails_as_it_is_and_records_nothing(pytester, monkeypatch):
    source = """
        import keras

        def small_model(channels):
            inputs = keras.Input((64, 64, channels))
            return keras.Model(inputs, keras.layers.Conv2D(3, 3)(keras.layers.Reshape((32, 128, channels))(inputs)))

        def test_broken(layer_regression):
            layer_regression.check(keras.layers.Conv2D(3, 200), size=32)

        def test_declared(layer_regression):
            layer_regression.check(keras.layers.Conv2D(3, 200), size=32, raises=ValueError)

        def test_declared_but_renders(layer_regression):
            layer_regression.check(keras.layers.Conv2D(3, 3), size=32, raises=ValueError)

        def test_conflicting_size(layer_regression):
            layer_regression.check(small_model, size=32)
        """
    project = make_project(pytester, monkeypatch, "test_raising", source)
    result = project.runpytest()
    result.assert_outcomes(failed=4)
    output = result.stdout.str()
    assert "ValueError" in output and "test_broken" in output
    result.stdout.fnmatch_lines(
        [
            "*test_declared_but_renders/rgb: expected ValueError, but it rendered a 30x30x3 output; "
            "nothing was written*",
            "*small_model takes 64x64 inputs (its input shape), not the 32x32 asked for: leave the size out*",
        ]
    )
    written = sorted(p.relative_to(project.path / "baselines").as_posix() for p in project.path.rglob("*.stats.json"))
    assert written == ["weightless/test_raising/test_declared/rgb.stats.json"]  # the declared one alone
    result = project.runpytest("-k", "declared and not renders")
    result.assert_outcomes(passed=1)


def test_a_run_from_a_subfolder_without_an_ini_file_finds_the_projects_baselines(pytester, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    (pytester.path / ".git").mkdir()  # a project's root, as git marks it
    (pytester.path / "checks").mkdir()
    (pytester.path / "checks" / "test_mine.py").write_text(
        "import keras\n\n"
        "def test_identity(layer_regression):\n    layer_regression.check(keras.layers.Identity(), size=32)\n"
    )
    options = ["-p", "no:hypothesispytest", "-p", "no:xdist", "-p", "no:randomly", "-p", "no:cacheprovider"]
    monkeypatch.chdir(pytester.path / "checks")
    pytester.runpytest(*options).assert_outcomes(failed=1)  # created: at the project's root
    assert (pytester.path / "baselines" / "weightless" / "MANIFEST.json").is_file()
    assert not (pytester.path / "checks" / "baselines").exists()
    (pytester.path / ".git").rmdir()  # the tree itself is found too
    pytester.runpytest(*options).assert_outcomes(passed=1)
    monkeypatch.chdir(pytester.path)
    pytester.runpytest(*options, f"--layerviz-report={pytester.path / 'report'}").assert_outcomes(passed=1)
    page = (pytester.path / "report" / "index.html").read_text()
    assert "none among these checks" in page  # a user's checks: none of the catalogue's divergences


def test_a_check_with_a_picture_that_starts_raising_fails_as_now_raises_and_writes_nothing(pytester, monkeypatch):
    source = """
        import os

        import keras

        class Fragile(keras.layers.Layer):
            def call(self, x):
                if os.environ.get("BREAK_IT"):
                    raise ValueError("broken on purpose")
                return 1.0 - x

        def test_fragile(layer_regression):
            layer_regression.check(Fragile(), size=32)
        """
    project = make_project(pytester, monkeypatch, "test_fragile", source)
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    made = {p: p.read_bytes() for p in (project.path / "baselines").rglob("*") if p.is_file()}
    monkeypatch.setenv("BREAK_IT", "1")
    for flags in ((), ("--regen-all",)):  # not even a regeneration records it
        result = project.runpytest(*flags)
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [
                "*now raises: ValueError: broken on purpose*",
                "*Nothing was written: a check records an exception only where it declares it*",
            ]
        )
        assert {p: p.read_bytes() for p in (project.path / "baselines").rglob("*") if p.is_file()} == made

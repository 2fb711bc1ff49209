"""The fixture: check()'s reference (the documentation site renders it from its docstring)
documents exactly the arguments check() takes; and check() itself, called directly on a
baseline tree of its own (the end-to-end runs, through pytester: test_pytest_plugin.py)."""

import dataclasses
import inspect
import re
from pathlib import Path

import keras
import numpy as np
import pytest

from layerviz import pytest_plugin
from layerviz.core.raised import Raised
from layerviz.judge.verdict import Mode
from layerviz.pipeline import subject as subjects
from layerviz.pipeline.render import Rendering, Stats
from layerviz.plugin.fixture import LayerRegression
from layerviz.plugin.session import LayerSession

ROOT = Path(__file__).resolve().parents[1]


def test_check_documents_every_argument_it_takes_and_no_other():
    signature = inspect.signature(LayerRegression.check)
    taken = [name for name in signature.parameters if name != "self"]
    doc = inspect.getdoc(LayerRegression.check)
    arguments = doc[doc.index("Args:\n") :]
    documented = re.findall(r"^    (\w+): ", arguments, re.MULTILINE)
    assert documented == taken


def test_the_usage_page_renders_check_from_its_docstring():
    assert "::: layerviz.plugin.fixture.LayerRegression.check\n" in (ROOT / "docs" / "usage.md").read_text()
    assert "- mkdocstrings:" in (ROOT / "mkdocs.yml").read_text()


# --- the fixture itself, on a baseline tree of its own (end to end: test_pytest_plugin.py) ---


@pytest.fixture
def run(request, tmp_path):
    """A run of the fixture for this test, on a tree of its own under tmp_path, as a local
    run (not CI) has it: each call is the next `pytest` run (a run checks a name once)."""
    settings = dataclasses.replace(
        pytest_plugin.settings(request.config),
        root=tmp_path / "baselines",
        report_dir=None,
        obtained_dir=None,
        gallery_dir=None,
        mode=Mode.of(regen_all=False, force_regen=False, rewrite=False, environ={}),
    )
    return lambda: LayerRegression(request, LayerSession(request.config, settings), tmp_path / "artifacts")


class Gain(keras.layers.Layer):
    def __init__(self, gain: float, **kwargs):
        super().__init__(**kwargs)
        self.gain = gain

    def call(self, x):
        return x * self.gain


def test_a_first_check_writes_its_baseline_and_fails_saying_so_then_passes(run, tmp_path):
    with pytest.raises(AssertionError, match="(?s)no baseline at .*rgb.png.*No baseline existed; created"):
        run().check(Gain(0.5), colorspace="rgb", size=16, name="mine/gain")
    png = tmp_path / "baselines" / "weightless" / "mine" / "gain" / "rgb.png"
    assert png.is_file() and png.with_suffix(".stats.json").is_file()
    again = run().check(Gain(0.5), colorspace="rgb", size=16, name="mine/gain")
    assert isinstance(again, Rendering) and again.pixels.shape == (16, 16, 3)


def test_a_changed_layer_fails_and_leaves_the_baseline_as_it_was(run, tmp_path):
    with pytest.raises(AssertionError):  # created
        run().check(Gain(0.5), colorspace="rgb", size=16, name="mine/gain")
    png = tmp_path / "baselines" / "weightless" / "mine" / "gain" / "rgb.png"
    before = png.read_bytes()
    with pytest.raises(AssertionError, match=r"weightless/mine/gain/rgb: differs from its baseline\n  pixels: max"):
        run().check(Gain(0.6), colorspace="rgb", size=16, name="mine/gain")
    assert png.read_bytes() == before  # a local run keeps the baseline: only a regeneration writes it


def test_an_undeclared_exception_fails_writing_nothing_and_a_declared_one_is_the_result(run, tmp_path):
    class Refuses(keras.layers.Layer):
        def call(self, x):
            raise ValueError("no photos today")

    with pytest.raises(ValueError, match="no photos today"):  # the user's exception itself
        run().check(Refuses(), colorspace="rgb", size=16, name="mine/refuses")
    assert not (tmp_path / "baselines").exists()
    declared = {"colorspace": "rgb", "size": 16, "name": "mine/declared", "raises": ValueError}
    with pytest.raises(AssertionError, match="recorded that it raises ValueError"):
        run().check(Refuses(), **declared)
    assert isinstance(run().check(Refuses(), **declared), Raised)


def test_a_mistake_in_the_check_is_one_line_without_a_traceback(run):
    with pytest.raises(pytest.fail.Exception) as failed:
        run().check(Gain(1.0), colorspace="rgb", size=16, name="../outside")
    assert "\n" not in str(failed.value) and "BaselineNameError" in str(failed.value)
    assert failed.value.pytrace is False


def test_an_unknown_colour_space_is_one_line_naming_the_known_ones(run, tmp_path):
    with pytest.raises(pytest.fail.Exception) as failed:
        run().check(Gain(1.0), colorspace="lab", size=16, name="mine/lab")
    said = str(failed.value)
    assert said == "UnknownColorSpaceError: unknown colour space 'lab'; choose one of: luminance, rgb, hsv, ycbcr"
    assert failed.value.pytrace is False and not (tmp_path / "baselines").exists()


def test_a_release_recorded_as_drawing_anew_must_draw_two_pictures_in_two_runs(run, monkeypatch):
    """keras-team/keras#19364: before Keras 3.2.0 a seed of 0 drew anew on every run, which no
    baseline can hold. A check on a release recorded so renders twice and expects two
    pictures (an expected failure, naming the bug); on a release that draws the same twice,
    the record is wrong and the check fails saying so."""
    from layerviz.catalogue import get_case
    from layerviz.core import divergences
    from layerviz.core.divergence import Divergence

    seed0 = get_case("initializers/conv-glorot-seed0/rgb")
    anew = Divergence(
        seed0.config.id, keras.backend.backend(), "3.0.0", None, "keras-team/keras#19364", "anew", draws_anew=True
    )
    monkeypatch.setattr(divergences, "KNOWN", (anew,))
    with pytest.raises(
        pytest.fail.Exception, match="recorded as drawing anew .* but two runs did not draw two pictures"
    ):
        run().check(seed0)  # this Keras keeps the seed of 0: the same picture twice
    checker = run()
    where = checker._locate(subjects.of(seed0), seed0.id, True, "keras")
    drawn = [
        Rendering(seed0.id, pixels, Stats.of(pixels.astype(np.float32), ("r", "g", "b")))
        for pixels in (np.zeros((4, 4, 3), np.uint8), np.ones((4, 4, 3), np.uint8))
    ]
    with pytest.raises(pytest.xfail.Exception, match="keras-team/keras#19364.*two runs drew two pictures"):
        checker._draws_anew(*drawn, where)
    with pytest.raises(pytest.fail.Exception):
        checker._draws_anew(drawn[0], drawn[0], where)

"""Fixtures that several test modules share (the helpers they share are the modules beside
this one). A pytest-xdist controller loads this file too, and runs no test: each fixture
imports what it needs when it runs, so that the controller imports neither Keras nor NumPy."""

from __future__ import annotations

import errno
import os
import shutil
import textwrap
from pathlib import Path

import pytest

COMMITTED = Path(__file__).resolve().parents[1] / "baselines"


# --- the gallery ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The whole gallery, from the committed baselines (its tests only read it: one a process)."""
    from layerviz.pages import gallery, gallery_files

    out = tmp_path_factory.mktemp("gallery")
    gallery_files.write(gallery.from_baselines(COMMITTED), out)
    return out


# --- two baseline trees, for tree diffs and reports -------------------------------------


@pytest.fixture
def trees(tmp_path):
    """Two baseline trees: one case the same, one changed in a corner, one changed
    everywhere, one only in each tree, one unreadable in the second, and one that
    raises in the first and works in the second."""
    from layerviz.core.raised import Raised
    from layerviz.store import baselines

    from renderings import rendering

    before, after = tmp_path / "before", tmp_path / "after"
    same, corner, everywhere = "merging/add/rgb", "conv2d/k3-relu/rgb", "dense/tanh/rgb"
    for root in (before, after):
        baselines.save(rendering(same), baselines.png_path(root, same))
    baselines.save(rendering(corner), baselines.png_path(before, corner))
    changed_corner = rendering(corner)
    pixels = changed_corner.pixels.copy()
    pixels[:2, :2] = 255
    baselines.save(type(changed_corner)(corner, pixels, changed_corner.stats), baselines.png_path(after, corner))
    baselines.save(rendering(everywhere, 0.2), baselines.png_path(before, everywhere))
    baselines.save(rendering(everywhere, 0.8), baselines.png_path(after, everywhere))
    baselines.save(rendering("pooling/max/rgb"), baselines.png_path(before, "pooling/max/rgb"))
    baselines.save(rendering("edge/new/rgb"), baselines.png_path(after, "edge/new/rgb"))
    for root in (before, after):
        baselines.save(rendering("dense/relu/rgb"), baselines.png_path(root, "dense/relu/rgb"))
    baselines.stats_path(baselines.png_path(after, "dense/relu/rgb")).write_text("{not json")
    works = "edge/conv2d-transpose-k4-s1-same/rgb"
    baselines.save(Raised(works, "ValueError", "cannot pad"), baselines.png_path(before, works))
    baselines.save(rendering(works), baselines.png_path(after, works))
    return before, after


# --- inner pytest projects (pytester) ---------------------------------------------------


@pytest.fixture
def weighted(pytester, monkeypatch):
    """A project checking one case with weights in both weight modes."""
    from plugin_projects import make_project

    source = """
        import pytest
        from layerviz.catalogue import get_case

        @pytest.mark.parametrize("weights", ["keras", "fixed"])
        def test_case(weights, layer_regression):
            layer_regression.check(get_case("conv2d/k3-relu/luminance"), weights=weights)
        """
    return make_project(pytester, monkeypatch, "test_weighted", source)


@pytest.fixture
def committed_copy(pytester, monkeypatch):
    """A copy of the committed baselines of the kept checks' sections (the other checks
    there stand by: a regeneration must leave them alone), and a project checking the kept."""
    from layerviz.store import baselines

    from plugin_projects import KEPT, make_project

    tree = pytester.path / "tree"
    for check_id, name in KEPT:
        section = check_id.removeprefix(name.split("/")[0] + "/").split("/")[0]
        shutil.copytree(COMMITTED / name / section, tree / name / section, dirs_exist_ok=True)
        shutil.copy2(COMMITTED / name / baselines.MANIFEST, tree / name / baselines.MANIFEST)
    source = f"""
        import pytest
        from layerviz.catalogue import CHECKS

        CHOSEN = {[check_id for check_id, _ in KEPT]!r}

        @pytest.mark.parametrize("check", [c for c in CHECKS if c.id in CHOSEN])
        def test_case(check, layer_regression):
            layer_regression.check(check.case, weights=check.weights or "keras")
        """
    make_project(pytester, monkeypatch, "test_kept", source)
    return tree


@pytest.fixture
def full_disk(pytester, monkeypatch):
    """The file system refusing every rename into the project's baseline tree, as a full
    disk does (the OS, not Keras or Pillow, is what is replaced)."""
    real = os.replace
    tree = str(pytester.path / "baselines")

    def replace(source, target, *args, **kwargs):
        if str(target).startswith(tree):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(source), None, str(target))
        return real(source, target, *args, **kwargs)

    return lambda: monkeypatch.setattr(os, "replace", replace)


# --- lvbump's releases, for upgrade and bisect (tests/wheels.py) --------------------------


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    from wheels import FACTORS, build_lvbump

    folder = tmp_path_factory.mktemp("wheels")
    for version, factor in FACTORS.items():
        build_lvbump(folder, version, factor)
    return folder


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Path:
    """A user's test suite checking the package's layer with the fixture."""
    folder = tmp_path_factory.mktemp("suite")
    (folder / "test_bump.py").write_text(
        textwrap.dedent("""
            import keras
            import lvbump

            def test_brighten(layer_regression):
                layer_regression.check(lvbump.Brighten(), size=32)

            def test_steady(layer_regression):
                layer_regression.check(keras.layers.Maximum(), size=32)

            def test_model(layer_regression):  # the change is in its middle layer
                layer_regression.check(
                    lambda channels: keras.Sequential(
                        [
                            keras.layers.Rescaling(0.9, name="dim"),
                            lvbump.Brighten(name="brighten"),
                            keras.layers.Rescaling(1.1, name="lift"),
                        ]
                    ),
                    size=32,
                )

            def test_darken(layer_regression):  # breaks where lvbump has no Darken
                layer_regression.check(lvbump.Darken(), size=32)
            """)
    )
    (folder / "pytest.ini").write_text("[pytest]\n")
    return folder

"""The session (plugin/session.py): what one pytest run shares, in a real pytest session
run the way a user runs it. The numerics pinned as a session that checks starts, the sets'
manifests written at its end (completed, or said in one line when the disk is full), the
baselines no check of a whole run used (deleted only when asked), and the entries of
pytest-xdist workers, a crashed one's too."""

import json
from pathlib import Path

import keras
import pytest

import layerviz.plugin.fixture  # noqa: F401  imported once, out here (see test_pytest_plugin.py)
from layerviz.core import numerics
from layerviz.store import baselines, manifest

from plugin_projects import (
    BACKEND,
    KEPT,
    TWO_CHECKS,
    make_project,
    no_layerviz_traceback,
    snapshot,
    tamper_first_row,
    weighted_png,
)

# --- the numeric environment, pinned as a session that checks starts ---------------------

# The running backend's TF32 and matmul-precision flags, read and set through its own API.
if BACKEND == "tensorflow":
    import tensorflow as tf

    def precision_flags():
        return {"tf32": tf.config.experimental.tensor_float_32_execution_enabled()}

    def set_precision_flags(flags):
        tf.config.experimental.enable_tensor_float_32_execution(flags["tf32"])

    STRICT, LOOSE = {"tf32": False}, {"tf32": True}
elif BACKEND == "torch":
    import torch

    def precision_flags():
        return {
            "matmul tf32": torch.backends.cuda.matmul.allow_tf32,
            "cudnn tf32": torch.backends.cudnn.allow_tf32,
            "matmul precision": torch.get_float32_matmul_precision(),
        }

    def set_precision_flags(flags):
        torch.backends.cuda.matmul.allow_tf32 = flags["matmul tf32"]
        torch.backends.cudnn.allow_tf32 = flags["cudnn tf32"]
        torch.set_float32_matmul_precision(flags["matmul precision"])

    STRICT = {"matmul tf32": False, "cudnn tf32": False, "matmul precision": "highest"}
    LOOSE = {"matmul tf32": True, "cudnn tf32": True, "matmul precision": "high"}
else:
    import jax

    def precision_flags():
        return {"matmul precision": jax.config.jax_default_matmul_precision}

    def set_precision_flags(flags):
        jax.config.update("jax_default_matmul_precision", flags["matmul precision"])

    STRICT, LOOSE = {"matmul precision": "highest"}, {"matmul precision": None}


@pytest.fixture
def loose_precision():
    """The backend's flags set loose (TF32 allowed) for a test, and restored after it."""
    before = precision_flags()
    set_precision_flags(LOOSE)
    yield
    set_precision_flags(before)


@pytest.mark.parametrize(("option", "expected"), [((), STRICT), (("-o", "layerviz_numerics=native"), LOOSE)])
def test_numerics_are_pinned_as_a_session_starts_unless_native(
    pytester, monkeypatch, loose_precision, option, expected
):
    """Strict by default: TF32 off once a session that uses the fixture starts, before
    its first check; `layerviz_numerics = native` leaves the flags as they were."""
    source = f"""
        from test_session import precision_flags

        def test_flags_in_force(layer_regression):
            assert precision_flags() == {expected!r}
        """
    project = make_project(pytester, monkeypatch, "test_flags", source)
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    project.runpytest(*option).assert_outcomes(passed=1)
    assert precision_flags() == expected


# --- the sets' manifests, written at the end ---------------------------------------------


def test_regeneration_completes_a_manifest_that_lacks_the_numeric_environment(pytester, committed_copy):
    """A set made before layerviz recorded numerics gains them from a --regen-all whose
    checks all still match; nothing else is touched."""
    tree = committed_copy
    manifest_file = tree / "weightless" / baselines.MANIFEST
    old = {key: value for key, value in json.loads(manifest_file.read_text()).items() if key != "numerics"}
    manifest_file.write_text(json.dumps(old, indent=2))
    before = snapshot(tree)
    result = pytester.runpytest("--regen-all", f"--layerviz-baselines={tree}")
    result.assert_outcomes(passed=len(KEPT))
    result.stdout.fnmatch_lines(["layerviz: weightless: numeric environment not recorded"])
    after = snapshot(tree)
    assert {path.relative_to(tree).as_posix() for path in after if after[path] != before[path]} == {
        "weightless/MANIFEST.json"
    }
    recorded = manifest.read_manifest(tree / "weightless")["numerics"]
    assert recorded["mode"] == "strict" and recorded["backend"] == BACKEND and recorded["device"]


def test_a_full_disk_making_a_new_tree_says_so_for_its_manifest_too(pytester, monkeypatch, full_disk):
    project = make_project(pytester, monkeypatch, "test_two", TWO_CHECKS)
    full_disk()
    result = project.runpytest("--regen-all")
    result.assert_outcomes(failed=2)
    manifest_file = project.path / "baselines" / "weightless" / baselines.MANIFEST
    said = f"layerviz: cannot write {manifest_file} (No space left on device): the disk is full; *"
    result.stdout.fnmatch_lines([said])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    no_layerviz_traceback(result)
    assert not [path for path in (project.path / "baselines").rglob("*") if path.is_file()]


# --- the baselines no check of a whole run used ------------------------------------------


def test_prune_removes_only_what_no_check_of_a_whole_run_used(weighted):
    weighted.runpytest("--regen-all").assert_outcomes(passed=2)
    root = weighted.path / "baselines"
    stray = [
        root / "fixed" / "conv2d" / "k5-relu" / "luminance.png",
        root / "weightless" / "conv2d" / "k3-relu" / "rgb.png",
    ]
    for path in stray:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(weighted_png(weighted, "fixed").read_bytes())
    result = weighted.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "layerviz: 2 baseline files no check used: fixed/conv2d/k5-relu/luminance.png, "
            "weightless/conv2d/k3-relu/rgb.png; `pytest --regen-all --layerviz-prune` deletes them"
        ]
    )
    assert all(path.is_file() for path in stray)  # never without being asked
    # A run that deselected a check cannot tell what it would have used: nothing goes.
    result = weighted.runpytest("--regen-all", "--layerviz-prune", "-k", "fixed")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["layerviz: --layerviz-prune deleted nothing: 1 tests were deselected"])
    assert all(path.is_file() for path in stray) and weighted_png(weighted, f"keras/{BACKEND}").is_file()
    result = weighted.runpytest("--regen-all", "--layerviz-prune", "test_weighted.py::test_case[fixed]")
    result.stdout.fnmatch_lines(["layerviz: --layerviz-prune deleted nothing: the run was limited to *"])
    assert all(path.is_file() for path in stray)
    # Deselecting a test that checks nothing (as `-m "not slow"` does) leaves no gap.
    weighted.makepyfile(test_other="def test_nothing_to_do_with_layers():\n    pass\n")
    result = weighted.runpytest("--regen-all", "--layerviz-prune", "-k", "not test_nothing")
    result.assert_outcomes(passed=2, deselected=1)
    result.stdout.fnmatch_lines(["layerviz: deleted 2 baseline files no check used: *"])
    assert not any(path.exists() for path in stray)
    assert not (root / "fixed" / "conv2d" / "k5-relu").exists()
    assert weighted_png(weighted, "fixed").is_file() and weighted_png(weighted, f"keras/{BACKEND}").is_file()
    assert (root / "fixed" / "MANIFEST.json").is_file()


# --- pytest-xdist workers ----------------------------------------------------------------


@pytest.mark.slow  # pytest-xdist starts workers, each importing Keras
def test_xdist_workers_each_add_their_entries(pytester, monkeypatch):
    """...and say what they ran on: the controller never imports Keras, which would delay them."""
    monkeypatch.delenv("CI", raising=False)
    pytester.makeconftest(
        """
        import sys

        def pytest_unconfigure(config):
            if not hasattr(config, "workerinput"):
                (config.rootpath / "controller-modules").write_text(" ".join(sorted(sys.modules)))
        """
    )
    pytester.makepyfile(
        test_inner_cases="""
        import pytest
        from layerviz.catalogue import get_case

        @pytest.mark.parametrize("case_id", ["merging/add/luminance", "merging/subtract/luminance",
                                             "merging/maximum/luminance", "merging/minimum/luminance"])
        def test_case(case_id, layer_regression):
            layer_regression.check(get_case(case_id))

        def test_kills_its_worker(layer_regression):  # as a kernel's segfault would
            import os
            if os.environ.get("LAYERVIZ_TEST_KILL_WORKER"):
                os.abort()
        """
    )
    pytester.runpytest("--regen-all", "-p", "no:hypothesispytest").assert_outcomes(passed=5)
    for name in ("add", "maximum", "minimum"):
        tamper_first_row(baselines.png_path(pytester.path / "baselines" / "weightless", f"merging/{name}/luminance"))
    out = pytester.path / "report"
    monkeypatch.setenv("LAYERVIZ_TEST_KILL_WORKER", "1")  # in the inner run's workers only
    result = pytester.runpytest_subprocess("-n", "2", f"--layerviz-report={out}", "-p", "no:hypothesispytest")
    result.assert_outcomes(failed=4, passed=1)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["compared"] == 5
    assert sorted(case["case_id"] for case in summary["cases"]) == [
        "test_inner_cases.py::test_kills_its_worker",
        "weightless/merging/add/luminance",
        "weightless/merging/maximum/luminance",
        "weightless/merging/minimum/luminance",
    ]
    crashed = next(case for case in summary["cases"] if case["case_id"].endswith("worker"))
    assert crashed["cause"] == "test failed: worker crashed"
    assert "keras" not in (pytester.path / "controller-modules").read_text().split()
    assert summary["provenance"]["numerics"] == numerics.summary(numerics.record("strict"))
    header = result.stdout.str().split("created: 2/2 workers")[0]
    assert "layerviz: baselines" not in header
    result.stdout.fnmatch_lines(
        [f"layerviz: baselines: *; running: keras {keras.version()}/{BACKEND} *", "layerviz: numerics: strict; *"]
    )

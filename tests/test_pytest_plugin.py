"""The `layer_regression` fixture, run the way a user runs it: inside a real pytest session."""

import json
import re

import pytest

import keras

import layerviz.layers  # noqa: F401  pytester restores sys.modules after each in-process
# run, and TensorFlow cannot be imported a second time: import it once, out here.
from layerviz import baselines
from layerviz.render import decode_png, encode_png

CASE_ID = "merging/add/luminance"  # cheap: no weights
BACKEND = keras.backend.backend()


def make_project(pytester, monkeypatch, name: str, source: str):
    """An inner pytest project using the layerviz plugin, with one test module."""
    monkeypatch.delenv("CI", raising=False)
    pytester.makeconftest('pytest_plugins = ["layerviz.pytest_plugin"]')
    # Plugins the inner sessions do not use; hypothesis alone re-imports in ~1.5 s.
    pytester.makeini("[pytest]\naddopts = -p no:hypothesispytest -p no:xdist -p no:randomly")
    pytester.makepyfile(**{name: source})
    return pytester


@pytest.fixture
def project(pytester, monkeypatch):
    source = f"""
        from layerviz.catalogue import get_case

        def test_case(layer_regression):
            layer_regression.check(get_case({CASE_ID!r}))
        """
    return make_project(pytester, monkeypatch, "test_layer", source)


def baseline_png(pytester):
    return baselines.png_path(pytester.path / "baselines" / "weightless", CASE_ID)


def tamper_first_row(png):
    pixels, _ = decode_png(png.read_bytes())
    pixels = pixels.copy()
    pixels[0] = 255 - pixels[0]
    png.write_bytes(encode_png(pixels))


def test_missing_baseline_in_ci_fails_and_writes_nothing(project, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*weightless/{CASE_ID}: no baseline at *luminance.png*", "*pytest --regen-all -k*"])
    assert not (project.path / "baselines").exists()


def test_missing_baseline_is_created_with_provenance_then_passes(project):
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*weightless/{CASE_ID}: no baseline existed; created *luminance.png*"])
    assert baseline_png(project).is_file()
    assert baselines.stats_path(baseline_png(project)).is_file()
    manifest = baselines.read_manifest(project.path / "baselines" / "weightless")
    assert manifest["versions"]["backend"]
    project.runpytest().assert_outcomes(passed=1)


def test_a_changed_row_fails_precisely_and_leaves_pictures(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    tamper_first_row(baseline_png(project))
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert f"weightless/{CASE_ID}: differs from its baseline" in output
    assert "128 of 16384 pixels (0.78%) changed, in rows 0-0, columns 0-127" in output
    paths = dict(re.findall(r"(obtained|diff map|side by side):\s+(\S+)", output))
    assert set(paths) == {"obtained", "diff map", "side by side"}
    for path in paths.values():
        pixels, _ = decode_png(open(path, "rb").read())
        assert pixels.size
    side_by_side, _ = decode_png(open(paths["side by side"], "rb").read())
    assert side_by_side.shape == (128, 3 * 128 + 2 * 4, 3)


def test_force_regen_rewrites_a_failing_baseline(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    png = baseline_png(project)
    good = png.read_bytes()
    tamper_first_row(png)
    result = project.runpytest("--force-regen")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*--force-regen set, regenerating*"])
    assert png.read_bytes() == good
    project.runpytest().assert_outcomes(passed=1)


def test_tolerance_options_loosen_the_check(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    tamper_first_row(baseline_png(project))
    project.runpytest().assert_outcomes(failed=1)
    project.runpytest("--layerviz-levels=255").assert_outcomes(passed=1)


def test_a_missing_stats_file_is_named(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    baselines.stats_path(baseline_png(project)).unlink()
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*luminance.stats.json is missing; regenerate it with*"])


def test_report_header_names_the_baseline_stack(project):
    project.runpytest("--regen-all")
    result = project.runpytest()
    result.stdout.fnmatch_lines(["layerviz: baselines: keras */* * (weightless); running: keras */*"])



def test_report_lists_failed_cases_with_pictures(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    tamper_first_row(baseline_png(project))
    out = project.path / "report"
    result = project.runpytest(f"--layerviz-report={out}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"layerviz report: {out / 'index.html'} (1 of 1 visual cases failed)"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["compared"] == 1 and summary["counts"] == {"changed": 1}
    (case,) = summary["cases"]
    assert case["case_id"] == f"weightless/{CASE_ID}" and case["numbers"]["changed_pixels"] == 128
    assert set(case["images"]) == {"before", "after", "diff"}
    html = (out / "index.html").read_text()
    assert "128 of 16384 pixels" in html and 'src="cases/weightless/merging/add/luminance/diff.png"' in html
    # A later clean run leaves a report that says so, not the old entries.
    project.runpytest("--regen-all")
    project.runpytest(f"--layerviz-report={out}").assert_outcomes(passed=1)
    assert json.loads((out / "summary.json").read_text())["cases"] == []


def test_xdist_workers_each_add_their_entries(pytester, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    pytester.makeconftest('pytest_plugins = ["layerviz.pytest_plugin"]')
    pytester.makepyfile(
        test_inner_cases="""
        import pytest
        from layerviz.catalogue import get_case

        @pytest.mark.parametrize("case_id", ["merging/add/luminance", "merging/subtract/luminance",
                                             "merging/maximum/luminance", "merging/minimum/luminance"])
        def test_case(case_id, layer_regression):
            layer_regression.check(get_case(case_id))
        """
    )
    pytester.runpytest("--regen-all", "-p", "no:hypothesispytest").assert_outcomes(passed=4)
    for name in ("add", "maximum", "minimum"):
        tamper_first_row(baselines.png_path(pytester.path / "baselines" / "weightless", f"merging/{name}/luminance"))
    out = pytester.path / "report"
    result = pytester.runpytest_subprocess("-n", "2", f"--layerviz-report={out}", "-p", "no:hypothesispytest")
    result.assert_outcomes(failed=3, passed=1)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["compared"] == 4
    assert sorted(case["case_id"] for case in summary["cases"]) == [
        "weightless/merging/add/luminance", "weightless/merging/maximum/luminance", "weightless/merging/minimum/luminance",
    ]


@pytest.fixture
def weighted(pytester, monkeypatch):
    """A project checking one case with weights in both weight modes."""
    source = """
        import pytest
        from layerviz.catalogue import get_case

        @pytest.mark.parametrize("weights", ["keras", "fixed"])
        def test_case(weights, layer_regression):
            layer_regression.check(get_case("conv2d/k3-relu/luminance"), weights)
        """
    return make_project(pytester, monkeypatch, "test_weighted", source)


def weighted_png(pytester, folder: str):
    return baselines.png_path(pytester.path / "baselines" / folder, "conv2d/k3-relu/luminance")


def test_keras_mode_skips_without_baselines_for_the_backend(weighted):
    weighted.runpytest("--regen-all").assert_outcomes(passed=2)
    import shutil

    shutil.rmtree(weighted.path / "baselines" / "keras")
    result = weighted.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [f"*no keras-mode baselines for the {BACKEND} backend*KERAS_BACKEND={BACKEND} pytest --regen-all -k keras/*"]
    )


def test_report_says_when_only_initial_weights_changed(weighted):
    weighted.runpytest("--regen-all").assert_outcomes(passed=2)
    tamper_first_row(weighted_png(weighted, f"keras/{BACKEND}"))
    out = weighted.path / "report"
    weighted.runpytest(f"--layerviz-report={out}").assert_outcomes(passed=1, failed=1)
    (entry,) = json.loads((out / "summary.json").read_text())["cases"]
    assert entry["case_id"] == f"keras/{BACKEND}/conv2d/k3-relu/luminance"
    assert entry["problems"][0].startswith("initial weights changed, layer maths unchanged")
    tamper_first_row(weighted_png(weighted, "fixed"))
    weighted.runpytest(f"--layerviz-report={out}").assert_outcomes(failed=2)
    entries = {e["case_id"]: e for e in json.loads((out / "summary.json").read_text())["cases"]}
    assert entries[f"keras/{BACKEND}/conv2d/k3-relu/luminance"]["problems"][0].startswith("layer maths changed")


def test_prune_removes_only_what_no_case_produces(weighted):
    weighted.runpytest("--regen-all").assert_outcomes(passed=2)
    root = weighted.path / "baselines"
    stray = [root / "fixed" / "conv2d" / "k5-relu" / "luminance.png", root / "weightless" / "conv2d" / "k3-relu" / "rgb.png"]
    for path in stray:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(weighted_png(weighted, "fixed").read_bytes())
    weighted.runpytest("--regen-all").assert_outcomes(passed=2)
    assert all(path.is_file() for path in stray)  # never without being asked
    weighted.runpytest("--regen-all", "--layerviz-prune").assert_outcomes(passed=2)
    assert not any(path.exists() for path in stray)
    assert not (root / "fixed" / "conv2d" / "k5-relu").exists()
    assert weighted_png(weighted, "fixed").is_file() and weighted_png(weighted, f"keras/{BACKEND}").is_file()
    assert (root / "fixed" / "MANIFEST.json").is_file()

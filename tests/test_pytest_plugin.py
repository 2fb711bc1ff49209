"""The `layer_regression` fixture, run the way a user runs it: inside a real pytest session."""

import json
import re
import shutil
from pathlib import Path

import pytest

import layerviz.plugin.fixture  # noqa: F401  pytester restores sys.modules after each in-process
from layerviz.core import names
from layerviz.pipeline.render import decode_png, encode_png

# run: what the fixture imports (Keras, TensorFlow, which cannot be imported a second time)
# is imported once, out here, not again (and assertion-rewritten again) in every inner run.
from layerviz.store import baselines, manifest

import baseline_tree
from odd_inputs import png_bytes_header_only
from plugin_projects import (
    BACKEND,
    CASE_ID,
    COMMITTED,
    KEPT,
    TWO_CHECKS,
    make_project,
    no_layerviz_traceback,
    snapshot,
    tamper_first_row,
    weighted_png,
)


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


def test_missing_baseline_in_ci_fails_and_writes_nothing(project, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*weightless/{CASE_ID}: no baseline at *luminance.png*",
            "*Run `pytest --regen-all test_layer.py::test_case`*",
        ]
    )
    assert not (project.path / "baselines").exists()


def test_missing_baseline_is_created_with_provenance_then_passes(project):
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*weightless/{CASE_ID}: no baseline at *luminance.png; obtained: *",
            "*No baseline existed; created *luminance.png*",
        ]
    )
    assert baseline_png(project).is_file()
    assert baselines.stats_path(baseline_png(project)).is_file()
    record = manifest.read_manifest(project.path / "baselines" / "weightless")
    assert record["versions"]["backend"]
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
        pixels, _ = decode_png(Path(path).read_bytes())
        assert pixels.size
    side_by_side, _ = decode_png(Path(paths["side by side"]).read_bytes())
    assert side_by_side.shape == (128, 3 * 128 + 2 * 4, 3)


def test_a_subject_needing_a_missing_module_is_skipped_naming_it(pytester, monkeypatch):
    source = """
        import keras

        class NeedsPlugin(keras.layers.Layer):
            def call(self, x):
                import layerviz_no_such_module  # noqa: F401
                return x

        def test_needs_plugin(layer_regression):
            layer_regression.check(NeedsPlugin())

        def test_plain(layer_regression):
            layer_regression.check(keras.layers.Identity())
        """
    project = make_project(pytester, monkeypatch, "test_module", source)
    result = project.runpytest("-rs", "--regen-all")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*needs a module that is not installed here: No module named 'layerviz_no_such_module'*"]
    )
    written = {p.relative_to(project.path).as_posix() for p in (project.path / "baselines").rglob("*.png")}
    assert written == {"baselines/weightless/test_module/test_plain/rgb.png"}


def test_force_regen_rewrites_a_failing_baseline(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    png = baseline_png(project)
    good = png.read_bytes()
    tamper_first_row(png)
    result = project.runpytest("--force-regen")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*--force-regen set, rewrote its baseline *luminance.png; run again to confirm"])
    assert png.read_bytes() == good
    project.runpytest().assert_outcomes(passed=1)


def test_force_regen_reports_a_changed_check_as_changed_and_rewritten(project):
    """Not as "test failed", the worst-ranked cause: the entry keeps the comparison's own."""
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    tamper_first_row(baseline_png(project))
    out = project.path / "report"
    project.runpytest("--force-regen", f"--layerviz-report={out}").assert_outcomes(failed=1)
    (entry,) = summary_of(out)["cases"]
    assert (entry["case_id"], entry["status"], entry["cause"]) == (f"weightless/{CASE_ID}", "changed", "values changed")
    assert (
        entry["problems"][-1]
        == f"--force-regen set, rewrote its baseline {baseline_png(project)}; run again to confirm"
    )


def test_force_regen_rewrites_an_unreadable_baseline(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    png = baseline_png(project)
    good = png.read_bytes()
    png.write_bytes(good[: len(good) // 2])  # cut short, as an interrupted copy leaves it
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*baseline file *luminance.png is unreadable (a damaged PNG: *); restore it from*"])
    assert png.read_bytes() == good[: len(good) // 2]  # a plain run writes nothing
    result = project.runpytest("--force-regen")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*--force-regen set, rewrote its baseline *luminance.png; run again to confirm"])
    assert png.read_bytes() == good
    project.runpytest().assert_outcomes(passed=1)


def test_tolerance_options_loosen_the_check(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    tamper_first_row(baseline_png(project))
    project.runpytest().assert_outcomes(failed=1)
    project.runpytest("--layerviz-levels=255").assert_outcomes(passed=1)


def test_options_in_the_ini_file_and_the_command_line_winning(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    tamper_first_row(baseline_png(project))
    project.makeini(
        "[pytest]\naddopts = -p no:hypothesispytest -p no:xdist\nlayerviz_levels = 255\nlayerviz_report = ini-report\n"
    )
    project.runpytest().assert_outcomes(passed=1)
    project.runpytest("--layerviz-levels=1").assert_outcomes(failed=1)
    # Folders in the ini file are relative to it.
    assert json.loads((project.path / "ini-report" / "summary.json").read_text())["failed"] == 1


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
    result.stdout.fnmatch_lines(
        [
            f"layerviz report: {out / 'index.html'} (1 of 1 visual checks did not pass)",
            "  Add: values changed, 1 colour space",
        ]
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["compared"] == 1 and summary["counts"] == {"changed": 1}
    (case,) = summary["cases"]
    assert case["case_id"] == f"weightless/{CASE_ID}" and case["numbers"]["changed_pixels"] == 128
    assert set(case["images"]) == {"before", "after", "diff"}
    html = (out / "index.html").read_text()
    assert (
        '<td class="number">128 (0.78%)</td>' in html
        and 'src="cases/weightless/merging/add/luminance/diff.png"' in html
    )
    # A later clean run leaves a report that says so, not the old entries.
    project.runpytest("--regen-all")
    project.runpytest(f"--layerviz-report={out}").assert_outcomes(passed=1)
    assert json.loads((out / "summary.json").read_text())["cases"] == []


def test_keras_mode_skips_without_baselines_for_the_backend(weighted):
    """A tree with another backend's keras-mode set, but not this one's, skips; a tree
    with none makes this backend's."""
    weighted.runpytest("--regen-all").assert_outcomes(passed=2)
    other = next(b for b in names.BACKENDS if b != BACKEND)
    keras_sets = weighted.path / "baselines" / "keras"
    (keras_sets / BACKEND).rename(keras_sets / other)
    result = weighted.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            f"*no keras-mode baselines for the {BACKEND} backend*KERAS_BACKEND={BACKEND} pytest --regen-all` "
            "(which writes only what no longer matches)*"
        ]
    )
    shutil.rmtree(keras_sets)
    result = weighted.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [f"*keras/{BACKEND}/conv2d/k3-relu/luminance: no baseline at *", "*No baseline existed; created*"]
    )


def test_report_says_when_only_initial_weights_changed(weighted):
    weighted.runpytest("--regen-all").assert_outcomes(passed=2)
    tamper_first_row(weighted_png(weighted, f"keras/{BACKEND}"))
    out = weighted.path / "report"
    weighted.runpytest(f"--layerviz-report={out}").assert_outcomes(passed=1, failed=1)
    (entry,) = json.loads((out / "summary.json").read_text())["cases"]
    assert entry["case_id"] == f"keras/{BACKEND}/conv2d/k3-relu/luminance"
    assert entry["problems"][0].startswith("initial weights changed, layer maths unchanged")
    assert entry["cause"] == "initial weights changed, layer maths unchanged"
    tamper_first_row(weighted_png(weighted, "fixed"))
    weighted.runpytest(f"--layerviz-report={out}").assert_outcomes(failed=2)
    entries = {e["case_id"]: e for e in json.loads((out / "summary.json").read_text())["cases"]}
    assert entries[f"keras/{BACKEND}/conv2d/k3-relu/luminance"]["problems"][0].startswith("layer maths changed")


# --- regeneration keeps what still matches -------------------------------------------


def nudge_one_pixel(png: Path, levels: int) -> None:
    pixels, _ = decode_png(png.read_bytes())
    pixels = pixels.copy()
    pixels[5, 5, 0] = pixels[5, 5, 0] + levels if pixels[5, 5, 0] < 128 else pixels[5, 5, 0] - levels
    png.write_bytes(encode_png(pixels))


def nudge_one_statistic(stats: Path, relative: float) -> None:
    """Move mean[0] by `relative`, keeping the file's one-field-a-line layout."""
    lines = stats.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.lstrip().startswith('"mean"'))
    values = json.loads(lines[index].split(":", 1)[1].rstrip().rstrip(","))
    values[0] *= 1 + relative
    lines[index] = f'  "mean": {json.dumps(values)},\n'
    stats.write_text("".join(lines))


def test_regeneration_leaves_every_baseline_that_still_matches_untouched(pytester, committed_copy):
    tree = committed_copy
    weightless_png = baselines.png_path(tree / "weightless", "merging/maximum/rgb")
    fixed_png = baselines.png_path(tree / "fixed", "conv2d/k3-relu/rgb")
    nudge_one_pixel(weightless_png, 1)  # within the 1-level tolerance
    nudge_one_statistic(baselines.stats_path(fixed_png), 3e-10)  # its 10th significant digit
    before = snapshot(tree)
    pytester.runpytest("--regen-all", f"--layerviz-baselines={tree}").assert_outcomes(passed=len(KEPT))
    assert snapshot(tree) == before  # every byte and every modification time, manifests too

    # One baseline beyond tolerance: that file, and its set's manifest, alone are rewritten.
    hsv_png = baselines.png_path(tree / "weightless", "pooling/average/hsv")
    tamper_first_row(hsv_png)
    before = snapshot(tree)
    pytester.runpytest("--regen-all", f"--layerviz-baselines={tree}").assert_outcomes(passed=len(KEPT))
    after = snapshot(tree)
    changed = {path.relative_to(tree).as_posix() for path in after if after[path] != before.get(path)}
    assert changed == {"weightless/pooling/average/hsv.png", "weightless/MANIFEST.json"}
    assert set(after) == set(before)
    restored, _ = decode_png(hsv_png.read_bytes())
    committed, _ = decode_png(baselines.png_path(COMMITTED / "weightless", "pooling/average/hsv").read_bytes())
    assert abs(restored.astype(int) - committed.astype(int)).max() <= 1


def test_rewrite_refreshes_even_baselines_that_match(pytester, committed_copy):
    tree = committed_copy
    png = baselines.png_path(tree / "weightless", "merging/maximum/rgb")
    nudge_one_pixel(png, 1)
    nudged = png.read_bytes()
    pytester.runpytest("--layerviz-rewrite", f"--layerviz-baselines={tree}").assert_outcomes(passed=len(KEPT))
    assert png.read_bytes() != nudged
    assert png.read_bytes() == baselines.png_path(COMMITTED / "weightless", "merging/maximum/rgb").read_bytes()
    # Statistics are written with the precision of float32 outputs, not 17 digits.
    stats = baselines.stats_path(png).read_text()
    assert max(len(number.lstrip("-").replace(".", "").lstrip("0")) for number in re.findall(r"-?\d+\.\d+", stats)) <= 9


# --- several changes at once: patched Keras layers, as an upgrade would change them -----

# An inner conftest that changes Keras as a new release might, as the environment asks.
UPGRADE = """
import os

import keras
import pytest

from layerviz.core import divergences


@pytest.fixture(autouse=True)
def upgrade(monkeypatch):
    changes = os.environ.get("LAYERVIZ_TEST_CHANGES", "").split(",")
    if "maximum-raises" in changes:
        def refuse(self, inputs):
            raise ValueError(f"{self.name} at 0x7f3a2b1c cannot merge {len(inputs)} inputs")
        monkeypatch.setattr(keras.layers.Maximum, "call", refuse)
    if "average-halves" in changes:
        average = keras.layers.AveragePooling2D.call
        monkeypatch.setattr(keras.layers.AveragePooling2D, "call", lambda self, x: average(self, x) * 0.5)
    if "transpose-shifts" in changes:
        transpose = keras.layers.Conv2DTranspose.call
        monkeypatch.setattr(
            keras.layers.Conv2DTranspose, "call", lambda self, x: keras.ops.roll(transpose(self, x), 1, axis=1)
        )
    if "glorot-negated" in changes:
        glorot = keras.initializers.GlorotUniform.__call__
        monkeypatch.setattr(
            keras.initializers.GlorotUniform, "__call__", lambda self, shape, dtype=None: -glorot(self, shape, dtype)
        )
    factor = float(os.environ.get("LAYERVIZ_TEST_ADD_FACTOR", "1"))
    if factor != 1:
        add = keras.layers.Add.call
        monkeypatch.setattr(keras.layers.Add, "call", lambda self, inputs: add(self, inputs) * factor)
    if "add-diverges" in changes:
        known = divergences.Divergence(
            "merging/add", keras.backend.backend(), "3.0.0", None, "example/keras#1", "adds twice"
        )
        monkeypatch.setattr(divergences, "KNOWN", (known,))
"""


@pytest.fixture
def upgradable(pytester, monkeypatch):
    source = """
        import pytest
        from layerviz.catalogue import CHECKS

        CHOSEN = [
            "merging/add/rgb", "merging/maximum/rgb", "merging/maximum/hsv",
            "pooling/average/rgb", "pooling/average/luminance",
            "keras/conv2d/k3-relu/rgb", "fixed/conv2d/k3-relu/rgb",
            "fixed/conv2d-transpose/k4-s2-relu/rgb", "fixed/conv2d-transpose/k4-s2-relu/luminance",
        ]

        @pytest.mark.parametrize("check", [c for c in CHECKS if c.id in CHOSEN], ids=lambda c: c.id)
        def test_case(check, layer_regression):
            layer_regression.check(check.case, weights=check.weights or "keras")

        def test_own_code_fails_after_a_check(layer_regression):
            layer_regression.check(next(c for c in CHECKS if c.id == "merging/add/rgb").case)
            assert 1 + 1 == 3, "the test's own assertion"
        """
    project = make_project(pytester, monkeypatch, "test_changed_layers", source, UPGRADE)
    monkeypatch.delenv("LAYERVIZ_TEST_CHANGES", raising=False)
    monkeypatch.delenv("LAYERVIZ_TEST_ADD_FACTOR", raising=False)
    project.runpytest("--regen-all", "-k", "test_case").assert_outcomes(passed=9)
    return project


def summary_of(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def test_report_groups_several_changes_by_cause_and_configuration(upgradable, monkeypatch):
    monkeypatch.setenv("LAYERVIZ_TEST_CHANGES", "maximum-raises,average-halves,transpose-shifts,glorot-negated")
    out = upgradable.path / "report"
    result = upgradable.runpytest(f"--layerviz-report={out}")
    result.assert_outcomes(passed=2, failed=8)
    summary = summary_of(out)
    assert summary["compared"] == 10 and summary["failed"] == 8
    assert [group["headline"] for group in summary["summary"]] == [
        "test_changed_layers.py::test_own_code_fails_after_a_check: test failed: AssertionError (call), 1 check",
        "Maximum: now raises ValueError, 2 colour spaces",
        "Conv2DTranspose(k4, s2, relu): values shifted 1 row down, 2 colour spaces × fixed weights",
        "AveragePooling2D(p2): values changed, 2 colour spaces",
        "Conv2D(k3, relu): initial weights changed, layer maths unchanged, 1 colour space × keras weights",
    ]
    raises = summary["summary"][1]["configurations"][0]
    # The message is normalised: no memory address, no auto-numbered layer name.
    assert "now raises: ValueError: maximum at 0x… cannot merge 2 inputs" in raises["example"]
    result.stdout.fnmatch_lines(["*  Maximum: now raises ValueError, 2 colour spaces"])
    html = (out / "index.html").read_text()
    assert html.index("Maximum</strong></a>: now raises ValueError") < html.index('id="checks"')


def test_a_recorded_exception_fails_as_now_works_when_the_layer_works_again(upgradable, monkeypatch):
    monkeypatch.setenv("LAYERVIZ_TEST_CHANGES", "maximum-raises")
    upgradable.runpytest("--regen-all", "-k", "maximum").assert_outcomes(passed=2)
    png = baselines.png_path(upgradable.path / "baselines" / "weightless", "merging/maximum/rgb")
    assert not png.exists() and baseline_tree.records_error(png)
    assert json.loads(baselines.stats_path(png).read_text())["raises"]["type"] == "ValueError"
    upgradable.runpytest("-k", "maximum").assert_outcomes(passed=2)  # still raising, as recorded
    monkeypatch.delenv("LAYERVIZ_TEST_CHANGES")
    out = upgradable.path / "report"
    result = upgradable.runpytest("-k", "maximum", f"--layerviz-report={out}")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["*now works: obtained a 128x128 RGB picture (baseline: raises ValueError: maximum at 0x… cannot*"]
    )
    assert [group["headline"] for group in summary_of(out)["summary"]] == ["Maximum: now works, 2 colour spaces"]


def test_a_known_divergence_passes_as_recorded_and_fails_when_it_changes_or_is_fixed(upgradable, monkeypatch):
    root = upgradable.path / "baselines"
    monkeypatch.setenv("LAYERVIZ_TEST_CHANGES", "add-diverges")
    monkeypatch.setenv("LAYERVIZ_TEST_ADD_FACTOR", "2")
    upgradable.runpytest("--regen-all", "-k", "merging/add").assert_outcomes(passed=1)
    recorded = baselines.png_path(root / f"divergences/{BACKEND}/from-3.0.0/weightless", "merging/add/rgb")
    assert recorded.is_file() and (recorded.parents[2] / "MANIFEST.json").is_file()
    upgradable.runpytest("-k", "merging/add").assert_outcomes(passed=1)

    monkeypatch.setenv("LAYERVIZ_TEST_ADD_FACTOR", "3")
    out = upgradable.path / "report"
    result = upgradable.runpytest("-k", "merging/add", f"--layerviz-report={out}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*: known divergence changed: merging/add on *adds twice*"])
    (group,) = summary_of(out)["summary"]
    assert group["cause"] == "divergence changed: values changed"

    monkeypatch.setenv("LAYERVIZ_TEST_ADD_FACTOR", "1")
    result = upgradable.runpytest("-k", "merging/add", f"--layerviz-report={out}", "--regen-all")
    result.assert_outcomes(failed=1)  # even --regen-all: the fix belongs in divergences.py
    result.stdout.fnmatch_lines(["*divergence fixed upstream*", "*now matches the shared baseline*", "*keras_before=*"])
    assert summary_of(out)["summary"][0]["cause"] == "divergence fixed upstream"


# --- the numeric environment ------------------------------------------------------------


def test_an_unknown_numerics_mode_is_a_usage_error(project):
    result = project.runpytest("-o", "layerviz_numerics=fast")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*layerviz_numerics: unknown numerics 'fast'; choose strict or native*"])


# A channels_first convolution: TensorFlow's own CPU kernels refuse it, oneDNN computes it.
NCHW = """
    import keras

    def test_nchw(layer_regression):
        layer_regression.check(
            [keras.layers.Permute((3, 1, 2)),
             keras.layers.Conv2D(3, 3, padding="same", data_format="channels_first"),
             keras.layers.Permute((2, 3, 1))],
            weights="fixed",
        )
    """


@pytest.mark.slow  # TensorFlow decides about oneDNN as it loads: a new interpreter
@pytest.mark.skipif(BACKEND != "tensorflow", reason="oneDNN is TensorFlow's")
def test_baselines_made_with_onednn_on_name_it_when_a_run_has_it_off(pytester, monkeypatch):
    """Baselines made with oneDNN on, checked in a process with it off: TensorFlow's own CPU
    kernels refuse the NCHW convolution that oneDNN computes, and the header and the failure
    say why. (A user's check that raises records nothing, so the baseline is made with it on.)"""
    project = make_project(pytester, monkeypatch, "test_nchw", NCHW)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    project.runpytest_subprocess("--regen-all")
    record = manifest.read_manifest(project.path / "baselines" / "fixed")
    if record is None or record["numerics"]["tensorflow"]["onednn"] is not True:
        pytest.skip("this TensorFlow has no oneDNN to turn on")
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    result = project.runpytest_subprocess(f"--layerviz-report={project.path / 'report'}")
    result.assert_outcomes(failed=1)
    difference = "the baselines were made with oneDNN on; this run has oneDNN off"
    result.stdout.fnmatch_lines(
        [
            "layerviz: numerics: strict; CPU *; oneDNN off; TF32 off",
            f"layerviz: fixed: {difference}",
            "*fixed/…/rgb: differs from its baseline",
            "*now raises: UnimplementedError: *NHWC* (baseline: a 128x128 RGB picture)",
            f"*numeric environment: {difference}",
        ]
    )
    summary = summary_of(project.path / "report")
    assert f"numeric environment: {difference}" in summary["cases"][0]["problems"]
    assert summary["provenance"]["numerics of fixed"] == difference


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (
            "name='../../escaped/evil'",
            "name='../../escaped/evil' would put its baseline outside the baseline root * (it climbs out with '..')*",
        ),
        (
            "name=ABSOLUTE",
            "name='/*/escaped/evil' would put its baseline outside the baseline root * (it is an absolute path)*",
        ),
        ("name='C:/escaped/evil'", "name='C:/escaped/evil' would put its baseline outside *"),
        (
            "",
            "the test id 'test_check_names.py::test_named[[]../../escaped/evil]' would put its baseline outside * "
            "(it climbs out with '..')",
        ),
    ],
)
def test_a_name_that_would_leave_the_baseline_root_is_refused(pytester, monkeypatch, argument, message):
    escaped = pytester.path.parent / "escaped"
    source = f"""
        import keras
        import pytest

        ABSOLUTE = {str(escaped / "evil")!r}

        @pytest.mark.parametrize("photo", [pytest.param("x", id="../../escaped/evil")])
        def test_named(layer_regression, photo):
            layer_regression.check(keras.layers.Identity(), {argument})
        """
    project = make_project(pytester, monkeypatch, "test_check_names", source)
    result = project.runpytest("--regen-all", f"--layerviz-obtained={project.path / 'obtained'}")
    result.assert_outcomes(failed=1)
    fix = (
        "Give its parameter an id without '..' (pytest.param(..., id=...))*"
        if not argument
        else "Give a relative name*"
    )
    result.stdout.fnmatch_lines([f"*BaselineNameError: {message}; nothing was written. {fix}"])
    assert not escaped.exists() and not (project.path / "escaped").exists()
    assert not (project.path / "baselines").exists() and not (project.path / "obtained").exists()


# --- A user's mistake is one line, never a layerviz traceback ------------------------------


def failure_lines(result) -> list[str]:
    """The lines pytest shows for the one failing test, between its header and the summary."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"_+ test_\w+ _+", line))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("="))  # the next section
    return [line for line in lines[start + 1 : end] if line.strip()]


def test_a_decompression_bomb_baseline_fails_the_check_naming_the_png(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    baseline_png(project).write_bytes(png_bytes_header_only(30_000, 30_000))
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"E * weightless/{CASE_ID}: baseline file *luminance.png is unreadable (more pixels than Pillow's "
            "decompression-bomb limit); restore it from git or regenerate it with *"
        ]
    )
    assert "DecompressionBombError" not in result.stdout.str()
    no_layerviz_traceback(result)


def test_a_folder_where_the_png_should_be_is_said_and_regenerating_there_is_one_line(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    png = baseline_png(project)
    png.unlink()
    png.mkdir()
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E * *luminance.png is a folder where the baseline's PNG should be; remove it*"])
    result = project.runpytest("--regen-all")
    result.assert_outcomes(failed=1)
    assert failure_lines(result) == [
        f"BaselineWriteError: weightless/{CASE_ID}: cannot write {png} (Is a directory): a folder is where that file "
        "should be; remove it and run again"
    ]
    no_layerviz_traceback(result)
    assert png.is_dir() and not any(png.iterdir())


def test_a_symlinked_folder_in_the_baseline_tree_is_refused_and_nothing_outside_changes(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    section = project.path / "baselines" / "weightless" / "merging"
    outside = project.path / "elsewhere"
    section.rename(outside)
    section.symlink_to(outside, target_is_directory=True)
    tamper_first_row(outside / "add" / "luminance.png")
    before = snapshot(outside)
    for flags in ((), ("--regen-all",), ("--layerviz-rewrite",)):
        result = project.runpytest(*flags)
        result.assert_outcomes(failed=1)
        assert failure_lines(result) == [
            f"BaselineLinkError: weightless/{CASE_ID}: {section} is a symbolic link (to {outside}) inside the baseline "
            f"tree {project.path / 'baselines'}; regenerating would write outside the tree through it: replace it "
            "with a real folder"
        ]
        assert snapshot(outside) == before


@pytest.mark.parametrize("given", ["option", "ini"])
def test_a_baseline_tree_that_is_a_file_is_a_usage_error(project, given):
    (project.path / "afile").write_text("not a tree")
    if given == "ini":
        project.makeini("[pytest]\naddopts = -p no:hypothesispytest -p no:xdist\nlayerviz_baselines = afile\n")
    result = project.runpytest(*(["--layerviz-baselines=afile"] if given == "option" else []))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    option = "--layerviz-baselines" if given == "option" else "layerviz_baselines"
    assert [line for line in result.stderr.lines if line] == [
        f"ERROR: {option} {project.path / 'afile'}: this is a file, not a folder; give the folder of a baseline tree "
        "(it is made if it does not exist)"
    ]


def test_a_baseline_tree_inside_a_file_fails_each_check_in_one_line(project):
    """What the file system refuses even root, who may write anywhere: a folder inside a file."""
    (project.path / "afile").write_text("not a tree")
    result = project.runpytest("--layerviz-baselines=afile/baselines")
    result.assert_outcomes(failed=1)
    (line,) = failure_lines(result)
    assert line.startswith(f"BaselineWriteError: weightless/{CASE_ID}: cannot write ")
    assert line.endswith(
        f"(Not a directory: {project.path / 'afile'}): a file is where one of its folders should be; remove it and "
        "run again"
    )
    no_layerviz_traceback(result)


def test_a_full_disk_fails_each_check_in_one_line_and_loses_nothing(pytester, monkeypatch, full_disk):
    project = make_project(pytester, monkeypatch, "test_two", TWO_CHECKS)
    project.runpytest("--regen-all").assert_outcomes(passed=2)
    for png in (project.path / "baselines" / "weightless").rglob("*.png"):
        tamper_first_row(png)  # so that the regeneration rewrites both
    before = snapshot(project.path / "baselines")
    full_disk()
    result = project.runpytest("--regen-all")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "BaselineWriteError: weightless/merging/add/*: cannot write */merging/add/*.png (No space left on "
            "device): the disk is full; free some space and run again (nothing was lost: the files already there "
            "are whole)"
        ]
    )
    assert len(re.findall("the disk is full", result.stdout.str())) == 2  # once a failure
    no_layerviz_traceback(result)
    assert snapshot(project.path / "baselines") == before


def test_a_photo_that_is_not_an_image_fails_the_check_in_one_line(pytester, monkeypatch):
    source = """
        import keras

        def test_photo(layer_regression):
            layer_regression.check(keras.layers.Identity(), images=["corrupt.png"])
        """
    project = make_project(pytester, monkeypatch, "test_photo", source)
    (project.path / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n and then nothing of a picture")
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    # Not twice, as the context of pytest's own failure ("During handling of the above exception").
    (line,) = failure_lines(result)
    assert line.startswith("ImageInputError: corrupt.png: not a readable image (")
    assert line.endswith("); give a PNG, JPEG or other Pillow-readable file")


def test_a_damaged_manifest_is_one_header_line_and_a_regeneration_rewrites_it(project):
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    manifest_file = project.path / "baselines" / "weightless" / baselines.MANIFEST
    manifest_file.write_text('{"versions": ')
    result = project.runpytest()
    result.assert_outcomes(passed=1)  # provenance only: the check itself is what decides
    result.stdout.fnmatch_lines(
        [
            "layerviz: baselines: unreadable MANIFEST.json (weightless); running: *",
            f"layerviz: weightless: {manifest_file}: the set's manifest is unreadable (Expecting value: *); restore it "
            "from git, or regenerate the set (`pytest --regen-all` writes it again)",
        ]
    )
    project.runpytest("--regen-all").assert_outcomes(passed=1)
    assert manifest.read_manifest(manifest_file.parent)["versions"]["backend"] == BACKEND


def test_the_plugin_loads_without_keras_numpy_or_pillow():
    """Every pytest run where layerviz is installed loads the plugin: Keras is imported only
    once a test asks for the fixture (or the header reads a baseline tree), NumPy and Pillow
    once a check renders or a report is asked for. A pytest-xdist controller starts its
    workers only once the plugin is loaded, and renders nothing."""
    import subprocess
    import sys

    heavy = "{'keras', 'tensorflow', 'jax', 'torch', 'numpy', 'PIL'}"
    code = f"import sys, layerviz.pytest_plugin; print(sorted({heavy} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

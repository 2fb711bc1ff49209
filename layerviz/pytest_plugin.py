"""pytest plugin: the `layer_regression` fixture and layerviz's command-line options.

A thin fixture over pytest-regressions' `perform_regression_check`, so that
`--force-regen` and `--regen-all` behave as pytest users expect, with layerviz's own
strict comparison (`layerviz.compare`) in place of `image_regression`'s.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from layerviz import baselines, divergences, report
from layerviz.catalogue import Case, Check
from layerviz.compare import (
    MAX_LEVEL_DIFF,
    STATS_ATOL,
    STATS_RTOL,
    Comparison,
    Tolerance,
    compare,
    heat_map,
    side_by_side,
)
from layerviz.render import Rendering, encode_png
from layerviz.seeds import DEFAULT_SUITE_SEED

_PLUGIN_NAME = "layerviz-session"
_CASE_PROPERTY = "layerviz_case"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("layerviz", "layerviz visual regression")
    group.addoption(
        "--layerviz-baselines",
        metavar="DIR",
        default=None,
        help="baseline tree to compare against (default: <rootdir>/baselines)",
    )
    group.addoption(
        "--layerviz-report",
        metavar="DIR",
        default=None,
        help="write an HTML and JSON report of every visual case that failed into DIR",
    )
    group.addoption(
        "--layerviz-obtained",
        metavar="DIR",
        default=None,
        help="also save every obtained rendering into DIR (set/section/config/colourspace.png), "
        "e.g. to compare two runs byte for byte",
    )
    group.addoption(
        "--layerviz-prune",
        action="store_true",
        default=False,
        help="with --regen-all: delete baseline files that no case produces",
    )
    group.addoption(
        "--layerviz-levels",
        type=int,
        default=MAX_LEVEL_DIFF,
        help=f"largest per-pixel 8-bit level difference tolerated (default {MAX_LEVEL_DIFF})",
    )
    group.addoption(
        "--layerviz-rtol",
        type=float,
        default=STATS_RTOL,
        help=f"relative tolerance of the raw-output statistics (default {STATS_RTOL:g})",
    )
    group.addoption(
        "--layerviz-atol",
        type=float,
        default=STATS_ATOL,
        help=f"absolute tolerance of the raw-output statistics (default {STATS_ATOL:g})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(LayerSession(config), _PLUGIN_NAME)


def pytest_report_header(config: pytest.Config) -> str | None:
    made = baselines.describe_tree(_session(config).root)
    return f"layerviz: baselines: {made}; running: {running_versions()}" if made else None


def running_versions() -> str:
    return baselines.describe_versions({"versions": baselines.running_versions()})


def _session(config: pytest.Config) -> LayerSession:
    return config.pluginmanager.get_plugin(_PLUGIN_NAME)


class LayerSession:
    """What one pytest run shares: options, baselines written, cases compared, the report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        option = config.getoption("layerviz_baselines")
        self.root = Path(option).resolve() if option else config.rootpath / "baselines"
        option = config.getoption("layerviz_report")
        self.report_dir = Path(option).resolve() if option else None
        option = config.getoption("layerviz_obtained")
        self.obtained_dir = Path(option).resolve() if option else None
        self.tolerance = Tolerance(
            levels=config.getoption("layerviz_levels"),
            rtol=config.getoption("layerviz_rtol"),
            atol=config.getoption("layerviz_atol"),
        )
        # Set folder -> weight mode, for its manifest: sets regenerated, and those changed.
        self.regenerated: dict[Path, str] = {}
        self.written: dict[Path, str] = {}
        self.compared: set[str] = set()
        # pytest-xdist workers write report entries; the controller (or a plain
        # run) clears the report first and assembles the page at the end.
        self.assembles_report = self.report_dir is not None and not hasattr(config, "workerinput")
        if self.assembles_report:
            report.clear(self.report_dir)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # On the xdist controller this also receives the workers' reports.
        if report.when == "call":
            self.compared.update(value for name, value in report.user_properties if name == _CASE_PROPERTY)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # A baseline that changed refreshes the provenance of the set it was written into.
        for folder, weights in self.regenerated.items():
            if folder in self.written or baselines.read_manifest(folder) is None:
                baselines.write_manifest(folder, DEFAULT_SUITE_SEED, weights)
        if self.config.getoption("regen_all") and self.config.getoption("layerviz_prune"):
            self.prune()
        if self.assembles_report:
            self.write_report()

    def prune(self) -> None:
        if hasattr(self.config, "workerinput"):
            return
        removed = baselines.obsolete_files(self.root)
        for path in removed:
            path.unlink()
        for folder in sorted({p.parent for p in removed}, key=lambda p: len(p.parts), reverse=True):
            while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent

    def write_report(self) -> Path:
        entries = report.load_entries(self.report_dir)
        failed = {entry.case_id for entry in entries}
        for entry in entries:
            _annotate(entry, failed, self.compared)
        facts = {"baselines": baselines.describe_tree(self.root) or "no manifest", "running": running_versions()}
        facts["known divergences"] = "; ".join(str(d) for d in divergences.KNOWN) or "none"
        return report.write(
            self.report_dir,
            entries,
            title="layerviz: visual cases that failed",
            labels={"before": "baseline", "after": "obtained", "diff": "difference"},
            compared=len(self.compared),
            facts=facts,
        )

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.assembles_report:
            failed = len(report.load_entries(self.report_dir))
            terminalreporter.write_line(
                f"layerviz report: {self.report_dir / 'index.html'} "
                f"({failed} of {len(self.compared)} visual cases failed)"
            )


def _annotate(entry: report.Entry, failed: set[str], compared: set[str]) -> None:
    """Say what a keras-mode failure means, given its fixed-weight twin; flag known divergences."""
    import keras

    parts = entry.case_id.split("/")
    if parts[0] == "keras":
        twin = "/".join(["fixed", *parts[2:]])
        if twin in compared and twin not in failed:
            entry.problems.insert(0, "initial weights changed, layer maths unchanged (fixed weights still match)")
        elif twin in failed:
            entry.problems.insert(0, "layer maths changed (fixed weights differ too)")
    known = divergences.find("/".join(parts[-3:-1]), keras.backend.backend(), keras.version())
    if known:
        entry.problems.insert(0, f"known divergence: {known}")


class LayerRegression:
    """`layer_regression.check(case)` renders a case and compares it to its baseline."""

    def __init__(self, request: pytest.FixtureRequest, output_dir: Path) -> None:
        self.request = request
        self.output_dir = output_dir
        self.session = _session(request.config)
        self.root = self.session.root
        self.tolerance = self.session.tolerance

    def check(self, case: Case, weights: str | None = None) -> Rendering:
        """Render `case` (with `weights` "keras" or "fixed" if it has weights) and compare it
        with its baseline in the set for that mode and the running backend."""
        __tracebackhide__ = True
        import keras

        from layerviz.layers import trace_case
        from layerviz.render import render

        backend = keras.backend.backend()
        mode = weights or "keras"
        folder = self.root / baselines.set_name(case, mode, backend)
        if case.config.has_weights and mode == "keras" and not folder.is_dir():
            if not self.request.config.getoption("regen_all"):
                pytest.skip(
                    f"no keras-mode baselines for the {backend} backend ({folder}): Keras's seeded "
                    f"initializers draw different numbers on each backend. Make them with "
                    f"`KERAS_BACKEND={backend} pytest --regen-all -k keras/`"
                )
        output = trace_case(case, weights=mode)
        baseline_id = f"{folder.relative_to(self.root).as_posix()}/{case.id}"
        obtained = render(baseline_id, case.colorspace, output.raw, output.layers)
        kind = mode if case.config.has_weights else "none"
        self.check_rendering(obtained, folder, case.id, Check(case, weights).id, kind)
        return obtained

    def check_rendering(self, obtained: Rendering, folder: Path, case_id: str, regen_id: str, weights: str) -> None:
        """Compare a rendering with its baseline in the set `folder`; `regen_id` is what
        `-k` selects to regenerate it, `weights` what the set's manifest records."""
        __tracebackhide__ = True
        from pytest_regressions.common import perform_regression_check

        expected = baselines.png_path(folder, case_id)
        label = obtained.case_id  # set and case, e.g. keras/tensorflow/conv2d/k3-relu/rgb
        self.request.node.user_properties.append((_CASE_PROPERTY, label))
        if self.session.obtained_dir is not None:
            baselines.save(obtained, baselines.png_path(self.session.obtained_dir, label))
        obtained_png = self.output_dir / f"{expected.stem}.obtained.png"
        hint = baselines.REGEN_HINT.format(case_id=regen_id)
        missing = not expected.is_file()
        if missing and not self.request.config.getoption("regen_all") and os.environ.get("CI"):
            baselines.save(obtained, obtained_png)
            message = (
                f"{label}: no baseline at {expected}; nothing was written under "
                f"{self.root} because CI is set.\nRun `{hint}` on your machine, look at the "
                f"new picture and commit it. Obtained image: {obtained_png}"
            )
            if self.session.report_dir is not None:
                entry = report.one_sided(label, "missing", message, self.session.report_dir, obtained)
                report.save_entry(entry, self.session.report_dir)
            pytest.fail(message, pytrace=False)

        def dump(path: Path) -> None:
            if path == obtained_png:
                return  # the obtained picture is written only if the check fails (see _failure)
            changed = baselines.save(obtained, path)
            if path.resolve().is_relative_to(self.root):
                self.session.regenerated[folder] = weights
                if changed:
                    self.session.written[folder] = weights

        def check(obtained_path: Path, expected_path: Path) -> None:
            __tracebackhide__ = True
            try:
                baseline = baselines.load(expected_path, label, regen_id)
            except baselines.BaselineError as exc:
                if self.session.report_dir is not None:
                    entry = report.one_sided(label, "unreadable", str(exc), self.session.report_dir, obtained)
                    report.save_entry(entry, self.session.report_dir)
                raise AssertionError(str(exc)) from None
            comparison = compare(baseline, obtained, self.tolerance)
            if not comparison.ok:
                if self.session.report_dir is not None:
                    report.save_entry(report.changed(comparison, self.session.report_dir), self.session.report_dir)
                raise AssertionError(self._failure(comparison, obtained_path, expected_path, hint))

        try:
            perform_regression_check(
                datadir=self.output_dir,
                original_datadir=self.root,
                request=self.request,
                check_fn=check,
                dump_fn=dump,
                extension=".png",
                fullpath=expected,
                obtained_filename=obtained_png,
            )
        except pytest.fail.Exception:
            if missing:
                pytest.fail(
                    f"{label}: no baseline existed; created {expected} and its "
                    f"{baselines.stats_path(expected).name}.\nLook at the picture and commit it "
                    f"(or run `{hint}` to regenerate it).",
                    pytrace=False,
                )
            raise

    def _failure(self, comparison: Comparison, obtained_png: Path, expected_png: Path, hint: str) -> str:
        """The failure message, after writing the pictures a person needs to judge it."""

        def artifact(kind: str) -> Path:
            return obtained_png.with_name(obtained_png.name.replace(".obtained.", f".{kind}."))

        baselines.save(comparison.obtained, obtained_png)
        panels = [comparison.baseline.pixels, comparison.obtained.pixels]
        lines = [comparison.message(), f"  baseline:     {expected_png}", f"  obtained:     {obtained_png}"]
        if comparison.diff is not None:
            heat = heat_map(comparison.diff, self.tolerance.levels)
            panels.append(heat)
            artifact("diff").write_bytes(encode_png(heat))
            lines.append(f"  diff map:     {artifact('diff')}")
        artifact("side-by-side").write_bytes(encode_png(side_by_side(panels)))
        lines.append(f"  side by side: {artifact('side-by-side')} (baseline | obtained | diff)")
        lines.append(f"If the change is intended: `{hint}`")
        return "\n".join(lines)


@pytest.fixture
def layer_regression(request: pytest.FixtureRequest, tmp_path: Path) -> LayerRegression:
    """Render catalogue cases and compare them to `baselines/`; artifacts go to `tmp_path`."""
    return LayerRegression(request, tmp_path)

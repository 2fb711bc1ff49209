"""pytest plugin: the `layer_regression` fixture and layerviz's command-line options.

A thin fixture over pytest-regressions' `perform_regression_check`, so that
`--force-regen` and `--regen-all` behave as pytest users expect, with layerviz's own
strict comparison (`layerviz.compare`) in place of `image_regression`'s.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

import pytest

from layerviz import baselines, report
from layerviz.catalogue import Case
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
    manifest = baselines.read_manifest(_session(config).root)
    if manifest is None:
        return None
    return f"layerviz: baselines made with {baselines.describe_versions(manifest)}"


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
        self.tolerance = Tolerance(
            levels=config.getoption("layerviz_levels"),
            rtol=config.getoption("layerviz_rtol"),
            atol=config.getoption("layerviz_atol"),
        )
        self.written: list[Path] = []
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
        # A baseline that changed refreshes the provenance of the tree it was written into.
        regenerating = self.config.getoption("regen_all") or self.config.getoption("force_regen")
        if self.written or (regenerating and baselines.read_manifest(self.root) is None):
            baselines.write_manifest(self.root, DEFAULT_SUITE_SEED)
        if self.assembles_report:
            self.write_report()

    def write_report(self) -> Path:
        manifest = baselines.read_manifest(self.root)
        backend = os.environ.get("KERAS_BACKEND", "tensorflow")
        facts = {
            "baselines": f"{self.root}"
            + (f" (made with {baselines.describe_versions(manifest)})" if manifest else ""),
            "running": f"keras {metadata.version('keras')}/{backend}",
        }
        return report.write(
            self.report_dir,
            report.load_entries(self.report_dir),
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


class LayerRegression:
    """`layer_regression.check(case)` renders a case and compares it to its baseline."""

    def __init__(self, request: pytest.FixtureRequest, output_dir: Path) -> None:
        self.request = request
        self.output_dir = output_dir
        self.session = _session(request.config)
        self.root = self.session.root
        self.tolerance = self.session.tolerance

    def check(self, case: Case) -> Rendering:
        __tracebackhide__ = True
        from layerviz.layers import trace_case
        from layerviz.render import render

        output = trace_case(case)
        obtained = render(case.id, case.colorspace, output.raw, output.layers)
        self.check_rendering(case, obtained)
        return obtained

    def check_rendering(self, case: Case, obtained: Rendering) -> None:
        __tracebackhide__ = True
        from pytest_regressions.common import perform_regression_check

        self.request.node.user_properties.append((_CASE_PROPERTY, case.id))
        expected = baselines.png_path(self.root, case.id)
        obtained_png = self.output_dir / f"{case.colorspace}.obtained.png"
        hint = baselines.REGEN_HINT.format(case_id=case.id)
        missing = not expected.is_file()
        if missing and not self.request.config.getoption("regen_all") and os.environ.get("CI"):
            baselines.save(obtained, obtained_png)
            message = (
                f"{case.id}: no baseline at {expected}; nothing was written under "
                f"{self.root} because CI is set.\nRun `{hint}` on your machine, look at the "
                f"new picture and commit it. Obtained image: {obtained_png}"
            )
            if self.session.report_dir is not None:
                entry = report.one_sided(case.id, "missing", message, self.session.report_dir, obtained)
                report.save_entry(entry, self.session.report_dir)
            pytest.fail(message, pytrace=False)

        def dump(path: Path) -> None:
            written = baselines.save(obtained, path)
            if path.resolve().is_relative_to(self.root):
                self.session.written.extend(written)

        def check(obtained_path: Path, expected_path: Path) -> None:
            __tracebackhide__ = True
            try:
                baseline = baselines.load(expected_path, case.id)
            except baselines.BaselineError as exc:
                if self.session.report_dir is not None:
                    entry = report.one_sided(case.id, "unreadable", str(exc), self.session.report_dir, obtained)
                    report.save_entry(entry, self.session.report_dir)
                raise AssertionError(str(exc)) from None
            comparison = compare(baseline, obtained, self.tolerance)
            if not comparison.ok:
                if self.session.report_dir is not None:
                    report.save_entry(report.changed(comparison, self.session.report_dir), self.session.report_dir)
                raise AssertionError(self._failure(comparison, obtained_path, expected_path))

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
                    f"{case.id}: no baseline existed; created {expected} and its "
                    f"{baselines.stats_path(expected).name}.\nLook at the picture and commit it "
                    f"(or run `{hint}` to regenerate it).",
                    pytrace=False,
                )
            raise

    def _failure(self, comparison: Comparison, obtained_png: Path, expected_png: Path) -> str:
        """The failure message, after writing the pictures a person needs to judge it."""

        def artifact(kind: str) -> Path:
            return obtained_png.with_name(obtained_png.name.replace(".obtained.", f".{kind}."))

        panels = [comparison.baseline.pixels, comparison.obtained.pixels]
        lines = [comparison.message(), f"  baseline:     {expected_png}", f"  obtained:     {obtained_png}"]
        if comparison.diff is not None:
            heat = heat_map(comparison.diff, self.tolerance.levels)
            panels.append(heat)
            artifact("diff").write_bytes(encode_png(heat))
            lines.append(f"  diff map:     {artifact('diff')}")
        artifact("side-by-side").write_bytes(encode_png(side_by_side(panels)))
        lines.append(f"  side by side: {artifact('side-by-side')} (baseline | obtained | diff)")
        lines.append(f"If the change is intended: `{baselines.REGEN_HINT.format(case_id=comparison.case_id)}`")
        return "\n".join(lines)


@pytest.fixture
def layer_regression(request: pytest.FixtureRequest, tmp_path: Path) -> LayerRegression:
    """Render catalogue cases and compare them to `baselines/`; artifacts go to `tmp_path`."""
    return LayerRegression(request, tmp_path)

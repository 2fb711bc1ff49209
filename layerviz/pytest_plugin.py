"""pytest plugin: the `layer_regression` fixture and layerviz's command-line options.

A thin fixture over pytest-regressions' `perform_regression_check`, so that
`--force-regen` and `--regen-all` behave as pytest users expect, with layerviz's own
strict comparison (`layerviz.compare`) in place of `image_regression`'s.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from layerviz import baselines
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

_WRITTEN = pytest.StashKey[list[Path]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("layerviz", "layerviz visual regression")
    group.addoption(
        "--layerviz-baselines",
        metavar="DIR",
        default=None,
        help="baseline tree to compare against (default: <rootdir>/baselines)",
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


def baseline_root(config: pytest.Config) -> Path:
    option = config.getoption("layerviz_baselines")
    return Path(option).resolve() if option else config.rootpath / "baselines"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_WRITTEN] = []


def pytest_report_header(config: pytest.Config) -> str | None:
    manifest = baselines.read_manifest(baseline_root(config))
    if manifest is None:
        return None
    return f"layerviz: baselines made with {baselines.describe_versions(manifest)}"


def pytest_sessionfinish(session: pytest.Session) -> None:
    # A baseline that changed refreshes the provenance of the tree it was written into.
    config = session.config
    root = baseline_root(config)
    regenerating = config.getoption("regen_all") or config.getoption("force_regen")
    if config.stash.get(_WRITTEN, []) or (regenerating and baselines.read_manifest(root) is None):
        baselines.write_manifest(root, DEFAULT_SUITE_SEED)


class LayerRegression:
    """`layer_regression.check(case)` renders a case and compares it to its baseline."""

    def __init__(self, request: pytest.FixtureRequest, output_dir: Path) -> None:
        self.request = request
        self.output_dir = output_dir
        config = request.config
        self.root = baseline_root(config)
        self.tolerance = Tolerance(
            levels=config.getoption("layerviz_levels"),
            rtol=config.getoption("layerviz_rtol"),
            atol=config.getoption("layerviz_atol"),
        )

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

        expected = baselines.png_path(self.root, case.id)
        obtained_png = self.output_dir / f"{case.colorspace}.obtained.png"
        hint = baselines.REGEN_HINT.format(case_id=case.id)
        missing = not expected.is_file()
        regenerating = self.request.config.getoption("regen_all")
        if missing and not regenerating and os.environ.get("CI"):
            baselines.save(obtained, obtained_png)
            pytest.fail(
                f"{case.id}: no baseline at {expected}; nothing was written under "
                f"{self.root} because CI is set.\nRun `{hint}` on your machine, look at the "
                f"new picture and commit it. Obtained image: {obtained_png}",
                pytrace=False,
            )

        def dump(path: Path) -> None:
            written = baselines.save(obtained, path)
            if path.resolve().is_relative_to(self.root):
                self.request.config.stash[_WRITTEN].extend(written)

        def check(obtained_path: Path, expected_path: Path) -> None:
            __tracebackhide__ = True
            try:
                baseline = baselines.load(expected_path, case.id)
            except baselines.BaselineError as exc:
                raise AssertionError(str(exc)) from None
            comparison = compare(baseline, obtained, self.tolerance)
            if not comparison.ok:
                raise AssertionError(self._report(comparison, obtained_path, expected_path))

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

    def _report(self, comparison: Comparison, obtained_png: Path, expected_png: Path) -> str:
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

"""pytest plugin: the `layer_regression` fixture and layerviz's command-line options.

A thin fixture over one regression check (`LayerRegression.verify`), with layerviz's
own strict comparison (`layerviz.compare`). It honours pytest-regressions'
`--force-regen` and `--regen-all`, but rewrites a baseline only where the new
rendering no longer matches it (`--layerviz-rewrite` rewrites them all), so a
regeneration on another machine changes nothing that did not change in behaviour.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from layerviz import baselines, divergences, report
from layerviz.catalogue import Case, Check
from layerviz.compare import (
    MAX_LEVEL_DIFF,
    STATS_ATOL,
    STATS_RTOL,
    Comparison,
    Outcome,
    Tolerance,
    compare,
    heat_map,
    side_by_side,
)
from layerviz.raised import Raised
from layerviz.render import Rendering, encode_png
from layerviz.seeds import DEFAULT_SUITE_SEED

_PLUGIN_NAME = "layerviz-session"
# user_properties of a test: that it uses the fixture, the checks it started, and
# the checks that saved a report entry (pytest-xdist sends them to the controller).
_TEST_PROPERTY = "layerviz_test"
_CASE_PROPERTY = "layerviz_case"
_ENTRY_PROPERTY = "layerviz_entry"


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
        help="write an HTML and JSON report of every visual check that did not pass into DIR",
    )
    group.addoption(
        "--layerviz-obtained",
        metavar="DIR",
        default=None,
        help="also save every obtained rendering into DIR (set/section/config/colourspace.png), "
        "e.g. to compare two runs byte for byte",
    )
    group.addoption(
        "--layerviz-rewrite",
        action="store_true",
        default=False,
        help="regenerate like --regen-all, but rewrite every baseline, even those that still match",
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


def _properties(report: pytest.TestReport, name: str) -> list[str]:
    return [value for key, value in report.user_properties if key == name]


class LayerSession:
    """What one pytest run shares: options, baselines written, checks compared, the report."""

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
        self.rewrite = bool(config.getoption("layerviz_rewrite"))
        # --regen-all: every check passes, writing what no longer matches.
        self.regen_all = self.rewrite or bool(config.getoption("regen_all"))
        # --force-regen: a check that fails rewrites its baseline, and still fails once.
        self.force_regen = bool(config.getoption("force_regen"))
        # Set folder -> weight kind, for its manifest: sets regenerated, and those changed.
        self.regenerated: dict[Path, str] = {}
        self.written: dict[Path, str] = {}
        self.compared: set[str] = set()
        # pytest-xdist workers write report entries; the controller (or a plain
        # run) clears the report first and assembles the page at the end.
        self.assembles_report = self.report_dir is not None and not hasattr(config, "workerinput")
        if self.assembles_report:
            report.clear(self.report_dir)

    @property
    def regenerating(self) -> bool:
        return self.regen_all or self.force_regen

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if "layer_regression" in getattr(item, "fixturenames", ()):
            item.user_properties.append((_TEST_PROPERTY, item.nodeid))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # On the xdist controller this also receives the workers' reports.
        if not _properties(report, _TEST_PROPERTY):
            return
        started = _properties(report, _CASE_PROPERTY)
        self.compared.update(started)
        if report.failed and self.assembles_report and not _properties(report, _ENTRY_PROPERTY):
            # It failed outside a comparison (its own code, a fixture, layerviz itself):
            # a report that leaves it out would say less than pytest does.
            self.compared.add(report.nodeid)
            self._save_test_failure(report)

    def _save_test_failure(self, test: pytest.TestReport) -> None:
        crash = getattr(test.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(test.longrepr).strip().splitlines()[-1]
        error = message.split(":", 1)[0].strip() or "error"
        entry = report.test_failed(test.nodeid, f"{error} ({test.when})", message)
        report.save_entry(entry, self.report_dir)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # A baseline that changed refreshes the provenance of the set it was written into;
        # a set whose baselines all still match keeps its manifest untouched.
        for folder, weights in {**self.regenerated, **self.written}.items():
            if folder in self.written or baselines.read_manifest(folder) is None:
                baselines.write_manifest(folder, DEFAULT_SUITE_SEED, weights)
        if self.regen_all and self.config.getoption("layerviz_prune"):
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

    def entries(self) -> list[report.Entry]:
        entries = report.load_entries(self.report_dir)
        failed = {entry.case_id for entry in entries}
        for entry in entries:
            _annotate(entry, failed, self.compared)
        return entries

    def write_report(self) -> Path:
        facts = {"baselines": baselines.describe_tree(self.root) or "no manifest", "running": running_versions()}
        facts["known divergences"] = "; ".join(str(d) for d in divergences.KNOWN) or "none"
        return report.write(
            self.report_dir,
            self.entries(),
            title="layerviz: visual checks that did not pass",
            labels={"before": "baseline", "after": "obtained", "diff": "difference"},
            compared=len(self.compared),
            facts=facts,
        )

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.assembles_report:
            entries = self.entries()
            terminalreporter.write_line(
                f"layerviz report: {self.report_dir / 'index.html'} "
                f"({len(entries)} of {len(self.compared)} visual checks did not pass)"
            )
            for line in report.summary_lines(entries):
                terminalreporter.write_line(f"  {line}")


def _annotate(entry: report.Entry, failed: set[str], compared: set[str]) -> None:
    """Say what a keras-mode failure means, given its fixed-weight twin."""
    set_name, case_id = baselines.split_label(entry.case_id)
    parts = set_name.split("/")
    if entry.status != "changed" or "keras" not in parts or entry.cause.startswith(("now ", "raises", "divergence")):
        return
    twin = "/".join([*parts[: parts.index("keras")], "fixed", case_id])
    if twin in compared and twin not in failed:
        entry.cause = "initial weights changed, layer maths unchanged"
        entry.problems.insert(0, "initial weights changed, layer maths unchanged (fixed weights still match)")
    elif twin in failed:
        entry.problems.insert(0, "layer maths changed (fixed weights differ too)")


@dataclass(frozen=True)
class Target:
    """Where one check's baseline lives, and how people and pytest name it."""

    folder: Path  # the baseline set
    case_id: str  # the path inside the set
    hint: str  # the command that regenerates it
    weights: str  # what the set's manifest records: none, fixed or keras

    @property
    def png(self) -> Path:
        return baselines.png_path(self.folder, self.case_id)


class LayerRegression:
    """`layer_regression.check(case)` renders a case and compares it to its baseline."""

    def __init__(self, request: pytest.FixtureRequest, output_dir: Path) -> None:
        self.request = request
        self.output_dir = output_dir
        self.session = _session(request.config)
        self.root = self.session.root
        self.tolerance = self.session.tolerance

    def check(self, case: Case, weights: str | None = None) -> Outcome:
        """Render `case` (with `weights` "keras" or "fixed" if it has weights) and compare it
        with its baseline in the set for that mode and the running backend, or, for a
        known divergence, with what that backend is recorded to compute instead."""
        __tracebackhide__ = True
        import keras

        from layerviz import subject

        backend = keras.backend.backend()
        mode = weights or "keras"
        name = baselines.set_name(case, mode, backend)
        if case.config.has_weights and mode == "keras" and not (self.root / name).is_dir():
            if not self.session.regen_all:
                pytest.skip(
                    f"no keras-mode baselines for the {backend} backend ({self.root / name}): Keras's seeded "
                    f"initializers draw different numbers on each backend. Make them with "
                    f"`KERAS_BACKEND={backend} pytest --regen-all -k keras/`"
                )
        kind = mode if case.config.has_weights else "none"
        hint = baselines.REGEN_HINT.format(case_id=Check(case, weights).id)
        shared = Target(self.root / name, case.id, hint, kind)
        known = divergences.find(case.config.id, backend, keras.version())
        target = shared
        if known:
            # Only that backend, on a Keras the divergence applies to, computes it.
            hint = f"KERAS_BACKEND={backend} {hint}  # keras {known.versions}"
            target = Target(self.root / baselines.divergence_set(known, name), case.id, hint, kind)
        label = self._label(target)
        self.request.node.user_properties.append((_CASE_PROPERTY, label))
        obtained, _ = subject.outcome(subject.of(case), label, case.colorspace, weights=mode, seed_name=case.id)
        self.verify(obtained, target, known, shared)
        return obtained

    def _label(self, target: Target) -> str:
        """A check's name in messages and reports: its set under the root, then its case."""
        return f"{target.folder.relative_to(self.root).as_posix()}/{target.case_id}"

    def _write(self, obtained: Outcome, target: Target, *, image: bool = True, sidecar: bool = True) -> None:
        if baselines.save(obtained, target.png, image=image, sidecar=sidecar):
            self.session.written[target.folder] = target.weights

    def _report(self, make: Callable[[Path], report.Entry]) -> None:
        """Save the report entry `make` builds (pictures under the report folder), if a report is asked for."""
        out = self.session.report_dir
        if out is not None:
            entry = make(out)
            report.save_entry(entry, out)
            self.request.node.user_properties.append((_ENTRY_PROPERTY, entry.case_id))

    def verify(
        self,
        obtained: Outcome,
        target: Target,
        divergence: divergences.Divergence | None = None,
        shared: Target | None = None,
    ) -> None:
        """Compare `obtained` with the baseline of `target`, writing it where the options
        ask; `divergence`: the target records a known divergence, and `shared` is the
        baseline the backend should match once upstream fixes it."""
        __tracebackhide__ = True
        session, label = self.session, obtained.case_id
        if session.obtained_dir is not None:
            baselines.save(obtained, baselines.png_path(session.obtained_dir, label))
        if session.regenerating:
            session.regenerated[target.folder] = target.weights
        baseline, unreadable = self._load(target, label)
        if baseline is None:
            self._no_baseline(obtained, target, unreadable)
            return
        comparison = compare(baseline, obtained, self.tolerance)
        if comparison.ok:
            if session.rewrite:
                self._write(obtained, target)
            return
        if divergence is not None and shared is not None and self._matches(obtained, shared):
            message = (
                f"{label}: divergence fixed upstream: {divergence}.\n  The output now matches the shared "
                f"baseline {shared.png}.\n  Record the fix: give this divergence keras_before="
                f"\"{_running_keras()}\" (or the first release that has it) in layerviz/divergences.py."
            )
            self._report(lambda out: report.changed(comparison, out, "divergence fixed upstream"))
            pytest.fail(message, pytrace=False)
        if session.regenerating:
            self._write(obtained, target, image=comparison.image_failed, sidecar=comparison.sidecar_failed)
            if session.regen_all:
                return
            pytest.fail(
                f"{comparison.message()}\n--force-regen set, rewrote its baseline {target.png}; run again to confirm",
                pytrace=False,
            )
        cause = f"divergence changed: {comparison.cause}" if divergence is not None else None
        self._report(lambda out: report.changed(comparison, out, cause))
        message = self._failure(comparison, target.png, target.hint)
        if divergence is not None:
            message = f"{label}: known divergence changed: {divergence}\n{message}"
        raise AssertionError(message)

    @staticmethod
    def _load(target: Target, label: str) -> tuple[Outcome | None, str | None]:
        """The baseline; or None, and why if files are there but unusable."""
        try:
            return baselines.load(target.png, label, target.hint), None
        except baselines.BaselineError as error:
            there = target.png.exists() or baselines.stats_path(target.png).exists()
            return None, str(error) if there else None

    def _matches(self, obtained: Outcome, target: Target) -> bool:
        baseline, _ = self._load(target, obtained.case_id)
        return baseline is not None and compare(baseline, obtained, self.tolerance).ok

    def _no_baseline(self, obtained: Outcome, target: Target, unreadable: str | None) -> None:
        """No usable baseline (`unreadable` says why, if there is a file): write one where
        allowed, and say what happened."""
        __tracebackhide__ = True
        session, label, hint = self.session, obtained.case_id, target.hint
        if unreadable is not None and not session.regenerating:
            self._report(lambda out: report.one_sided(label, "unreadable", unreadable, out, obtained))
            raise AssertionError(unreadable)
        if unreadable is None and not session.regenerating and os.environ.get("CI"):
            obtained_png = self._save_obtained(obtained, target.png)
            message = (
                f"{label}: no baseline at {target.png}; nothing was written under "
                f"{self.root} because CI is set.\nRun `{hint}` on your machine, look at the "
                f"new picture and commit it. Obtained: {obtained_png}"
            )
            self._report(lambda out: report.one_sided(label, "missing", message, out, obtained))
            pytest.fail(message, pytrace=False)
        self._write(obtained, target)
        if session.regen_all:
            return
        if unreadable is not None:
            pytest.fail(f"{unreadable}\n--force-regen set, rewrote it", pytrace=False)
        sidecar = baselines.stats_path(target.png)
        if isinstance(obtained, Raised):
            made = f"recorded that it raises {obtained} in {sidecar}"
        else:
            made = f"created {target.png} and its {sidecar.name}"
        message = f"{label}: no baseline existed; {made}.\nLook at it and commit it (or run `{hint}` to regenerate it)."
        self._report(lambda out: report.one_sided(label, "missing", message, out, obtained))
        pytest.fail(message, pytrace=False)

    def _save_obtained(self, obtained: Outcome, expected_png: Path) -> Path:
        """The obtained picture (or exception sidecar) beside the test's other artefacts."""
        obtained_png = self.output_dir / f"{expected_png.stem}.obtained.png"
        baselines.save(obtained, obtained_png)
        return obtained_png if isinstance(obtained, Rendering) else baselines.stats_path(obtained_png)

    def _failure(self, comparison: Comparison, expected_png: Path, hint: str) -> str:
        """The failure message, after writing the pictures a person needs to judge it."""
        obtained_path = self._save_obtained(comparison.obtained, expected_png)
        lines = [comparison.message(), f"  baseline:     {expected_png}", f"  obtained:     {obtained_path}"]
        baseline, obtained = comparison.baseline, comparison.obtained
        if isinstance(baseline, Rendering) and isinstance(obtained, Rendering):

            def artifact(kind: str) -> Path:
                return self.output_dir / f"{expected_png.stem}.{kind}.png"

            panels = [baseline.pixels, obtained.pixels]
            if comparison.diff is not None:
                heat = heat_map(comparison.diff, self.tolerance.levels)
                panels.append(heat)
                artifact("diff").write_bytes(encode_png(heat))
                lines.append(f"  diff map:     {artifact('diff')}")
            artifact("side-by-side").write_bytes(encode_png(side_by_side(panels)))
            lines.append(f"  side by side: {artifact('side-by-side')} (baseline | obtained | diff)")
        lines.append(f"If the change is intended: `{hint}`")
        return "\n".join(lines)


def _running_keras() -> str:
    import keras

    return keras.version()


@pytest.fixture
def layer_regression(request: pytest.FixtureRequest, tmp_path: Path) -> LayerRegression:
    """Render catalogue cases and compare them to `baselines/`; artifacts go to `tmp_path`."""
    return LayerRegression(request, tmp_path)

"""The session: what one pytest run shares. The options as resolved (`Settings`), the
numerics pinned once, the baselines written and their sets' manifests, the checks
compared (xdist workers' too), the report and gallery assembled at the end, and which
baseline files no check used (`layerviz.plugin.unused`).

The report and the gallery (NumPy, Pillow) are imported where a run asks for them: a
pytest-xdist controller renders nothing, and those imports would delay its workers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from layerviz.core import divergences, numerics
from layerviz.core.seeds import DEFAULT_SUITE_SEED
from layerviz.core.tolerance import Tolerance
from layerviz.judge.verdict import Mode
from layerviz.plugin import unused
from layerviz.store import baselines, files, manifest, outputs
from layerviz.store.location import NO_BACKEND_SET

if TYPE_CHECKING:
    from layerviz.pages import findings

# user_properties of a test: that it uses the fixture, the checks it started, and
# the checks that saved a report entry (pytest-xdist sends them to the controller).
TEST_PROPERTY = "layerviz_test"
CASE_PROPERTY = "layerviz_case"
ENTRY_PROPERTY = "layerviz_entry"
# What a pytest-xdist worker ran on (versions and numerics), for its controller.
WORKER_OUTPUT = "layerviz_environment"


@dataclass(frozen=True)
class Settings:
    """The options of a run, from the command line or the ini file (`layerviz.pytest_plugin`)."""

    root: Path
    report_dir: Path | None
    obtained_dir: Path | None
    gallery_dir: Path | None
    tolerance: Tolerance
    numerics: str  # strict or native
    mode: Mode  # regeneration flags and CI
    prune: bool  # --layerviz-prune


def _checks(item: pytest.Item) -> bool:
    """Whether a test uses the fixture (and so may own baselines)."""
    return "layer_regression" in getattr(item, "fixturenames", ())


def _properties(report: pytest.TestReport, name: str) -> list[str]:
    return [str(value) for key, value in report.user_properties if key == name]


class LayerSession:
    """What one pytest run shares: options, baselines written, checks compared, the report."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.pinned: dict[str, object] | None = None
        self._running: str | None = None
        # Set folder -> weight kind, for its manifest: sets regenerated, and those changed.
        self.regenerated: dict[Path, str] = {}
        self.written: dict[Path, str] = {}
        self.unwritten: list[str] = []  # manifests the file system would not let it write, why
        self.compared: set[str] = set()
        # Why this run cannot judge which baselines are unused (prune), if it cannot;
        # else the files no check used.
        self.gaps: list[str] = []
        self.unused: list[Path] | str = ""
        # pytest-xdist workers write report entries, gallery checks and obtained pictures;
        # the controller (or a plain run) claims each folder first, removing only what an
        # earlier run wrote there, assembles the pages at the end and records what it wrote.
        controller = not hasattr(config, "workerinput")
        self.assembles_report = self.settings.report_dir is not None and controller
        self.assembles_gallery = self.settings.gallery_dir is not None and controller
        self.claims: list[outputs.Claim] = []
        folders = {"report": settings.report_dir, "gallery": settings.gallery_dir, "obtained": settings.obtained_dir}
        for option, folder in folders.items() if controller else ():
            if folder is not None:
                try:
                    self.claims.append(outputs.claim(folder, f"--layerviz-{option}", trees=[settings.root]))
                except outputs.OutputFolderError as error:
                    raise pytest.UsageError(str(error)) from None

    @property
    def distributed(self) -> bool:
        """A pytest-xdist controller: its workers run the checks, and tell it what they ran on."""
        return self.config.pluginmanager.hasplugin("dsession")

    def numerics(self) -> dict[str, object]:
        """The numeric environment of this run, pinned (`layerviz_numerics`) the first time
        layerviz needs Keras: before any check, as a session that collects one starts."""
        if self.pinned is None:
            self.pinned = numerics.pin(self.settings.numerics)
        return self.pinned

    def running(self) -> str:
        """Keras, its backend and the backend's version, as this run has them."""
        self._running = self._running or manifest.describe_versions({"versions": manifest.running_versions()})
        return self._running

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object, error: object) -> None:
        given = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
        if given and self.pinned is None:  # a worker finished: what it ran on is the run's
            self._running, self.pinned = given["running"], given["numerics"]

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if any(map(_checks, session.items)):
            self.numerics()

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if _checks(item):
            item.user_properties.append((TEST_PROPERTY, item.nodeid))

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        # Only a deselected check leaves a gap: other tests (`-m "not slow"`) own no baseline.
        checks = [item for item in items if _checks(item)]
        if checks:
            self.gaps.append(f"{len(checks)} tests were deselected")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # On the xdist controller this also receives the workers' reports.
        if not _properties(report, TEST_PROPERTY):
            return
        started = _properties(report, CASE_PROPERTY)
        self.compared.update(started)
        if report.failed or (report.skipped and NO_BACKEND_SET not in str(report.longrepr)):
            self.gaps.append(f"{report.nodeid} {report.outcome}")
        if report.failed and self.assembles_report and not _properties(report, ENTRY_PROPERTY):
            # It failed outside a comparison (its own code, a fixture, layerviz itself):
            # a report that leaves it out would say less than pytest does.
            self.compared.add(report.nodeid)
            self._save_test_failure(report)

    @pytest.hookimpl(optionalhook=True)
    def pytest_handlecrashitem(self, crashitem: str) -> None:
        """pytest-xdist: a worker died in this test (a kernel's segfault, say). No comparison
        of it came back, so the report lists it, as pytest does."""
        if self.assembles_report:
            self.compared.add(crashitem)
            self._save_failure(crashitem, "worker crashed", f"the worker crashed while running {crashitem}")

    def _save_test_failure(self, test: pytest.TestReport) -> None:
        crash = getattr(test.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(test.longrepr).strip().splitlines()[-1]
        error = message.split(":", 1)[0].strip() or "error"
        self._save_failure(test.nodeid, f"{error} ({test.when})", message)

    def _save_failure(self, nodeid: str, cause: str, message: str) -> None:
        from layerviz.pages import findings

        findings.save_entry(findings.test_failed(nodeid, cause, message), self.report_dir)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # A baseline that changed refreshes the provenance of the set it was written into;
        # a set whose baselines all still match keeps its manifest untouched.
        # A regeneration also completes a manifest from before layerviz recorded numerics.
        for folder, weights in {**self.regenerated, **self.written}.items():
            if folder in self.written or not manifest.records_numerics(folder):  # an unreadable one too
                try:
                    manifest.write_manifest(folder, DEFAULT_SUITE_SEED, weights, self.numerics())
                except baselines.BaselineWriteError as error:  # a full disk: one line, and the run fails
                    self.unwritten.append(str(error))
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if self.assembles_report:
            self.write_report()
        if self.assembles_gallery and self.compared:
            from layerviz.pages import gallery, gallery_files

            gallery_files.write(gallery.from_checks(self.gallery_dir), self.gallery_dir)
        for claimed in self.claims:
            claimed.seal()
        if hasattr(self.config, "workerinput"):
            if self.pinned is not None:
                output = self.config.workeroutput  # type: ignore[attr-defined]  # pytest-xdist's, in a worker
                output[WORKER_OUTPUT] = {"running": self.running(), "numerics": self.pinned}
        else:
            self.unused = self._unused(session)

    def _unused(self, session: pytest.Session) -> list[Path] | str:
        """The baseline files no check of this run used, deleted with --regen-all
        --layerviz-prune; or why this run cannot tell."""
        gap = unused.coverage_gap(session, self.compared, self.gaps, self.distributed)
        if gap:
            return gap
        import keras

        found = unused.files(self.settings.root, self.compared, keras.backend.backend())
        if found and self.settings.mode.regen_all and self.settings.prune:
            files.remove(self.settings.root, found)
        return found

    @property
    def report_dir(self) -> Path:
        """The report's folder, where the run assembles one (or saves entries for it)."""
        assert self.settings.report_dir is not None
        return self.settings.report_dir

    @property
    def gallery_dir(self) -> Path:
        assert self.settings.gallery_dir is not None
        return self.settings.gallery_dir

    def entries(self) -> tuple[list[findings.Entry], str]:
        """The failed checks' entries, annotated, and the line that sums them up, if one does."""
        from layerviz.pages import findings, report

        entries = findings.load_entries(self.report_dir)
        return entries, report.annotate(entries, self.compared)

    def write_report(self) -> Path:
        from layerviz.pages import report

        facts = {"baselines": manifest.describe_tree(self.settings.root) or "no manifest", "running": self.running()}
        if self.pinned is not None:
            facts["numerics"] = numerics.summary(self.pinned)
            for sets, said in manifest.numeric_differences(self.settings.root, self.pinned).items():
                facts[f"numerics of {', '.join(sets)}"] = "; ".join(said)
        # Those of the catalogue configurations this run checked: a user's project has none of its own.
        checked = {baselines.Label.parse(label).config for label in self.compared}
        applying = [d for d in divergences.KNOWN if d.config in checked]
        facts["known divergences"] = "; ".join(map(str, applying)) or "none among these checks"
        entries, note = self.entries()
        return report.write(
            self.report_dir,
            entries,
            title="layerviz: visual checks that did not pass",
            labels={"before": "baseline", "after": "obtained", "diff": "difference"},
            compared=len(self.compared),
            facts=facts,
            note=note,
        )

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        for said in self.unwritten:
            terminalreporter.write_line(f"layerviz: {said}")
        unused = self.unused
        pruning = self.settings.mode.regen_all and self.settings.prune
        if isinstance(unused, str) and pruning:
            terminalreporter.write_line(f"layerviz: --layerviz-prune deleted nothing: {unused}")
        elif unused and not isinstance(unused, str):
            shown = ", ".join(str(path.relative_to(self.settings.root)) for path in unused[:5])
            more = f" and {len(unused) - 5} more" if len(unused) > 5 else ""
            if pruning:
                terminalreporter.write_line(
                    f"layerviz: deleted {len(unused)} baseline files no check used: {shown}{more}"
                )
            else:
                terminalreporter.write_line(
                    f"layerviz: {len(unused)} baseline files no check used: {shown}{more}; "
                    f"`pytest --regen-all --layerviz-prune` deletes them"
                )
        if self.assembles_gallery and self.compared:
            terminalreporter.write_line(f"layerviz gallery: {self.gallery_dir / 'index.html'}")
        if self.assembles_report:
            from layerviz.pages import report

            entries, note = self.entries()
            terminalreporter.write_line(
                f"layerviz report: {self.report_dir / 'index.html'} "
                f"({len(entries)} of {len(self.compared)} visual checks did not pass)"
            )
            for line in report.summary_lines(entries, note):
                terminalreporter.write_line(f"  {line}")

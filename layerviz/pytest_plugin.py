"""pytest plugin: the `layer_regression` fixture and layerviz's command-line options.

A thin fixture over one regression check (`LayerRegression.verify`), with layerviz's
own strict comparison (`layerviz.compare`). It honours pytest-regressions'
`--force-regen` and `--regen-all`, but rewrites a baseline only where the new
rendering no longer matches it (`--layerviz-rewrite` rewrites them all), so a
regeneration on another machine changes nothing that did not change in behaviour.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from layerviz import baselines, colorspaces, divergences, gallery, numerics, report
from layerviz.cases import Case
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
from layerviz.images import WORKING_SIZE, PhotoSet
from layerviz.raised import Raised
from layerviz.render import Rendering, encode_png
from layerviz.seeds import DEFAULT_SUITE_SEED

_PLUGIN_NAME = "layerviz-session"
# user_properties of a test: that it uses the fixture, the checks it started, and
# the checks that saved a report entry (pytest-xdist sends them to the controller).
_TEST_PROPERTY = "layerviz_test"
_CASE_PROPERTY = "layerviz_case"
_ENTRY_PROPERTY = "layerviz_entry"
# The start of the skip message of a keras-mode check whose backend has no set.
_NO_BACKEND_SET = "no keras-mode baselines for the"


@dataclass(frozen=True)
class _Setting:
    """An option given on the command line (--layerviz-NAME) or in the ini file
    (layerviz_NAME, e.g. in pyproject.toml's [tool.pytest.ini_options]); the command
    line wins, as in pytest-mpl. Folders in the ini file are relative to it."""

    name: str
    metavar: str
    help: str
    kind: type = str
    default: object = None

    @property
    def ini(self) -> str:
        return f"layerviz_{self.name}"

    def value(self, config: pytest.Config) -> object:
        given = config.getoption(self.ini)
        if given is not None:
            return Path(given).resolve() if self.metavar == "DIR" else given
        text = str(config.getini(self.ini) or "").strip()
        if not text:
            return self.default
        if self.metavar == "DIR":
            return ((config.inipath.parent if config.inipath else config.rootpath) / text).resolve()
        return self.kind(text)


SETTINGS = {
    setting.name: setting
    for setting in (
        _Setting("baselines", "DIR", "baseline tree to compare against (default: <rootdir>/baselines)"),
        _Setting("report", "DIR", "write an HTML and JSON report of every visual check that did not pass into DIR"),
        _Setting(
            "obtained",
            "DIR",
            "also save every obtained rendering into DIR (<set>/<name>/<colourspace>.png), e.g. to compare "
            "two runs byte for byte",
        ),
        _Setting("gallery", "DIR", "build a gallery (index.html, cheatsheet.png) of every check that ran into DIR"),
        _Setting("levels", "N", "largest per-pixel 8-bit level difference tolerated", int, MAX_LEVEL_DIFF),
        _Setting("rtol", "X", "relative tolerance of the raw-output statistics", float, STATS_RTOL),
        _Setting("atol", "X", "absolute tolerance of the raw-output statistics", float, STATS_ATOL),
        _Setting(
            "numerics",
            "MODE",
            "strict: TF32 and reduced-precision matmuls off on the running backend, as Keras's own tests "
            "set them; native: the backend's defaults (TF32 on for convolutions on recent GPUs)",
            str,
            numerics.DEFAULT_MODE,
        ),
    )
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("layerviz", "layerviz visual regression")
    for setting in SETTINGS.values():
        default = f" (default {setting.default})" if setting.default is not None else ""
        group.addoption(
            f"--layerviz-{setting.name}",
            dest=setting.ini,
            metavar=setting.metavar,
            type=setting.kind,
            default=None,
            help=setting.help + default,
        )
        parser.addini(setting.ini, setting.help + default + "; the command line option wins", default="")
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
        help="with --regen-all: delete the baseline files no check of this run used, when the run "
        "covered every check (nothing deselected or failed)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(LayerSession(config), _PLUGIN_NAME)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    session = _session(config)
    made = baselines.describe_tree(session.root)
    if not made:
        return None
    running = session.numerics()
    lines = [
        f"layerviz: baselines: {made}; running: {running_versions()}",
        f"layerviz: numerics: {numerics.summary(running)}",
    ]
    for sets, said in baselines.numeric_differences(session.root, running).items():
        lines.append(f"layerviz: {', '.join(sets)}: {'; '.join(said)}")
    return lines


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
        self.root: Path = SETTINGS["baselines"].value(config) or config.rootpath / "baselines"
        self.report_dir: Path | None = SETTINGS["report"].value(config)
        self.obtained_dir: Path | None = SETTINGS["obtained"].value(config)
        self.gallery_dir: Path | None = SETTINGS["gallery"].value(config)
        self.tolerance = Tolerance(*(SETTINGS[name].value(config) for name in ("levels", "rtol", "atol")))
        try:
            self.numerics_mode = numerics.check_mode(str(SETTINGS["numerics"].value(config)))
        except numerics.NumericsError as error:
            raise pytest.UsageError(f"layerviz_numerics: {error}") from None
        self._numerics: dict[str, object] | None = None
        self.rewrite = bool(config.getoption("layerviz_rewrite"))
        # --regen-all: every check passes, writing what no longer matches.
        self.regen_all = self.rewrite or bool(config.getoption("regen_all"))
        # --force-regen: a check that fails rewrites its baseline, and still fails once.
        self.force_regen = bool(config.getoption("force_regen"))
        # Set folder -> weight kind, for its manifest: sets regenerated, and those changed.
        self.regenerated: dict[Path, str] = {}
        self.written: dict[Path, str] = {}
        self.compared: set[str] = set()
        # Why this run cannot judge which baselines are unused (prune), if it cannot;
        # else the files no check used.
        self.gaps: list[str] = []
        self.unused: list[Path] | str = ""
        # pytest-xdist workers write report entries; the controller (or a plain
        # run) clears the report first and assembles the page at the end.
        controller = not hasattr(config, "workerinput")
        self.assembles_report = self.report_dir is not None and controller
        if self.assembles_report:
            report.clear(self.report_dir)
        self.assembles_gallery = self.gallery_dir is not None and controller
        if self.assembles_gallery:
            gallery.clear(self.gallery_dir)

    @property
    def regenerating(self) -> bool:
        return self.regen_all or self.force_regen

    def numerics(self) -> dict[str, object]:
        """The numeric environment of this run, pinned (`layerviz_numerics`) the first time
        layerviz needs Keras: before any check, as a session that collects one starts."""
        if self._numerics is None:
            self._numerics = numerics.pin(self.numerics_mode)
        return self._numerics

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if any("layer_regression" in getattr(item, "fixturenames", ()) for item in session.items):
            self.numerics()

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if "layer_regression" in getattr(item, "fixturenames", ()):
            item.user_properties.append((_TEST_PROPERTY, item.nodeid))

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        if items:
            self.gaps.append(f"{len(items)} tests were deselected")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # On the xdist controller this also receives the workers' reports.
        if not _properties(report, _TEST_PROPERTY):
            return
        started = _properties(report, _CASE_PROPERTY)
        self.compared.update(started)
        if report.failed or (report.skipped and _NO_BACKEND_SET not in str(report.longrepr)):
            self.gaps.append(f"{report.nodeid} {report.outcome}")
        if report.failed and self.assembles_report and not _properties(report, _ENTRY_PROPERTY):
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
            entry = report.test_failed(crashitem, "worker crashed", f"the worker crashed while running {crashitem}")
            report.save_entry(entry, self.report_dir)

    def _save_test_failure(self, test: pytest.TestReport) -> None:
        crash = getattr(test.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(test.longrepr).strip().splitlines()[-1]
        error = message.split(":", 1)[0].strip() or "error"
        entry = report.test_failed(test.nodeid, f"{error} ({test.when})", message)
        report.save_entry(entry, self.report_dir)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # A baseline that changed refreshes the provenance of the set it was written into;
        # a set whose baselines all still match keeps its manifest untouched.
        # A regeneration also completes a manifest from before layerviz recorded numerics.
        for folder, weights in {**self.regenerated, **self.written}.items():
            if folder in self.written or "numerics" not in (baselines.read_manifest(folder) or {}):
                baselines.write_manifest(folder, DEFAULT_SUITE_SEED, weights, self.numerics())
        if self.assembles_report:
            self.write_report()
        if self.assembles_gallery and self.compared:
            gallery.write(gallery.from_checks(self.gallery_dir), self.gallery_dir)
        if not hasattr(self.config, "workerinput"):
            self.unused = self.judge_unused(session)

    def judge_unused(self, session: pytest.Session) -> list[Path] | str:
        """The baseline files no check of this run used, deleted with --regen-all
        --layerviz-prune; or why this run cannot tell (as syrupy, judged from what ran:
        a check that was deselected, failed or not collected still owns its files)."""
        gap = self._coverage_gap(session)
        if gap:
            return gap
        import keras

        sets = [baselines.WEIGHTLESS, "fixed", "as-is", f"keras/{keras.backend.backend()}"]
        sets += sorted({baselines.split_label(label)[0] for label in self.compared} - set(sets) - {""})
        unused = baselines.unused_files(self.root, self.compared, sets)
        if unused and self.regen_all and self.config.getoption("layerviz_prune"):
            for path in unused:
                path.unlink()
            for folder in sorted({p.parent for p in unused}, key=lambda p: len(p.parts), reverse=True):
                while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
                    folder = folder.parent
        return unused

    def _coverage_gap(self, session: pytest.Session) -> str:
        if not self.compared:
            return "no check ran"
        if self.gaps:
            return "; ".join(self.gaps[:3]) + (f" and {len(self.gaps) - 3} more" if len(self.gaps) > 3 else "")
        if session.shouldstop or session.shouldfail:
            return "the run stopped early"
        if self.config.pluginmanager.hasplugin("dsession"):
            return "pytest-xdist workers each see only their share of the checks (run without -n)"
        if self.config.args_source == pytest.Config.ArgsSource.ARGS:
            chosen = [Path(arg.split("::")[0]).resolve() for arg in self.config.args]
            wanted = [self.config.rootpath / path for path in self.config.getini("testpaths")] or [self.config.rootpath]
            if any("::" in arg for arg in self.config.args) or not all(
                any(path == arg or path.is_relative_to(arg) for arg in chosen) for path in wanted
            ):
                return f"the run was limited to {' '.join(self.config.args)}"
        return ""

    def entries(self) -> list[report.Entry]:
        entries = report.load_entries(self.report_dir)
        failed = {entry.case_id for entry in entries}
        for entry in entries:
            _annotate(entry, failed, self.compared)
        return entries

    def write_report(self) -> Path:
        facts = {"baselines": baselines.describe_tree(self.root) or "no manifest", "running": running_versions()}
        if self._numerics is not None:
            facts["numerics"] = numerics.summary(self._numerics)
            for sets, said in baselines.numeric_differences(self.root, self._numerics).items():
                facts[f"numerics of {', '.join(sets)}"] = "; ".join(said)
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
        unused = self.unused
        pruning = self.regen_all and self.config.getoption("layerviz_prune")
        if isinstance(unused, str) and pruning:
            terminalreporter.write_line(f"layerviz: --layerviz-prune deleted nothing: {unused}")
        elif unused and not isinstance(unused, str):
            shown = ", ".join(str(path.relative_to(self.root)) for path in unused[:5])
            more = f" and {len(unused) - 5} more" if len(unused) > 5 else ""
            if pruning:
                terminalreporter.write_line(f"layerviz: deleted {len(unused)} baseline files no check used: {shown}{more}")
            else:
                terminalreporter.write_line(
                    f"layerviz: {len(unused)} baseline files no check used: {shown}{more}; "
                    f"`pytest --regen-all --layerviz-prune` deletes them"
                )
        if self.assembles_gallery and self.compared:
            terminalreporter.write_line(f"layerviz gallery: {self.gallery_dir / 'index.html'}")
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
    """The `layer_regression` fixture: `check(subject)` renders a subject on photos and
    compares the picture and its raw statistics with the baseline."""

    def __init__(self, request: pytest.FixtureRequest, output_dir: Path) -> None:
        self.request = request
        self.output_dir = output_dir
        self.session = _session(request.config)
        self.root = self.session.root
        self.tolerance = self.session.tolerance
        self._checked: set[str] = set()

    def check(
        self,
        subject: object,
        *,
        colorspace: str | None = None,
        images: Sequence[str | Path | np.ndarray] | None = None,
        size: int | None = None,
        weights: str = "keras",
        name: str | None = None,
        description: str = "",
        inputs: int | None = None,
    ) -> Outcome:
        """Render `subject` and compare it with its baseline.

        subject: a Keras layer (your own `Layer` subclass too), a list of layers applied in
            turn, a `keras.Sequential` or `keras.Model` (a sub-model cut from one too), or a
            factory called with the colour space's channel count that returns one of those.
        colorspace: "luminance", "rgb" (default), "hsv" or "ycbcr": what the photos are
            given in, and how an output with that many channels is shown.
        images: photo files or arrays (H x W [x 3|4], uint8 0-255 or float 0-1), loaded as
            `layerviz gallery --images` loads them; default: the bundled pair.
        size: the side the photos are cropped and resized to (default 128).
        weights: "keras" (its own initializers, seeded from the check's name), "fixed"
            (NumPy draws from the same distributions: the same on every backend) or
            "as-is" (a trained or loaded subject's weights, untouched).
        name: where the baseline lives in its set (default: <test module>/<test name>);
            the file is <name>/<colorspace>.png.
        description: a caption for galleries and reports.
        inputs: how many photos the subject takes (default: a model's inputs, 2 for a
            merging layer, else 1).
        """
        __tracebackhide__ = True
        import keras

        from layerviz import subject as subjects

        spec = subjects.of(subject)
        if isinstance(subject, Case) and (reason := subjects.unavailable(subject.config)):
            pytest.skip(reason)
        if inputs is not None:
            spec = dataclasses.replace(spec, inputs=inputs)
        colorspace = colorspace or spec.colorspace or "rgb"
        colorspaces.get(colorspace)  # an unknown name fails here, listing the known ones
        key = f"{self._name(name) if name else spec.name or self._name()}/{colorspace}"
        photos = PhotoSet.files(images) if images else None
        # The check's own seeds depend on its name only (the catalogue's: on its case id).
        obtained, has_weights = subjects.outcome(
            spec, key, colorspace, photos, size or WORKING_SIZE, weights, key, DEFAULT_SUITE_SEED
        )
        if isinstance(obtained, Raised) and obtained.type in ("ImportError", "ModuleNotFoundError"):
            # A module this environment lacks (torch resizes through torchvision before
            # Keras 3.9) says nothing about the layer: skip, as pytest.importorskip does.
            pytest.skip(f"needs a module that is not installed here: {obtained.message}")
        backend = keras.backend.backend()
        if spec.has_weights is not None:  # the catalogue knows without running
            weighted = spec.has_weights or spec.random
        else:
            weighted = has_weights if has_weights is not None else weights != "keras"
        name_of_set = baselines.set_name(weighted, weights, backend)
        self._skip_without_backend_set(name_of_set, backend)
        kind = weights if weighted else "none"
        hint = f"pytest --regen-all '{self.request.node.nodeid}'"
        shared = Target(self.root / name_of_set, key, hint, kind)
        running = self.session.numerics()
        known = divergences.find(spec.config_id, backend, keras.version(), running) if spec.config_id else None
        target = shared
        if known:
            # Only that backend, on a Keras the divergence applies to, computes it.
            hint = f"KERAS_BACKEND={backend} {hint}  # keras {known.versions}"
            target = Target(self.root / baselines.divergence_set(known, name_of_set), key, hint, kind)
        label = self._label(target)
        if label in self._checked:
            raise subjects.SubjectError(
                f"this test already checked {label}; give each check in a test its own name= or colorspace="
            )
        self._checked.add(label)
        obtained = dataclasses.replace(obtained, case_id=label)
        if description and isinstance(obtained, Rendering):
            obtained = dataclasses.replace(obtained, description=description)
        self.request.node.user_properties.append((_CASE_PROPERTY, label))
        if self.session.gallery_dir is not None:
            # What was built says more than a factory's name.
            built = " → ".join(info.layer for info in getattr(obtained, "layers", ())) or spec.title
            inputs = photos.labels[: len(images)] if photos and images else ()
            gallery.save_check(self.session.gallery_dir, obtained, self.request.node.nodeid, built, description, inputs)
        self.verify(obtained, target, known, shared, _loosest(self.tolerance, spec.tolerance))
        return obtained

    def _name(self, name: str | None = None) -> str:
        """`name=`, or the test's own name, checked to stay inside the baseline root."""
        __tracebackhide__ = True
        if name:
            return baselines.relative_name(name, f"name={name!r}", self.root, "Give a relative name, e.g. 'photos/cat'.")
        return baselines.relative_name(
            _test_name(self.request.node),
            f"the test id {self.request.node.nodeid!r}",
            self.root,
            "Give its parameter an id without '..' (pytest.param(..., id=...)), or the check a name=.",
        )

    def _skip_without_backend_set(self, name_of_set: str, backend: str) -> None:
        """Keras-mode baselines are per backend: a tree that has other backends' sets but not
        this one's cannot check it (a new tree, without any, gets this one's made)."""
        if not name_of_set.startswith("keras/") or (self.root / name_of_set).is_dir() or self.session.regen_all:
            return
        others = [b for b in baselines.BACKENDS if b != backend and (self.root / "keras" / b).is_dir()]
        if others:
            pytest.skip(
                f"{_NO_BACKEND_SET} {backend} backend ({self.root / name_of_set}): Keras's seeded "
                f"initializers draw different numbers on each backend. Make them with "
                f"`KERAS_BACKEND={backend} pytest --regen-all` (which writes only what no longer matches)"
            )

    def _label(self, target: Target) -> str:
        """A check's name in messages and reports: its set under the root, then its case."""
        return f"{target.folder.relative_to(self.root).as_posix()}/{target.case_id}"

    def _write(self, obtained: Outcome, target: Target, *, image: bool = True, sidecar: bool = True) -> None:
        if baselines.save(obtained, target.png, image=image, sidecar=sidecar):
            self.session.written[target.folder] = target.weights

    def _report(self, make: Callable[[Path], report.Entry], explained: Sequence[str] = ()) -> None:
        """Save the report entry `make` builds (pictures under the report folder), with what
        could explain it, if a report is asked for."""
        out = self.session.report_dir
        if out is not None:
            entry = make(out)
            entry.problems.extend(explained)
            report.save_entry(entry, out)
            self.request.node.user_properties.append((_ENTRY_PROPERTY, entry.case_id))

    def verify(
        self,
        obtained: Outcome,
        target: Target,
        divergence: divergences.Divergence | None = None,
        shared: Target | None = None,
        tolerance: Tolerance | None = None,
    ) -> None:
        """Compare `obtained` with the baseline of `target` (within `tolerance`, default
        the session's), writing it where the options ask; `divergence`: the target records
        a known divergence, and `shared` is the baseline the backend should match once
        upstream fixes it."""
        __tracebackhide__ = True
        session, label = self.session, obtained.case_id
        tolerance = tolerance or self.tolerance
        if session.obtained_dir is not None:
            baselines.save(obtained, baselines.png_path(session.obtained_dir, label))
        if session.regenerating:
            session.regenerated[target.folder] = target.weights
        baseline, unreadable = self._load(target, label)
        if baseline is None:
            self._no_baseline(obtained, target, unreadable)
            return
        comparison = compare(baseline, obtained, tolerance)
        if comparison.ok:
            if session.rewrite:
                self._write(obtained, target)
            return
        # What differs between the numeric environments, which could explain the change.
        explained = [f"numeric environment: {said}" for said in self._numeric_differences(target)]
        if divergence is not None and shared is not None and self._matches(obtained, shared, tolerance):
            message = "\n  ".join([
                f"{label}: divergence fixed upstream: {divergence}.",
                f"The output now matches the shared baseline {shared.png}.",
                *explained,
                f"Record the fix: give this divergence keras_before=\"{_running_keras()}\" (or the first release "
                f"that has it) in layerviz/divergences.py, or the condition it holds under.",
            ])
            self._report(lambda out: report.changed(comparison, out, "divergence fixed upstream"), explained)
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
        self._report(lambda out: report.changed(comparison, out, cause), explained)
        message = self._failure(comparison, target.png, target.hint, explained)
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

    def _matches(self, obtained: Outcome, target: Target, tolerance: Tolerance) -> bool:
        baseline, _ = self._load(target, obtained.case_id)
        return baseline is not None and compare(baseline, obtained, tolerance).ok

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

    def _numeric_differences(self, target: Target) -> list[str]:
        return numerics.differences((baselines.read_manifest(target.folder) or {}).get("numerics"), self.session.numerics())

    def _failure(self, comparison: Comparison, expected_png: Path, hint: str, explained: Sequence[str] = ()) -> str:
        """The failure message, after writing the pictures a person needs to judge it."""
        obtained_path = self._save_obtained(comparison.obtained, expected_png)
        lines = [comparison.message(), f"  baseline:     {expected_png}", f"  obtained:     {obtained_path}"]
        baseline, obtained = comparison.baseline, comparison.obtained
        if isinstance(baseline, Rendering) and isinstance(obtained, Rendering):

            def artifact(kind: str) -> Path:
                return self.output_dir / f"{expected_png.stem}.{kind}.png"

            panels = [baseline.pixels, obtained.pixels]
            if comparison.diff is not None:
                heat = heat_map(comparison.diff, comparison.tolerance.levels)
                panels.append(heat)
                artifact("diff").write_bytes(encode_png(heat))
                lines.append(f"  diff map:     {artifact('diff')}")
            artifact("side-by-side").write_bytes(encode_png(side_by_side(panels)))
            lines.append(f"  side by side: {artifact('side-by-side')} (baseline | obtained | diff)")
        lines += [f"  {said}" for said in explained]
        lines.append(f"If the change is intended: `{hint}`")
        return "\n".join(lines)


def _loosest(tolerance: Tolerance, floor: tuple[int, float, float] | None) -> Tolerance:
    """The session's tolerance, loosened to what a configuration is measured to need."""
    if floor is None:
        return tolerance
    return Tolerance(*(max(mine, needed) for mine, needed in zip(dataclasses.astuple(tolerance), floor, strict=True)))


def _test_name(item: pytest.Item) -> str:
    """<test module>/<test name>[<param id>] (classes too), safe as a relative path."""
    module, *rest = item.nodeid.split("::")
    parts = [Path(module).stem, *rest]
    return "/".join(re.sub(r'[<>:"|?*\\]', "_", part).strip(". ") or "_" for part in parts)


def _running_keras() -> str:
    import keras

    return keras.version()


@pytest.fixture
def layer_regression(request: pytest.FixtureRequest, tmp_path: Path) -> LayerRegression:
    """Render catalogue cases and compare them to `baselines/`; artifacts go to `tmp_path`."""
    return LayerRegression(request, tmp_path)

"""Project-wide pytest setup: pytester, the hypothesis profiles, and quick xdist workers
(the layerviz plugin loads by itself, through its entry point, as in any project that
installs layerviz)."""

import gc
import importlib.abc
import importlib.machinery
import os
import sys

import pytest

# TensorFlow's C++ start-up chatter says nothing about the layers under test.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# pytester runs the plugin's own tests (tests/test_pytest_plugin.py).
pytest_plugins = ["pytester"]

# Each speed trick below stays only while it earns its place: `benchmarks/bench.py --tricks`
# turns them off one at a time (gc, hypothesis-hook, hypothesis-summary), each run paired
# with one that has them all (benchmarks/README.md, 2026-12-07: what each earned).
WITHOUT = frozenset(os.environ.get("LAYERVIZ_BENCH_WITHOUT", "").split(","))

# Importing Keras and TensorFlow, then collecting, makes some 270,000 objects that live as
# long as the process, and the collector walked them again and again while they came. It
# resumes, with them frozen, when the tests start (below): the visual checks 1.8 s faster
# (5 of 5 paired runs), the whole suite 4.4 s (3 of 5).
if "gc" not in WITHOUT:
    gc.disable()


def _load_hypothesis_profiles() -> None:
    from hypothesis import settings

    # Default: the same examples on every run and machine, few enough to stay fast.
    # No deadline: the first eager call of a Keras layer is much slower than the rest.
    settings.register_profile("ci", derandomize=True, max_examples=15, deadline=None, database=None)
    # Opt in with `pytest --hypothesis-profile=thorough`: random, many more examples.
    settings.register_profile("thorough", max_examples=300, deadline=None)
    settings.load_profile("ci")


class _ProfilesOnImport(importlib.abc.MetaPathFinder):
    """Loads the profiles the moment hypothesis is first imported: by a test module, before
    it decorates a test with the default settings, or by hypothesis's own plugin for
    `--hypothesis-profile`, before it loads the one named. A run without property tests (the
    visual checks alone) never imports hypothesis: 1.6 s faster (5 of 5 paired runs)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name != "hypothesis":
            return None
        # It stays until hypothesis runs: a lookup may only probe (torch's dynamo asks
        # whether hypothesis is installed, then the suite imports it).
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None:
            spec.loader = _ThenLoadProfiles(spec.loader)
        return spec


class _ThenLoadProfiles(importlib.abc.Loader):
    """The loader hypothesis would have had, loading the profiles once it has run."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> object:  # resource readers and the like
        return getattr(self.loader, name)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> object:
        return self.loader.create_module(spec)

    def exec_module(self, module: object) -> None:
        self.loader.exec_module(module)
        if _FINDER in sys.meta_path:
            sys.meta_path.remove(_FINDER)  # every later import goes the usual way
        _load_hypothesis_profiles()


_FINDER = _ProfilesOnImport()
if "hypothesis" in sys.modules or "hypothesis-hook" in WITHOUT:
    _load_hypothesis_profiles()
else:
    sys.meta_path.insert(0, _FINDER)


def pytest_configure(config: pytest.Config) -> None:
    worker = hasattr(config, "workerinput")
    if worker or not getattr(config.option, "numprocesses", None):  # a process that runs tests
        _start_keras_quietly()


def _start_keras_quietly() -> None:
    """Import Keras and run one op with TensorFlow's start-up lines (absl's "All log
    messages before absl::InitializeLog()", "oneDNN custom operations are on") kept off
    stderr: TensorFlow 2.21 prints them whatever TF_CPP_MIN_LOG_LEVEL says, once at import
    and once at its first op, two lines a worker each time. They say nothing about the
    layers under test; `pytest` shows the numeric environment in its header instead."""
    from layerviz.core import quiet

    with quiet.native_logs(quiet.level()):
        import keras

        keras.ops.convert_to_numpy(keras.ops.zeros(1))


def pytest_collection_finish(session: pytest.Session) -> None:
    hypothesis = sys.modules.get("hypothesis")
    if hypothesis is not None and hypothesis.settings.get_current_profile_name() == "default":
        raise pytest.UsageError(
            "hypothesis runs with its default profile: the suite's profiles did not load (conftest.py)"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    # Frozen, start-up's objects are out of every later collection's way: pytest's own at
    # the end of a run took 0.3 s a process, measured. The collector sees what tests make.
    if "gc" not in WITHOUT:
        gc.freeze()
        gc.enable()


@pytest.hookimpl(trylast=True)  # after the other hooks, before the terminal summary
def pytest_sessionfinish(session: pytest.Session) -> None:
    # hypothesis's terminal summary imports all of hypothesis, in every process, even with
    # nothing to show: no statistics asked for, no failing example to write a patch for (a
    # controller sees its workers' in their reports). It is left out then: the visual checks
    # 1.3 s faster (5 of 5 paired runs), the whole suite 3.0 s (4 of 5).
    config = session.config
    if "hypothesis-summary" in WITHOUT:
        return
    if "hypothesis" in sys.modules or config.getoption("hypothesis_show_statistics", False):
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    reports = [report for reports in (reporter.stats.values() if reporter else ()) for report in reports]
    if not any("_hypothesis_failing_examples" in vars(report) for report in reports if hasattr(report, "__dict__")):
        config.pluginmanager.unregister(name="hypothesispytest")

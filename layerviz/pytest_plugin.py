"""pytest plugin: layerviz's options and hooks, and the `layer_regression` fixture.

Loaded by itself wherever layerviz is installed (the `pytest11` entry point). The
session (`layerviz.plugin.session`) holds what a run shares, the fixture (`layerviz.plugin.fixture`)
checks, and the verdict (`layerviz.judge.verdict`) decides. It honours pytest-regressions'
`--force-regen` and `--regen-all`, but rewrites a baseline only where the new rendering
no longer matches it (`--layerviz-rewrite` rewrites them all), so a regeneration on
another machine changes nothing that did not change in behaviour.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from layerviz.core import numerics
from layerviz.core.tolerance import MAX_LEVEL_DIFF, STATS_ATOL, STATS_RTOL, Tolerance
from layerviz.judge.verdict import Mode
from layerviz.plugin.session import LayerSession, Settings
from layerviz.store import baselines, manifest

if TYPE_CHECKING:
    from layerviz.plugin.fixture import LayerRegression

_PLUGIN_NAME = "layerviz-session"


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

    def folder(self, config: pytest.Config) -> Path | None:
        """A DIR setting's folder, None where it is not given."""
        value = self.value(config)
        assert value is None or isinstance(value, Path), self.name
        return value

    def number(self, config: pytest.Config) -> float:
        value = self.value(config)
        assert isinstance(value, int | float), self.name
        return value


SETTINGS = {
    setting.name: setting
    for setting in (
        _Setting(
            "baselines",
            "DIR",
            "baseline tree to compare against (default: <rootdir>/baselines; without an ini file, the nearest "
            "baselines/ above, or the git root's)",
        ),
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
        _Setting(
            "atol",
            "X",
            "absolute tolerance of the raw-output statistics, times the output's largest |value|",
            float,
            STATS_ATOL,
        ),
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


# layerviz's own flags, name -> help (--regen-all and --force-regen are pytest-regressions').
FLAGS = {
    "rewrite": "regenerate like --regen-all, but rewrite every baseline, even those that still match",
    "prune": "with --regen-all: delete the baseline files no check of this run used, when the run covered every "
    "check (nothing deselected or failed)",
}


# pytest-regressions' regeneration flags, as layerviz honours them.
REGRESSIONS_FLAGS = {
    "regen-all": "rewrite the baselines that no longer match (and write missing ones), and pass",
    "force-regen": "rewrite the baselines that no longer match (and write missing ones), and fail once",
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
    for name, text in FLAGS.items():
        group.addoption(f"--layerviz-{name}", dest=f"layerviz_{name}", action="store_true", default=False, help=text)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(LayerSession(config, settings(config)), _PLUGIN_NAME)


def settings(config: pytest.Config) -> Settings:
    """The run's options, each from the command line, else the ini file, else its default."""
    mode = numerics_mode(config)
    return Settings(
        root=baseline_root(config),
        report_dir=SETTINGS["report"].folder(config),
        obtained_dir=SETTINGS["obtained"].folder(config),
        gallery_dir=SETTINGS["gallery"].folder(config),
        tolerance=Tolerance(
            int(SETTINGS["levels"].number(config)), SETTINGS["rtol"].number(config), SETTINGS["atol"].number(config)
        ),
        numerics=mode,
        mode=Mode.of(
            regen_all=bool(config.getoption("regen_all")),
            force_regen=bool(config.getoption("force_regen")),
            rewrite=bool(config.getoption("layerviz_rewrite")),
            environ=os.environ,
        ),
        prune=bool(config.getoption("layerviz_prune")),
    )


def baseline_root(config: pytest.Config) -> Path:
    """The baseline tree: a folder, made as baselines are written if it does not exist yet;
    anything else there is a usage error, said before any check runs."""
    given = SETTINGS["baselines"].folder(config)
    root = given or default_root(config)
    if root.exists() and not root.is_dir():
        where = "the default baseline tree"
        if given:
            on_command_line = config.getoption("layerviz_baselines") is not None
            where = "--layerviz-baselines" if on_command_line else "layerviz_baselines"
        raise pytest.UsageError(
            f"{where} {root}: this is a file, not a folder; give the folder of a baseline tree "
            f"(it is made if it does not exist)"
        )
    return root


def default_root(config: pytest.Config) -> Path:
    """`<rootdir>/baselines`. Without an ini file, pytest's rootdir is where it was started
    (`cd tests && pytest`): then the nearest folder above with a baseline tree, or with
    `.git`, is the project's, so a run from a subfolder finds the same baselines."""
    if config.inipath is not None:
        return config.rootpath / "baselines"
    for folder in (config.rootpath, *config.rootpath.parents):
        tree = folder / "baselines"
        if any((tree / name / baselines.MANIFEST).is_file() for name in baselines.set_names()):
            return tree
        if (folder / ".git").exists():
            return tree
    return config.rootpath / "baselines"


def numerics_mode(config: pytest.Config) -> str:
    try:
        return numerics.check_mode(str(SETTINGS["numerics"].value(config)))
    except numerics.NumericsError as error:
        raise pytest.UsageError(f"layerviz_numerics: {error}") from None


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    session = _session(config)
    # A pytest-xdist controller leaves Keras to its workers: importing it here would delay
    # them as long (1.3 s, measured). The lines come at the end, from them.
    return None if session.distributed else environment_lines(session) or None


@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    session = _session(config)
    if session.distributed and session.pinned is not None:
        for line in environment_lines(session):
            terminalreporter.write_line(line)


def environment_lines(session: LayerSession) -> list[str]:
    """What the run ran on beside what made the baselines; none without baselines."""
    made = manifest.describe_tree(session.settings.root)
    if not made:
        return []
    running = session.numerics()
    lines = [
        f"layerviz: baselines: {made}; running: {session.running()}",
        f"layerviz: numerics: {numerics.summary(running)}",
    ]
    for sets, said in manifest.numeric_differences(session.settings.root, running).items():
        lines.append(f"layerviz: {', '.join(sets)}: {'; '.join(said)}")
    return lines


def _session(config: pytest.Config) -> LayerSession:
    plugin = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    assert isinstance(plugin, LayerSession)
    return plugin


@pytest.fixture
def layer_regression(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LayerRegression:
    """Render Keras layers (or the catalogue's cases) and compare them with their
    baselines; a failure leaves its pictures in the session's temporary folder."""
    from layerviz.plugin.fixture import LayerRegression  # imports Keras: only where a test asks for it

    nodeid = request.node.nodeid
    # Made only when a failure writes into it: 400 empty folders a run cost time to make and clean.
    folder = (
        f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.name)[:60]}-{hashlib.sha1(nodeid.encode()).hexdigest()[:8]}"
    )
    return LayerRegression(request, _session(request.config), tmp_path_factory.getbasetemp() / "layerviz" / folder)

"""The package's layout holds: every module sits in the room of its pipeline stage, and
imports go only down the stages (or within one), never in a cycle, at module level or
inside a function alike (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "layerviz"
# Lowest first: a stage may import its own modules and those of the stages before it.
STAGES = ("core", "inputs", "catalogue", "pipeline", "judge", "store", "pages", "plugin", "upgrade", "cli")
# The modules outside a stage's room, and the stage each belongs to: the entry points.
TOP = {"layerviz": None, "layerviz.__main__": "cli", "layerviz.pytest_plugin": "plugin"}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(path: Path, known: set[str]) -> set[str]:
    """The layerviz modules `path` imports anywhere in it."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            # `from layerviz.store import baselines` imports the module layerviz.store.baselines.
            names |= {f"{node.module}.{alias.name}" for alias in node.names} & known or {node.module}
    return {name for name in names if name in known}


def stage(module: str) -> int | None:
    if module in TOP:
        return None if TOP[module] is None else STAGES.index(TOP[module])
    return STAGES.index(module.split(".")[1])


GRAPH = {module: imported(path, set(modules())) - {module} for module, path in modules().items()}


def test_every_module_is_in_a_stages_room():
    assert {module.split(".")[1] for module in GRAPH if module not in TOP} == set(STAGES)
    for module in GRAPH:
        assert module in TOP or module.split(".")[1] in STAGES, module


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_go_down_the_stages(module):
    mine = stage(module)
    upward = [other for other in GRAPH[module] if mine is not None and (stage(other) or 0) > mine]
    assert not upward, f"{module} (stage {STAGES[mine]}) imports a later stage: {upward}"


def test_no_module_imports_itself_back():
    """No cycle among the modules (a package's __init__ re-exporting its own modules aside)."""
    edges = {m: {o for o in deps if m != o.rsplit(".", 1)[0]} for m, deps in GRAPH.items()}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join([*path, module])
        if module in done:
            return
        for other in sorted(edges[module]):
            visit(other, (*path, module))
        done.add(module)

    for module in sorted(edges):
        visit(module, ())


def test_the_graph_sees_lazy_imports():
    """A function-level import counts: session imports the gallery only when it makes one."""
    assert "layerviz.pages.gallery" in GRAPH["layerviz.plugin.session"]


def test_contributings_map_names_every_room_and_module():
    """The map a newcomer reads (CONTRIBUTING.md, also the site's Contributing page)."""
    text = (PACKAGE.parent / "CONTRIBUTING.md").read_text()
    layout = text[text.index("## Layout") :]
    for module in GRAPH:
        if module in TOP:
            continue
        parts = module.split(".")
        assert f"  {parts[1]}/" in layout, parts[1]
        if len(parts) == 3:
            assert re.search(rf"\b{parts[2]}\b", layout), module


def test_no_module_runs_over_400_lines():
    """Small modules that each own one idea: past 400 lines a module holds two."""
    long = {module: n for module, path in modules().items() if (n := len(path.read_text().splitlines())) > 400}
    assert not long, long


# `python -m layerviz` (layerviz/__main__.py) is an entry point, not a module of its own to
# test: the command's tests run it in new interpreters.
TESTED_IN = {"__main__": "test_app"}


def test_every_module_has_a_test_module_or_names_the_one_that_tests_it():
    """Tests mirror modules: layerviz/<stage>/<module>.py is tested in tests/test_<module>.py.
    The only module exempt is an entry point, and TESTED_IN names the test module that runs it."""
    tests = PACKAGE.parent / "tests"
    own = {module for module in GRAPH if (tests / f"test_{module.rsplit('.', 1)[-1]}.py").is_file()}
    others = {module.removeprefix("layerviz.") for module in GRAPH} - {m.removeprefix("layerviz.") for m in own}
    others -= {"layerviz", "pytest_plugin", *STAGES}  # the package and its stages' __init__s
    assert others == set(TESTED_IN), sorted(others ^ set(TESTED_IN))
    assert all((tests / f"{test}.py").is_file() for test in TESTED_IN.values())

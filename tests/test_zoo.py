"""The zoo (`tests/zoo.py`) as a user's project: every model's first run creates its
baseline, the second passes, a CI run passes and writes nothing, and a gain of 1.05 in
one middle layer fails, naming that layer as the first that differs."""

import xml.etree.ElementTree as ET

import pytest

import layerviz.plugin.fixture  # noqa: F401  imported once, out here (see test_pytest_plugin.py)
from tests import zoo

from plugin_projects import make_project

PROJECT = """
    from pathlib import Path

    import pytest

    from tests import zoo


    @pytest.mark.parametrize(("name", "colorspace"), zoo.PARAMS)
    def test_model(layer_regression, name, colorspace):
        zoo.CHECKS[name](layer_regression, colorspace, Path(__file__).parent / "models")
    """


def _tree(project):
    return {p: p.read_bytes() for p in (project.path / "baselines").rglob("*") if p.is_file()}


def _failures(junit):
    """Test id -> its failure message, from a junit XML report."""
    cases = ET.parse(junit).getroot().iter("testcase")
    return {case.get("name"): case.find("failure").text for case in cases if case.find("failure") is not None}


@pytest.mark.slow
def test_every_zoo_model_is_created_passes_passes_in_ci_and_fails_naming_its_changed_layer(pytester, monkeypatch):
    monkeypatch.delenv("ZOO_GAIN", raising=False)
    project = make_project(pytester, monkeypatch, "test_zoo_models", PROJECT)
    zoo.trained(project.path / "models")  # the user's trained model, saved beside the tests
    count = len(zoo.PARAMS)
    created = project.runpytest()
    created.assert_outcomes(failed=count)
    assert created.stdout.str().count("No baseline existed; created") == count
    project.runpytest().assert_outcomes(passed=count)
    made = _tree(project)
    monkeypatch.setenv("CI", "true")
    project.runpytest().assert_outcomes(passed=count)
    assert _tree(project) == made
    log, junit = project.path / "gained.txt", project.path / "junit.xml"
    monkeypatch.setenv("ZOO_GAIN", str(log))
    changed = project.runpytest(f"--junitxml={junit}")
    changed.assert_outcomes(failed=count)
    assert _tree(project) == made
    gained = dict(line.split("\t") for line in log.read_text().splitlines())
    failures = _failures(junit)
    for test, message in failures.items():
        [layer] = [name for node, name in gained.items() if node.endswith(f"::{test}")]
        assert f"first differing layer: `{layer}` (" in message, f"{test}: {message}"
    assert len(failures) == count

"""The project's conftest.py: hypothesis's profiles load whenever hypothesis is imported."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# A new interpreter, since this one has imported hypothesis already: `pytest -m slow`.
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("probe", ["", "importlib.util.find_spec('hypothesis')"], ids=["imported", "probed first"])
def test_the_suites_hypothesis_profile_loads_when_hypothesis_is_imported(probe):
    """Also after a lookup that imports nothing: torch's dynamo asks whether hypothesis is
    installed, and the suite's property tests then ran with hypothesis's default profile."""
    code = (
        f"import importlib.util, conftest; {probe or 'pass'}; "
        "import hypothesis; print(hypothesis.settings.get_current_profile_name())"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["ci"]

"""The README's "Test your own layers" runs verbatim: its example is a file of the worked
example project, which CI runs (`.ci/run`: `cd examples/colour-layers && pytest`)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "colour-layers"


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def test_the_ten_line_example_is_the_example_projects_quickstart():
    section = readme_section("Test your own layers")
    first = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert first is not None and section.index("```python") < section.index("layer_regression.check(subject")
    code = first.group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    assert code == (EXAMPLE / "tests" / "test_quickstart.py").read_text()
    assert "cd examples/colour-layers && pytest" in section
    assert "(cd examples/colour-layers && pytest)" in (ROOT / ".ci" / "run").read_text()


def test_the_example_project_has_no_conftest_and_commits_its_baselines():
    assert not list(EXAMPLE.rglob("conftest.py"))
    for name in ("weightless", "fixed", "keras/tensorflow"):
        assert (EXAMPLE / "baselines" / name / "MANIFEST.json").is_file(), name
    assert (EXAMPLE / "baselines/weightless/test_quickstart/test_negative/rgb.png").is_file()

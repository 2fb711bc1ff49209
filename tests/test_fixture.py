"""The fixture's public face: check()'s reference, which the documentation site renders
from its docstring, documents exactly the arguments check() takes."""

import inspect
import re
from pathlib import Path

from layerviz.plugin.fixture import LayerRegression

ROOT = Path(__file__).resolve().parents[1]


def test_check_documents_every_argument_it_takes_and_no_other():
    signature = inspect.signature(LayerRegression.check)
    taken = [name for name in signature.parameters if name != "self"]
    doc = inspect.getdoc(LayerRegression.check)
    arguments = doc[doc.index("Args:\n") :]
    documented = re.findall(r"^    (\w+): ", arguments, re.MULTILINE)
    assert documented == taken


def test_the_usage_page_renders_check_from_its_docstring():
    assert "::: layerviz.plugin.fixture.LayerRegression.check\n" in (ROOT / "docs" / "usage.md").read_text()
    assert "- mkdocstrings:" in (ROOT / "mkdocs.yml").read_text()

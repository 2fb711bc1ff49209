"""Every page layerviz writes is its templates' markup and nothing else: hostile strings fed
through every field a page shows (test ids, names, descriptions, layer and activation
names, file names, exception messages, statistics read from JSON) come out as text.

Each page is rendered twice, once with a plain word in every field and once with hostile
strings, and parsed (html5lib, strictly): both must have the same elements with the same
attributes, and every hostile string must be there, as text or an attribute's value."""

from __future__ import annotations

import tempfile
from pathlib import Path
from xml.etree import ElementTree

import html5lib
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerviz.catalogue.cases import LayerInfo
from layerviz.cli import main
from layerviz.core.raised import Raised
from layerviz.inputs.colorspaces import RGB
from layerviz.inputs.images import PhotoSet
from layerviz.pages import findings, gallery, gallery_page, model_sheet, page, report
from layerviz.pipeline.render import render
from layerviz.store import baselines
from layerviz.upgrade import matrix
from layerviz.upgrade.matrix import Cell, Matrix, Release, Row, State
from layerviz.upgrade.sweep import StackResult

# What breaks out of text, attributes, comments and templates, among ordinary characters.
FRAGMENTS = [
    "<script>alert(9)</script>",
    "<img src=x onerror=alert(1)>",
    '"><b>',
    "' onmouseover='x",
    "</td></tr></table>",
    "<!--",
    "-->",
    "<![CDATA[",
    "&amp;",
    "&lt;",
    "{{ 7*7 }}",
    "{% raw %}",
    "javascript:alert(1)",
    "</title><svg onload=alert(1)>",
    "\n",
]
# Characters a strict HTML parser accepts as text (controls and noncharacters are parse errors
# of the input stream, whoever wrote it).
CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn"))
# A leading word: a field whose value starts a certain way (a cause "now raises ...") must be
# shown the same way for the plain and the hostile value.
HOSTILE = st.lists(st.sampled_from(FRAGMENTS) | st.text(CHARACTERS, min_size=1), min_size=1, max_size=5).map(
    lambda parts: "h" + "".join(parts)
)
PLAIN = "h"  # and a number: plain values are distinct too


def parsed(text: str) -> ElementTree.Element:
    """The page's tree, parsed strictly: any parse error raises."""
    parser = html5lib.HTMLParser(strict=True, tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    return parser.parse(text)


def shape(tree: ElementTree.Element) -> list[tuple[str, tuple[str, ...]]]:
    """The page's elements with their attributes' names, in document order."""
    return [(element.tag, tuple(sorted(element.attrib))) for element in tree.iter()]


def shown(tree: ElementTree.Element) -> str:
    """Everything the page shows as data: its text and its attributes' values."""
    return "".join(tree.itertext()) + "\0" + "\0".join(v for element in tree.iter() for v in element.attrib.values())


def assert_only_data(make, values: list[str]) -> None:
    """`make(values)` and `make(plain values)` are the same markup, and shows every value
    (values are distinct, as the plain ones are: which fields are equal can shape a page)."""
    hostile = parsed(make(values))
    plain = parsed(make([f"{PLAIN}{number}" for number in range(len(values))]))
    assert shape(hostile) == shape(plain)
    seen = shown(hostile)
    for value in values:
        assert value in seen, value


FAST = settings(
    max_examples=max(40, settings.default.max_examples), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def report_page(values: list[str]) -> str:
    (case_id, group, title, cause, problem, before, activation, channel, example, label, fact, note, heading) = values
    numbers = {
        "total_pixels": 256,
        "changed_pixels": 3,
        "max_diff": 5,
        "bbox": [0, 1, 2, 3],
        "stats_moved": [{"name": activation, "channel": channel, "before": 1.0, "after": 2.0}],
    }
    images = {column: {"path": before, "width": 16, "height": 16} for column in findings.COLUMNS}
    entries = [
        findings.Entry(case_id, "changed", [problem], images, numbers, cause=cause, group=group, title=title),
        # An exception's message is shown beside its cause; a second configuration lists both.
        findings.Entry(
            case_id + "2", "error", [example], cause="now raises " + example, group=group + "2", title=title
        ),
        findings.Entry(
            case_id + "3", "error", [example], cause="now raises " + example, group=group + "3", title=title
        ),
    ]
    with tempfile.TemporaryDirectory() as out:
        index = report.write(
            Path(out), entries, title=heading, labels={"before": label}, compared=3, facts={fact: fact}, note=note
        )
        return index.read_text()


@FAST
@given(st.lists(HOSTILE, min_size=13, max_size=13, unique=True))
def test_the_report_shows_every_field_as_text(values):
    assert_only_data(report_page, values)


def the_gallery_page(values: list[str]) -> str:
    (
        section,
        row_name,
        row_description,
        shown_id,
        alt,
        quote,
        description,
        photo,
        raised_type,
        raised,
        layer,
        label,
        fact,
        title,
        about,
    ) = values
    pixels = np.zeros((16, 16, 3), np.uint8)
    picture = render("a", RGB, np.zeros((8, 8, 3), np.float32), layers=(LayerInfo(layer, (8, 8, 3), 12),) * 2)
    items = (
        gallery.Item("a", section, "r1", row_name, row_description, "rgb", shown_id, alt, quote, description, (photo,)),
        gallery.Item("b", section, "r2", row_name, row_description, "rgb", shown_id, alt),
    )
    return gallery_page.html_page(
        gallery.Gallery(
            items,
            {"a": picture, "b": Raised(shown_id, raised_type, raised)},
            [(label, pixels)],
            facts={fact: fact, "weights": fact},
            title=title,
            about=about,
        )
    )


@FAST
@given(st.lists(HOSTILE, min_size=15, max_size=15, unique=True))
def test_the_gallery_shows_every_field_as_text(values):
    assert_only_data(the_gallery_page, values)


def sweep_page(values: list[str]) -> str:
    package, backend, reference, release, failed, error, version, check, detail, picture = values
    cells = {release: Cell(State.DIFFERS, detail, picture), failed: Cell(State.FAILED, error)}
    releases = (
        Release(StackResult(release, [], backend, "", {version: version}), note=detail),
        Release(StackResult(failed, [], backend, error)),
    )
    return matrix._html(Matrix(package, backend, reference, {}, releases, (Row(check, cells),)))


@FAST
@given(st.lists(HOSTILE, min_size=10, max_size=10, unique=True))
def test_the_sweep_matrix_shows_every_field_as_text(values):
    assert_only_data(sweep_page, values)


def sheet_page(values: list[str]) -> str:
    title, weights, photo, name, layer = values
    raw = np.linspace(0, 1, 8 * 8 * 3, dtype=np.float32).reshape(8, 8, 3)
    rendering = render("m", RGB, raw, input_shape=(8, 8, 3), trace=[(name, layer, raw, 7)])
    photos = PhotoSet([photo], [lambda size: np.full((size, size, 3), 0.5, np.float32)])
    with tempfile.TemporaryDirectory() as out:
        return model_sheet.write(model_sheet.Loaded(None, weights, title), rendering, photos, Path(out)).read_text()


@settings(max_examples=max(15, settings.default.max_examples), deadline=None)  # writes PNGs: fewer
@given(st.lists(HOSTILE, min_size=5, max_size=5, unique=True))
def test_the_model_sheet_shows_every_field_as_text(values):
    assert_only_data(sheet_page, values)


def test_every_template_is_autoescaped():
    """The templates escape what they are given: none marks a value as markup."""
    templates = sorted(Path(page.__file__).parent.joinpath("templates").glob("*.j2"))
    assert len(templates) >= 5
    for template in templates:
        text = template.read_text()
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, template.name
    assert page.environment().autoescape is True


def test_an_activation_name_from_a_stats_file_is_text_in_layerviz_diff(tmp_path, capsys):
    """The stored injection of issue 27: `layerviz diff` on a .stats.json whose activation
    name is a script (once inserted into the report verbatim)."""
    script = "<script>alert(9)</script>"
    raw = np.linspace(-1, 1, 16 * 16 * 3, dtype=np.float32).reshape(16, 16, 3)
    for root, gain in (("before", 1.0), ("after", 2.0)):
        case = render("dense/relu/rgb", RGB, raw, pre_activation=[(0, script, raw * gain)])
        baselines.save(case, baselines.png_path(tmp_path / root, "dense/relu/rgb"))
    out = tmp_path / "out"
    assert main(["diff", str(tmp_path / "before"), str(tmp_path / "after"), "--out", str(out)]) == 1
    text = (out / "index.html").read_text()
    assert script not in text
    tree = html5lib.parse(text, namespaceHTMLElements=False)
    assert not list(tree.iter("script"))
    assert f"before {script}" in "".join(tree.itertext())  # shown, as text
    capsys.readouterr()

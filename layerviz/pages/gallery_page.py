"""The gallery's page (gallery.html.j2): plain data made of a Gallery, which the template
escapes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from layerviz.catalogue import POST_SECTIONS, SECTION_NOTES, SECTION_TITLES
from layerviz.core.raised import Raised
from layerviz.pages import page
from layerviz.pages.gallery import Gallery, Item, input_path, section_key, sheet_path


def html_page(gallery: Gallery) -> str:
    inputs = []
    for index, (label, pixels) in enumerate(gallery.inputs):
        role = "first input" if index == 0 else "second input (merging layers)"
        height, width = pixels.shape[:2]
        inputs.append(page.Photo(page.picture(input_path(index), label, width, height), label, role))
    # The catalogue's sections beyond the post's get a heading of their own, before the first.
    beyond = next(
        (s for s in gallery.sections if section_key(s) in SECTION_TITLES and section_key(s) not in POST_SECTIONS),
        None,
    )
    return page.render(
        "gallery.html.j2",
        title=gallery.title,
        about=gallery.about,
        colorspaces=gallery.colorspaces,
        pictures=len(gallery.items),
        weights=gallery.facts.get("weights"),
        inputs=inputs,
        sections=[_section(gallery, section, section == beyond) for section in gallery.sections],
        facts=dict(gallery.facts),
    )


@dataclass(frozen=True)
class _Figure:
    """A picture of the grid and its caption, or the exception its layers raised."""

    shown_id: str
    picture: page.Picture | None  # None: it raised
    raised_type: str = ""
    raised: str = ""  # the exception, as Raised says it
    width: int = 0  # the picture's own pixels
    height: int = 0
    parameters: str = ""
    quote: str = ""
    description: str = ""
    inputs: str = ""


@dataclass(frozen=True)
class _GridRow:
    name: str
    description: str
    cells: list[_Figure | None]  # by colour space; None where the row has no picture in one


@dataclass(frozen=True)
class _SummaryLayer:
    layer: str
    shape: str
    parameters: str


@dataclass(frozen=True)
class _Summary:
    """A multi-layer configuration's model summary, as Keras prints it."""

    shown_id: str
    layers: list[_SummaryLayer]
    total: str


@dataclass(frozen=True)
class _Section:
    title: str
    anchor: str
    note: str
    sheet: str  # its own cheat sheet, where the gallery has several sections; "" otherwise
    summaries: list[_Summary]  # none: no summary table
    rows: list[_GridRow]
    beyond: bool  # the first section beyond the post's


def _section(gallery: Gallery, section: str, beyond: bool) -> _Section:
    rows = gallery.rows(section)
    items = [item for row in rows for item in row if item]
    summaries = []
    if any(len(getattr(gallery.renderings[item.key], "layers", ())) > 1 for item in items):
        summaries = _summaries(gallery, items)
    shown = []
    for row in rows:
        first = next(item for item in row if item)
        figures = [_figure(gallery, item) if item else None for item in row]
        shown.append(_GridRow(first.row_name, first.row_description, figures))
    return _Section(
        section,
        re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-"),
        SECTION_NOTES.get(section_key(section), ""),
        sheet_path(section) if len(gallery.sections) > 1 else "",
        summaries,
        shown,
        beyond,
    )


def _figure(gallery: Gallery, item: Item) -> _Figure:
    rendering = gallery.renderings[item.key]
    if isinstance(rendering, Raised):
        return _Figure(item.shown_id, None, raised_type=rendering.type, raised=str(rendering))
    height, width = rendering.pixels.shape[:2]
    return _Figure(
        item.shown_id,
        page.picture(item.path, item.alt, width, height),
        width=width,
        height=height,
        parameters=f"{rendering.parameters:,}",
        quote=item.quote,
        description=item.description or rendering.description,
        inputs=", ".join(item.inputs),
    )


def _summaries(gallery: Gallery, items: list[Item]) -> list[_Summary]:
    """Model summaries (as Keras prints them) of multi-layer configurations."""
    summaries = []
    for item in items:
        rendering = gallery.renderings[item.key]
        if isinstance(rendering, Raised):
            continue
        layers = [
            _SummaryLayer(info.layer, ", ".join(["None", *map(str, info.output_shape)]), f"{info.parameters:,}")
            for info in rendering.layers
        ]
        summaries.append(_Summary(item.shown_id, layers, f"{rendering.parameters:,}"))
    return summaries

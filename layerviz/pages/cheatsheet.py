"""The gallery as one PNG sheet (cheatsheet.png, a sheet a section): labelled rows and a
column a colour space, each picture fitted to its cell."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from layerviz.core.raised import Raised
from layerviz.judge.compare import Outcome
from layerviz.pages.gallery import Gallery
from layerviz.pipeline.render import Rendering

CELL = 128  # px per picture on cheatsheet.png


LABEL_WIDTH = 230


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _cell(shown: Outcome | np.ndarray) -> Image.Image:
    if isinstance(shown, Raised):
        image = Image.new("RGB", (CELL, CELL), "#eeeeee")
        text = "\n".join(textwrap.wrap(f"raises {shown}", 22)[:8])
        ImageDraw.Draw(image).multiline_text((6, 6), text, fill="#a40000", font=_font(11))
        return image
    image = Image.fromarray(shown.pixels if isinstance(shown, Rendering) else shown).convert("RGB")
    if image.width == CELL and image.height == CELL:
        return image
    # Fit the cell without changing the aspect: enlarge without smoothing (pooling jaggies
    # stay visible), reduce by averaging.
    scale = CELL / max(image.width, image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    resample = Image.Resampling.NEAREST if scale > 1 else Image.Resampling.BOX
    cell = Image.new("RGB", (CELL, CELL), "white")
    cell.paste(image.resize(size, resample), (0, 0))
    return cell


def cheatsheet(gallery: Gallery, sections: Sequence[str] | None = None) -> Image.Image:
    """The gallery's grid (or that of some `sections`) as one image: labelled rows and
    columns, section bands."""
    gap, band, header = 6, 26, 24
    columns = gallery.colorspaces
    width = LABEL_WIDTH + max(len(columns), len(gallery.inputs)) * (CELL + gap) + gap
    rows = [(section, gallery.rows(section)) for section in sections or gallery.sections]
    caption = 16
    height = 40 + band + CELL + caption + gap + header
    height += sum(band + len(section_rows) * (CELL + gap) for _, section_rows in rows) + 24
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    title, label, small = _font(20), _font(13), _font(11)
    draw.text((gap, 8), f"{gallery.title}: {gallery.about.lower()}", fill="black", font=title)
    y = 40
    draw.text((gap, y + 4), "Inputs", fill="black", font=label)
    y += band
    for index, (name, pixels) in enumerate(gallery.inputs):
        x = LABEL_WIDTH + index * (CELL + gap)
        sheet.paste(_cell(pixels), (x, y))
        draw.text((x, y + CELL + 1), name, fill="#444", font=small)
    y += CELL + caption + gap
    for index, space in enumerate(columns):
        draw.text((LABEL_WIDTH + index * (CELL + gap), y), space, fill="black", font=label)
    y += header
    for section, section_rows in rows:
        draw.rectangle((0, y, width, y + band - 4), fill="#e8e8e8")
        draw.text((gap, y + 4), section, fill="black", font=label)
        y += band
        for row in section_rows:
            first = next(item for item in row if item)
            draw.text((gap, y), textwrap.shorten(first.row_name, 30), fill="black", font=label)
            wrapped = "\n".join(textwrap.wrap(first.row_description, 34)[:6])
            draw.multiline_text((gap, y + 18), wrapped, fill="#444", font=small)
            for index, item in enumerate(row):
                if item:
                    sheet.paste(_cell(gallery.renderings[item.key]), (LABEL_WIDTH + index * (CELL + gap), y))
            y += CELL + gap
    footer = "; ".join(f"{key} {value}" for key, value in gallery.facts.items() if key in ("keras", "backend", "seed"))
    draw.text((gap, height - 20), footer, fill="#444", font=small)
    return sheet

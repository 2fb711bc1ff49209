"""HTML pages (gallery, reports, sweep matrix, model sheets), rendered from the package's
Jinja2 templates (layerviz/pages/templates): self-contained files, their style inlined, no
JavaScript. Autoescaping escapes every value a template shows: pages are given data
(strings, numbers, small dataclasses), never markup."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

# Images are shown at a fixed width; small ones are enlarged without smoothing so
# that pooling's square jaggies stay visible.
DISPLAY_WIDTH = 256


@dataclass(frozen=True)
class Picture:
    """An <img> as the templates show it (macros.html.j2): `width` x `height` on the page."""

    src: str
    alt: str
    width: int
    height: int
    pixelated: bool  # enlarged: shown without smoothing


def picture(src: str, alt: str, width: int, height: int, shown: int = DISPLAY_WIDTH) -> Picture:
    """A picture of `width` x `height` pixels shown `shown` px wide."""
    return Picture(src, alt, shown, round(height * shown / width), width < shown)


@dataclass(frozen=True)
class Photo:
    """An input photo as a page shows it: its picture, captioned with its label and role."""

    picture: Picture
    label: str
    role: str


@functools.cache
def environment() -> jinja2.Environment:
    """The one environment every page renders with."""
    import jinja2  # here: reading entries or baselines needs no templates (0.05 s an import)

    return jinja2.Environment(
        loader=jinja2.PackageLoader("layerviz.pages", "templates"),
        autoescape=True,  # every template and what it includes: no value reaches a page as markup
        undefined=jinja2.StrictUndefined,  # a misspelt field fails the page, not shows nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **data: object) -> str:
    """The page `template` (a file of layerviz/pages/templates) makes of `data`."""
    return environment().get_template(template).render(**data)

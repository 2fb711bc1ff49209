"""HTML pages (gallery and reports): one self-contained style, no JavaScript, escaped text."""

from __future__ import annotations

import html
from collections.abc import Mapping

# Images are shown at a fixed width; small ones are enlarged without smoothing so
# that pooling's square jaggies stay visible.
DISPLAY_WIDTH = 256

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; background: #fafafa; }
h1 { margin-bottom: 0.2rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; }
th, td { padding: 0.4rem; vertical-align: top; text-align: left; }
thead th { position: sticky; top: 0; background: #fafafa; }
tbody th { max-width: 14rem; font-weight: normal; }
tbody th code { font-weight: bold; }
figure { margin: 0; width: 256px; }
figcaption { font-size: 0.8rem; color: #555; margin-top: 0.2rem; overflow-wrap: anywhere; }
img { display: block; height: auto; background: #fff; border: 1px solid #ddd; }
img.pixelated { image-rendering: pixelated; }
.raised { width: 256px; height: 256px; display: flex; align-items: center; justify-content: center;
  background: #eee; color: #a40000; border: 1px solid #ddd; font-weight: bold; }
.inputs { display: flex; gap: 1rem; }
.note { max-width: 60rem; color: #444; }
section.part h2 { border-bottom: 3px double #888; }
.summary { font-size: 0.85rem; margin: 0.5rem 0 1rem; }
.summary td, .summary th { border: 1px solid #ddd; }
.problems { font-size: 0.85rem; max-width: 28rem; padding-left: 1rem; margin: 0.3rem 0 0; }
.answer > li { margin-bottom: 0.5rem; }
.answer .extent, .answer .example { color: #555; font-size: 0.9rem; }
.answer .configurations { margin: 0.2rem 0; font-size: 0.9rem; }
table.checks { font-size: 0.85rem; }
table.checks thead th { border-bottom: 1px solid #ccc; }
table.checks tr.group th { background: #eee; font-weight: bold; padding-top: 0.6rem; }
table.checks tbody th { max-width: 20rem; overflow-wrap: anywhere; }
td.number { white-space: nowrap; font-variant-numeric: tabular-nums; }
.status-changed, .status-unreadable, .status-error { color: #a40000; }
.status-added, .status-removed, .status-missing { color: #8a5a00; }
footer { margin-top: 3rem; font-size: 0.8rem; color: #555; border-top: 1px solid #ccc; }
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def document(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def image(src: str, alt: str, width: int, height: int, shown: int = DISPLAY_WIDTH) -> str:
    """An <img> shown `shown` px wide; enlarged pictures stay pixelated."""
    shown_height = round(height * shown / width)
    css_class = ' class="pixelated"' if width < shown else ""
    return f'<img src="{esc(src)}" alt="{esc(alt)}" width="{shown}" height="{shown_height}"{css_class}>'



def figure(src: str, alt: str, width: int, height: int, caption: str) -> str:
    return f"<figure>{image(src, alt, width, height)}<figcaption>{caption}</figcaption></figure>"


def provenance(facts: Mapping[str, object]) -> str:
    items = "".join(f"<li>{esc(key)}: {esc(value)}</li>" for key, value in facts.items())
    return f"<footer><p>Provenance</p><ul>{items}</ul></footer>"

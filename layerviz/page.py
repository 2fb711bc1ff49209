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
figcaption { font-size: 0.8rem; color: #555; margin-top: 0.2rem; }
img { display: block; width: 256px; height: auto; background: #fff; border: 1px solid #ddd; }
img.pixelated { image-rendering: pixelated; }
.inputs { display: flex; gap: 1rem; }
.summary { font-size: 0.85rem; margin: 0.5rem 0 1rem; }
.summary td, .summary th { border: 1px solid #ddd; }
.problems { font-size: 0.85rem; max-width: 28rem; }
.status-changed, .status-unreadable { color: #a40000; }
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


def image(src: str, alt: str, width: int, height: int) -> str:
    """An <img> shown DISPLAY_WIDTH wide; enlarged pictures stay pixelated."""
    shown_height = round(height * DISPLAY_WIDTH / width)
    css_class = ' class="pixelated"' if width < DISPLAY_WIDTH else ""
    return (
        f'<img src="{esc(src)}" alt="{esc(alt)}" width="{DISPLAY_WIDTH}" height="{shown_height}"{css_class}>'
    )


def figure(src: str, alt: str, width: int, height: int, caption: str) -> str:
    return f"<figure>{image(src, alt, width, height)}<figcaption>{caption}</figcaption></figure>"


def provenance(facts: Mapping[str, object]) -> str:
    items = "".join(f"<li>{esc(key)}: {esc(value)}</li>" for key, value in facts.items())
    return f"<footer><p>Provenance</p><ul>{items}</ul></footer>"

"""The gallery's page (pages/gallery_page.py, gallery.html.j2): valid, self-contained HTML
with every picture and its caption, the post's sections first and each section's note,
text from file names escaped, and, in headless Chromium, every image loaded."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import html5lib
import numpy as np

from layerviz.catalogue import CASES, POST_SECTIONS, SECTION_TITLES, SECTIONS, select
from layerviz.inputs.images import PhotoSet, sample_path
from layerviz.pages import gallery, gallery_page
from layerviz.pipeline.render import decode_png
from layerviz.store import baselines

import baseline_tree
import chromium

COMMITTED = Path(__file__).resolve().parents[1] / "baselines"


def test_page_is_valid_self_contained_html(built):
    text = (built / "index.html").read_text()
    html5lib.HTMLParser(strict=True).parse(text)  # raises on any parse error
    assert "<script" not in text and "http://" not in text and "https://" not in text
    assert "image-rendering: pixelated" in text


# Cases whose committed baseline is an exception (Keras refuses them): shown as text.
RAISING = [case for case in CASES if baseline_tree.records_error(baselines.png_path(COMMITTED / "fixed", case.id))]


def test_every_picture_is_there_with_a_caption(built):
    text = (built / "index.html").read_text()
    sources = re.findall(r'<img src="([^"]+)"', text)
    assert [case.id for case in RAISING] == ["convolutions/conv-s2-d2/rgb"]
    assert len(sources) == len(CASES) - len(RAISING) + 2  # every case, plus the two input photos
    for source in sources:
        assert not source.startswith("/")
        pixels, _ = decode_png((built / source).read_bytes())
        assert pixels.size
    assert text.count("<figcaption>") == len(sources) + len(RAISING)
    assert '<div class="raised">raises ValueError</div><figcaption><code>convolutions/conv-s2-d2/rgb</code>' in text
    assert text.count(' alt="') == len(sources)
    # Small pictures are enlarged without smoothing; large ones are not marked so.
    assert (
        'src="cases/dense-flatten/s32/rgb.png" alt="Flatten -&gt; Dense(H*W*C) -&gt; Reshape, 32x32 input, in rgb" '
        'width="256" height="256" class="pixelated"' in text
    )
    assert re.search(r'src="cases/conv2d-transpose/k2-s4-tanh/rgb.png"[^>]*height="256">', text)


def test_sections_follow_the_post_and_show_the_flatten_summary(built):
    text = (built / "index.html").read_text()
    headings = [html.unescape(heading) for heading in re.findall(r"<h2>([^<]+)</h2>", text)]
    post = [SECTION_TITLES[s] for s in SECTIONS if s in POST_SECTIONS]
    beyond = [SECTION_TITLES[s] for s in SECTIONS if s not in POST_SECTIONS]
    assert headings == ["Inputs", *post, "Beyond the post", *beyond]
    # Each section of the atlas says why it is checked as it is, and has its own sheet.
    assert "RGB only, fixed weights: an activation acts on each value alone" in text
    assert '<a href="cheatsheets/activations.png">This section as one picture</a>' in text
    assert "<td>dense-flatten/s32/luminance</td><td>Dense</td><td>(None, 1024)</td><td>1,049,600</td>" in text
    assert "Max for YCbCr likewise biases toward purple (red and blue) pixels." in text


def test_text_from_file_names_is_escaped(tmp_path):
    odd = tmp_path / 'a<b>&"c.png'
    shutil.copy(sample_path("astronaut"), odd)
    result = gallery.from_keras(select(sections=["merging"], colorspaces=["rgb"])[:1], PhotoSet.files([odd]), size=32)
    text = gallery_page.html_page(result)
    html5lib.HTMLParser(strict=True).parse(text)
    assert 'a<b>&"c' not in text  # escaped, whichever entities the templates use
    tree = html5lib.parse(text, namespaceHTMLElements=False)
    assert 'a<b>&"c.png: first input' in [figcaption.text for figcaption in tree.iter("figcaption")]
    assert 'a<b>&"c.png' in [img.get("alt") for img in tree.iter("img")]
    assert not list(tree.iter("b"))


@chromium.needed
def test_chromium_shows_the_page_with_every_image_loaded(built, tmp_path):
    pixels = chromium.screenshot(built / "index.html", 1300, 1600, tmp_path / "profile")
    assert pixels.shape[:2] == (1600, 1300)
    assert pixels.std() > 30 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 1000
    dom = chromium.probe(built / "index.html", chromium.IMAGES_LOADED, tmp_path / "profile")
    assert f'data-images="{len(CASES) - len(RAISING) + 2}"' in dom
    assert 'data-broken="0"' in dom

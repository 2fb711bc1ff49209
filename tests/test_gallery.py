"""The cheat sheet: page structure, pictures, PNG sheet, and a look through headless Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import html5lib
import keras
import numpy as np
import pytest
from PIL import Image

from layerviz.catalogue import CASES, POST_SECTIONS, SECTION_TITLES, SECTIONS, select
from layerviz.inputs.images import PhotoSet, sample_path
from layerviz.pages import cheatsheet, gallery, gallery_files, gallery_page
from layerviz.pipeline.render import decode_png
from layerviz.store import baselines

import baseline_tree
import chromium

COMMITTED = Path(__file__).resolve().parents[1] / "baselines"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The whole gallery, from the committed baselines."""
    out = tmp_path_factory.mktemp("gallery")
    gallery_files.write(gallery.from_baselines(COMMITTED), out)
    return out


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


def test_committed_pictures_are_copied_unchanged(built):
    for set_name, case_id in (
        ("weightless", "merging/maximum/ycbcr"),
        ("keras/tensorflow", "conv2d-transpose/k8-s2-relu/luminance"),
    ):
        ours, _ = decode_png((built / "cases" / f"{case_id}.png").read_bytes())
        committed, _ = decode_png((COMMITTED / set_name / f"{case_id}.png").read_bytes())
        np.testing.assert_array_equal(ours, committed)


def test_sections_follow_the_post_and_show_the_flatten_summary(built):
    text = (built / "index.html").read_text()
    headings = re.findall(r"<h2>([^<]+)</h2>", text)
    post = [SECTION_TITLES[s] for s in SECTIONS if s in POST_SECTIONS]
    beyond = [SECTION_TITLES[s] for s in SECTIONS if s not in POST_SECTIONS]
    assert headings == ["Inputs", *post, "Beyond the post", *beyond]
    # Each section of the atlas says why it is checked as it is, and has its own sheet.
    assert "RGB only, fixed weights: an activation acts on each value alone" in text
    assert '<a href="cheatsheets/activations.png">This section as one picture</a>' in text
    assert "<td>dense-flatten/s32/luminance</td><td>Dense</td><td>(None, 1024)</td><td>1,049,600</td>" in text
    assert "Max for YCbCr likewise biases toward purple (red and blue) pixels." in text


def test_footer_states_provenance(built):
    footer = (built / "index.html").read_text().split("<footer>")[1]
    for fact in ("keras: 3.", "backend: tensorflow", "seed: 0", "working size: 128 px", "created 20", "weights: keras"):
        assert fact in footer


def test_cheatsheet_png_is_the_same_grid(built):
    """cheatsheet.png is the post's grid; every section also has a sheet of its own."""
    sheet = np.asarray(Image.open(built / "cheatsheet.png").convert("RGB"))
    configs = len({case.config.id for case in CASES if case.section in POST_SECTIONS})
    cell, gap = cheatsheet.CELL, 6
    assert sheet.shape[1] == cheatsheet.LABEL_WIDTH + 4 * (cell + gap) + gap
    assert sheet.shape[0] > configs * (cell + gap)
    assert sheet.std() > 30  # pictures and labels, not a blank canvas
    # The first input photo sits at the top of the picture column.
    chelsea = np.asarray(Image.open(sample_path("chelsea")).convert("RGB").reduce(2), dtype=int)
    top = sheet[66 : 66 + cell, cheatsheet.LABEL_WIDTH : cheatsheet.LABEL_WIDTH + cell].astype(int)
    assert np.abs(top - chelsea).mean() < 2
    assert sorted(p.stem for p in (built / "cheatsheets").iterdir()) == sorted(SECTIONS)
    resampling = np.asarray(Image.open(built / "cheatsheets" / "resampling.png").convert("RGB"))
    rows = len({case.config.id for case in CASES if case.section == "resampling"})
    assert rows * (cell + gap) < resampling.shape[0] < sheet.shape[0]


def test_live_render_matches_the_baselines():
    cases = select(sections=["merging", "conv2d"], colorspaces=["ycbcr"])
    for weights in ("keras", "fixed"):
        live = gallery.from_keras(cases, weights=weights)
        stored = gallery.from_baselines(COMMITTED, weights, keras.backend.backend(), ["merging", "conv2d"], ["ycbcr"])
        for case in cases:
            difference = live.renderings[case.id].pixels.astype(int) - stored.renderings[case.id].pixels.astype(int)
            assert np.abs(difference).max() <= 1, (weights, case.id)
        assert live.facts["weights"] == weights == stored.facts["weights"]
    assert "rendered" in live.facts and "baselines" in stored.facts


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


def test_a_case_whose_layer_raises_shows_its_exception(monkeypatch, tmp_path):
    def refuse(self, inputs):
        raise ValueError("cannot merge these inputs")

    monkeypatch.setattr(keras.layers.Maximum, "call", refuse)
    result = gallery.from_keras(select(sections=["merging"], colorspaces=["rgb"]))
    gallery_files.write(result, tmp_path)
    text = (tmp_path / "index.html").read_text()
    html5lib.HTMLParser(strict=True).parse(text)
    assert '<div class="raised">raises ValueError</div>' in text and "cannot merge these inputs" in text
    assert not (tmp_path / "cases/merging/maximum/rgb.png").exists()
    assert (tmp_path / "cases/merging/minimum/rgb.png").is_file()
    sheet = np.asarray(Image.open(tmp_path / "cheatsheet.png").convert("RGB"))
    assert (sheet == (0xA4, 0, 0)).all(axis=-1).any()  # the exception, written in its cell


@chromium.needed
def test_chromium_shows_the_page_with_every_image_loaded(built, tmp_path):
    pixels = chromium.screenshot(built / "index.html", 1300, 1600, tmp_path / "profile")
    assert pixels.shape[:2] == (1600, 1300)
    assert pixels.std() > 30 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 1000
    dom = chromium.probe(built / "index.html", chromium.IMAGES_LOADED, tmp_path / "profile")
    assert f'data-images="{len(CASES) - len(RAISING) + 2}"' in dom
    assert 'data-broken="0"' in dom

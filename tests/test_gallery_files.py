"""A gallery's files (pages/gallery_files.py): the committed pictures copied unchanged,
every file `write` makes listed, and a case whose layer raises written as its exception,
with no picture."""

from __future__ import annotations

from pathlib import Path

import html5lib
import keras
import numpy as np
from PIL import Image

from layerviz.catalogue import select
from layerviz.pages import gallery, gallery_files
from layerviz.pipeline.render import decode_png

COMMITTED = Path(__file__).resolve().parents[1] / "baselines"


def test_committed_pictures_are_copied_unchanged(built):
    for set_name, case_id in (
        ("weightless", "merging/maximum/ycbcr"),
        ("keras/tensorflow", "conv2d-transpose/k8-s2-relu/luminance"),
    ):
        ours, _ = decode_png((built / "cases" / f"{case_id}.png").read_bytes())
        committed, _ = decode_png((COMMITTED / set_name / f"{case_id}.png").read_bytes())
        np.testing.assert_array_equal(ours, committed)


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


def test_write_returns_every_file_it_makes_and_a_sheet_a_section_where_there_are_several(tmp_path):
    one = gallery.from_baselines(COMMITTED, sections=["merging"])
    written = gallery_files.write(one, tmp_path / "one")
    assert sorted(written) == sorted(path for path in (tmp_path / "one").rglob("*") if path.is_file())
    names = {path.relative_to(tmp_path / "one").as_posix() for path in written}
    assert {"index.html", "cheatsheet.png", "inputs/input-1.png", "inputs/input-2.png"} <= names
    assert len([name for name in names if name.startswith("cases/")]) == len(one.items)
    assert not any(name.startswith("cheatsheets/") for name in names)  # one section: cheatsheet.png is its sheet
    two = gallery.from_baselines(COMMITTED, sections=["merging", "pooling"])
    written = gallery_files.write(two, tmp_path / "two")
    assert sorted(path.name for path in written if path.parent.name == "cheatsheets") == ["merging.png", "pooling.png"]

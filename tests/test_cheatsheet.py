"""The gallery as one PNG sheet (pages/cheatsheet.py): the post's grid with the inputs on
top, a sheet a section, and each picture fitted to its cell."""

from __future__ import annotations

import numpy as np
from PIL import Image

from layerviz.catalogue import CASES, POST_SECTIONS, SECTIONS, get_case
from layerviz.inputs.images import sample_path
from layerviz.pages import cheatsheet
from layerviz.pages.gallery import Gallery, case_item

from renderings import rendering


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


def test_a_small_picture_is_enlarged_without_smoothing_and_a_large_photo_reduced_by_averaging():
    """So pooling's jaggies stay visible on the sheet, and a photo's detail is averaged, not aliased."""
    case = get_case("pooling/max/rgb")
    shown = rendering(case.id, 0.5, size=16)  # grey, with a black corner pixel
    stripes = np.zeros((2 * cheatsheet.CELL, 2 * cheatsheet.CELL, 3), np.uint8)
    stripes[::2] = 255  # one row in two white
    sheet = np.asarray(cheatsheet.cheatsheet(Gallery((case_item(case),), {case.id: shown}, [("stripes", stripes)])))
    left, cell, grey = cheatsheet.LABEL_WIDTH, cheatsheet.CELL, shown.pixels[1, 1]
    # The picture's cell: its first row starts with the corner, 8 px black, and is grey after it.
    top = next(
        y
        for y in range(sheet.shape[0] - cell)
        if (sheet[y, left : left + 8] == 0).all() and (sheet[y, left + 8 : left + cell] == grey).all()
    )
    np.testing.assert_array_equal(sheet[top : top + cell, left : left + cell], shown.pixels.repeat(8, 0).repeat(8, 1))
    # The inputs' row comes first: the stripes, two rows into one, are 127.5 on average.
    photo = sheet[:top, left : left + cell].astype(int)
    rows = [y for y in range(top - cell) if (np.abs(photo[y : y + cell] - 127.5) <= 0.5).all()]
    assert len(rows) == 1, rows

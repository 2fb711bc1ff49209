"""Pictures of a difference: the heat map tells a uniform shift from a local change."""

import numpy as np

from layerviz.judge.pictures import heat_map, side_by_side


def test_heat_map_and_side_by_side():
    diff = np.array([[0, 1, 2, 64, 200]], dtype=np.uint8)
    heat = heat_map(diff, levels=1)
    assert heat[0, 0].tolist() == [0, 0, 0]
    assert heat[0, 1].tolist() == [64, 64, 64]
    assert heat[0, 2, 0] == 255 and heat[0, 2, 1] <= 2  # just beyond: red
    assert heat[0, 3, 0] == 255 and 0 < heat[0, 3, 1] < heat[0, 4, 1] == 255  # yellow at the largest
    uniform = heat_map(np.full((4, 4), 3, dtype=np.uint8), levels=1)
    assert (uniform == uniform[0, 0]).all()  # a uniform shift: one flat colour
    local = heat_map(np.pad(np.full((2, 2), 3, dtype=np.uint8), 1), levels=1)
    assert (local[0] == 0).all() and local[1, 1].tolist() == [255, 255, 0]  # a local change: a patch
    canvas = side_by_side([np.zeros((4, 5), np.uint8), np.zeros((6, 3, 3), np.uint8)], gap=2)
    assert canvas.shape == (6, 10, 3)
    assert (canvas[:, 5:7] == 255).all() and (canvas[4:, :5] == 255).all()

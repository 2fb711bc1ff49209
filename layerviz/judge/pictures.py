"""Pictures of a difference: a heat map that tells a uniform shift from a local change,
and panels side by side."""

from __future__ import annotations

import numpy as np

from layerviz.core.tolerance import MAX_LEVEL_DIFF


def heat_map(diff: np.ndarray, levels: int = MAX_LEVEL_DIFF) -> np.ndarray:
    """RGB picture of a difference map: black = equal, grey = within tolerance, red to
    yellow = beyond it, yellow at this map's largest difference: a uniform shift is one
    flat colour, a local change a bright patch."""
    heat = np.zeros((*diff.shape, 3), dtype=np.uint8)
    heat[(diff > 0) & (diff <= levels)] = (64, 64, 64)
    beyond = diff > levels
    if beyond.any():
        top = int(diff.max())
        ramp = (diff[beyond].astype(np.float64) - levels) / max(top - levels, 1)
        heat[beyond, 0] = 255
        heat[beyond, 1] = np.rint(ramp * 255.0).astype(np.uint8)
    return heat


def side_by_side(panels: list[np.ndarray], gap: int = 4) -> np.ndarray:
    """Panels (L or RGB, any sizes) left to right on a white canvas."""
    rgb = [np.repeat(p[..., np.newaxis], 3, axis=-1) if p.ndim == 2 else p for p in panels]
    height = max(p.shape[0] for p in rgb)
    width = sum(p.shape[1] for p in rgb) + gap * (len(rgb) - 1)
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    left = 0
    for panel in rgb:
        canvas[: panel.shape[0], left : left + panel.shape[1]] = panel
        left += panel.shape[1] + gap
    return canvas

"""Renderings made without Keras, flat but for one corner: what the tests of reports, tree
diffs and output folders save as baselines and compare."""

from __future__ import annotations

import numpy as np

from layerviz.inputs.colorspaces import RGB
from layerviz.pipeline.render import Rendering, render


def rendering(case_id: str, value: float = 0.5, size: int = 16) -> Rendering:
    raw = np.full((size, size, 3), value, dtype=np.float32)
    raw[0, 0] = 0.0
    return render(case_id, RGB, raw)

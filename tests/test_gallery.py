"""The gallery (pages/gallery.py): its grid and where it comes from, rendered live with
Keras or read from a baseline tree, the same pictures either way, and the provenance it
gives."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from layerviz.catalogue import select
from layerviz.pages import gallery

COMMITTED = Path(__file__).resolve().parents[1] / "baselines"


def test_footer_states_provenance(built):
    footer = (built / "index.html").read_text().split("<footer>")[1]
    for fact in ("keras: 3.", "backend: tensorflow", "seed: 0", "working size: 128 px", "created 20", "weights: keras"):
        assert fact in footer


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

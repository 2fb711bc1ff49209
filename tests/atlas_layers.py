"""The atlas's configurations, and an atlas layer called on a bundled photo as its
property tests call it: for the tests of the atlas, its conditions and its preprocessing
layers. They run on whichever backend is active."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from layerviz.catalogue import CONFIGS, sections
from layerviz.catalogue.cases import LayerConfig
from layerviz.inputs.images import PhotoSet
from layerviz.pipeline import subject

BACKEND = keras.backend.backend()
ATLAS = [config for config in CONFIGS if config.section in sections.TITLES]


def photo(size: int = 32, index: int = 0) -> np.ndarray:
    return PhotoSet.bundled().at(size)[index]


def call(layer: keras.layers.Layer, image: np.ndarray, **options) -> np.ndarray:
    return keras.ops.convert_to_numpy(layer(keras.ops.convert_to_tensor(image[np.newaxis]), **options))[0]


def skip_if_unavailable(config: LayerConfig) -> None:
    if reason := subject.unavailable(config):
        pytest.skip(reason)

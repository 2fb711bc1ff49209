"""The atlas's preprocessing and augmentation layers (catalogue/preprocessing.py): every one
that reads a value range is told the photos' [0, 1], the random ones draw from a seed of
their own, in training, and the same seed draws the same picture whatever the global
generator did. They run on whichever backend is active."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest

from layerviz.catalogue import CONFIGS, preprocessing
from layerviz.catalogue.atlas import UNIT
from layerviz.catalogue.cases import SEED, Case
from layerviz.inputs.colorspaces import RGB
from layerviz.pipeline import subject

from atlas_layers import ATLAS, skip_if_unavailable


@pytest.mark.parametrize("config", preprocessing.CONFIGS, ids=lambda c: c.id)
def test_a_layer_that_reads_a_value_range_is_given_the_photos(config):
    """A preprocessing layer assumes 8-bit levels (0-255) unless told: on photos in [0, 1]
    it would draw, clip or flatten as though they were almost black."""
    assert any(config is listed for listed in CONFIGS)  # in the one list
    (step,) = config.steps
    layer = getattr(keras.layers, step.layer, None)
    if layer is None:
        pytest.skip(f"keras.layers.{step.layer} does not exist in Keras {keras.version()}")
    if "value_range" in inspect.signature(layer).parameters:
        assert step.options.get("value_range") == UNIT, config.id
    if config.section == "augmentation":
        assert config.random and step.options["seed"] == SEED and step.call == {"training": True}
        assert not config.batch_independent  # one draw per photo of a batch
    else:
        assert config.section == "preprocessing" and not config.random and "seed" not in step.options


@pytest.mark.parametrize("config", [c for c in ATLAS if c.random], ids=lambda c: c.id)
def test_a_random_layer_with_the_same_seed_draws_the_same_picture(config):
    skip_if_unavailable(config)
    case = Case(config, "rgb")
    first = subject.trace(subject.of(case), RGB, weights="keras", seed_name=case.id).raw
    keras.utils.set_random_seed(12345)  # the global generator must not matter
    np.testing.assert_array_equal(subject.trace(subject.of(case), RGB, weights="keras", seed_name=case.id).raw, first)

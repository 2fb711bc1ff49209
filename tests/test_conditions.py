"""The atlas's conditions (catalogue/conditions.py): layers checked elsewhere, run under
channels_first, odd and non-square sizes, uint8 inputs and mixed precision, as properties
that need no baseline: transposed back, channels_first equals channels_last; uint8 levels
equal the float path times 255; mixed precision stays within its measured distance of
float32. They run on whichever backend is active."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from layerviz.catalogue import CONFIGS, conditions
from layerviz.catalogue.cases import Case, Feed, Step
from layerviz.core import divergences
from layerviz.inputs.colorspaces import RGB
from layerviz.inputs.images import WORKING_SIZE
from layerviz.pipeline import subject
from layerviz.pipeline.layers import make_layer

from atlas_layers import ATLAS, BACKEND, call, photo, skip_if_unavailable

# The layers the post and the rest of the atlas check under no condition.
ELSEWHERE = {step.layer for config in CONFIGS if config not in conditions.CONFIGS for step in config.steps}


def test_each_condition_runs_a_layer_checked_elsewhere_under_that_condition():
    """So that what a condition changes is the condition's, not a new layer's."""
    assert {config.section for config in conditions.CONFIGS} == {
        "channels-first",
        "odd-sizes",
        "integer-inputs",
        "mixed-precision",
    }
    assert all(config in CONFIGS for config in conditions.CONFIGS)  # in the one list
    for config in conditions.CONFIGS:
        (step,) = [step for step in config.steps if step.layer != "Permute"]
        assert step.layer in ELSEWHERE, config.id
        if config.section == "channels-first":  # transposed in and out, around the layer
            assert [s.layer for s in config.steps] == ["Permute", step.layer, "Permute"], config.id
            assert step.options["data_format"] == "channels_first"
        elif config.section == "odd-sizes":  # a size of its own, whatever the working size
            height, width = config.input_shape(WORKING_SIZE)
            assert config.input_shape(64) == (height, width) != (WORKING_SIZE, WORKING_SIZE), config.id
            assert f"{height}x{width} input" in config.description
        elif config.section == "integer-inputs":
            assert config.feed is Feed.UINT8, config.id
        else:
            policy = step.options["dtype"]
            assert config.name.endswith(policy.removeprefix("mixed_")), config.id
            assert (config.tolerance == conditions.BFLOAT16) == (policy == "mixed_bfloat16")


CHANNELS_FIRST = [c for c in ATLAS if c.section == "channels-first"]


@pytest.mark.parametrize("config", CHANNELS_FIRST, ids=lambda c: c.id)
def test_channels_first_transposed_back_equals_channels_last(config):
    """The same layer, the same weights, on the transposed photo: once transposed back
    it must equal the channels-last layer (TensorFlow's CPU refuses some: a recorded
    divergence, so it is skipped there; with oneDNN they must agree)."""
    from layerviz.core import numerics
    from layerviz.store import manifest

    if divergences.find(config.id, manifest.running_versions(), numerics.record(numerics.DEFAULT_MODE)):
        pytest.skip(f"{config.id} is a known divergence on {BACKEND}")
    image = photo(32)
    step = config.steps[1]
    first = make_layer(step, 1, image.shape, image.shape, config.id)
    last_step = Step(step.layer, {k: v for k, v in step.options.items() if k != "data_format"})
    last = make_layer(last_step, 1, image.shape, image.shape, config.id)
    expected = call(last, image)
    if last.weights:
        first.build((None, 3, 32, 32))
        first.set_weights(last.get_weights())  # a kernel is HWIO in either data format
    transposed = call(first, np.ascontiguousarray(np.transpose(image, (2, 0, 1))))
    np.testing.assert_allclose(np.transpose(transposed, (1, 2, 0)), expected, rtol=1e-5, atol=1e-5)


INTEGER = [c for c in ATLAS if c.section == "integer-inputs"]


@pytest.mark.parametrize("config", INTEGER, ids=lambda c: c.id)
def test_integer_inputs_match_the_float_path(config):
    """A uint8 photo through the layer gives what the float photo gives, times 255: to
    one 8-bit level where the layer rounds back to integers (Resizing, CenterCrop, a flip),
    to the uint8 input's own rounding where it turns levels into floats (Rescaling)."""
    skip_if_unavailable(config)
    case = Case(config, "rgb")
    as_float = Case(dataclasses.replace(config, feed=Feed.FLOAT), "rgb")
    levels = subject.trace(subject.of(case), RGB, weights="keras", seed_name=case.id)
    floats = subject.trace(subject.of(as_float), RGB, weights="keras", seed_name=case.id)
    assert levels.levels == (config.steps[0].layer != "Rescaling")
    tolerance = 1.0 if levels.levels else 0.5 / 255 + 1e-6
    np.testing.assert_allclose(levels.raw, floats.raw * 255.0, atol=tolerance)


MIXED = [c for c in ATLAS if c.section == "mixed-precision"]
# Distance to the float32 output, as a share of its largest magnitude. Measured on
# tensorflow, jax and torch (Keras 3.15.1), the same to 3 digits on each: float16 at most
# 0.095%, bfloat16 1.15% (8 significant bits). The bounds are twice that.
MIXED_BOUND = {"mixed_float16": 2e-3, "mixed_bfloat16": 2.3e-2}


@pytest.mark.parametrize("config", MIXED, ids=lambda c: c.id)
def test_mixed_precision_stays_within_its_measured_distance_of_float32(config):
    (step,) = config.steps
    policy = step.options["dtype"]
    plain = dataclasses.replace(
        config, steps=(Step(step.layer, {k: v for k, v in step.options.items() if k != "dtype"}, call=step.call),)
    )
    mode = "fixed" if config.has_weights else "keras"
    case = Case(config, "rgb")
    mixed = subject.trace(subject.of(case), RGB, weights=mode, seed_name=case.id).raw
    full = subject.trace(subject.of(Case(plain, "rgb")), RGB, weights=mode, seed_name=case.id).raw
    assert mixed.dtype == np.float32 and not np.array_equal(mixed, full)  # it did run in lower precision
    assert np.abs(mixed - full).max() <= MIXED_BOUND[policy] * np.abs(full).max()

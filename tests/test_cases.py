"""The catalogue's types (catalogue/cases.py), without Keras: a step's short title, a
configuration's id, weight modes and input size, a case's id, description and the post's
note, and a check's id."""

from __future__ import annotations

import dataclasses

import pytest

from layerviz.catalogue.cases import CHANNELS, SEED, VOLUME, Case, Check, LayerConfig, Step
from layerviz.inputs.images import WORKING_SIZE


def test_a_steps_title_shows_the_options_that_tell_it_apart():
    transpose = Step("Conv2DTranspose", {"filters": CHANNELS, "kernel_size": 3, "strides": 2, "padding": "same"})
    assert transpose.title == "Conv2DTranspose(k3, s2, same)"  # filters follow the colour space: left out
    assert Step("Dense", {"units": VOLUME, "activation": "tanh"}).title == "Dense(H·W·C, tanh)"
    assert Step("MaxPooling2D", {"pool_size": (3, 3), "strides": (2, 1)}).title == "MaxPooling2D(p3, s(2,1))"
    assert Step("Resizing", {"height": 40, "width": 56}).title == "Resizing(height=40, width=56)"
    assert Step("RandomFlip", {"seed": SEED}, call={"training": True}).title == "RandomFlip(training=True)"
    assert Step("Normalization", adapt=True).title == "Normalization(adapted)"
    assert Step("Identity").title == "Identity"
    with pytest.raises(TypeError):  # a step is a value: its options cannot change under a case
        transpose.options["kernel_size"] = 5  # type: ignore[index]


def test_a_configuration_has_weight_modes_only_where_it_draws_weights():
    conv = LayerConfig(
        "conv2d",
        "k3-relu",
        "Conv2D kernel 3, relu",
        (Step("Conv2D", {"filters": CHANNELS, "kernel_size": 3, "activation": "relu"}), Step("ReLU")),
    )
    assert (conv.id, conv.title) == ("conv2d/k3-relu", "Conv2D(k3, relu) → ReLU")
    assert conv.has_weights and conv.per_backend and conv.weight_modes == ("keras", "fixed")
    assert dataclasses.replace(conv, modes=("fixed",)).weight_modes == ("fixed",)
    pool = LayerConfig("pooling", "max", "MaxPooling2D", (Step("MaxPooling2D", {"pool_size": 2}),))
    assert not pool.has_weights and not pool.per_backend and pool.weight_modes == (None,)  # one check for both
    flip = dataclasses.replace(pool, random=True)  # draws from the backend's generator as it runs
    assert not flip.has_weights and flip.per_backend and flip.weight_modes == ("keras",)


def test_a_configurations_input_follows_the_working_size_unless_it_sets_its_own():
    conv = LayerConfig("conv2d", "k3", "Conv2D kernel 3", (Step("Conv2D", {"kernel_size": 3}),))
    assert conv.input_shape() == (WORKING_SIZE, WORKING_SIZE) and conv.input_size(64) == 64
    assert dataclasses.replace(conv, size=32).input_shape(64) == (32, 32)
    odd = dataclasses.replace(conv, size=32, shape=(63, 48))
    assert odd.input_shape(64) == (63, 48) and odd.input_size(64) == 63


def test_cases_and_checks_are_named_from_their_configuration():
    notes = {"all": "Every colour space alike.", "hsv": "Hue wraps."}
    conv = LayerConfig("conv2d", "k3", "Conv2D kernel 3", (Step("Conv2D", {"kernel_size": 3}),), notes=notes)
    hsv, rgb = Case(conv, "hsv"), Case(conv, "rgb")
    assert (hsv.id, hsv.section, hsv.description) == ("conv2d/k3/hsv", "conv2d", "Conv2D kernel 3, in hsv")
    assert (hsv.note, rgb.note) == ("Hue wraps.", "Every colour space alike.")
    assert Case(dataclasses.replace(conv, notes={}), "rgb").note == ""
    assert Check(hsv, "fixed").id == "fixed/conv2d/k3/hsv"
    assert Check(rgb, None).id == "conv2d/k3/rgb"  # no weights: one check, named as its case

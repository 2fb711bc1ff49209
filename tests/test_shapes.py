"""What a made subject is given: photos per call, and a model's own input size."""

import keras
import pytest

from layerviz.pipeline.shapes import SubjectError, input_count, input_shape


def model(*shapes):
    inputs = [keras.Input(shape) for shape in shapes]
    return keras.Model(inputs, [keras.layers.Identity()(x) for x in inputs] if len(inputs) > 1 else inputs[0])


def test_photos_per_call_as_declared_else_by_the_model_else_two_for_a_merging_layer():
    assert input_count(3, keras.layers.ReLU()) == 3
    assert input_count(None, model((8, 8, 3), (8, 8, 3))) == 2
    assert input_count(None, keras.layers.Add()) == 2 and input_count(None, [keras.layers.Maximum()]) == 2
    assert input_count(None, keras.layers.ReLU()) == 1


def test_a_model_runs_at_its_own_size_and_a_size_asked_for_must_agree():
    assert input_shape("m", model((64, 48, 3)), (128, 128, 3), sized=False) == (64, 48, 3)
    assert input_shape("m", model((None, None, 3)), (32, 32, 3), sized=True) == (32, 32, 3)
    assert input_shape("m", keras.layers.ReLU(), (32, 32, 1), sized=True) == (32, 32, 1)  # declares none
    with pytest.raises(SubjectError, match="m takes 64x48 inputs .* not the 32x32 asked for"):
        input_shape("m", model((64, 48, 3)), (32, 32, 3), sized=True)
    with pytest.raises(SubjectError, match="m takes 1 channels per pixel, and this check's colour space gives 3"):
        input_shape("m", model((8, 8, 1)), (8, 8, 3), sized=False)
    with pytest.raises(SubjectError, match="inputs of different shapes"):
        input_shape("m", model((8, 8, 3), (16, 16, 3)), (8, 8, 3), sized=False)

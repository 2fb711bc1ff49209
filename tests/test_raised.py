"""An exception as a baseline: what a layer's error is recorded as."""

import json

import keras
import numpy as np
import pytest

from layerviz.core.raised import MAX_MESSAGE, Raised, normalise_message


def incompatible_dense_error() -> Exception:
    """A real Keras error that names the layer, whose name counts the layers made before."""
    dense = keras.layers.Dense(3)
    dense(np.zeros((1, 4), "float32"))
    with pytest.raises(ValueError) as caught:
        dense(np.zeros((1, 5), "float32"))
    return caught.value


def test_the_same_error_reads_the_same_whatever_ran_before():
    first, second = incompatible_dense_error(), incompatible_dense_error()
    assert str(first) != str(second)  # 'dense_3' and 'dense_4': the counter moved
    assert normalise_message(str(first)) == normalise_message(str(second))
    assert "of layer 'dense' is incompatible" in normalise_message(str(first))
    assert "value 4, but received input with shape (1, 5)" in normalise_message(str(first))


def test_keras_call_wrapper_colour_codes_and_arguments_are_dropped():
    class Refuses(keras.layers.Layer):
        def call(self, inputs):
            raise ValueError(f"cannot pad unevenly\n  on backend {keras.backend.backend()}")

    with pytest.raises(ValueError) as caught:
        Refuses()(np.zeros((1, 4), "float32"))
    text = str(caught.value)
    assert "Exception encountered when calling" in text and "Arguments received" in text and "\x1b[" in text
    assert normalise_message(text) == f"cannot pad unevenly on backend {keras.backend.backend()}"


def test_addresses_whitespace_and_length_are_normalised():
    assert normalise_message("<object at 0x7f3a2b1c9d>  was\n\tfreed ") == "<object at 0x…> was freed"
    long = normalise_message("x" * 1000)
    assert len(long) == MAX_MESSAGE and long.endswith("…")
    # Names whose digits are part of the name stay: conv2d, k3_s2.
    assert normalise_message("conv2d_transpose_12 of conv2d k3_s2") == "conv2d_transpose of conv2d k3_s2"


def test_sidecar_records_type_and_message_only():
    raised = Raised.of("edge/x/rgb", ValueError("Negative dimension size\n"))
    assert str(raised) == "ValueError: Negative dimension size"
    assert json.loads(raised.sidecar()) == {
        "case": "edge/x/rgb",
        "raises": {"type": "ValueError", "message": "Negative dimension size"},
    }

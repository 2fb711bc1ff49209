"""Every layer's output from the one call a check makes (pipeline/activations.py): what
`recording` gives is what calling the layers one by one gives, in the order they return;
a call the layer already had of its own is kept and put back, and a symbolic call records
nothing."""

from __future__ import annotations

import keras
import numpy as np

from layerviz.inputs.images import PhotoSet
from layerviz.pipeline import activations

Glorot = keras.initializers.GlorotUniform


def test_each_layers_output_is_what_calling_the_layers_one_by_one_gives():
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            # sigmoid and seeds: an unseeded relu conv of 4 filters was now and then all zeros
            keras.layers.Conv2D(4, 3, activation="sigmoid", name="conv", kernel_initializer=Glorot(seed=1)),
            keras.layers.MaxPooling2D(2, name="pool"),
            keras.layers.Dense(2, activation="tanh", name="dense", kernel_initializer=Glorot(seed=2)),
        ]
    )
    batch = PhotoSet.bundled().at(16)[0][np.newaxis]
    with activations.recording(model.layers) as seen:
        output = keras.ops.convert_to_numpy(model(batch))
    expected, value = [], keras.ops.convert_to_tensor(batch)
    for layer in model.layers:
        value = layer(value)
        expected.append(keras.ops.convert_to_numpy(value)[0])
    assert [(name, kind, out.shape, parameters) for name, kind, out, parameters in seen] == [
        ("conv", "Conv2D", (14, 14, 4), 3 * 3 * 3 * 4 + 4),
        ("pool", "MaxPooling2D", (7, 7, 4), 0),
        ("dense", "Dense", (7, 7, 2), 4 * 2 + 2),
    ]
    for (name, _, out, _), mine in zip(seen, expected, strict=True):
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, mine, rtol=1e-6, atol=1e-6, err_msg=name)
        assert out.std() > 0, name  # a picture, not a constant: a wrong layer's output would differ
    np.testing.assert_array_equal(seen[-1][2], output[0])
    assert all("call" not in vars(layer) for layer in model.layers)  # the layers are as they were
    model(batch)
    assert len(seen) == 3  # outside the block, nothing more is recorded


def test_a_layers_own_call_is_kept_inside_and_put_back_and_a_symbolic_call_records_nothing():
    layer = keras.layers.Rescaling(0.5, name="half")
    plain = layer.call
    own = vars(layer)["call"] = lambda *args, **kwargs: plain(*args, **kwargs) + 1.0  # a user's wrapper
    image = np.full((1, 4, 4, 3), 0.5, dtype=np.float32)
    with activations.recording([layer]) as seen:
        layer(keras.Input((4, 4, 3)))  # traced for its output shape: no values to record
        assert seen == []
        layer(image)
        layer(image)
    assert [(name, kind) for name, kind, _, _ in seen] == [("half", "Rescaling")] * 2  # called twice: twice
    np.testing.assert_allclose(seen[0][2], np.full((4, 4, 3), 1.25))  # the user's wrapper ran inside
    assert vars(layer)["call"] is own

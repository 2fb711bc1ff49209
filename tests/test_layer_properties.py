"""Keras invariants the suite relies on, checked on generated float32 data (hypothesis).

Layers are built exactly as the catalogue builds them (`layerviz.pipeline.layers.make_layer`)
and compared with NumPy references, in the manner of Keras's own layer tests.
Each family's docstring names wrong implementations it rejects.
"""

from __future__ import annotations

import keras
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from layerviz.catalogue import CONFIGS, POST_SECTIONS
from layerviz.catalogue.cases import Step
from layerviz.pipeline.layers import make_layer
from layerviz.pipeline.render import repeat_pixels

ACTIVATIONS = sorted(
    {
        step.options["activation"]
        for config in CONFIGS
        if config.section in POST_SECTIONS  # the atlas's activations: tests/test_atlas.py
        for step in config.steps
        if "activation" in step.options
    }
)
NUMPY_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": lambda x: np.exp(-np.logaddexp(0.0, -x)),  # 1 / (1 + e^-x), without overflow
    "softplus": lambda x: np.logaddexp(0.0, x),
    "tanh": np.tanh,
}


def values(scale: float) -> st.SearchStrategy[float]:
    # No subnormals: oneDNN flushes them to zero, which is not a layer change.
    return st.floats(-scale, scale, width=32, allow_subnormal=False)


@st.composite
def images(draw, min_side: int = 1, max_side: int = 12, channels: int | None = None, count: int = 1):
    """`count` float32 H x W x C arrays of one shape, values within a drawn range (often beyond [0, 1])."""
    shape = (
        draw(st.integers(min_side, max_side)),
        draw(st.integers(min_side, max_side)),
        channels or draw(st.integers(1, 4)),
    )
    scale = draw(st.sampled_from([1.0, 4.0, 100.0]))
    drawn = [draw(arrays(np.float32, shape, elements=values(scale))) for _ in range(count)]
    return drawn[0] if count == 1 else drawn


def call(layer: keras.layers.Layer, *inputs: np.ndarray) -> np.ndarray:
    batch = [keras.ops.convert_to_tensor(x[np.newaxis], dtype="float32") for x in inputs]
    return keras.ops.convert_to_numpy(layer(batch if len(batch) > 1 else batch[0]))[0]


def layer(name: str, shape: tuple[int, ...], case_id: str = "properties/x/rgb", **options) -> keras.layers.Layer:
    return make_layer(Step(name, options), 0, shape, shape, case_id)


def built(name: str, shape: tuple[int, ...], **options) -> keras.layers.Layer:
    instance = layer(name, shape, **options)
    instance.build((None, *shape))
    return instance


# --- Merging -----------------------------------------------------------------------

MERGING_REFERENCES = {
    "Add": np.add,
    "Subtract": np.subtract,
    "Multiply": np.multiply,
    "Average": lambda a, b: (a + b) / np.float32(2),
    "Maximum": np.maximum,
    "Minimum": np.minimum,
}


@given(pair=images(count=2), name=st.sampled_from(sorted(MERGING_REFERENCES)))
def test_merging_layers_equal_numpy(pair, name):
    """Rejects e.g. Subtract computing b - a, Average returning the sum, Maximum
    returning its first input, or any merge that broadcasts or reorders pixels."""
    a, b = pair
    assert {c.steps[0].layer for c in CONFIGS if c.section == "merging"} == set(MERGING_REFERENCES)
    expected = MERGING_REFERENCES[name](a, b)
    np.testing.assert_allclose(call(layer(name, a.shape), a, b), expected, rtol=1e-6, atol=1e-30)


@given(pair=images(count=2))
def test_maximum_minimum_average_bound_their_inputs(pair):
    """Rejects a Maximum that averages, a Minimum that takes the max, an Average
    that weights one input (it could then leave the interval between them)."""
    a, b = pair
    maximum = call(layer("Maximum", a.shape), a, b)
    minimum = call(layer("Minimum", a.shape), a, b)
    average = call(layer("Average", a.shape), a, b)
    assert (maximum >= a).all() and (maximum >= b).all()
    assert (minimum <= a).all() and (minimum <= b).all()
    assert (np.minimum(a, b) <= average).all() and (average <= np.maximum(a, b)).all()


# --- Pooling -----------------------------------------------------------------------


@given(image=images(min_side=2, max_side=13))
def test_pooling_shapes_and_order(image):
    """Rejects "same" padding (ceil instead of floor), a stride other than 2, and
    a max pool that averages or an average pool that takes the max."""
    height, width, channels = image.shape
    maximum = call(layer("MaxPooling2D", image.shape, pool_size=2), image)
    average = call(layer("AveragePooling2D", image.shape, pool_size=2), image)
    assert maximum.shape == average.shape == (height // 2, width // 2, channels)
    assert (maximum >= average).all()
    block = image[: height // 2 * 2, : width // 2 * 2].reshape(height // 2, 2, width // 2, 2, channels)
    np.testing.assert_array_equal(maximum, block.max(axis=(1, 3)))
    np.testing.assert_allclose(average, block.mean(axis=(1, 3), dtype=np.float64), rtol=1e-6, atol=1e-6)


@given(shape=st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 4)), value=values(100.0))
def test_pooling_a_constant_image_returns_the_constant_at_input_size(shape, value):
    """Rejects pooling that pads with zeros inside the image, and an upsampling
    that interpolates or loses a row (the suite shows pooling at input size)."""
    image = np.full((2 * shape[0], 2 * shape[1], shape[2]), value, dtype=np.float32)
    for name in ("MaxPooling2D", "AveragePooling2D"):
        pooled = call(layer(name, image.shape, pool_size=2), image)
        assert (pooled == np.float32(value)).all()
        shown = repeat_pixels(pooled, 2)
        assert shown.shape == image.shape
        np.testing.assert_array_equal(shown, image)


# --- Dense -------------------------------------------------------------------------


@given(image=images(max_side=6), units=st.integers(1, 5))
def test_dense_parameters_and_per_pixel_action(image, units):
    """Rejects a Dense that mixes pixels (it acts on the last axis only: the seed's
    "wired to its positional input pixel"), a missing bias, or a transposed kernel."""
    height, width, channels = image.shape
    dense = built("Dense", image.shape, units=units)
    assert dense.count_params() == channels * units + units
    output = call(dense, image)
    assert output.shape == (height, width, units)
    kernel, bias = (w.numpy() for w in dense.weights)
    # atol: products of tiny inputs are subnormal, which oneDNN flushes to zero.
    np.testing.assert_allclose(output, image @ kernel + bias, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(image).max()))
    order = np.random.default_rng(height * 31 + width).permutation(height * width)
    permuted = image.reshape(-1, channels)[order].reshape(image.shape)
    np.testing.assert_allclose(
        call(dense, permuted), output.reshape(-1, units)[order].reshape(output.shape), rtol=1e-6, atol=1e-6
    )


# --- Conv2D ------------------------------------------------------------------------

kernels = st.sampled_from([1, 3, 5, 7])


@given(data=st.data(), kernel=kernels, filters=st.integers(1, 4), activation=st.sampled_from(ACTIVATIONS))
def test_conv2d_shape_parameters_and_activation(data, kernel, filters, activation):
    """Rejects "same" padding (output would keep H), a missing bias or filter, and
    an activation other than the named one: the output must equal the NumPy
    activation of the same kernel's linear output."""
    image = data.draw(images(min_side=kernel, max_side=kernel + 6))
    height, width, channels = image.shape
    conv = built("Conv2D", image.shape, filters=filters, kernel_size=kernel, activation=activation)
    twin = built("Conv2D", image.shape, filters=filters, kernel_size=kernel)  # same seed: same kernel
    assert conv.count_params() == kernel * kernel * channels * filters + filters
    output, linear = call(conv, image), call(twin, image)
    assert output.shape == (height - kernel + 1, width - kernel + 1, filters)
    scale = max(1.0, float(np.abs(linear).max()))
    np.testing.assert_allclose(output, NUMPY_ACTIVATIONS[activation](linear), rtol=1e-5, atol=1e-6 * scale)
    check_activation_range(activation, output, linear)


def check_activation_range(activation: str, output: np.ndarray, linear: np.ndarray) -> None:
    # Mathematically the ranges are open; in float32 sigmoid and tanh saturate to
    # exactly 0 / 1 / -1 far from zero (Eigen's tanh clamps beyond |x| = 7.9), so
    # the strict bound is checked where the pre-activation leaves room for it.
    if activation == "relu":
        assert (output >= 0).all()
    elif activation == "sigmoid":
        assert ((output >= 0) & (output <= 1)).all()
        moderate = np.abs(linear) < 10
        assert ((output[moderate] > 0) & (output[moderate] < 1)).all()
    elif activation == "tanh":
        assert ((output >= -1) & (output <= 1)).all()
        moderate = np.abs(linear) < 7
        assert ((output[moderate] > -1) & (output[moderate] < 1)).all()
    elif activation == "softplus":
        assert (output >= 0).all() and (output[linear > -60] > 0).all()


@given(shape=st.tuples(st.integers(3, 9), st.integers(3, 9), st.integers(1, 4)), value=values(4.0), kernel=kernels)
def test_linear_conv_of_a_constant_image_is_constant(shape, value, kernel):
    """Rejects padding inside the "valid" window and position-dependent kernels."""
    image = np.full((shape[0] + kernel, shape[1] + kernel, shape[2]), value, dtype=np.float32)
    output = call(layer("Conv2D", image.shape, filters=3, kernel_size=kernel), image)
    np.testing.assert_allclose(output, np.broadcast_to(output[:1, :1], output.shape), rtol=1e-5, atol=1e-6)


@given(shape=st.tuples(st.integers(3, 9), st.integers(3, 9), st.integers(1, 4)), kernel=kernels)
def test_sigmoid_of_a_zero_pre_activation_is_one_half(shape, kernel):
    """Rejects a non-zero default bias and a sigmoid that is not centred at 0.5."""
    image = np.zeros((shape[0] + kernel, shape[1] + kernel, shape[2]), dtype=np.float32)
    output = call(layer("Conv2D", image.shape, filters=2, kernel_size=kernel, activation="sigmoid"), image)
    assert (output == np.float32(0.5)).all()


# --- Conv2DTranspose ---------------------------------------------------------------


@given(
    data=st.data(),
    kernel=st.integers(1, 8),
    stride=st.integers(1, 4),
    activation=st.sampled_from(ACTIVATIONS),
)
def test_conv2d_transpose_shape_and_unreached_pixels(data, kernel, stride, activation):
    """Output size is (H - 1) * s + max(k, s) for "valid" padding: Keras pads to
    whole strides when s > k (the issue's (H - 1) * s + k holds only for k >= s).
    Where s > k, output pixels no kernel window reaches are exactly
    activation(bias): the grid of the seed's (2, 4, tanh) picture. Rejects a
    transpose that interpolates, or adds the bias only where a window lands."""
    image = data.draw(images(max_side=6))
    height, width, channels = image.shape
    conv = built("Conv2DTranspose", image.shape, filters=3, kernel_size=kernel, strides=stride, activation=activation)
    assert conv.count_params() == kernel * kernel * channels * 3 + 3
    conv.bias.assign(data.draw(arrays(np.float32, (3,), elements=values(2.0))))
    output = call(conv, image)
    assert output.shape == ((height - 1) * stride + max(kernel, stride), (width - 1) * stride + max(kernel, stride), 3)
    reached_rows = np.arange(output.shape[0]) % stride < kernel
    reached_cols = np.arange(output.shape[1]) % stride < kernel
    unreached = ~(reached_rows[:, np.newaxis] & reached_cols[np.newaxis, :])
    bias = conv.bias.numpy()
    expected = keras.ops.convert_to_numpy(keras.activations.get(activation)(np.broadcast_to(bias, output.shape)))
    np.testing.assert_array_equal(output[unreached], expected[unreached])
    assert unreached.any() == (stride > kernel)

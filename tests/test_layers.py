import keras
import numpy as np
import pytest
from PIL import Image

from layerviz.catalogue import CASES, POST_SECTIONS, get_case
from layerviz.catalogue.cases import LayerInfo, Step
from layerviz.core.seeds import derive_seed
from layerviz.inputs.images import PhotoSet, load_sample, sample_path
from layerviz.pipeline.layers import make_layer
from layerviz.pipeline.subject import of as subject_of

from cases_run import case_inputs, parameter_count, run_case, summary, trace_case


def test_seeds_are_stable_distinct_int32():
    seed = derive_seed("conv2d/k3-relu/rgb", "0.kernel_initializer")
    assert seed == derive_seed("conv2d/k3-relu/rgb", "0.kernel_initializer", 0)
    assert 0 <= seed < 2**31
    others = {
        derive_seed("conv2d/k3-relu/hsv", "0.kernel_initializer"),
        derive_seed("conv2d/k3-relu/rgb", "1.kernel_initializer"),
        derive_seed("conv2d/k3-relu/rgb", "0.kernel_initializer", suite_seed=1),
    }
    assert seed not in others and len(others) == 3


def test_a_case_does_not_depend_on_what_ran_before_or_the_global_seed():
    case = get_case("conv2d/k3-tanh/rgb")
    first = run_case(case)
    keras.utils.set_random_seed(1234)
    run_case(get_case("conv2d/k7-relu/rgb"))
    np.random.seed(99)
    np.testing.assert_array_equal(run_case(case), first)


def test_different_cases_get_different_weights():
    a = make_layer(Step("Conv2D", {"filters": 3, "kernel_size": 3}), 0, (8, 8, 3), (8, 8, 3), "x/a/rgb")
    b = make_layer(Step("Conv2D", {"filters": 3, "kernel_size": 3}), 0, (8, 8, 3), (8, 8, 3), "x/b/rgb")
    a2 = make_layer(Step("Conv2D", {"filters": 3, "kernel_size": 3}), 0, (8, 8, 3), (8, 8, 3), "x/a/rgb")
    for layer in (a, b, a2):
        layer.build((None, 8, 8, 3))
    assert not np.array_equal(a.kernel.numpy(), b.kernel.numpy())
    np.testing.assert_array_equal(a.kernel.numpy(), a2.kernel.numpy())


@pytest.mark.parametrize("layer", ["Conv2D", "Conv2DTranspose", "Dense"])
def test_seeding_keeps_keras_default_initializers_and_padding(layer):
    options = {"units": 3} if layer == "Dense" else {"filters": 3, "kernel_size": 3}
    ours = make_layer(Step(layer, options), 0, (8, 8, 3), (8, 8, 3), "x/y/rgb")
    plain = getattr(keras.layers, layer)(**options)
    assert type(ours.kernel_initializer) is type(plain.kernel_initializer)
    assert type(ours.bias_initializer) is type(plain.bias_initializer)
    assert ours.kernel_initializer.get_config()["seed"] is not None
    if layer != "Dense":
        assert ours.padding == plain.padding


def test_a_case_names_its_layers_by_place_the_same_in_every_check():
    # Keras's own names count the layers made before ("conv2d_57"): a name that never repeats
    # makes TensorFlow create every weight's kernel anew, where a repeated one is cached.
    case = get_case("conv2d-two/k3-tanh-tanh/ycbcr")
    names = [[layer.name for layer in subject_of(case).make((8, 8, 3))] for _ in range(2)]
    assert names[0] == names[1] == ["conv2d_0", "conv2d_1"]


def expected_shape(case) -> tuple[int, ...]:
    """Output sizes from Keras's formulas ("same" keeps H, times the stride when transposed).

    A transposed convolution gives (H - 1) * s + max(k, s): when the stride exceeds
    the kernel Keras pads the output to whole strides (keras/src/backend/common/
    backend_utils.py, `_get_output_shape_given_tf_padding`).
    """
    config, size = case.config, case.config.input_size()
    depth = 1 if case.colorspace == "luminance" else 3
    side = size
    for step in config.steps:
        same = step.options.get("padding") == "same"
        if step.layer == "Conv2D":
            side = side if same else side - step.options["kernel_size"] + 1
        elif step.layer == "Conv2DTranspose":
            kernel, stride = step.options["kernel_size"], step.options["strides"]
            side = side * stride if same else (side - 1) * stride + max(kernel, stride)
    return (side, side, depth)


SEED_AND_EDGE = [case for case in CASES if case.section in (*POST_SECTIONS, "edge")]


@pytest.mark.parametrize("case", SEED_AND_EDGE[::4] + SEED_AND_EDGE[1::4], ids=lambda c: c.id)
def test_output_shape_and_dtype(case):
    output = run_case(case)
    assert output.dtype == np.float32
    assert output.shape == expected_shape(case)


def test_flatten_dense_parameter_count_matches_the_seed_summary():
    case = get_case("dense-flatten/s32/luminance")
    assert parameter_count(case) == 1_049_600
    # The seed's summary, layer by layer, as the eager run reports it.
    assert trace_case(case).layers == (
        LayerInfo("Flatten", (1024,), 0),
        LayerInfo("Dense", (1024,), 1_049_600),
        LayerInfo("Reshape", (32, 32, 1), 0),
    )
    text = summary(case)
    for expected in ("Flatten", "Dense", "Reshape", "1,049,600", "(None, 1024)"):
        assert expected in text
    assert parameter_count(get_case("dense-flatten/s32/rgb")) == 3072 * 3072 + 3072


def test_conv_and_dense_parameter_counts():
    assert parameter_count(get_case("conv2d/k3-relu/rgb")) == 3 * 3 * 3 * 3 + 3
    assert parameter_count(get_case("conv2d/k7-tanh/luminance")) == 7 * 7 + 1
    assert parameter_count(get_case("conv2d-two/k3-relu-relu/hsv")) == 2 * (3 * 3 * 3 * 3 + 3)
    assert parameter_count(get_case("dense/relu/rgb")) == 3 * 3 + 3
    assert parameter_count(get_case("merging/add/rgb")) == 0


@pytest.mark.parametrize(
    ("layer", "reference"),
    [
        ("add", np.add),
        ("subtract", np.subtract),
        ("multiply", np.multiply),
        ("average", lambda a, b: (a + b) / 2),
        ("maximum", np.maximum),
        ("minimum", np.minimum),
    ],
)
def test_merging_layers_equal_numpy(layer, reference):
    case = get_case(f"merging/{layer}/rgb")
    a, b = case_inputs(case)
    np.testing.assert_allclose(run_case(case), reference(a, b), rtol=1e-6, atol=1e-7)


def test_maximum_is_never_below_either_input():
    case = get_case("merging/maximum/luminance")
    a, b = case_inputs(case)
    output = run_case(case)
    assert (output >= a).all() and (output >= b).all()


def test_pooling_is_repeated_back_to_input_size():
    output = run_case(get_case("pooling/max/luminance"))
    assert output.shape == (128, 128, 1)
    np.testing.assert_array_equal(output[0::2, 0::2], output[1::2, 1::2])
    y = case_inputs(get_case("pooling/max/luminance"))[0]
    np.testing.assert_array_equal(output[0, 0, 0], y[:2, :2].max())


def test_other_photos_replace_the_bundled_pair():
    case = get_case("merging/subtract/rgb")
    astronaut, chelsea = load_sample("astronaut"), load_sample("chelsea")
    photos = PhotoSet.bundled(["astronaut", "chelsea"])
    np.testing.assert_allclose(run_case(case, photos), astronaut - chelsea, atol=1e-6)
    small = run_case(get_case("dense-flatten/s32/rgb"), PhotoSet.bundled(["astronaut"]))
    np.testing.assert_allclose(small.shape, (32, 32, 3))
    with pytest.raises(ValueError, match="takes 2 inputs: give 2 photos, got 1"):
        run_case(case, PhotoSet.bundled(["astronaut"]))


def test_user_photo_files_at_any_size(tmp_path):
    path = tmp_path / "photo.png"
    Image.open(sample_path("astronaut")).save(path)
    photos = PhotoSet.files([path])
    assert photos.labels == ("photo.png", "coffee")
    first, second = photos.at(100)
    assert first.shape == second.shape == (100, 100, 3)
    output = trace_case(get_case("conv2d/k3-relu/hsv"), photos, size=100)
    assert output.raw.shape == (98, 98, 3)
    assert output.parameters == 3 * 3 * 3 * 3 + 3
    assert output.layers[0].layer == "Conv2D" and output.layers[0].output_shape == (98, 98, 3)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 5)])
def test_the_numpy_identity_is_keras_identity(shape):
    from layerviz.pipeline.layers import NUMPY_INITIALIZERS

    ours = NUMPY_INITIALIZERS["Identity"](np.random.default_rng(0), shape)
    np.testing.assert_array_equal(ours, keras.ops.convert_to_numpy(keras.initializers.Identity()(shape)))


def test_the_numpy_glorot_twin_draws_in_chunks_what_one_uniform_draw_gives():
    from layerviz.pipeline.layers import DRAW_CHUNK, NUMPY_INITIALIZERS

    shape = (3, 3, 64, 200)  # more weights than one chunk draws
    assert np.prod(shape) > DRAW_CHUNK
    limit = np.sqrt(6.0 / (3 * 3 * 64 + 3 * 3 * 200))  # Keras's fans: the receptive field times channels
    drawn = NUMPY_INITIALIZERS["GlorotUniform"](np.random.default_rng(5), shape)
    assert drawn.dtype == np.float32
    np.testing.assert_array_equal(drawn, np.random.default_rng(5).uniform(-limit, limit, shape).astype(np.float32))

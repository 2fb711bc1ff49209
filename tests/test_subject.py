"""Subjects: a user's layers, lists, models and factories, run as the catalogue's cases are."""

import random

import keras
import numpy as np
import pytest

from layerviz import catalogue
from layerviz.catalogue.cases import Feed
from layerviz.core.seeds import derive_seed
from layerviz.inputs import colorspaces
from layerviz.inputs.colorspaces import HSV, LUMINANCE, RGB
from layerviz.inputs.images import ImageInputError, PhotoSet
from layerviz.pipeline import subject
from layerviz.pipeline.layers import NUMPY_INITIALIZERS, FixedWeightsError, walk

import cases_run


class Mix(keras.layers.Layer):
    """A learned colour mixing whose weight is made inside build, without an initializer attribute."""

    def build(self, input_shape):
        self.mix = self.add_weight(shape=(input_shape[-1], input_shape[-1]), initializer="glorot_uniform", name="mix")

    def call(self, x):
        return keras.ops.matmul(x, self.mix)


class Block(keras.layers.Layer):
    """A layer holding two others, as users' blocks do."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.conv = keras.layers.Conv2D(4, 3, padding="same")
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(keras.activations.relu(self.conv(x)))


def trace(thing, weights="keras", name="tests/x", colorspace="rgb", size=32, photos=None):
    return subject.trace(subject.of(thing), colorspaces.get(colorspace), photos, size, weights, name)


def test_anything_that_is_not_a_subject_is_refused_with_what_to_pass():
    for wrong in (42, "Conv2D", [], PhotoSet):
        with pytest.raises(subject.SubjectError, match="give a Keras layer, a list of layers, a keras.Model"):
            subject.of(wrong)
    with pytest.raises(subject.SubjectError, match="returned 'oops' for 3 channels"):
        trace(lambda channels: "oops")


def test_a_factory_gets_the_colour_space_channel_count():
    seen = []

    def factory(channels):
        seen.append(channels)
        return keras.layers.Conv2D(channels, 3)

    assert trace(factory, colorspace="luminance").raw.shape == (30, 30, 1)
    assert trace(factory, colorspace="ycbcr").raw.shape == (30, 30, 3)
    assert seen == [1, 3]


def test_keras_weights_depend_on_the_name_only():
    """Seeded per check: not on the global generator's state, nor on what ran before."""
    first = trace(lambda c: [Mix(), Block()])
    keras.utils.set_random_seed(99)
    trace(lambda c: Mix(), name="tests/other")
    again = trace(lambda c: [Mix(), Block()])
    np.testing.assert_array_equal(first.raw, again.raw)
    assert not np.array_equal(first.raw, trace(lambda c: [Mix(), Block()], name="tests/y").raw)
    assert first.layers[1].layer == "Block" and first.layers[1].output_shape == (32, 32, 2)
    assert first.parameters == 9 + (3 * 3 * 3 * 4 + 4) + (4 * 2 + 2)


def _advance_global_generators():
    """Move Python's, NumPy's and Keras's global generators on (reseeding them would also
    empty TensorFlow's kernel cache, and make this test three times slower)."""
    random.random()
    np.random.random()
    keras.random.uniform(())


def _in_two_global_states(made, section_cases):
    """Each case's keras-mode rendering in two states of the global generators, side by side."""
    for case in section_cases:
        runs = []
        for _ in range(2):
            _advance_global_generators()
            try:
                runs.append(subject.trace(made(case), colorspaces.get(case.colorspace), size=16, seed_name=case.id).raw)
            except Exception as error:  # what a layer raises is its outcome, as a check records it
                runs.append(f"{type(error).__name__}: {error}")
        yield case, *runs


@pytest.mark.parametrize("section", catalogue.SECTIONS)
def test_a_catalogue_case_seeds_every_draw_itself(section):
    """So a check need not reseed Keras's global generator (which empties TensorFlow's
    kernel cache): the global generator's state changes no catalogue case with weights or
    random draws, in its first colour space."""
    cases = [
        next(c for c in catalogue.CASES if c.config is config)
        for config in catalogue.CONFIGS
        if config.section == section and (config.has_weights or config.random)
    ]
    for case, first, second in _in_two_global_states(subject.of, cases):
        np.testing.assert_array_equal(first, second, err_msg=case.id)


def test_the_global_state_shows_through_a_subject_claiming_seeds_it_lacks():
    """The check above can fail: an unseeded random layer marked seeded draws from the global generator."""
    case = next(c for c in catalogue.CASES if c.config.random)
    unseeded = subject.Subject(
        lambda shape: keras.layers.GaussianNoise(0.5), "GaussianNoise", seeded=True, calls=({"training": True},)
    )
    [(_, first, second)] = _in_two_global_states(lambda _case: unseeded, [case])
    assert not np.array_equal(first, second)


def test_a_built_layer_cannot_take_seeded_keras_weights_but_keeps_its_own_as_is():
    conv = keras.layers.Conv2D(3, 3)
    conv.build((None, 32, 32, 3))
    with pytest.raises(subject.SubjectError, match="already built, so its weights came from an unseeded draw"):
        trace(conv)
    kernel = np.full((3, 3, 3, 3), 0.01, dtype=np.float32)
    conv.set_weights([kernel, np.zeros(3, np.float32)])
    output = trace(conv, weights="as-is")
    np.testing.assert_array_equal(conv.get_weights()[0], kernel)  # untouched
    photo = PhotoSet.bundled().at(32)[0]
    np.testing.assert_allclose(output.raw[0, 0], np.full(3, photo[:3, :3].sum() * 0.01), rtol=1e-5)
    with pytest.raises(
        subject.SubjectError, match=r"weights='as-is' keeps the weights a subject already has, but conv2d\w* had none"
    ):
        trace(keras.layers.Conv2D(3, 3), weights="as-is")


def test_fixed_weights_are_numpy_draws_by_place_and_name():
    layers = [keras.layers.Conv2D(3, 3), Block()]
    trace(layers, weights="fixed", name="tests/fixed")
    walked = walk(layers)
    assert [type(layer).__name__ for layer in walked] == ["Conv2D", "Block", "Conv2D", "Dense"]
    rng = np.random.Generator(np.random.PCG64(derive_seed("tests/fixed", "0.kernel.fixed")))
    expected = NUMPY_INITIALIZERS["GlorotUniform"](rng, (3, 3, 3, 3)).astype(np.float32)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(walked[0].kernel), expected)
    rng = np.random.Generator(np.random.PCG64(derive_seed("tests/fixed", "3.kernel.fixed")))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(walked[3].kernel),
        NUMPY_INITIALIZERS["GlorotUniform"](rng, (4, 2)).astype(np.float32),
    )
    with pytest.raises(FixedWeightsError, match=r"mix has no `mix_initializer` attribute naming its initializer"):
        trace(lambda c: Mix(), weights="fixed")


def test_inputs_follow_the_subject():
    assert trace(keras.layers.Maximum()).raw.shape == (32, 32, 3)  # a merging layer takes the pair
    first, second = keras.Input((32, 32, 3)), keras.Input((32, 32, 3))
    model = keras.Model([first, second], keras.layers.Subtract()([first, second]))
    a, b = PhotoSet.bundled().at(32)
    np.testing.assert_allclose(trace(model, weights="as-is").raw, a - b, atol=1e-6)
    three = subject.Subject(lambda shape: keras.layers.Add(), "Add", inputs=3)
    with pytest.raises(ImageInputError, match="Add takes 3 inputs: give 3 photos, got 2"):
        subject.trace(three, RGB, None, 32, "keras", "tests/x")


def test_each_photo_set_gives_its_own_inputs_which_no_layer_can_change():
    """Inputs are made once per photo set, colour space and shape, and shared by the checks."""
    flat = [np.full((32, 32, 3), level, dtype=np.float32) for level in (0.25, 0.75)]
    identity = keras.layers.Identity()
    np.testing.assert_array_equal(trace(identity, photos=PhotoSet.files(flat[:1])).raw, flat[0])
    np.testing.assert_array_equal(trace(identity, photos=PhotoSet.files(flat[1:])).raw, flat[1])
    grey = trace(identity, colorspace="luminance", photos=PhotoSet.files(flat[1:])).raw
    np.testing.assert_allclose(grey, np.full((32, 32, 1), 0.75), atol=1e-6)
    shared = trace(identity, colorspace="hsv").raw
    [made] = subject.photo_inputs(PhotoSet.bundled(), HSV, 32, 32, 1)
    np.testing.assert_array_equal(shared, made)
    with pytest.raises(ValueError, match="read-only"):
        made[0, 0, 0] = 1.0


def test_a_model_with_several_outputs_is_refused_with_what_to_do():
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, [keras.layers.Conv2D(2, 3)(inputs), keras.layers.Conv2D(2, 3)(inputs)])
    with pytest.raises(subject.SubjectError, match="returns 2 outputs; check a sub-model with one output"):
        trace(model, weights="as-is")


class Subclassed(keras.Model):
    """A subclassed model, as users write them: no graph, no `inputs`."""

    def __init__(self, channels=3, **kwargs):
        super().__init__(**kwargs)
        self.features = keras.layers.Conv2D(8, 3, padding="same", activation="relu")
        self.back = keras.layers.Conv2D(channels, 1, activation="sigmoid")

    def call(self, x):
        return self.back(self.features(x))


class Plain(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = keras.layers.Conv2D(3, 3, padding="same")

    def call(self, x):
        return self.conv(x)


def test_a_subclassed_model_runs_as_an_instance_a_class_and_from_a_factory():
    by_instance = trace(Subclassed(), name="tests/sub").raw
    by_class = trace(Subclassed, name="tests/sub").raw
    by_factory = trace(lambda channels: Subclassed(channels), name="tests/sub").raw
    assert by_instance.shape == (32, 32, 3)
    np.testing.assert_array_equal(by_class, by_factory)  # the same seeds, the same weights
    np.testing.assert_array_equal(by_instance, by_class)
    assert trace(Subclassed, colorspace="luminance").raw.shape == (32, 32, 1)  # the class gets the channels
    assert trace(Plain).raw.shape == (32, 32, 3)  # or nothing, when it takes nothing
    np.testing.assert_array_equal(trace(lambda: Plain(), name="tests/plain").raw, trace(Plain, name="tests/plain").raw)


def test_a_model_is_run_at_the_size_it_declares_and_a_conflicting_size_is_an_error():
    inputs = keras.Input((48, 40, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(3, 3, padding="same")(inputs))
    made = subject.trace(subject.of(model), RGB, weights="as-is")
    assert made.raw.shape == (48, 40, 3) and made.input_shape == (48, 40, 3)
    with pytest.raises(
        subject.SubjectError,
        match=r"takes 48x40 inputs \(its input shape\), not the 64x64 asked for: leave the size out",
    ):
        subject.trace(subject.of(model), RGB, size=64, weights="as-is")
    with pytest.raises(subject.SubjectError, match="takes 3 channels per pixel, and this check's colour space gives 1"):
        subject.trace(subject.of(model), LUMINANCE, weights="as-is")
    sequential = keras.Sequential([keras.Input((24, 24, 3)), keras.layers.Conv2D(4, 3)])
    assert subject.trace(subject.of(sequential), RGB, weights="as-is").raw.shape == (22, 22, 4)


def test_as_is_keeps_a_trained_models_weights_beside_a_weightless_layer_of_the_users(tmp_path):
    model = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(3, 3, padding="same")])
    path = tmp_path / "trained.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    negative = keras.layers.Lambda(lambda x: 1.0 - x)
    photo = subject.photo_inputs(PhotoSet.bundled(), RGB, 16, 16, 1)[0][np.newaxis]
    before = subject.trace(subject.of([negative, loaded]), RGB, size=16, weights="as-is").raw
    np.testing.assert_allclose(before, keras.ops.convert_to_numpy(model(1.0 - photo))[0], atol=1e-6)
    after = subject.trace(subject.of([loaded, negative]), RGB, weights="as-is").raw  # at the size it declares
    np.testing.assert_allclose(after, 1.0 - keras.ops.convert_to_numpy(model(photo))[0], atol=1e-6)
    with pytest.raises(subject.SubjectError, match=r"conv2d\w* had none until this check built it"):
        subject.trace(subject.of([keras.layers.Conv2D(3, 3)]), RGB, size=16, weights="as-is")


def test_every_layer_of_a_users_model_or_list_is_traced_in_the_order_it_returned():
    def model(channels):
        return keras.Sequential(
            [keras.Input((16, 16, channels)), keras.layers.Conv2D(8, 3, name="a"), keras.layers.Conv2D(3, 3, name="b")]
        )

    made = subject.trace(subject.of(model), RGB, weights="keras", seed_name="tests/seq")
    assert [(name, layer, out.shape, parameters) for name, layer, out, parameters in made.trace] == [
        ("a", "Conv2D", (14, 14, 8), 3 * 3 * 3 * 8 + 8),
        ("b", "Conv2D", (12, 12, 3), 3 * 3 * 8 * 3 + 3),
    ]
    np.testing.assert_array_equal(made.trace[-1][2], made.raw)
    nested = subject.trace(subject.of(Subclassed), RGB, size=16, seed_name="tests/sub")
    assert [(layer, out.shape) for _, layer, out, _ in nested.trace] == [
        ("Conv2D", (16, 16, 8)),
        ("Conv2D", (16, 16, 3)),
    ]  # the model itself is not among them: its output is the check's
    assert nested.trace[0][2].min() >= 0.0  # after its relu: what the next layer was given
    assert trace(keras.layers.Conv2D(3, 3)).trace == ()  # one layer: its output says it all
    assert cases_run.trace_case(catalogue.get_case("conv2d-two/k3-relu-relu/luminance")).trace == ()


class Seen(keras.layers.Layer):
    """Passes its input on as float32, keeping what it was given before Keras converts it
    (as preprocessing layers see it): its type, dtype and shape."""

    def __call__(self, x, **kwargs):
        self.given = (type(x), keras.backend.standardize_dtype(x.dtype), tuple(x.shape))
        return super().__call__(x, **kwargs)

    def call(self, x):
        return keras.ops.cast(x, "float32")


@pytest.mark.parametrize(
    ("feed", "kind", "dtype", "scale"),
    [
        (Feed.FLOAT, "tensor", "float32", 1.0),
        (Feed.UINT8, "tensor", "uint8", 255.0),
        (Feed.FLOAT_NUMPY, "numpy", "float32", 1.0),
        (Feed.UINT8_NUMPY, "numpy", "uint8", 255.0),
    ],
)
def test_the_photos_go_in_as_the_feed_says_and_copies_come_out_side_by_side(feed, kind, dtype, scale):
    seen = Seen()
    made = subject.Subject(lambda _shape: seen, "Seen", feed=feed, copies=3)
    out = subject.trace(made, RGB, size=16, seed_name="tests/feed")
    given_type, given_dtype, shape = seen.given
    assert (given_type is np.ndarray) == (kind == "numpy") and given_dtype == dtype and shape == (3, 16, 16, 3)
    alone = trace(Seen(), size=16)  # one float32 tensor: the photo itself
    assert out.raw.shape == (16, 48, 3) and out.levels == (scale > 1)
    for copy in range(3):  # each copy is the photo, in levels where the feed says
        np.testing.assert_allclose(out.raw[:, 16 * copy : 16 * (copy + 1)], alone.raw * scale, atol=0.5)

"""The zoo: models of the kinds users write and keras.applications backbones, each checked
as a user would check it. `tests/test_zoo.py` runs them in a temporary project through
the create / pass / CI / change cycle; nothing here has committed baselines.

With ZOO_GAIN set (to a file), every model gets a gain of 1.05 in one middle layer, and
the name of that layer is appended to the file: the change a check must catch and name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from layerviz.pipeline.layers import walk

SIZE = 32  # the users' models' photos; a backbone runs at the smallest size it accepts


def gained(model: object, layer_name: str | None = None) -> object:
    """The model with its middle layer's output (or `layer_name`'s) times 1.05, where
    ZOO_GAIN asks for it."""
    log = os.environ.get("ZOO_GAIN")
    if not log:
        return model
    tops = set(map(id, model if isinstance(model, list) else [model]))
    inner = [layer for layer in walk(model) if id(layer) not in tops and not isinstance(layer, keras.layers.InputLayer)]
    layers = inner or walk(model)
    layer = next(x for x in layers if x.name == layer_name) if layer_name else layers[len(layers) // 2]
    call = layer.call
    vars(layer)["call"] = lambda *args, **kwargs: keras.ops.multiply(call(*args, **kwargs), 1.05)
    with open(log, "a") as stream:
        stream.write(f"{os.environ['PYTEST_CURRENT_TEST'].split(' ')[0]}\t{layer.name}\n")
    return model


# --- the models users write -------------------------------------------------------------


def sequential_cnn(channels: int) -> keras.Model:
    """Hidden widths other than the output's (8, 8, then the colour space's)."""
    return gained(
        keras.Sequential(
            [
                keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv_a"),
                keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv_b"),
                keras.layers.Conv2D(channels, 3, padding="same", activation="sigmoid", name="conv_out"),
            ]
        )
    )


def layer_list(channels: int) -> list[keras.layers.Layer]:
    return gained(
        [
            keras.layers.Conv2D(16, 3, activation="relu", name="features"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.Conv2D(channels, 1, name="mix"),
        ]
    )


def skip_connections(channels: int) -> keras.Model:
    inputs = keras.Input((SIZE, SIZE, channels))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="stem")(inputs)
    y = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="branch_a")(x)
    y = keras.layers.Conv2D(8, 3, padding="same", name="branch_b")(y)
    x = keras.layers.Add(name="merge")([x, y])
    x = keras.layers.Activation("relu", name="merged")(x)
    return gained(keras.Model(inputs, keras.layers.Conv2D(channels, 1, name="head")(x)), "branch_a")


def two_inputs(channels: int) -> keras.Model:
    first, second = keras.Input((SIZE, SIZE, channels)), keras.Input((SIZE, SIZE, channels))
    x = keras.layers.Concatenate(name="pair")([first, second])
    x = keras.layers.Conv2D(8, 3, padding="same", activation="tanh", name="fuse")(x)
    return gained(keras.Model([first, second], keras.layers.Conv2D(channels, 1, name="out")(x)), "fuse")


def two_outputs_second(channels: int) -> keras.Model:
    """A two-headed model, checked head by head as the error for several outputs says."""
    inputs = keras.Input((SIZE, SIZE, channels))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="trunk")(inputs)
    masks = keras.layers.Conv2D(1, 1, activation="sigmoid", name="masks")(x)
    scores = keras.layers.Dense(4, name="scores")(keras.layers.GlobalAveragePooling2D(name="pooled")(x))
    model = keras.Model(inputs, [masks, scores])
    return gained(keras.Model(model.inputs, model.outputs[1]), "trunk")


def classifier(channels: int) -> keras.Model:
    """A vector out: ten probabilities, shown as a heat strip."""
    return gained(
        keras.Sequential(
            [
                keras.Input((SIZE, SIZE, channels)),
                keras.layers.Conv2D(8, 3, strides=2, activation="relu", name="conv"),
                keras.layers.Conv2D(16, 3, strides=2, activation="relu", name="conv_2"),
                keras.layers.GlobalAveragePooling2D(name="pool"),
                keras.layers.Dense(10, activation="softmax", name="probabilities"),
            ]
        ),
        "conv_2",
    )


def preprocessing_inside(channels: int) -> keras.Model:
    inputs = keras.Input((SIZE, SIZE, channels))
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="to_signed")(inputs)
    x = keras.layers.Normalization(mean=[0.1] * channels, variance=[0.5] * channels, name="standardise")(x)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv")(x)
    return gained(keras.Model(inputs, keras.layers.Conv2D(channels, 1, name="out")(x)), "conv")


def mixed_float16(channels: int) -> keras.Model:
    """float16 computations, float32 variables: what mixed-precision training runs."""
    policy = "mixed_float16"
    return gained(
        keras.Sequential(
            [
                keras.layers.Conv2D(8, 3, padding="same", activation="relu", dtype=policy, name="conv"),
                keras.layers.Conv2D(8, 3, padding="same", activation="gelu", dtype=policy, name="conv_2"),
                keras.layers.Conv2D(channels, 1, dtype=policy, name="out"),
            ]
        ),
        "conv_2",
    )


class Subclassed(keras.Model):
    """A subclassed model: no graph, no `inputs`."""

    def __init__(self, channels: int = 3, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.features = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="features")
        self.refine = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="refine")
        self.back = keras.layers.Conv2D(channels, 1, activation="sigmoid", name="back")

    def call(self, x: object) -> object:
        return self.back(self.refine(self.features(x)))


class GainedSubclassed(Subclassed):
    def __init__(self, channels: int = 3, **kwargs: object) -> None:
        super().__init__(channels, **kwargs)
        gained(self, "refine")


class Negative(keras.layers.Layer):
    """A user's weightless layer."""

    def call(self, images: object) -> object:
        return 1.0 - images


def trained(folder: Path) -> keras.Model:
    """A small model trained for a few steps on seeded data, saved as .keras and reloaded."""
    path = folder / "trained.keras"
    if not path.is_file():
        keras.utils.set_random_seed(7)
        model = keras.Sequential(
            [
                keras.Input((SIZE, SIZE, 3)),
                keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv"),
                keras.layers.Conv2D(3, 3, padding="same", activation="sigmoid", name="out"),
            ]
        )
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        photos = np.random.default_rng(7).uniform(0.0, 1.0, (16, SIZE, SIZE, 3)).astype(np.float32)
        model.fit(photos, 1.0 - photos, batch_size=8, epochs=2, shuffle=False, verbose=0)
        folder.mkdir(parents=True, exist_ok=True)
        model.save(path)
    return gained(keras.saving.load_model(path), "conv")


# --- keras.applications backbones, cut at an early block ---------------------------------


@dataclass(frozen=True)
class Backbone:
    name: str  # keras.applications' class
    size: int  # the smallest square input it builds for
    cut: str  # the layer its early block ends with
    gain: str | None = None  # the layer given a gain (default: the middle one), where a later one would undo it
    options: tuple[tuple[str, object], ...] = ()
    backends: tuple[str, ...] = ("tensorflow", "jax", "torch")  # where Keras builds it

    def __call__(self, channels: int) -> keras.Model:
        base = getattr(keras.applications, self.name)(
            weights=None, include_top=False, input_shape=(self.size, self.size, channels), **dict(self.options)
        )
        return gained(keras.Model(base.inputs, base.get_layer(self.cut).output), self.gain)


# Every family of keras.applications, its smallest variant, at the smallest size it builds
# for, cut where its first or second block ends (11 to 51 layers); built in 0.3-4.4 s
# (TensorFlow, measured).
BACKBONES = (
    # Its first block's residual branch, before the add: values around 1e-7 (the layer scale),
    # which a fixed atol could not tell from a 5% change. Past the add, a LayerNorm undoes a gain.
    Backbone("ConvNeXtTiny", 32, "convnext_tiny_stage_0_block_1_layer_scale", "convnext_tiny_stage_0_block_1_gelu"),
    Backbone("DenseNet121", 32, "conv2_block2_concat"),
    Backbone("EfficientNetB0", 32, "block2b_add"),
    Backbone("EfficientNetV2B0", 32, "block2b_add"),
    Backbone("InceptionResNetV2", 75, "mixed_5b"),
    Backbone("InceptionV3", 75, "mixed0"),
    Backbone("MobileNet", 32, "conv_pw_3_relu", options=(("alpha", 0.25),)),
    Backbone("MobileNetV2", 32, "block_2_add", options=(("alpha", 0.35),)),
    Backbone("MobileNetV3Small", 32, "expanded_conv_2_add"),
    # "NASNetMobile is not available with the torch backend at this time" (Keras 3.15.1).
    Backbone("NASNetMobile", 32, "reduction_concat_stem_1", backends=("tensorflow", "jax")),
    Backbone("ResNet50", 32, "conv2_block1_out"),
    Backbone("ResNet50V2", 32, "conv2_block1_out"),
    Backbone("VGG16", 32, "block2_pool"),
    Backbone("Xception", 71, "block3_sepconv1_act"),
)


# --- the checks -----------------------------------------------------------------------------


def _factories() -> dict[str, Callable[[object, str, Path], object]]:
    def factory(make: Callable[[int], object], **options: object) -> Callable[[object, str, Path], object]:
        return lambda fixture, colorspace, _tmp: fixture.check(make, colorspace=colorspace, size=SIZE, **options)

    checks: dict[str, Callable[[object, str, Path], object]] = {
        "sequential-cnn": factory(sequential_cnn),
        "layer-list": factory(layer_list),
        "skip-connections": factory(skip_connections, weights="fixed"),
        "two-inputs": factory(two_inputs),
        "two-outputs-second": factory(two_outputs_second),
        "classifier": factory(classifier),
        "preprocessing-inside": factory(preprocessing_inside),
        "mixed-float16": factory(mixed_float16),
        "subclassed-class": lambda fixture, colorspace, _tmp: fixture.check(
            GainedSubclassed, colorspace=colorspace, size=SIZE
        ),
        "subclassed-factory": factory(lambda channels: GainedSubclassed(channels)),
        "subclassed-instance": lambda fixture, colorspace, _tmp: fixture.check(
            GainedSubclassed(), colorspace=colorspace, size=SIZE, weights="fixed"
        ),
        "trained-then-mine": lambda fixture, colorspace, tmp: fixture.check(
            [trained(tmp), Negative()], colorspace=colorspace, weights="as-is"
        ),
        "mine-then-trained": lambda fixture, colorspace, tmp: fixture.check(
            [Negative(), trained(tmp)], colorspace=colorspace, size=SIZE, weights="as-is"
        ),
    }
    for backbone in BACKBONES:
        if keras.backend.backend() not in backbone.backends:
            continue
        checks[f"applications-{backbone.name}"] = lambda fixture, colorspace, _tmp, b=backbone: fixture.check(
            b, colorspace=colorspace
        )
    return checks


CHECKS = _factories()
# Every model in RGB; those made for the colour space's channel count in luminance too (one
# channel, a path of its own through every layer); the other two colour spaces feed the
# same three channels and would show nothing new.
PARAMS = [(name, "rgb") for name in CHECKS] + [
    (name, "luminance") for name in ("sequential-cnn", "layer-list", "classifier", "subclassed-class")
]

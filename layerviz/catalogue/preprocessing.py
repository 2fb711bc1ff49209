"""The atlas's preprocessing and augmentation layers: deterministic ones on the photo's
values in [0, 1], and random ones each with a seed of its own, in training (why each is
checked as it is: `sections.NOTES`)."""

from __future__ import annotations

from collections.abc import Iterable

from layerviz.catalogue.atlas import UNIT, config
from layerviz.catalogue.cases import SEED, LayerConfig, Step


def _preprocessing() -> Iterable[LayerConfig]:
    yield config("preprocessing", "auto-contrast", "AutoContrast", Step("AutoContrast", {"value_range": UNIT}))
    yield config(
        "preprocessing",
        "equalization",
        "Equalization",
        Step("Equalization", {"value_range": UNIT}),
        # Measured (Keras 3.15.1, three backends): a photo batched with another comes out
        # changed, the histogram is the batch's, not each photo's.
        batch_independent=False,
    )


def _random(name: str, layer: str, description: str, min_keras: str = "", **options: object) -> LayerConfig:
    return config(
        "augmentation",
        name,
        description,
        Step(layer, {**options, "seed": SEED}, call={"training": True}),
        random=True,
        batch_independent=False,  # one draw per batch element, from one generator
        min_keras=min_keras,
    )


def _augmentation() -> Iterable[LayerConfig]:
    yield _random("flip", "RandomFlip", "RandomFlip, horizontal and vertical")
    yield _random("rotation", "RandomRotation", "RandomRotation(0.2)", factor=0.2)
    yield _random(
        "translation", "RandomTranslation", "RandomTranslation(0.2, 0.2)", height_factor=0.2, width_factor=0.2
    )
    yield _random("zoom", "RandomZoom", "RandomZoom(0.3)", height_factor=0.3)
    # `value_range` came in Keras 3.8.0 (measured).
    yield _random("contrast", "RandomContrast", "RandomContrast(0.5)", "3.8.0", factor=0.5, value_range=UNIT)
    yield _random("brightness", "RandomBrightness", "RandomBrightness(0.4)", factor=0.4, value_range=UNIT)
    yield _random("crop", "RandomCrop", "RandomCrop(48, 48)", height=48, width=48)
    yield _random("shear", "RandomShear", "RandomShear(0.3, 0.3)", x_factor=0.3, y_factor=0.3)
    yield _random("hue", "RandomHue", "RandomHue(0.3)", factor=0.3, value_range=UNIT)
    yield _random("saturation", "RandomSaturation", "RandomSaturation(0.5)", factor=0.5, value_range=UNIT)
    yield _random(
        "color-jitter",
        "RandomColorJitter",
        "RandomColorJitter(brightness 0.2, contrast 0.3, saturation 0.3, hue 0.1)",
        value_range=UNIT,
        brightness_factor=0.2,
        contrast_factor=0.3,
        saturation_factor=0.3,
        hue_factor=0.1,
    )
    yield _random(
        "gaussian-blur",
        "RandomGaussianBlur",
        "RandomGaussianBlur(kernel 5, sigma 0.8)",
        kernel_size=5,
        sigma=0.8,
        value_range=UNIT,
    )
    yield _random("sharpness", "RandomSharpness", "RandomSharpness(0.5)", factor=0.5, value_range=UNIT)
    yield _random(
        "posterization", "RandomPosterization", "RandomPosterization(4 bits)", factor=(4, 4), value_range=UNIT
    )
    yield _random(
        "solarization", "Solarization", "Solarization(threshold 0.5)", threshold_factor=(0.5, 0.5), value_range=UNIT
    )
    yield _random("grayscale", "RandomGrayscale", "RandomGrayscale(1.0)", factor=1.0)
    yield _random("invert", "RandomInvert", "RandomInvert(1.0)", factor=1.0, value_range=UNIT)
    yield _random("perspective", "RandomPerspective", "RandomPerspective(scale 0.5)", scale=0.5)
    yield _random("elastic", "RandomElasticTransform", "RandomElasticTransform(scale 0.5)", scale=0.5, value_range=UNIT)
    yield _random(
        "color-degeneration", "RandomColorDegeneration", "RandomColorDegeneration(0.5)", factor=0.5, value_range=UNIT
    )
    yield _random("erasing", "RandomErasing", "RandomErasing(scale 0.1-0.3)", scale=(0.1, 0.3), value_range=UNIT)


CONFIGS: tuple[LayerConfig, ...] = (*_preprocessing(), *_augmentation())

"""layerviz checks of colour_layers: each test renders a picture of what a layer does and
compares it, and the layer's raw output statistics, with the committed baseline."""

from pathlib import Path

import keras
import pytest
from colour_layers import ColourMix, SobelEdges, classifier

PHOTO = Path(__file__).parent.parent / "photos" / "astronaut-crop.jpg"


@pytest.mark.parametrize("weights", ["keras", "fixed"])
@pytest.mark.parametrize("colorspace", ["luminance", "rgb", "hsv", "ycbcr"])
def test_colour_mix(layer_regression, colorspace, weights):
    # A factory: a new layer, for the colour space's channel count, in every check.
    layer_regression.check(
        lambda channels: ColourMix(),
        colorspace=colorspace,
        weights=weights,
        size=64,
        description="learned colour correction, untrained",
    )


def test_sobel_edges(layer_regression):
    layer_regression.check(SobelEdges(), size=64)


def test_sobel_edges_on_my_photo(layer_regression):
    layer_regression.check(SobelEdges(), images=[PHOTO], colorspace="luminance", size=64)


def test_classifier_features(layer_regression):
    """A slice of a model: its 16 feature maps, shown as a mosaic."""

    def features(channels):
        model = classifier(channels)
        return keras.Model(model.inputs, model.get_layer("features").output)

    layer_regression.check(features, size=32)


def test_classifier_logits(layer_regression):
    """The whole model: five logits, shown as a heat strip."""
    layer_regression.check(classifier, size=32, weights="fixed")

import colorsys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from layerviz.inputs import colorspaces
from layerviz.inputs.colorspaces import COLOR_SPACES, HSV, LUMINANCE, RGB, YCBCR
from layerviz.inputs.images import sample_path

ONE_LEVEL = 1.0 / 255.0


def photo_256(name: str) -> tuple[Image.Image, np.ndarray]:
    image = Image.open(sample_path(name)).convert("RGB")
    return image, np.asarray(image, dtype=np.float32) / 255.0


def levels(values: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=np.float64) * 255.0).astype(np.int16)


# Reference values straight from the definitions (BT.601 / JFIF, colorsys), not from our code.
@pytest.mark.parametrize(
    ("rgb", "hsv"),
    [
        ((1.0, 0.0, 0.0), (0.0, 1.0, 1.0)),
        ((0.0, 1.0, 0.0), (1 / 3, 1.0, 1.0)),
        ((0.0, 0.0, 1.0), (2 / 3, 1.0, 1.0)),
        ((1.0, 1.0, 0.0), (1 / 6, 1.0, 1.0)),
        ((1.0, 0.0, 1.0), (5 / 6, 1.0, 1.0)),
        ((0.5, 0.25, 0.25), (0.0, 0.5, 0.5)),
        ((1.0, 1.0, 1.0), (0.0, 0.0, 1.0)),
        ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
    ],
)
def test_hsv_known_colours(rgb, hsv):
    pixel = np.array([[rgb]], dtype=np.float32)
    np.testing.assert_allclose(colorspaces.rgb_to_hsv(pixel)[0, 0], hsv, atol=1e-6)
    np.testing.assert_allclose(colorspaces.hsv_to_rgb(np.array([[hsv]]))[0, 0], rgb, atol=1e-6)


@pytest.mark.parametrize(
    ("rgb", "ycbcr"),
    [
        ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
        ((1.0, 0.0, 0.0), (0.299, 0.5 - 0.168736, 1.0)),
        ((0.0, 1.0, 0.0), (0.587, 0.5 - 0.331264, 0.5 - 0.418688)),
        ((0.0, 0.0, 1.0), (0.114, 1.0, 0.5 - 0.081312)),
    ],
)
def test_ycbcr_known_colours(rgb, ycbcr):
    pixel = np.array([[rgb]], dtype=np.float32)
    np.testing.assert_allclose(colorspaces.rgb_to_ycbcr(pixel)[0, 0], ycbcr, atol=1e-6)
    np.testing.assert_allclose(colorspaces.rgb_to_luminance(pixel)[0, 0, 0], ycbcr[0], atol=1e-6)


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut"])
def test_luminance_and_ycbcr_agree_with_pillow_within_one_level(name):
    image, rgb = photo_256(name)
    pillow_l = np.asarray(image.convert("L"), dtype=np.int16)
    pillow_ycbcr = np.asarray(image.convert("YCbCr"), dtype=np.int16)
    assert np.abs(levels(colorspaces.rgb_to_luminance(rgb)[..., 0]) - pillow_l).max() <= 1
    assert np.abs(levels(colorspaces.rgb_to_ycbcr(rgb)) - pillow_ycbcr).max() <= 1


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut"])
def test_hsv_agrees_with_colorsys(name):
    _, rgb = photo_256(name)
    pixels = rgb.reshape(-1, 3)[::97]  # a spread of real pixels; colorsys is slow
    ours = colorspaces.rgb_to_hsv(pixels[np.newaxis])[0]
    reference = np.array([colorsys.rgb_to_hsv(*map(float, p)) for p in pixels])
    np.testing.assert_allclose(ours, reference, atol=1e-6)
    back = colorspaces.hsv_to_rgb(reference[np.newaxis])[0]
    reference_back = np.array([colorsys.hsv_to_rgb(*p) for p in reference])
    np.testing.assert_allclose(back, reference_back, atol=1e-6)


@pytest.mark.parametrize("space", [RGB, HSV, YCBCR], ids=lambda s: s.name)
def test_round_trip_within_one_level(space):
    _, rgb = photo_256("astronaut")
    back = space.to_display(space.from_rgb(rgb))
    assert back.shape == rgb.shape and back.dtype == np.float32
    assert np.abs(back - rgb).max() <= ONE_LEVEL


def test_luminance_is_lossy_and_one_channel():
    _, rgb = photo_256("coffee")
    lum = LUMINANCE.from_rgb(rgb)
    assert lum.shape == (*rgb.shape[:2], 1)
    shown = LUMINANCE.to_display(lum)
    assert shown.shape == lum.shape  # displayed as greyscale, not expanded to RGB
    np.testing.assert_array_equal(colorspaces.luminance_to_rgb(lum)[..., 1], lum[..., 0])


def test_hue_wraps_instead_of_clipping():
    hsv = np.array([[[0.25, 0.8, 0.9], [0.9, 0.5, 0.5]]], dtype=np.float32)
    shifted = hsv.copy()
    shifted[..., 0] += np.array([1.0, -2.0], dtype=np.float32)
    np.testing.assert_allclose(HSV.to_display(shifted), HSV.to_display(hsv), atol=1e-6)


def test_other_channels_clip_and_display_stays_in_range():
    wild = np.array([[[-3.0, 2.0, 7.0], [0.5, -1.0, 1.5]]], dtype=np.float32)
    for space in (RGB, HSV, YCBCR):
        shown = space.to_display(wild)
        assert shown.min() >= 0.0 and shown.max() <= 1.0
    # Saturation above 1 shows as fully saturated, value above 1 as full brightness.
    np.testing.assert_allclose(HSV.to_display(np.array([[[0.0, 5.0, 9.0]]])), [[[1.0, 0.0, 0.0]]], atol=1e-6)
    np.testing.assert_allclose(RGB.to_display(wild)[0, 0], [0.0, 1.0, 1.0])


def test_display_never_modifies_the_raw_output():
    raw = np.array([[[1.7, -0.2, 0.4]]], dtype=np.float32)
    kept = raw.copy()
    for space in (RGB, HSV, YCBCR):
        space.to_display(raw)
    np.testing.assert_array_equal(raw, kept)


def test_wrong_channel_count_and_unknown_space_are_clear_errors():
    with pytest.raises(ValueError, match="hsv images have 3 channel"):
        HSV.to_display(np.zeros((2, 2, 1)))
    with pytest.raises(KeyError, match="unknown colour space 'lab'"):
        colorspaces.get("lab")
    assert list(COLOR_SPACES) == ["luminance", "rgb", "hsv", "ycbcr"]


# --- Properties on generated images (hypothesis) ------------------------------------
# Each rejects, among others: a BT.709 or studio-range (16-235) matrix, Cb/Cr without
# the 0.5 offset, swapped R/B channels, hue in degrees or clipped instead of wrapped.

rgb_levels = arrays(np.uint8, st.tuples(st.integers(1, 8), st.integers(1, 8), st.just(3)))


@given(levels_in=rgb_levels)
def test_round_trips_within_one_level(levels_in):
    rgb = levels_in.astype(np.float32) / 255.0
    for space in (RGB, HSV, YCBCR):
        assert np.abs(levels(space.to_display(space.from_rgb(rgb))) - levels_in).max() <= 1, space.name
    # Luminance is lossy by design (three channels to one): it comes back grey.
    grey = colorspaces.luminance_to_rgb(LUMINANCE.from_rgb(rgb))
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all()


@given(levels_in=rgb_levels)
def test_agrees_with_pillow_and_colorsys(levels_in):
    image = Image.fromarray(levels_in)
    rgb = levels_in.astype(np.float32) / 255.0
    pillow_l = np.asarray(image.convert("L"), dtype=np.int16)
    assert np.abs(levels(colorspaces.rgb_to_luminance(rgb)[..., 0]) - pillow_l).max() <= 1
    pillow_ycbcr = np.asarray(image.convert("YCbCr"), dtype=np.int16)
    assert np.abs(levels(colorspaces.rgb_to_ycbcr(rgb)) - pillow_ycbcr).max() <= 1
    reference = np.array([colorsys.rgb_to_hsv(*map(float, p)) for p in rgb.reshape(-1, 3)])
    assert np.abs(levels(colorspaces.rgb_to_hsv(rgb).reshape(-1, 3)) - levels(reference)).max() <= 1


unit = st.floats(0.0, 1.0, width=32, exclude_max=True)


@given(hsv=arrays(np.float32, st.tuples(st.integers(1, 6), st.just(3)), elements=unit), turns=st.integers(-3, 3))
def test_adding_whole_turns_to_hue_changes_nothing_displayed(hsv, turns):
    shifted = hsv.copy()
    shifted[:, 0] += np.float32(turns)
    assert np.abs(levels(HSV.to_display(shifted)) - levels(HSV.to_display(hsv))).max() <= 1


@given(
    raw=arrays(
        np.float32, st.tuples(st.integers(1, 6), st.integers(1, 6), st.just(3)), elements=st.floats(-50, 50, width=32)
    )
)
def test_any_layer_output_displays_within_range(raw):
    for space in (RGB, HSV, YCBCR):
        shown = space.to_display(raw)
        assert shown.shape == raw.shape and shown.dtype == np.float32
        assert (shown >= 0.0).all() and (shown <= 1.0).all()
    shown = LUMINANCE.to_display(raw[..., :1])
    assert shown.shape == raw[..., :1].shape and (shown >= 0.0).all() and (shown <= 1.0).all()

"""What the seed blog post saw, asserted on the bundled photos.

Each test quotes the sentence it checks and measures it on the displayed pictures
(what a reader of the post looks at), so a change of layer, colour space or display
policy that would make the post's sentence false fails here.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from layerviz.catalogue import get_case
from layerviz.catalogue.cases import Case
from layerviz.inputs import colorspaces
from layerviz.inputs.images import DEFAULT_PAIR, load_sample

from cases_run import case_inputs, run_case


def shown(case_id: str) -> np.ndarray:
    case = get_case(case_id)
    return colorspaces.get(case.colorspace).to_display(run_case(case)).astype(np.float64)


def levels(image: np.ndarray) -> np.ndarray:
    return np.rint(image * 255.0).astype(np.int16)


@pytest.fixture(scope="module")
def photos() -> tuple[np.ndarray, np.ndarray]:
    first, second = (load_sample(name).astype(np.float64) for name in DEFAULT_PAIR)
    return first, second


def test_max_in_monochrome_selects_the_brighter_pixel():
    """ "Max in monochrome selects the brighter pixel." Every pixel is one of the
    two inputs' (a selection, not a blend), and the brighter one."""
    a, b = case_inputs(get_case("merging/maximum/luminance"))
    output = run_case(get_case("merging/maximum/luminance"))
    assert ((output == a) | (output == b)).all()
    np.testing.assert_array_equal(output, np.where(a >= b, a, b))


def test_minimum_selects_the_darker_pixels():
    """ "Minimum, of course, selects the darker pixels." """
    a, b = case_inputs(get_case("merging/minimum/luminance"))
    output = run_case(get_case("merging/minimum/luminance"))
    assert ((output == a) | (output == b)).all()
    np.testing.assert_array_equal(output, np.where(a <= b, a, b))


def test_multiply_makes_things_darker():
    """ "Multiply, I guess, makes things darker by the amount of darkness being
    multiplied (0.0-1.0 values)." Never brighter than either input."""
    a, b = case_inputs(get_case("merging/multiply/luminance"))
    output = run_case(get_case("merging/multiply/luminance"))
    assert (output <= a).all() and (output <= b).all()
    assert output.mean() < min(a.mean(), b.mean())


def purple(image: np.ndarray) -> float:
    return float((image[..., 0] + image[..., 2] - 2 * image[..., 1]).mean())


def green(image: np.ndarray) -> float:
    return float((image[..., 1] - (image[..., 0] + image[..., 2]) / 2).mean())


def test_max_for_ycbcr_biases_toward_purple(photos):
    """ "Max for YCbCr likewise biases toward purple (red and blue) pixels." Max
    picks the larger Cb (blue) and Cr (red) offsets from 0.5 independently."""
    output = shown("merging/maximum/ycbcr")
    assert purple(output) > max(purple(photo) for photo in photos)
    assert purple(output) > purple(shown("merging/maximum/rgb"))


def test_ycbcr_minimum_looks_for_dark_greenish_pixels(photos):
    """ "YCbCr looks for dark, greenish pixels." Low Cb and Cr both mean green."""
    output = shown("merging/minimum/ycbcr")
    assert green(output) > max(green(photo) for photo in photos)
    assert output.mean() < min(photo.mean() for photo in photos)


def mean_hue_shift(image: np.ndarray, reference: np.ndarray) -> float:
    """Mean circular distance between hues, in turns (0 to 0.5)."""
    distance = np.abs(colorspaces.rgb_to_hsv(image)[..., 0] - colorspaces.rgb_to_hsv(reference)[..., 0])
    return float(np.minimum(distance, 1.0 - distance).mean())


def test_add_shifts_hue_and_ycbcr_shifts_it_more():
    """ "Add in HSV gives you a hue shift." and "Adding the Cb and Cr channels gives
    this color space even more of a hue shift." Measured against RGB Add: about
    0.04 turn for HSV and 0.25 turn for YCbCr, the order the post states."""
    rgb = shown("merging/add/rgb")
    hsv_shift = mean_hue_shift(shown("merging/add/hsv"), rgb)
    ycbcr_shift = mean_hue_shift(shown("merging/add/ycbcr"), rgb)
    assert 0.01 < hsv_shift < ycbcr_shift


def test_average_ycbcr_works_like_rgb():
    """ "Average YCbCr works like RGB." The transform is affine, so averaging
    commutes with it: the pictures agree within two 8-bit levels."""
    difference = levels(shown("merging/average/ycbcr")) - levels(shown("merging/average/rgb"))
    assert np.abs(difference).max() <= 2


def test_max_pooling_makes_dark_details_disappear():
    """ "In monochrome images you can see the dark details disappear as pooling
    selects the brightest pixels." Against average pooling, the mean brightness
    and the darkest percentile both rise."""
    maximum, average = shown("pooling/max/luminance"), shown("pooling/average/luminance")
    assert maximum.mean() > average.mean()
    assert np.percentile(maximum, 1) > np.percentile(average, 1)
    assert (maximum >= average).all()


def with_activation(case: Case, activation: str) -> Case:
    """The same case (same id, hence the same seeded kernel) with another activation."""
    steps = tuple(
        dataclasses.replace(step, options={**step.options, "activation": activation}) for step in case.config.steps
    )
    return dataclasses.replace(case, config=dataclasses.replace(case.config, steps=steps))


def test_tanh_pushes_toward_black_not_white():
    """ "tanh pushed everything to black and white" is only half borne out.

    With the same kernel, tanh contracts the linear output toward zero
    (|tanh x| <= |x|, same sign). In RGB, where display clips each channel on its
    own, that pushes values to black and away from white: per channel, the share
    of near-white values (> 0.95) never grows, the share of near-black values
    (< 0.05) never shrinks, and the picture gets darker. The post's "white" came
    from comparing two runs that drew different random kernels.
    """
    case = get_case("conv2d/k3-tanh/rgb")
    tanh = shown_rgb(run_case(case))
    linear = shown_rgb(run_case(with_activation(case, "linear")))
    assert ((tanh > 0.95).mean(axis=0) <= (linear > 0.95).mean(axis=0)).all()
    assert ((tanh < 0.05).mean(axis=0) >= (linear < 0.05).mean(axis=0)).all()
    assert tanh.mean() < linear.mean()


def shown_rgb(raw: np.ndarray) -> np.ndarray:
    return colorspaces.RGB.to_display(raw).reshape(-1, 3)

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from layerviz.catalogue.cases import LayerInfo
from layerviz.core.raised import Raised
from layerviz.core.tolerance import Tolerance
from layerviz.inputs.colorspaces import RGB
from layerviz.judge.compare import compare
from layerviz.pipeline.render import Rendering, render


@pytest.fixture
def baseline() -> Rendering:
    raw = np.random.default_rng(1).uniform(0.05, 0.95, (64, 48, 3)).astype(np.float32)
    return render("conv2d/k3-relu/rgb", RGB, raw)


def with_pixels(rendering: Rendering, pixels: np.ndarray) -> Rendering:
    return Rendering(rendering.case_id, pixels, rendering.stats)


def test_identical_passes(baseline):
    result = compare(baseline, baseline)
    assert result.ok and result.max_diff == 0 and result.bbox is None


def test_one_level_noise_passes(baseline):
    noise = np.random.default_rng(2).integers(-1, 2, baseline.pixels.shape)
    noisy = np.clip(baseline.pixels.astype(int) + noise, 0, 255).astype(np.uint8)
    result = compare(baseline, with_pixels(baseline, noisy))
    assert result.ok, result.message()
    assert result.max_diff == 1


def test_a_single_pixel_change_fails_with_its_location(baseline):
    pixels = baseline.pixels.copy()
    pixels[10, 20, 2] = pixels[10, 20, 2] + 2 if pixels[10, 20, 2] < 200 else 0
    result = compare(baseline, with_pixels(baseline, pixels))
    assert not result.ok
    assert result.changed_pixels == 1 and result.bbox == (10, 20, 10, 20)
    message = result.message()
    assert "conv2d/k3-relu/rgb" in message
    assert "1 of 3072 pixels" in message and "rows 10-10, columns 20-20" in message


def test_a_border_row_change_fails(baseline):
    pixels = baseline.pixels.copy()
    pixels[-1] = 255 - pixels[-1]
    result = compare(baseline, with_pixels(baseline, pixels))
    assert not result.ok
    assert result.bbox == (63, 0, 63, 47) and result.changed_pixels == 48
    assert f"max difference {result.max_diff} levels" in result.message()


def test_the_difference_is_each_pixels_largest_channel_change_either_way(baseline):
    before = np.full((2, 3, 3), 100, dtype=np.uint8)
    after = before.copy()
    after[0, 0] = (100, 255, 103)  # up by 155 in G and by 3 in B
    after[0, 1] = (0, 100, 100)  # down by 100 in R
    after[1, 2, 2] = 93  # down by 7 in B
    result = compare(with_pixels(baseline, before), with_pixels(baseline, after))
    np.testing.assert_array_equal(result.diff, [[155, 100, 0], [0, 0, 7]])
    grey = compare(with_pixels(baseline, before[..., 0]), with_pixels(baseline, after[..., 0]))
    np.testing.assert_array_equal(grey.diff, [[0, 100, 0], [0, 0, 0]])


def test_size_and_mode_changes_fail(baseline):
    smaller = with_pixels(baseline, baseline.pixels[:-1])
    assert "image shape changed: baseline 48x64 RGB, obtained 48x63 RGB" in compare(baseline, smaller).message()
    grey = with_pixels(baseline, baseline.pixels[..., 0])
    assert "obtained 48x64 L" in compare(baseline, grey).message()


def test_a_change_hidden_by_clipping_fails_on_the_stats():
    raw = np.full((8, 8, 3), 0.5, dtype=np.float32)
    raw[0, 0, 1] = 1.2
    before = render("x/y/rgb", RGB, raw)
    raw[0, 0, 1] = 4.0  # still shows as 255
    after = render("x/y/rgb", RGB, raw)
    np.testing.assert_array_equal(before.pixels, after.pixels)
    result = compare(before, after)
    assert not result.ok
    assert "max[G] 1.2 -> 4" in result.message()
    assert "mean[G]" in result.message() and "mean[R]" not in result.message()


def test_raw_shape_change_fails_even_if_pixels_agree(baseline):
    raw = np.zeros((2, 2, 3), dtype=np.float32)
    other = render("x/y/rgb", RGB, raw).stats
    moved = Rendering(baseline.case_id, baseline.pixels, other)
    assert "raw output shape changed" in compare(baseline, moved).message()


def test_tolerances_can_be_loosened(baseline):
    pixels = baseline.pixels.copy()
    pixels[0, 0] = pixels[0, 0] // 2
    changed = with_pixels(baseline, pixels)
    assert not compare(baseline, changed).ok
    assert compare(baseline, changed, Tolerance(levels=255)).ok


def test_a_change_of_every_pixel_alike_is_called_uniform_and_a_local_one_is_not(baseline):
    brighter = with_pixels(baseline, baseline.pixels + np.uint8(3))
    assert "uniform: every pixel moved by 3-3 levels" in compare(baseline, brighter).message()
    patched = baseline.pixels.copy()
    patched[:8, :8] = 255 - patched[:8, :8]
    assert "uniform" not in compare(baseline, with_pixels(baseline, patched)).message()


def test_a_parameter_count_change_fails_even_if_the_picture_agrees(baseline):
    before = Rendering(baseline.case_id, baseline.pixels, baseline.stats, (LayerInfo("Dense", (64, 48, 3), 12),))
    after = Rendering(baseline.case_id, baseline.pixels, baseline.stats, (LayerInfo("Dense", (64, 48, 3), 9),))
    result = compare(before, after)
    assert not result.ok
    assert "layers changed: baseline Dense[64, 48, 3] 12 params; obtained Dense[64, 48, 3] 9 params" in result.message()
    assert result.severity[0] == 1 and result.summary()["layers_change"]


def smooth(height: int = 64, width: int = 48) -> np.ndarray:
    """A picture with structure in both directions, as layer outputs have."""
    rows, columns = np.mgrid[0:height, 0:width]
    pattern = 0.5 + 0.25 * np.sin(rows / 3.0) + 0.2 * np.cos(columns / 2.0 + rows / 7.0)
    return np.repeat(pattern[..., np.newaxis], 3, axis=-1).astype(np.float32)


def test_a_picture_moved_by_a_pixel_is_reported_as_shifted():
    raw = smooth()
    moved = np.empty_like(raw)
    moved[1:, :-1] = raw[:-1, 1:]  # one row down, one column left
    moved[0], moved[:, -1] = 0.0, 0.0
    result = compare(render("x/y/rgb", RGB, raw), render("x/y/rgb", RGB, moved))
    assert result.shift == (1, -1)
    assert result.cause == "values shifted 1 row down and 1 column left"
    assert "moved 1 row down and 1 column left, the baseline matches the obtained picture" in result.message()


def test_a_real_change_is_not_taken_for_a_shift():
    raw = smooth()
    noisy = raw + np.random.default_rng(3).normal(0, 0.05, raw.shape).astype(np.float32)
    result = compare(render("x/y/rgb", RGB, raw), render("x/y/rgb", RGB, noisy))
    assert result.shift is None and result.cause == "values changed"


def test_causes_name_what_changed(baseline):
    assert compare(baseline, baseline).cause == ""
    assert compare(baseline, with_pixels(baseline, baseline.pixels[:-1])).cause == "output shape changed"
    darker = compare(baseline, with_pixels(baseline, baseline.pixels // 2))
    assert darker.cause == "values changed" and darker.image_failed and not darker.sidecar_failed
    raw = np.full((8, 8, 3), 0.5, dtype=np.float32)
    raw[0, 0, 1] = 1.2
    before = render("x/y/rgb", RGB, raw)
    raw[0, 0, 1] = 4.0  # still shows as 255: only the statistics see it
    result = compare(before, render("x/y/rgb", RGB, raw))
    assert result.cause == "raw values changed, picture unchanged"
    assert not result.image_failed and result.sidecar_failed


def test_an_exception_on_either_side_is_a_change(baseline):
    raised = Raised(baseline.case_id, "ValueError", "cannot pad unevenly")
    now_raises = compare(baseline, raised)
    assert not now_raises.ok and now_raises.cause == "now raises ValueError"
    assert "now raises: ValueError: cannot pad unevenly (baseline: a 48x64 RGB picture)" in now_raises.message()
    assert now_raises.image_failed and now_raises.sidecar_failed
    now_works = compare(raised, baseline)
    assert now_works.cause == "now works"
    assert (
        "now works: obtained a 48x64 RGB picture (baseline: raises ValueError: cannot pad unevenly)"
        in now_works.message()
    )
    assert compare(raised, Raised("other/label", "ValueError", "cannot pad unevenly")).ok
    reworded = compare(raised, Raised(baseline.case_id, "ValueError", "padding must be even"))
    assert reworded.cause == "raises differently"
    assert compare(raised, Raised(baseline.case_id, "TypeError", "cannot pad unevenly")).cause == "raises differently"


@given(
    exponent=st.floats(min_value=-8.0, max_value=4.0),
    channels=st.sampled_from([3, 8]),  # the colour space's own (a picture), or a feature-map mosaic
    centred=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_five_percent_change_fails_and_round_off_passes_whatever_the_magnitude(exponent, channels, centred, seed):
    """The mosaic stretches each channel, so a gain shows in the statistics alone: their
    tolerance must follow the values' magnitude, from 1e-8 to 1e4."""
    rng = np.random.default_rng(seed)
    pattern = rng.uniform(-1.0 if centred else 0.0, 1.0, (16, 16, channels))
    values = (pattern * 10.0**exponent).astype(np.float32)
    baseline = render("model/rgb", RGB, values)
    gained = render("model/rgb", RGB, values * np.float32(1.05))
    assert not compare(baseline, gained).ok, f"a 5% gain of values around 1e{exponent:.1f} passed"
    # Round-off: every value a few float32 ulps away (a relative 1e-6, signs at random).
    jitter = (values * (1.0 + rng.uniform(-1e-6, 1e-6, values.shape))).astype(np.float32)
    result = compare(baseline, render("model/rgb", RGB, jitter))
    assert result.ok, result.message()

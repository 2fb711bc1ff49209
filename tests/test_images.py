import numpy as np
import pytest
from PIL import Image

from layerviz.images import (
    DEFAULT_PAIR,
    ImageInputError,
    box_downsample,
    load_image,
    load_sample,
    sample_path,
)


def test_box_downsample_is_the_exact_block_mean():
    image = np.arange(4 * 4 * 1, dtype=np.float32).reshape(4, 4, 1)
    expected = np.array([[(0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4], [(8 + 9 + 12 + 13) / 4, (10 + 11 + 14 + 15) / 4]])
    np.testing.assert_array_equal(box_downsample(image, 2)[..., 0], expected)
    with pytest.raises(ValueError, match="not divisible"):
        box_downsample(np.zeros((5, 4, 1)), 2)


@pytest.mark.parametrize("name", DEFAULT_PAIR)
def test_samples_at_working_size_average_each_2x2_block(name):
    full = np.asarray(Image.open(sample_path(name)).convert("RGB"), dtype=np.float64) / 255.0
    small = load_sample(name)
    assert small.shape == (128, 128, 3) and small.dtype == np.float32
    assert 0.0 <= small.min() and small.max() <= 1.0
    np.testing.assert_allclose(small[5, 7], full[10:12, 14:16].mean(axis=(0, 1)), rtol=1e-6)
    assert load_sample(name, 32).shape == (32, 32, 3)


def test_unknown_sample_names_the_choices():
    with pytest.raises(ImageInputError, match="chelsea"):
        sample_path("lena")


def test_user_image_is_centre_cropped_and_resized(tmp_path):
    # 300 x 100: red | green | blue thirds; the centre square is the green third.
    pixels = np.zeros((100, 300, 3), dtype=np.uint8)
    pixels[:, :100, 0] = 255
    pixels[:, 100:200, 1] = 255
    pixels[:, 200:, 2] = 255
    path = tmp_path / "wide.png"
    Image.fromarray(pixels).save(path)
    image = load_image(path, size=64)
    assert image.shape == (64, 64, 3) and image.dtype == np.float32
    np.testing.assert_allclose(image[32, 32], [0.0, 1.0, 0.0], atol=1e-6)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "I;16", "CMYK"])
def test_user_images_in_other_modes_become_rgb(tmp_path, mode):
    path = tmp_path / f"photo.{'tiff' if mode == 'CMYK' else 'png'}"
    Image.open(sample_path("coffee")).convert(mode).save(path)
    image = load_image(path)
    assert image.shape == (128, 128, 3) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0


def test_bad_inputs_are_named_with_a_fix(tmp_path):
    with pytest.raises(ImageInputError, match=r"missing\.png: does not exist"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(ImageInputError, match="is a directory"):
        load_image(tmp_path)
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ImageInputError, match=r"notes\.png: not a readable image"):
        load_image(text)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(sample_path("chelsea").read_bytes()[:5000])
    with pytest.raises(ImageInputError, match=r"truncated\.png: not a readable image"):
        load_image(truncated)
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (15, 40)).save(tiny)
    with pytest.raises(ImageInputError, match=r"tiny\.png: 15x40 px is too small"):
        load_image(tiny)

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from layerviz.inputs.images import (
    DEFAULT_PAIR,
    ImageInputError,
    PhotoSet,
    array_image,
    box_downsample,
    load_image,
    load_sample,
    sample_path,
)

from odd_inputs import image_files, png_bytes_header_only, snapshot


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
    assert small.min() >= 0.0 and small.max() <= 1.0
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
    assert image.min() >= 0.0 and image.max() <= 1.0


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


@pytest.mark.parametrize("side", [12_000, 20_000])  # above Pillow's warning and error limits
def test_decompression_bombs_are_refused(tmp_path, side):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bytes_header_only(side, side))
    with pytest.raises(
        ImageInputError, match=r"bomb\.png: refused, more pixels than Pillow's decompression-bomb limit"
    ):
        load_image(path)


def test_transparency_is_shown_over_white(tmp_path):
    pixels = np.zeros((32, 32, 4), dtype=np.uint8)
    pixels[..., 0] = 255  # red ...
    pixels[:, 16:, 3] = 255  # ... opaque on the right half only
    path = tmp_path / "alpha.png"
    Image.fromarray(pixels, "RGBA").save(path)
    image = load_image(path, size=32)
    np.testing.assert_allclose(image[0, 0], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(image[0, 31], [1.0, 0.0, 0.0])
    palette = Image.fromarray(pixels[..., :3]).convert("P")
    palette.save(tmp_path / "palette.png", transparency=palette.getpixel((0, 0)))
    np.testing.assert_allclose(load_image(tmp_path / "palette.png", size=32)[0, 0], [1.0, 1.0, 1.0])


def test_sixteen_bit_images_keep_their_full_range(tmp_path):
    levels = np.tile(np.array([0, 16384, 32768, 65535], dtype=np.uint16).repeat(8), (32, 1))
    path = tmp_path / "deep.png"
    Image.fromarray(levels).save(path)
    assert Image.open(path).mode in ("I;16", "I")
    image = load_image(path, size=32)
    np.testing.assert_allclose(image[0, [0, 8, 16, 31], 0], [0.0, 16384 / 65535, 32768 / 65535, 1.0], atol=1e-6)
    assert (image[..., 0] == image[..., 2]).all()


# --- Fuzzing: whatever the file, a valid image or one clear ImageInputError -----------


@settings(max_examples=max(100, settings.default.max_examples))
@given(file=image_files(), size=st.sampled_from([16, 128]))
def test_any_image_file_of_any_mode_format_or_size_loads_or_is_refused_naming_it(file, size):
    """Valid files of every mode (1 … CMYK), as PNG, JPEG or TIFF, from 1x1 to 300x300;
    truncated, random, empty or bomb files: a picture, or one line naming the file; the
    file itself is left as it was."""
    data, suffix = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"photo.{suffix}"
        path.write_bytes(data)
        try:
            image = load_image(path, size)
        except ImageInputError as exc:
            said = str(exc)
            assert said.startswith(f"{path}: ") and "\n" not in said
        else:
            assert image.shape == (size, size, 3) and image.dtype == np.float32
            assert np.isfinite(image).all() and image.min() >= 0.0 and image.max() <= 1.0
        assert snapshot(Path(folder)) == {".": ("folder", None), path.name: ("file", data)}


def test_arrays_are_taken_as_files_of_them_would_be(tmp_path):
    """A photo given as an array goes the way of a file: same crop, resize and precision."""
    rgb = np.asarray(Image.open(sample_path("astronaut")).convert("RGB"))[:200, :240]
    path = tmp_path / "photo.png"
    Image.fromarray(rgb).save(path)
    from_file, from_array = PhotoSet.files([path]).at(64)[0], PhotoSet.files([rgb]).at(64)[0]
    np.testing.assert_allclose(from_array, from_file, atol=1e-6)
    np.testing.assert_allclose(PhotoSet.files([rgb / 255.0]).at(64)[0], from_file, atol=1e-6)  # floats are 0-1
    grey = array_image(rgb[..., 0], 32)
    assert grey.shape == (32, 32, 3) and np.array_equal(grey[..., 0], grey[..., 2])
    rgba = np.concatenate([rgb, np.zeros(rgb.shape[:2] + (1,), np.uint8)], axis=-1)
    assert (array_image(rgba, 32) == 1.0).all()  # fully transparent: white, as for files
    assert PhotoSet.files([rgb]).labels == ("array 1", "coffee")
    with pytest.raises(
        ImageInputError, match=r"array: an image array is H x W, H x W x 3 or H x W x 4, got shape \(4, 4, 2\)"
    ):
        array_image(np.zeros((4, 4, 2)), 32)
    with pytest.raises(ImageInputError, match="array: 8x8 px is too small"):
        array_image(np.zeros((8, 8, 3)), 32)

"""Image in: the bundled sample photos and user photos, as float32 RGB in [0, 1]."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

WORKING_SIZE = 128
# The first input of every case, and the second input of merging layers.
DEFAULT_PAIR = ("chelsea", "coffee")
SAMPLE_NAMES = ("astronaut", "chelsea", "coffee")
# Smaller inputs leave nothing for a kernel-7 "valid" convolution to show.
MIN_SIDE = 16


class ImageInputError(ValueError):
    """An input image that cannot be used; the message names the file and the fix."""


def sample_path(name: str) -> Path:
    if name not in SAMPLE_NAMES:
        raise ImageInputError(
            f"no bundled sample photo named {name!r}; choose one of: {', '.join(SAMPLE_NAMES)}"
        )
    return Path(str(resources.files("layerviz") / "samples" / f"{name}.png"))


def sample_sha256(name: str) -> str:
    return hashlib.sha256(sample_path(name).read_bytes()).hexdigest()


def box_downsample(image: np.ndarray, factor: int) -> np.ndarray:
    """Exact mean over factor x factor blocks: no resampler whose output could drift."""
    height, width, channels = image.shape
    if height % factor or width % factor:
        raise ValueError(f"{height}x{width} is not divisible by {factor}")
    blocks = np.asarray(image, dtype=np.float64).reshape(
        height // factor, factor, width // factor, factor, channels
    )
    return blocks.mean(axis=(1, 3)).astype(np.float32)


def load_sample(name: str, size: int = WORKING_SIZE) -> np.ndarray:
    """A bundled photo at `size`, which must divide the stored 256 x 256."""
    with Image.open(sample_path(name)) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0
    if pixels.shape[0] % size:
        raise ValueError(
            f"bundled photos are {pixels.shape[0]} px; size {size} must divide that exactly"
        )
    return box_downsample(pixels, pixels.shape[0] // size)


def load_image(path: str | Path, size: int = WORKING_SIZE) -> np.ndarray:
    """A user photo: converted to RGB, centre-cropped to a square, resized to `size`."""
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ImageInputError(f"{path}: {what}; give the path of an image file")
    try:
        with Image.open(path) as image:
            image.load()
            rgb = image.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise ImageInputError(f"{path}: refused, too many pixels ({exc})") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ImageInputError(
            f"{path}: not a readable image ({exc}); give a PNG, JPEG or other Pillow-readable file"
        ) from None
    side = min(rgb.size)
    if side < MIN_SIDE:
        raise ImageInputError(
            f"{path}: {rgb.width}x{rgb.height} px is too small; "
            f"give an image at least {MIN_SIDE} px on each side"
        )
    left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
    square = rgb.crop((left, top, left + side, top + side))
    if side != size:
        square = square.resize((size, size), Image.Resampling.LANCZOS)
    return (np.asarray(square, dtype=np.float32) / np.float32(255.0)).astype(np.float32)

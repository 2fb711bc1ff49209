"""Image in: the bundled sample photos and user photos, as float32 RGB in [0, 1]."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
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
    """A bundled photo at `size`: an exact box average when `size` divides the stored
    256 px (always so in the regression suite), else a Lanczos resize."""
    path = sample_path(name)
    with Image.open(path) as image:
        side = image.width
        if side % size:
            return load_image(path, size)
        pixels = np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0
    return box_downsample(pixels, side // size)


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


class PhotoSet:
    """The photos cases run on (first input, second input of merging layers),
    loaded lazily at whatever size a configuration asks for."""

    def __init__(self, labels: Sequence[str], loaders: Sequence[Callable[[int], np.ndarray]]) -> None:
        self.labels = tuple(labels)
        self._loaders = tuple(loaders)
        self._cache: dict[int, list[np.ndarray]] = {}

    @classmethod
    def bundled(cls, names: Sequence[str] = DEFAULT_PAIR) -> PhotoSet:
        return cls(names, [functools.partial(load_sample, name) for name in names])

    @classmethod
    def files(cls, paths: Sequence[str | Path]) -> PhotoSet:
        """User photos; with a single one, merging layers take the bundled second photo."""
        labels = [Path(path).name for path in paths]
        loaders: list[Callable[[int], np.ndarray]] = [functools.partial(load_image, path) for path in paths]
        if len(paths) == 1:
            labels.append(DEFAULT_PAIR[1])
            loaders.append(functools.partial(load_sample, DEFAULT_PAIR[1]))
        return cls(labels, loaders)

    def at(self, size: int) -> list[np.ndarray]:
        if size not in self._cache:
            self._cache[size] = [load(size) for load in self._loaders]
        return self._cache[size]

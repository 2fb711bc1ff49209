"""Image in: the bundled sample photos and user photos, as float32 RGB in [0, 1]."""

from __future__ import annotations

import functools
import hashlib
import warnings
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

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
        raise ImageInputError(f"no bundled sample photo named {name!r}; choose one of: {', '.join(SAMPLE_NAMES)}")
    return Path(str(resources.files("layerviz") / "samples" / f"{name}.png"))


def sample_sha256(name: str) -> str:
    return hashlib.sha256(sample_path(name).read_bytes()).hexdigest()


def centre(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """The middle `height` x `width` of a square photo."""
    top, left = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
    return image[top : top + height, left : left + width]


def box_downsample(image: np.ndarray, factor: int) -> np.ndarray:
    """Exact mean over factor x factor blocks: no resampler whose output could drift."""
    height, width, channels = image.shape
    if height % factor or width % factor:
        raise ValueError(f"{height}x{width} is not divisible by {factor}")
    blocks = np.asarray(image, dtype=np.float64).reshape(height // factor, factor, width // factor, factor, channels)
    return blocks.mean(axis=(1, 3)).astype(np.float32)


@functools.lru_cache(maxsize=32)
def load_sample(name: str, size: int = WORKING_SIZE) -> np.ndarray:
    """A bundled photo at `size`: an exact box average when `size` divides the stored
    256 px (always so in the regression suite), else a Lanczos resize.

    Cached (every case reads the same two photos) and so read-only.
    """
    path = sample_path(name)
    with Image.open(path) as image:
        side = image.width
        if side % size:
            pixels = load_image(path, size)
        else:
            pixels = box_downsample(np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0, side // size)
    pixels.flags.writeable = False
    return pixels


# Transparent pixels are shown over white, as an image viewer shows them on a page.
BACKGROUND = (255, 255, 255)
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def _rgb_array(image: Image.Image) -> np.ndarray:
    """Any Pillow image as float64 RGB in [0, 1], keeping 16-bit and float precision."""
    if image.mode in _SIXTEEN_BIT_MODES:
        # PNG stores 16-bit greyscale as "I;16" or "I": full scale is 65535.
        grey = np.asarray(image, dtype=np.float64) / 65535.0
    elif image.mode == "F":
        grey = np.asarray(image, dtype=np.float64)  # float images are taken as [0, 1]
    elif image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        background = Image.new("RGBA", image.size, BACKGROUND + (255,))
        flat = Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
        return np.asarray(flat, dtype=np.float64) / 255.0
    else:
        return np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0
    return np.repeat(np.clip(np.nan_to_num(grey), 0.0, 1.0)[..., np.newaxis], 3, axis=-1)


def _resize(rgb: np.ndarray, size: int) -> np.ndarray:
    """Lanczos resize per channel in float ("F" mode), so no precision is lost."""
    channels = [
        np.asarray(Image.fromarray(rgb[..., c].astype(np.float32), "F").resize((size, size), Image.Resampling.LANCZOS))
        for c in range(3)
    ]
    return np.clip(np.stack(channels, axis=-1), 0.0, 1.0)  # Lanczos overshoots at edges


def load_image(path: str | Path, size: int = WORKING_SIZE) -> np.ndarray:
    """A user photo as float32 RGB in [0, 1]: EXIF orientation applied, transparency
    over white, centre-cropped to a square and resized to `size` x `size`."""
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ImageInputError(f"{path}: {what}; give the path of an image file")
    try:
        with warnings.catch_warnings():
            # Past Pillow's limit an image is refused, not decoded with a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow warns of damaged metadata (EXIF) it skips; the pixels decide.
            warnings.simplefilter("ignore", UserWarning)
            with Image.open(path) as image:
                image.load()
                rgb = _rgb_array(ImageOps.exif_transpose(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageInputError(
            f"{path}: refused, more pixels than Pillow's decompression-bomb limit ({exc}); give a smaller image"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageInputError(
            f"{path}: not a readable image ({exc}); give a PNG, JPEG or other Pillow-readable file"
        ) from None
    return _square(rgb, size, str(path))


def array_image(array: np.ndarray, size: int = WORKING_SIZE, label: str = "array") -> np.ndarray:
    """A photo given as an array, taken as a file of it would be: H x W (grey), H x W x 3
    (RGB) or H x W x 4 (RGBA, over white); uint8 is 0-255, floats are 0-1."""
    values = np.asarray(array)
    if values.ndim not in (2, 3) or (values.ndim == 3 and values.shape[-1] not in (1, 3, 4)):
        raise ImageInputError(f"{label}: an image array is H x W, H x W x 3 or H x W x 4, got shape {values.shape}")
    scaled = values.astype(np.float64) / (255.0 if values.dtype == np.uint8 else 1.0)
    if scaled.ndim == 2 or scaled.shape[-1] == 1:
        scaled = np.repeat(scaled.reshape(*scaled.shape[:2], 1), 3, axis=-1)
    elif scaled.shape[-1] == 4:  # transparency over white, as for files
        alpha = scaled[..., 3:]
        scaled = scaled[..., :3] * alpha + (1.0 - alpha)
    return _square(np.clip(np.nan_to_num(scaled), 0.0, 1.0), size, label)


def _square(rgb: np.ndarray, size: int, label: str) -> np.ndarray:
    """Centre-cropped to a square and resized to `size` x `size`, as float32."""
    height, width = rgb.shape[:2]
    side = min(height, width)
    if side < MIN_SIDE:
        raise ImageInputError(
            f"{label}: {width}x{height} px is too small; give an image at least {MIN_SIDE} px on each side"
        )
    top, left = (height - side) // 2, (width - side) // 2
    square = rgb[top : top + side, left : left + side]
    if side != size:
        square = _resize(square, size)
    return np.ascontiguousarray(square, dtype=np.float32)


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
    def files(cls, paths: Sequence[str | Path | np.ndarray]) -> PhotoSet:
        """User photos, as files or arrays; with a single one, a subject that takes two
        inputs (a merging layer) gets the bundled second photo."""
        labels, loaders = [], []
        for number, item in enumerate(paths, start=1):
            if isinstance(item, np.ndarray):
                labels.append(f"array {number}")
                loaders.append(functools.partial(array_image, item, label=f"array {number}"))
            else:
                labels.append(Path(item).name)
                loaders.append(functools.partial(load_image, item))
        if len(paths) == 1:
            labels.append(DEFAULT_PAIR[1])
            loaders.append(functools.partial(load_sample, DEFAULT_PAIR[1]))
        return cls(labels, loaders)

    def at(self, size: int) -> list[np.ndarray]:
        if size not in self._cache:
            self._cache[size] = [load(size) for load in self._loaders]
        return self._cache[size]

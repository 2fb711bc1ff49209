"""Colour spaces: RGB in [0, 1] to each working space and back to displayable RGB.

Every array is float32, H x W x C. Conversions are plain NumPy so that they are
the same under every Keras backend; only the layers under test run in Keras.

Display policy for values a layer pushed out of range (documented in the README):
hue wraps modulo 1 because it is an angle; every other channel clips to [0, 1];
the final RGB clips to [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# ITU-R BT.601 luma weights, as used by Pillow's "L" and JPEG/JFIF.
LUMA = np.array([0.299, 0.587, 0.114])

# Full-range BT.601 (JPEG/JFIF) RGB -> YCbCr; Cb and Cr are offset by 0.5 below.
_RGB_TO_YCBCR = np.array(
    [
        LUMA,
        [-0.168736, -0.331264, 0.5],
        [0.5, -0.418688, -0.081312],
    ]
)
# The exact inverse, so rgb -> ycbcr -> rgb round-trips to float round-off.
_YCBCR_TO_RGB = np.linalg.inv(_RGB_TO_YCBCR)
_CHROMA_OFFSET = np.array([0.0, 0.5, 0.5])


def _as_float64(image: np.ndarray) -> np.ndarray:
    return np.asarray(image, dtype=np.float64)


def _to_float32(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image, dtype=np.float32)


def rgb_to_luminance(rgb: np.ndarray) -> np.ndarray:
    return _to_float32(_as_float64(rgb) @ LUMA)[..., np.newaxis]


def luminance_to_rgb(lum: np.ndarray) -> np.ndarray:
    return _to_float32(np.repeat(_as_float64(lum), 3, axis=-1))


def rgb_to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    return _to_float32(_as_float64(rgb) @ _RGB_TO_YCBCR.T + _CHROMA_OFFSET)


def ycbcr_to_rgb(ycbcr: np.ndarray) -> np.ndarray:
    return _to_float32((_as_float64(ycbcr) - _CHROMA_OFFSET) @ _YCBCR_TO_RGB.T)


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """Vectorised `colorsys.rgb_to_hsv`, including its tie-breaking (red, then green)."""
    rgb = _as_float64(rgb)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = rgb.max(axis=-1)
    chroma = v - rgb.min(axis=-1)
    safe_chroma = np.where(chroma == 0, 1.0, chroma)
    s = np.where(v == 0, 0.0, chroma / np.where(v == 0, 1.0, v))
    h = np.select(
        [r == v, g == v],
        [(g - b) / safe_chroma, 2.0 + (b - r) / safe_chroma],
        4.0 + (r - g) / safe_chroma,
    )
    h = np.where(chroma == 0, 0.0, np.mod(h / 6.0, 1.0))
    return _to_float32(np.stack([h, s, v], axis=-1))


# Which of v, q, p and t each of R, G and B takes in each of the six hue sectors (colorsys's).
_HSV_PICKS = np.array([[0, 1, 2, 2, 3, 0], [3, 0, 0, 1, 2, 2], [2, 2, 3, 0, 0, 1]])


def hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """Vectorised `colorsys.hsv_to_rgb` for H in [0, 1), S and V in [0, 1]."""
    # Contiguous planes, and one gather for the picks: NumPy is several times slower on
    # every-third-value views and with np.choose.
    h, s, v = np.ascontiguousarray(np.moveaxis(_as_float64(hsv), -1, 0))
    sector = np.floor(h * 6.0)
    f = h * 6.0 - sector
    p = v * (1.0 - s)
    q = v * (1.0 - s * f)
    t = v * (1.0 - s * (1.0 - f))
    values = np.stack([v, q, p, t]).reshape(-1)
    picked = _HSV_PICKS[:, sector.astype(np.int64).reshape(-1) % 6] * v.size + np.arange(v.size)
    return _to_float32(values[picked].T.reshape(*v.shape, 3))


def _identity(image: np.ndarray) -> np.ndarray:
    return _to_float32(image)


@dataclass(frozen=True)
class ColorSpace:
    """One working colour space: how to enter it from RGB and how to display it."""

    name: str
    channels: tuple[str, ...]
    from_rgb: Callable[[np.ndarray], np.ndarray]
    to_rgb: Callable[[np.ndarray], np.ndarray]
    # Channels that are angles in turns: wrapped modulo 1, not clipped, for display.
    angular: tuple[int, ...] = ()

    @property
    def depth(self) -> int:
        return len(self.channels)

    def display_channels(self, values: np.ndarray) -> np.ndarray:
        """Bring a layer's output into the displayable range of this space."""
        values = _as_float64(values)
        if values.shape[-1] != self.depth:
            raise ValueError(f"{self.name} images have {self.depth} channel(s), got shape {values.shape}")
        shown: np.ndarray = np.clip(values, 0.0, 1.0)  # a new array: the raw output stays as it was
        for axis in self.angular:
            shown[..., axis] = np.mod(values[..., axis], 1.0)
        return shown

    def to_display(self, values: np.ndarray) -> np.ndarray:
        """A layer's output as displayable float32 values in [0, 1].

        Luminance stays one channel (shown as greyscale); the others become RGB.
        """
        shown = self.display_channels(values)
        if self.depth == 1:
            return _to_float32(shown)
        rgb: np.ndarray = np.clip(self.to_rgb(shown), 0.0, 1.0)  # float32 in, float32 out
        return rgb


LUMINANCE = ColorSpace("luminance", ("Y",), rgb_to_luminance, luminance_to_rgb)
RGB = ColorSpace("rgb", ("R", "G", "B"), _identity, _identity)
HSV = ColorSpace("hsv", ("H", "S", "V"), rgb_to_hsv, hsv_to_rgb, angular=(0,))
YCBCR = ColorSpace("ycbcr", ("Y", "Cb", "Cr"), rgb_to_ycbcr, ycbcr_to_rgb)

COLOR_SPACES: dict[str, ColorSpace] = {space.name: space for space in (LUMINANCE, RGB, HSV, YCBCR)}


class UnknownColorSpaceError(KeyError):
    """A colour space name that is not one of COLOR_SPACES."""

    def __str__(self) -> str:  # the message, not KeyError's quoted repr of it
        return str(self.args[0])


def get(name: str) -> ColorSpace:
    """The colour space of that name: looked up once, where a name comes in."""
    try:
        return COLOR_SPACES[name]
    except KeyError:
        known = ", ".join(COLOR_SPACES)
        raise UnknownColorSpaceError(f"unknown colour space {name!r}; choose one of: {known}") from None

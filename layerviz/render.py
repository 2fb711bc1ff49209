"""Render: a layer's raw output -> 8-bit display pixels, PNG bytes and raw statistics."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np
from PIL import Image

from layerviz import colorspaces


@dataclass(frozen=True)
class Stats:
    """Shape and per-channel statistics of the raw (unclipped, float) output.

    Stored beside each PNG so that changes the display clipping hides, and shape
    changes, are still caught.
    """

    shape: tuple[int, ...]
    channels: tuple[str, ...]
    min: tuple[float, ...]
    max: tuple[float, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]

    NAMES = ("min", "max", "mean", "std")

    @classmethod
    def of(cls, raw: np.ndarray, channels: tuple[str, ...]) -> Stats:
        flat = np.asarray(raw, dtype=np.float64).reshape(-1, raw.shape[-1])

        def per_channel(values: np.ndarray) -> tuple[float, ...]:
            return tuple(float(v) for v in values)

        return cls(
            shape=tuple(int(d) for d in raw.shape),
            channels=channels,
            min=per_channel(flat.min(axis=0)),
            max=per_channel(flat.max(axis=0)),
            mean=per_channel(flat.mean(axis=0)),
            std=per_channel(flat.std(axis=0)),
        )

    def to_json(self, case_id: str) -> str:
        fields = {"case": case_id, "shape": list(self.shape), "channels": list(self.channels)}
        fields.update({name: list(getattr(self, name)) for name in self.NAMES})
        # One field a line: diffs of a baseline change stay readable in review.
        body = ",\n".join(f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in fields.items())
        return "{\n" + body + "\n}\n"

    @classmethod
    def from_json(cls, text: str) -> Stats:
        data = json.loads(text)
        return cls(
            shape=tuple(data["shape"]),
            channels=tuple(data["channels"]),
            **{name: tuple(float(v) for v in data[name]) for name in cls.NAMES},
        )


@dataclass(frozen=True)
class Rendering:
    """What a case produced: display pixels (uint8, H x W or H x W x 3) and raw stats."""

    case_id: str
    pixels: np.ndarray
    stats: Stats

    @property
    def mode(self) -> str:
        return "L" if self.pixels.ndim == 2 else "RGB"


def quantize(display: np.ndarray) -> np.ndarray:
    """[0, 1] floats -> uint8 levels, round half to even; NaN shows as black."""
    levels = np.rint(np.clip(np.nan_to_num(display, nan=0.0), 0.0, 1.0) * 255.0)
    pixels = levels.astype(np.uint8)
    return pixels[..., 0] if pixels.shape[-1] == 1 else pixels


def render(case_id: str, colorspace: str, raw: np.ndarray) -> Rendering:
    space = colorspaces.get(colorspace)
    return Rendering(
        case_id=case_id,
        pixels=quantize(space.to_display(raw)),
        stats=Stats.of(raw, space.channels),
    )


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG bytes that depend only on the pixels: no timestamp, no text chunks, no gamma."""
    buffer = io.BytesIO()
    # uint8 H x W is saved as "L", H x W x 3 as "RGB".
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def decode_png(data: bytes) -> tuple[np.ndarray, str]:
    """Pixels and Pillow mode of PNG bytes."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return np.asarray(image), image.mode

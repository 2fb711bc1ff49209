"""Odd and bad input files for fuzzing the image loader and the command line."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from hypothesis import strategies as st
from PIL import Image

MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I", "F", "CMYK")


def encoded(mode: str, width: int, height: int, seed: int) -> tuple[bytes, str]:
    """An image of `mode` with random content, in a format that can store that mode."""
    rng = np.random.default_rng(seed)
    base = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")
    if mode == "I;16":
        image = Image.fromarray(rng.integers(0, 65536, (height, width), dtype=np.uint16))
    elif mode == "I":
        image = Image.fromarray(rng.integers(-(2**31), 2**31 - 1, (height, width), dtype=np.int32), "I")
    elif mode == "F":
        image = Image.fromarray(rng.normal(0.5, 2.0, (height, width)).astype(np.float32), "F")
    else:
        image = base.convert(mode)
    suffix = {"I": "tiff", "F": "tiff", "CMYK": "tiff"}.get(mode, "png")
    buffer = io.BytesIO()
    image.save(buffer, format=suffix.upper() if suffix == "png" else "TIFF")
    return buffer.getvalue(), suffix


@st.composite
def odd_files(draw) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["image", "truncated", "random", "png-signature", "bomb"]))
    if kind == "random":
        return draw(st.binary(max_size=512)), "png"
    if kind == "png-signature":
        return b"\x89PNG\r\n\x1a\n" + draw(st.binary(max_size=256)), "png"
    if kind == "bomb":
        side = draw(st.integers(10_000, 60_000))
        return png_bytes_header_only(side, side), "png"
    mode = draw(st.sampled_from(MODES))
    size = (draw(st.integers(1, 70)), draw(st.integers(1, 70)))
    data, suffix = encoded(mode, *size, seed=draw(st.integers(0, 2**16)))
    if kind == "truncated":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)))]
    return data, suffix


def png_bytes_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height but holds no pixel data (a "bomb")."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")

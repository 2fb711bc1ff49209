"""Odd and bad input files for fuzzing the image loader and the command line."""

from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hypothesis import strategies as st
from PIL import Image

MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I", "F", "CMYK")


def encoded(mode: str, width: int, height: int, seed: int) -> tuple[bytes, str]:
    """An image of `mode` with random content, in a format that can store that mode."""
    suffix = {"I": "tiff", "F": "tiff", "CMYK": "tiff"}.get(mode, "png")
    return picture(mode, width, height, seed, suffix.upper()), suffix


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


# --- image files of every kind: for the photo loader and, as a PNG, the baseline loader ----

# The formats Pillow can write each mode in (a JPEG of "1" reads back as "L").
FORMATS = {
    "1": ("PNG", "JPEG", "TIFF"),
    "L": ("PNG", "JPEG", "TIFF"),
    "LA": ("PNG", "TIFF"),
    "P": ("PNG", "TIFF"),
    "RGB": ("PNG", "JPEG", "TIFF"),
    "RGBA": ("PNG", "TIFF"),
    "I;16": ("PNG", "TIFF"),
    "I": ("TIFF",),
    "F": ("TIFF",),
    "CMYK": ("JPEG", "TIFF"),
}
SUFFIXES = {"PNG": "png", "JPEG": "jpg", "TIFF": "tiff"}


def picture(mode: str, width: int, height: int, seed: int, fmt: str) -> bytes:
    """An image of `mode` with random content, written as `fmt`."""
    rng = np.random.default_rng(seed)
    if mode == "I;16":
        image = Image.fromarray(rng.integers(0, 65536, (height, width), dtype=np.uint16))
    elif mode == "I":
        image = Image.fromarray(rng.integers(-(2**31), 2**31 - 1, (height, width), dtype=np.int32), "I")
    elif mode == "F":
        image = Image.fromarray(rng.normal(0.5, 2.0, (height, width)).astype(np.float32), "F")
    else:
        image = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB").convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@st.composite
def image_files(draw) -> tuple[bytes, str]:
    """(bytes, suffix) of an image file: valid in any mode, format and size from 1x1 to
    300x300 (most often thin or tiny), truncated, random bytes, empty, or a PNG header
    declaring a decompression bomb."""
    kind = draw(st.sampled_from(["image", "image", "truncated", "random", "empty", "png-signature", "bomb"]))
    if kind == "random":
        return draw(st.binary(min_size=1, max_size=512)), draw(st.sampled_from(["png", "jpg"]))
    if kind == "empty":
        return b"", draw(st.sampled_from(["png", "jpg"]))
    if kind == "png-signature":
        return b"\x89PNG\r\n\x1a\n" + draw(st.binary(max_size=256)), "png"
    if kind == "bomb":
        side = draw(st.integers(14_000, 60_000))  # above Pillow's warning limit (89 Mpx)
        return png_bytes_header_only(side, side), "png"
    mode = draw(st.sampled_from(list(FORMATS)))
    fmt = draw(st.sampled_from(FORMATS[mode]))
    width, height = draw(st.integers(1, 300)), draw(st.integers(1, 300))
    data = picture(mode, width, height, draw(st.integers(0, 2**16)), fmt)
    if kind == "truncated":
        data = data[: draw(st.integers(0, len(data) - 1))]
    return data, SUFFIXES[fmt]


# --- baseline trees with missing or corrupt parts ---------------------------------------

# A set's manifest as layerviz writes it (the committed weightless set's).
MANIFEST = (Path(__file__).resolve().parents[1] / "baselines" / "weightless" / "MANIFEST.json").read_bytes()
# Weightless catalogue cases, one per colour space kind (a grey picture and colour ones).
CASE_IDS = ("merging/add/luminance", "merging/add/rgb", "pooling/max/hsv")
FOLDER = None  # in a Tree's files: a folder where the file should be

# JSON that parses but is not a sidecar (or not a manifest): wrong shapes and types.
WRONG_JSON = (
    "[]",
    "3",
    '"text"',
    "null",
    "{}",
    '{"raises": "text"}',
    '{"raises": {"type": 1}}',
    '{"versions": 3}',
    '{"versions": {"keras": 3, "backend": "tensorflow"}}',
    "[" * 5000 + "]" * 5000,
)


@dataclass
class Tree:
    """A baseline tree to write: relative path -> bytes (FOLDER: a folder in its place);
    `broken`: the parts that are damaged for sure, `doubtful`: those that may be (an odd
    image file as a PNG: some of them are baselines layerviz can read)."""

    files: dict[str, bytes | None] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    doubtful: set[str] = field(default_factory=set)
    cases: list[str] = field(default_factory=list)

    def write(self, root: Path) -> None:
        for name, data in self.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if data is FOLDER:
                path.mkdir()
            else:
                path.write_bytes(data)


def sidecar_and_png(case_id: str, seed: int, height: int, width: int) -> tuple[bytes, bytes]:
    """A case's valid baseline: its statistics and its PNG, rendered from random raw values."""
    from layerviz.inputs import colorspaces
    from layerviz.pipeline.render import encode_png, render

    space = colorspaces.get(case_id.rsplit("/", 1)[1])
    raw = np.random.default_rng(seed).normal(0.5, 0.5, (height, width, space.depth)).astype(np.float32)
    rendering = render(case_id, space, raw)
    return rendering.sidecar().encode(), encode_png(rendering.pixels)


def _damaged_json(draw, valid: bytes, kind: str) -> bytes:
    if kind == "truncated":
        return valid[: draw(st.integers(0, len(valid) - 1))]
    if kind == "not-json":
        return draw(st.sampled_from([b"", b"not json", b"\xff\xfe\x00", b"{'single': 'quotes'}", b'{"a": 1,}']))
    if kind == "without-a-field":
        data = json.loads(valid)
        data.pop(draw(st.sampled_from(sorted(data))))
        return json.dumps(data).encode()
    if kind == "a-field-of-another-type":
        data = json.loads(valid)
        name = draw(st.sampled_from(sorted(data)))
        data[name] = draw(st.sampled_from([None, 7, "text", [], {}, [None], [[1, "x"]], -1.5]))
        return json.dumps(data).encode()
    return draw(st.sampled_from(WRONG_JSON)).encode()


@st.composite
def baseline_cases(draw, case_id: str = CASE_IDS[0]) -> Tree:
    """One case of a weightless set (files relative to the tree): its PNG and sidecar each
    valid, missing, a folder, or damaged (an odd image file; truncated, not JSON, of the
    wrong shape), or an exception baseline."""
    tree = Tree(cases=[case_id])
    png, stats = f"weightless/{case_id}.png", f"weightless/{case_id}.stats.json"
    height, width = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    valid_stats, valid_png = sidecar_and_png(case_id, draw(st.integers(0, 2**16)), height, width)
    stats_kind = draw(
        st.sampled_from(
            [
                "valid",
                "valid",
                "valid",
                "raises",
                "missing",
                "folder",
                "truncated",
                "not-json",
                "wrong-shape",
                "without-a-field",
                "a-field-of-another-type",
            ]
        )
    )
    png_kind = draw(st.sampled_from(["valid", "valid", "missing", "folder", "image-file"]))
    if stats_kind == "raises":
        tree.files[stats] = json.dumps({"case": case_id, "raises": {"type": "ValueError", "message": "no"}}).encode()
    elif stats_kind == "valid":
        tree.files[stats] = valid_stats
    elif stats_kind == "folder":
        tree.files[stats] = FOLDER
    elif stats_kind != "missing":
        tree.files[stats] = _damaged_json(draw, valid_stats, stats_kind)
    if stats_kind not in ("valid", "raises"):
        # A sidecar without one field may still be read: the optional ones have defaults.
        (tree.doubtful if stats_kind in ("without-a-field", "a-field-of-another-type") else tree.broken).add(stats)
    if png_kind == "valid":
        tree.files[png] = valid_png
    elif png_kind == "folder":
        tree.files[png] = FOLDER
    elif png_kind == "image-file":
        tree.files[png] = draw(image_files())[0]
    if stats_kind != "raises" and png_kind != "valid":
        (tree.doubtful if png_kind == "image-file" else tree.broken).add(png)
    return tree


@st.composite
def baseline_trees(draw) -> Tree:
    """A weightless set of one to three cases (`baseline_cases`) and its manifest: valid,
    missing, or damaged."""
    ids = draw(st.permutations(CASE_IDS))[: draw(st.integers(1, len(CASE_IDS)))]  # no draw rejected
    tree = Tree()
    for case_id in ids:
        case = draw(baseline_cases(case_id))
        tree.files.update(case.files)
        tree.broken |= case.broken
        tree.doubtful |= case.doubtful
        tree.cases += case.cases
    manifest = "weightless/MANIFEST.json"
    damaged = ["truncated", "not-json", "wrong-shape", "without-a-field", "a-field-of-another-type"]
    kind = draw(st.sampled_from(["valid", "valid", "missing", *damaged]))
    if kind != "valid":
        # Without its versions a manifest says nothing; without anything else, less.
        (tree.doubtful if kind in ("without-a-field", "a-field-of-another-type") else tree.broken).add(manifest)
    if kind == "valid":
        tree.files[manifest] = MANIFEST
    elif kind != "missing":
        tree.files[manifest] = _damaged_json(draw, MANIFEST, kind)
    return tree


def snapshot(folder: Path) -> dict[str, tuple[str, bytes | None]]:
    """Every entry under `folder` (itself included): its kind and, for a file, its bytes."""
    entries = {}
    for path in [folder, *folder.rglob("*")]:
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            entries[name] = ("link", str(path.readlink()).encode())
        elif path.is_dir():
            entries[name] = ("folder", None)
        else:
            entries[name] = ("file", path.read_bytes())
    return entries

"""Render: a layer's raw output -> 8-bit display pixels, PNG bytes, raw statistics
and the layer summary stored beside them.

How an output is shown depends on its shape (without the batch axis):

- H x W x C with the colour space's channel count: in that colour space;
- H x W x 1 or H x W x 3 otherwise: as greyscale or RGB, values clipped to [0, 1];
- H x W x C with any other C (a feature map): a mosaic of per-channel greyscale tiles,
  row by row, `ceil(sqrt(C))` to a row, 1 px white between them; each tile is stretched
  from its channel's minimum (black) to its maximum (white), a constant channel is
  mid-grey. The per-channel statistics keep the scale the stretch hides;
- any other rank (a vector, a sequence): a heat strip, black through red and yellow to
  white from the minimum to the maximum: a vector wraps every 128 values, a sequence is
  one row per step (higher ranks are flattened to rows of their last axis); statistics
  over all values.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from layerviz.catalogue.cases import LayerInfo
from layerviz.inputs import colorspaces


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
        """Statistics per channel (the last axis), or of all values for one channel "all"."""
        # One contiguous row per channel: NumPy reduces those ~20x faster than a
        # strided axis; sums accumulate in float64 without a float64 copy.
        rows = np.ascontiguousarray(np.asarray(raw).reshape(-1, len(channels)).T)
        # The mean and standard deviation as np.mean and np.std compute them (float64),
        # bit for bit, with the sum taken once.
        mean = rows.sum(axis=1, dtype=np.float64) / rows.shape[1]
        deviations = rows - mean[:, np.newaxis]
        np.multiply(deviations, deviations, out=deviations)
        std = np.sqrt(deviations.sum(axis=1) / rows.shape[1])

        def per_channel(values: np.ndarray) -> tuple[float, ...]:
            return tuple(float(v) for v in values)

        return cls(
            shape=tuple(int(d) for d in raw.shape),
            channels=channels,
            min=per_channel(rows.min(axis=1)),
            max=per_channel(rows.max(axis=1)),
            mean=per_channel(mean),
            std=per_channel(std),
        )


@dataclass(frozen=True)
class PreActivation:
    """Statistics of one layer's output before its activation: a relu that kills every
    value, or a tanh that flattens them, leaves a picture that no longer shows the kernel;
    these still do."""

    layer: int  # the step
    activation: str
    stats: Stats

    def record(self, output_channels: tuple[str, ...]) -> dict[str, object]:
        fields: dict[str, object] = {"layer": self.layer, "activation": self.activation}
        if self.stats.channels != output_channels:  # a hidden layer of another width
            fields["channels"] = list(self.stats.channels)
        fields.update({name: [_float32(v) for v in getattr(self.stats, name)] for name in Stats.NAMES})
        return fields


@dataclass(frozen=True)
class LayerTrace:
    """One layer's output inside a model or list, in the order the layers returned: its
    shape and the statistics of all its values, so that a failing check can name the
    first layer that changed. The raw output is kept in memory only (for its picture)."""

    name: str  # the layer's name, as Keras has it
    layer: str  # its class
    stats: Stats
    raw: np.ndarray | None = field(default=None, compare=False, repr=False)
    parameters: int = field(default=0, compare=False)  # in memory only, like the raw output

    # The trace only says where a change starts (the output's own statistics decide the
    # check): 4 significant digits still show a 0.1% change (judge.trace.TRACE_RTOL) and keep
    # a line to about 85 bytes: ResNet50's 174 layers take 14 kB, 2.3 kB in git's store.
    DIGITS = 4

    def record(self) -> str:
        values = [float(f"{getattr(self.stats, name)[0]:.{self.DIGITS}g}") for name in Stats.NAMES]
        return json.dumps([self.name, self.layer, list(self.stats.shape), *values], separators=(",", ":"))


@dataclass(frozen=True)
class Rendering:
    """What a case produced: display pixels (uint8, H x W or H x W x 3), raw
    statistics and the summary of the layers that produced it."""

    case_id: str
    pixels: np.ndarray
    stats: Stats
    layers: tuple[LayerInfo, ...] = ()
    description: str = ""  # a user's caption for the check (galleries, reports); not compared
    pre_activation: tuple[PreActivation, ...] = ()
    # A user's model or list: the input it was given (H, W, C) and every layer's output.
    input_shape: tuple[int, ...] = ()
    trace: tuple[LayerTrace, ...] = ()
    inputs: int = field(default=1, compare=False)  # photos it was given (not stored: the check says)

    @property
    def mode(self) -> str:
        return "L" if self.pixels.ndim == 2 else "RGB"

    @property
    def parameters(self) -> int:
        return sum(info.parameters for info in self.layers)

    def sidecar(self) -> str:
        """The JSON stored beside the PNG: raw statistics and layer summary."""
        fields: dict[str, object] = {
            "case": self.case_id,
            "shape": list(self.stats.shape),
            "channels": list(self.stats.channels),
        }
        fields.update({name: [_float32(v) for v in getattr(self.stats, name)] for name in Stats.NAMES})
        fields["parameters"] = self.parameters
        if self.description:
            fields["description"] = self.description
        if self.input_shape:
            fields["input_shape"] = list(self.input_shape)
        # One field (and one layer) a line: a baseline change reads well in review.
        lines = [f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in fields.items()]
        layers = ",\n".join(
            "    " + json.dumps({"layer": i.layer, "output_shape": list(i.output_shape), "parameters": i.parameters})
            for i in self.layers
        )
        lines.append(f'  "layers": [\n{layers}\n  ]' if self.layers else '  "layers": []')
        if self.pre_activation:
            records = ",\n".join(
                "    " + json.dumps(record.record(self.stats.channels)) for record in self.pre_activation
            )
            lines.append(f'  "pre_activation": [\n{records}\n  ]')
        if self.trace:
            # [name, class, shape, min, max, mean, std]: a line a layer.
            records = ",\n".join("    " + record.record() for record in self.trace)
            lines.append(f'  "trace": [\n{records}\n  ]')
        return "{\n" + ",\n".join(lines) + "\n}\n"


def _float32(value: float) -> float:
    """The value with the precision a float32 output has (at most 9 significant digits):
    the float64 reductions' further digits vary with the CPU and say nothing."""
    return float(str(np.float32(value)))


def read_sidecar(data: dict[str, Any]) -> dict[str, Any]:
    """A parsed sidecar's statistics, layer summary, description, pre-activation records,
    input shape and trace, as `Rendering`'s fields."""
    stats = _read_stats(data, tuple(data["shape"]), tuple(data["channels"]))
    pre_activation = tuple(
        PreActivation(
            int(item["layer"]),
            str(item["activation"]),
            _read_stats(item, (), tuple(item.get("channels", stats.channels))),
        )
        for item in data.get("pre_activation", ())
    )
    layers = tuple(
        LayerInfo(item["layer"], tuple(item["output_shape"]), int(item["parameters"])) for item in data["layers"]
    )
    trace = tuple(
        LayerTrace(str(name), str(layer), Stats(tuple(shape), ("all",), *((float(v),) for v in values)))
        for name, layer, shape, *values in data.get("trace", ())
    )
    return {
        "stats": stats,
        "layers": layers,
        "description": str(data.get("description", "")),
        "pre_activation": pre_activation,
        "input_shape": tuple(data.get("input_shape", ())),
        "trace": trace,
    }


def _read_stats(data: dict[str, Any], shape: tuple[int, ...], channels: tuple[str, ...]) -> Stats:
    for name in Stats.NAMES:
        if len(data[name]) != len(channels):
            raise ValueError(f"{name!r} has {len(data[name])} values for {len(channels)} channels")
    return Stats(shape=shape, channels=channels, **{name: tuple(float(v) for v in data[name]) for name in Stats.NAMES})


def quantize(display: np.ndarray) -> np.ndarray:
    """[0, 1] floats -> uint8 levels, round half to even; NaN shows as black."""
    levels = np.nan_to_num(display, nan=0.0)  # a copy, worked on in place
    np.clip(levels, 0.0, 1.0, out=levels)
    levels *= 255.0
    pixels = np.rint(levels, out=levels).astype(np.uint8)
    return pixels[..., 0] if pixels.shape[-1] == 1 else pixels


def render(
    case_id: str,
    space: colorspaces.ColorSpace,
    raw: np.ndarray,
    layers: tuple[LayerInfo, ...] = (),
    pre_activation: Sequence[tuple[int, str, np.ndarray]] = (),
    levels: bool = False,
    input_shape: tuple[int, ...] = (),
    trace: Sequence[tuple[str, str, np.ndarray, int]] = (),
    inputs: int = 1,
) -> Rendering:
    """Display pixels and statistics of a raw output, shown as its shape asks (see above);
    `levels`: an integer output in 8-bit levels, shown divided by 255."""
    raw = np.asarray(raw, dtype=np.float32)
    shown = raw / 255.0 if levels else raw
    channels = _channels(raw, space)
    if raw.ndim == 3 and raw.shape[-1] == space.depth:
        pixels = quantize(space.to_display(shown))
    elif raw.ndim == 3:
        pixels = quantize(shown) if raw.shape[-1] in (1, 3) else mosaic(shown)
    else:
        pixels = heat_strip(shown)
    records = tuple(
        PreActivation(step, name, Stats.of(before, _channels(before, space))) for step, name, before in pre_activation
    )
    return Rendering(
        case_id=case_id,
        pixels=pixels,
        stats=Stats.of(raw, channels),
        layers=layers,
        pre_activation=records,
        input_shape=input_shape,
        trace=tuple(
            LayerTrace(name, layer, Stats.of(output, ("all",)), output, parameters)
            for name, layer, output, parameters in trace
        ),
        inputs=inputs,
    )


def _channels(raw: np.ndarray, space: colorspaces.ColorSpace) -> tuple[str, ...]:
    """The colour space's channel names, the channels' numbers, or "all" (not an image)."""
    if raw.ndim != 3:
        return ("all",)
    return space.channels if raw.shape[-1] == space.depth else tuple(str(i) for i in range(raw.shape[-1]))


STRIP_WIDTH = 128


def _stretch(values: np.ndarray) -> np.ndarray:
    """Values from their minimum (0.0) to their maximum (1.0); constant: 0.5; NaN stays NaN."""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or finite.min() == finite.max():
        return np.where(np.isnan(values), np.nan, 0.5)
    low, high = float(finite.min()), float(finite.max())
    return (np.clip(values, low, high) - low) / (high - low)


def mosaic(raw: np.ndarray) -> np.ndarray:
    """H x W x C -> one greyscale picture, a stretched tile per channel."""
    height, width, channels = raw.shape
    columns = int(np.ceil(np.sqrt(channels)))
    rows = -(-channels // columns)
    sheet = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), 255, dtype=np.uint8)
    for channel in range(channels):
        top, left = (channel // columns) * (height + 1), (channel % columns) * (width + 1)
        sheet[top : top + height, left : left + width] = quantize(_stretch(raw[..., channel])[..., np.newaxis])
    return sheet


def feature_picture(raw: np.ndarray) -> np.ndarray:
    """A hidden layer's output, whatever its width: a mosaic of its channels (H x W x C),
    else a heat strip."""
    return mosaic(raw) if raw.ndim == 3 else heat_strip(raw)


def heat_strip(raw: np.ndarray) -> np.ndarray:
    """A vector (wrapped every STRIP_WIDTH values) or rows of values -> RGB heat colours."""
    values = np.asarray(raw, dtype=np.float64)
    if values.ndim <= 1:
        flat = values.reshape(-1)
        width = min(STRIP_WIDTH, max(flat.size, 1))
        padded = np.full(-(-flat.size // width) * width, np.nan)
        padded[: flat.size] = flat
        grid = padded.reshape(-1, width)
    else:
        grid = values.reshape(-1, values.shape[-1])
    level = _stretch(grid)
    # "hot": black -> red -> yellow -> white; empty cells (NaN) show black.
    hot = np.stack([np.clip(3 * level - k, 0.0, 1.0) for k in range(3)], axis=-1)
    return quantize(hot)


def encode_png(pixels: np.ndarray, level: int = 6) -> bytes:
    """PNG bytes that depend only on the pixels (and zlib's `level`; 6, Pillow's default,
    for baselines): no timestamp, no text chunks, no gamma."""
    buffer = io.BytesIO()
    # uint8 H x W is saved as "L", H x W x 3 as "RGB".
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=level)
    return buffer.getvalue()


def decode_png(data: bytes) -> tuple[np.ndarray, str]:
    """Pixels and Pillow mode of PNG bytes."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return np.asarray(image), image.mode


def repeat_pixels(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upsampling by exact repetition (no resampler involved)."""
    return image.repeat(factor, axis=0).repeat(factor, axis=1)

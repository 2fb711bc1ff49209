import json
import struct

import numpy as np
import pytest

from layerviz.catalogue.cases import LayerInfo
from layerviz.inputs.colorspaces import LUMINANCE, RGB
from layerviz.pipeline.render import Rendering, Stats, decode_png, encode_png, quantize, read_sidecar, render


def png_chunk_types(data: bytes) -> list[bytes]:
    types, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        types.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    return types


def test_quantize_rounds_clips_and_blacks_out_nan():
    values = np.array([[[0.0], [1.0], [0.5], [-2.0], [3.0], [np.nan], [1 / 255 * 0.49]]])
    assert quantize(values).tolist() == [[0, 255, 128, 0, 255, 0, 0]]
    assert quantize(np.zeros((2, 2, 3))).shape == (2, 2, 3)


def test_png_bytes_depend_only_on_pixels():
    pixels = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    data = encode_png(pixels)
    assert data == encode_png(pixels.copy())
    assert png_chunk_types(data) == [b"IHDR", b"IDAT", b"IEND"]  # no tIME, tEXt, gAMA...
    decoded, mode = decode_png(data)
    assert mode == "RGB"
    np.testing.assert_array_equal(decoded, pixels)
    grey, grey_mode = decode_png(encode_png(pixels[..., 0]))
    assert grey_mode == "L"
    np.testing.assert_array_equal(grey, pixels[..., 0])


def test_stats_are_per_channel_on_the_raw_values():
    raw = np.zeros((2, 2, 2), dtype=np.float32)
    raw[..., 0] = [[-1.0, 3.0], [1.0, 1.0]]
    raw[..., 1] = 0.25
    stats = Stats.of(raw, ("A", "B"))
    assert stats.shape == (2, 2, 2)
    assert stats.min == (-1.0, 0.25) and stats.max == (3.0, 0.25)
    assert stats.mean == (1.0, 0.25)
    assert stats.std == (np.sqrt(2.0), 0.0)
    layers = (LayerInfo("Dense", (2, 2, 2), 6), LayerInfo("Reshape", (2, 2, 2), 0))
    rendering = Rendering("x/y/rgb", np.zeros((2, 2, 3), np.uint8), stats, layers)
    assert rendering.parameters == 6
    read = read_sidecar(json.loads(rendering.sidecar()))
    read_stats = read["stats"]
    assert (
        read["description"] == "" and read["pre_activation"] == () and '"description"' not in rendering.sidecar()
    )  # only when given
    assert read["trace"] == () and read["input_shape"] == () and "trace" not in rendering.sidecar()
    assert read["layers"] == layers and read_stats.shape == stats.shape
    # Stored with the precision of the float32 output: sqrt(2) keeps 8 digits, not 17.
    assert np.float32(read_stats.std[0]) == np.float32(np.sqrt(2.0)) and read_stats.std[1] == 0.0
    assert '"std": [1.4142135, 0.0]' in rendering.sidecar()


@pytest.mark.parametrize("shape", [(37, 29, 3), (16, 16, 7), (1000,)])
def test_stats_are_numpys_mean_and_std_of_each_channel_bit_for_bit(shape):
    raw = (np.random.default_rng(3).standard_normal(shape) * 50 + 7).astype(np.float32)
    values = [raw[..., c].ravel() for c in range(shape[-1])] if len(shape) == 3 else [raw]
    stats = Stats.of(raw, tuple(str(c) for c in range(len(values))) if len(shape) == 3 else ("all",))
    assert stats.mean == tuple(float(np.mean(v, dtype=np.float64)) for v in values)
    assert stats.std == tuple(float(np.std(v, dtype=np.float64)) for v in values)


def test_sidecar_digits_do_not_depend_on_float64_round_off():
    """A mean that differs in its 11th digit between machines is stored the same."""
    raw = np.full((2, 2, 1), 0.1, dtype=np.float32)
    stats = Stats.of(raw, ("Y",))
    nudged = Stats(stats.shape, stats.channels, stats.min, stats.max, (stats.mean[0] * (1 + 3e-11),), stats.std)
    assert stats.mean != nudged.mean
    sidecars = [Rendering("x/y/luminance", np.zeros((2, 2), np.uint8), s).sidecar() for s in (stats, nudged)]
    assert sidecars[0] == sidecars[1]


def test_render_keeps_out_of_range_values_in_the_stats_only():
    raw = np.full((4, 4, 3), 1.5, dtype=np.float32)
    rendering = render("x/y/rgb", RGB, raw)
    assert rendering.mode == "RGB" and (rendering.pixels == 255).all()
    assert rendering.stats.max == (1.5, 1.5, 1.5)
    lum = render("x/y/luminance", LUMINANCE, np.full((4, 4, 1), 0.5, dtype=np.float32))
    assert lum.mode == "L" and lum.pixels.shape == (4, 4)


def test_an_output_with_other_channels_is_a_mosaic_of_stretched_tiles():
    raw = np.zeros((4, 6, 5), dtype=np.float32)
    raw[..., 0] = np.linspace(-3.0, 7.0, 24).reshape(4, 6)  # any range: stretched
    raw[..., 1] = 0.25  # constant: mid grey
    raw[..., 4] = np.linspace(0.0, 1.0, 24).reshape(4, 6)[::-1, ::-1]
    rendering = render("x/y/rgb", RGB, raw)
    assert rendering.mode == "L"
    # 5 channels: 3 a row, 2 rows, 1 px white between tiles.
    assert rendering.pixels.shape == (2 * 4 + 1, 3 * 6 + 2)
    tile = lambda channel: rendering.pixels[(channel // 3) * 5 :][:4, (channel % 3) * 7 :][:, :6]  # noqa: E731
    assert tile(0)[0, 0] == 0 and tile(0)[-1, -1] == 255
    assert (tile(1) == 128).all()
    assert tile(4)[0, 0] == 255 and tile(4)[-1, -1] == 0
    assert (rendering.pixels[4, :] == 255).all() and (rendering.pixels[:, 6] == 255).all()
    assert (rendering.pixels[5:, 14:] == 255).all()  # the empty sixth place
    # The statistics keep what the stretch hides, channel by channel.
    assert rendering.stats.channels == ("0", "1", "2", "3", "4")
    assert rendering.stats.min[0] == -3.0 and rendering.stats.max[0] == 7.0


def test_one_or_three_channels_outside_their_colour_space_are_grey_or_rgb():
    grey = render("x/y/rgb", RGB, np.full((4, 4, 1), 0.5, dtype=np.float32))
    assert grey.mode == "L" and (grey.pixels == 128).all() and grey.stats.channels == ("0",)
    three = render("x/y/luminance", LUMINANCE, np.full((4, 4, 3), 2.0, dtype=np.float32))
    assert three.mode == "RGB" and (three.pixels == 255).all() and three.stats.max == (2.0, 2.0, 2.0)


def test_vectors_and_sequences_are_heat_strips():
    vector = render("x/y/rgb", RGB, np.arange(300, dtype=np.float32))
    assert vector.mode == "RGB" and vector.pixels.shape == (3, 128, 3)
    assert vector.pixels[0, 0].tolist() == [0, 0, 0] and vector.pixels[2, 299 - 256].tolist() == [255, 255, 255]
    assert (vector.pixels[2, 300 - 256 :] == 0).all()  # past the end: black
    assert vector.stats.channels == ("all",) and vector.stats.shape == (300,) and vector.stats.max == (299.0,)
    sequence = render("x/y/rgb", RGB, np.linspace(0, 1, 5 * 7, dtype=np.float32).reshape(5, 7))
    assert sequence.pixels.shape == (5, 7, 3)
    # Half way from the minimum to the maximum: full red, half green ("hot").
    assert sequence.pixels[2, 3].tolist() == [255, 128, 0]


def test_a_models_hidden_layers_are_read_back_as_written_whatever_their_width():
    """A Sequential CNN (8, 8, then 3 channels): each pre-activation record keeps its own
    channels, and the trace its layers' shapes, though the output has 3 channels."""
    output = np.random.default_rng(3).uniform(0.0, 1.0, (8, 8, 3)).astype(np.float32)
    hidden = np.random.default_rng(4).normal(0.0, 1.0, (8, 8, 8)).astype(np.float32)
    layers = (LayerInfo("Conv2D", (8, 8, 8), 224), LayerInfo("Conv2D", (8, 8, 3), 219))
    rendering = render(
        "model/rgb",
        RGB,
        output,
        layers,
        [(0, "relu", hidden), (1, "sigmoid", output)],
        input_shape=(8, 8, 3),
        trace=[("conv2d", "Conv2D", np.maximum(hidden, 0), 224), ("conv2d_1", "Conv2D", output, 219)],
    )
    read = read_sidecar(json.loads(rendering.sidecar()))
    assert [r.stats.channels for r in read["pre_activation"]] == [tuple("01234567"), ("R", "G", "B")]
    for loaded, made in zip(read["pre_activation"], rendering.pre_activation, strict=True):
        np.testing.assert_array_equal(np.float32(loaded.stats.min), np.float32(made.stats.min))
    assert read["input_shape"] == (8, 8, 3)
    assert [(t.name, t.layer, t.stats.shape) for t in read["trace"]] == [
        ("conv2d", "Conv2D", (8, 8, 8)),
        ("conv2d_1", "Conv2D", (8, 8, 3)),
    ]
    # The trace keeps 4 significant digits: within 5e-4 of each value.
    assert read["trace"][0].stats.max[0] == pytest.approx(np.maximum(hidden, 0).max(), rel=5e-4)


def test_a_150_layer_trace_stays_small():
    """A layer's line in the trace, even with a backbone's longest names, is under 100
    bytes: a 150-layer backbone's record stays under 15 kB (ResNet50's 174 layers: 14 kB,
    2.3 kB in git's compressed store)."""
    output = np.random.default_rng(5).normal(-3e-5, 0.1234567, (16, 16, 3)).astype(np.float32)
    trace = [(f"conv4_block{i % 6 + 1}_{i % 3 + 1}_conv", "BatchNormalization", output, 0) for i in range(150)]
    rendering = render("model/rgb", RGB, output, (), input_shape=(16, 16, 3), trace=trace)
    without = render("model/rgb", RGB, output, (), input_shape=(16, 16, 3))
    assert len(rendering.sidecar()) - len(without.sidecar()) < 150 * 100

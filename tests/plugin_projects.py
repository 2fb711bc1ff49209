"""Inner pytest projects that use the plugin, as pytester makes them, and what their tests
look at: for the tests of the plugin, the session, output folders, users' models and the zoo."""

from __future__ import annotations

import textwrap
from pathlib import Path

import keras

from layerviz.pipeline.render import decode_png, encode_png
from layerviz.store import baselines

CASE_ID = "merging/add/luminance"  # cheap: no weights
BACKEND = keras.backend.backend()
COMMITTED = Path(__file__).resolve().parents[1] / "baselines"
# A few committed checks of every set: (check id, set).
KEPT = (
    ("merging/maximum/rgb", "weightless"),
    ("pooling/average/hsv", "weightless"),
    ("fixed/conv2d/k3-relu/rgb", "fixed"),
    ("keras/conv2d/k3-tanh/ycbcr", f"keras/{BACKEND}"),
)
TWO_CHECKS = f"""
    from layerviz.catalogue import get_case

    def test_one(layer_regression):
        layer_regression.check(get_case({CASE_ID!r}))

    def test_two(layer_regression):
        layer_regression.check(get_case("merging/add/rgb"))
    """


def make_project(pytester, monkeypatch, name: str, source: str, conftest: str = ""):
    """An inner pytest project with one test module; the plugin loads by itself."""
    monkeypatch.delenv("CI", raising=False)
    if conftest:
        pytester.makeconftest(textwrap.dedent(conftest))
    # Plugins the inner sessions do not use; hypothesis alone re-imports in ~1.5 s.
    pytester.makeini("[pytest]\naddopts = -p no:hypothesispytest -p no:xdist -p no:randomly")
    pytester.makepyfile(**{name: source})
    return pytester


def tamper_first_row(png):
    pixels, _ = decode_png(png.read_bytes())
    pixels = pixels.copy()
    pixels[0] = 255 - pixels[0]
    png.write_bytes(encode_png(pixels))


def weighted_png(pytester, folder: str):
    return baselines.png_path(pytester.path / "baselines" / folder, "conv2d/k3-relu/luminance")


def snapshot(tree: Path) -> dict[Path, tuple[bytes, int]]:
    return {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in tree.rglob("*") if path.is_file()}


def no_layerviz_traceback(result) -> None:
    output = result.stdout.str() + result.stderr.str()
    assert "layerviz/" not in output and "INTERNALERROR" not in output and "Traceback" not in output, output

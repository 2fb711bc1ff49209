"""Your model as a cheat sheet (`layerviz model`): every layer's output of a user's model
on photos, one row a layer with its mosaic, output shape, parameter count and value
range, on the gallery's page design. What keract's `display_activations` draws, from the
same single call a check makes.

A model is a saved `.keras` file (run with the weights it has) or `module:factory`, a
function called with the channel count (run with Keras's seeded initializers).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

from layerviz.core.names import Weights
from layerviz.inputs.colorspaces import ColorSpace
from layerviz.inputs.images import PhotoSet, centre
from layerviz.pages import page
from layerviz.pipeline.render import Rendering, encode_png, feature_picture, quantize
from layerviz.store import files


class ModelSpecError(ValueError):
    """A model spec that names no model; the message says what to give."""


@dataclass(frozen=True)
class Loaded:
    subject: object  # a keras.Model, or a factory
    weights: str  # as-is for a saved model, keras for a factory
    title: str


def load(spec: str) -> Loaded:
    """PATH.keras, or module:factory (importable from the current folder)."""
    import keras

    if spec.endswith(".keras"):
        path = Path(spec)
        if not path.is_file():
            raise ModelSpecError(f"{spec}: no such file; give a model saved with model.save('….keras')")
        try:
            model = keras.saving.load_model(path)
        except Exception as error:  # Keras's own words say what is wrong with the file
            raise ModelSpecError(f"{spec}: Keras cannot load it ({type(error).__name__}: {error})") from None
        return Loaded(model, Weights.AS_IS, path.name)
    module_name, colon, name = spec.partition(":")
    if not colon or not module_name or not name:
        raise ModelSpecError(f"{spec!r}: give PATH.keras or module:factory (a function returning a model)")
    here = str(Path.cwd())
    sys.path.insert(0, here)
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ModelSpecError(
            f"{spec}: cannot import {module_name} ({error}); run from the folder that holds it"
        ) from None
    finally:
        sys.path.remove(here)  # the module may have changed sys.path itself
    factory = getattr(module, name, None)
    if factory is None or not callable(factory):
        raise ModelSpecError(f"{spec}: {module_name} has no function {name!r}")
    return Loaded(factory, Weights.KERAS, spec)


def render_model(loaded: Loaded, space: ColorSpace, photos: PhotoSet | None, size: int | None) -> Rendering:
    """The model's rendering with every layer's output (the one way checks render too)."""
    from layerviz.pipeline import outcomes, subject

    spec = subject.of(loaded.subject)
    # A sheet is to look at, not a check: the model's own exception is the answer.
    outcome, _ = outcomes.outcome(
        outcomes.Request(spec, loaded.title, space, photos, size, loaded.weights, loaded.title)
    )
    if not isinstance(outcome, Rendering):  # the one exception outcome() records of a user's: ImportError
        raise ModelSpecError(f"{loaded.title}: needs a module that is not installed here: {outcome.message}")
    return outcome


def write(loaded: Loaded, rendering: Rendering, photos: PhotoSet, out: Path) -> Path:
    """index.html, output.png, inputs/ and layers/ under `out` (overwriting only those files)."""
    height, width = (rendering.input_shape or rendering.stats.shape)[:2]
    rows = []
    inputs = []
    given = list(zip(photos.labels, photos.at(max(height, width)), strict=True))[: rendering.inputs]
    for index, (label, image) in enumerate(given):
        path = f"inputs/input-{index + 1}.png"
        files.write_atomic(out / path, encode_png(quantize(centre(image, height, width)), level=3))
        role = "the input" if index == 0 else "the second input, of a model that takes two"
        inputs.append(page.Photo(page.picture(path, label, width, height), label, role))
    layers = rendering.trace or ()
    for number, layer in enumerate(layers, 1):
        assert layer.raw is not None
        pixels = feature_picture(layer.raw)
        path = f"layers/{number:03d}-{_file_part(layer.name)}.png"
        files.write_atomic(out / path, encode_png(pixels, level=3))
        stats = layer.stats
        rows.append(
            _Layer(
                number,
                layer.name,
                layer.layer,
                page.picture(path, f"{layer.name} output", pixels.shape[1], pixels.shape[0]),
                ", ".join(["None", *map(str, stats.shape)]),
                f"{layer.parameters:,}",
                *(f"{value[0]:.4g}" for value in (stats.min, stats.max, stats.mean, stats.std)),
            )
        )
    files.write_atomic(out / "output.png", encode_png(rendering.pixels, level=3))
    total = sum(layer.parameters for layer in layers if "[" not in layer.name)
    output = page.picture("output.png", "the model's output", rendering.pixels.shape[1], rendering.pixels.shape[0])
    html = page.render(
        "model_sheet.html.j2",
        title=loaded.title,
        input_shape="x".join(map(str, rendering.input_shape)),
        weights=loaded.weights,
        inputs=inputs,
        output=output,
        layers=rows,
        facts={"model": loaded.title, "layers": len(layers), "parameters of its layers": f"{total:,}"},
    )
    written = out / "index.html"
    files.write_atomic(written, html.encode())
    return written


@dataclass(frozen=True)
class _Layer:
    """A layer's row of the sheet, as model_sheet.html.j2 shows it (escaping every field)."""

    number: int
    name: str
    layer: str  # its class
    picture: page.Picture
    shape: str
    parameters: str
    low: str  # its output's minimum, maximum, mean and standard deviation
    high: str
    mean: str
    std: str


def _file_part(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:60] or "_"

"""The catalogue's cases run as the tests and the benchmark need them: raw outputs,
inputs, and a functional model for a parameter count or summary. Checks render through
`layerviz.pipeline.subject.outcome`; these look inside."""

from __future__ import annotations

from typing import Any, cast

import keras
import numpy as np

from layerviz.catalogue.cases import Case
from layerviz.core.seeds import DEFAULT_SUITE_SEED
from layerviz.inputs import colorspaces
from layerviz.inputs.images import WORKING_SIZE, PhotoSet
from layerviz.pipeline.subject import Output, of, photo_inputs, trace


def case_inputs(case: Case, photos: PhotoSet | None = None, size: int = WORKING_SIZE) -> list[np.ndarray]:
    """The case's inputs (the bundled pair unless `photos` are given) in its colour space."""
    config = case.config
    side = config.input_size(size)
    images = photo_inputs(photos or PhotoSet.bundled(), colorspaces.get(case.colorspace), side, side, config.inputs)
    if len(images) < config.inputs:
        raise ValueError(f"{case.id} needs {config.inputs} photos, got {len(images)}")
    return list(images)


def trace_case(
    case: Case,
    photos: PhotoSet | None = None,
    suite_seed: int = DEFAULT_SUITE_SEED,
    size: int = WORKING_SIZE,
    weights: str = "keras",
) -> Output:
    """Run the case's layers at the working `size` with `weights` ("keras" or "fixed"):
    the raw output and a layer summary."""
    return trace(of(case), colorspaces.get(case.colorspace), photos, size, weights, case.id, suite_seed)


def run_case(
    case: Case,
    photos: PhotoSet | None = None,
    suite_seed: int = DEFAULT_SUITE_SEED,
    weights: str = "keras",
) -> np.ndarray:
    """The raw float32 output (H x W x C, unclipped) of the case's layers."""
    return trace_case(case, photos, suite_seed, weights=weights).raw


def build_model(case: Case) -> keras.Model:
    """The case as a functional model, for its parameter count and summary (not for running)."""
    side = case.config.input_size()
    shape = (side, side, colorspaces.get(case.colorspace).depth)
    inputs = [keras.Input(shape=shape) for _ in range(case.config.inputs)]
    value: Any = inputs if len(inputs) > 1 else inputs[0]
    for layer in cast("list[keras.layers.Layer]", of(case).make(shape)):  # a case's layers: a list
        value = layer(value)
    return keras.Model(inputs, value, name=case.id.replace("/", "_"))


def parameter_count(case: Case) -> int:
    return int(build_model(case).count_params())


def summary(case: Case) -> str:
    lines: list[str] = []
    build_model(case).summary(print_fn=lambda line, **_: lines.append(line), line_length=80)
    return "\n".join(lines)

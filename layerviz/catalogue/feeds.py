"""Input kinds: every preprocessing and augmentation layer, and every resampling layer over
a `keras.ops.image` op, fed uint8 tensors and NumPy arrays (uint8 and float32) beside the
float tensors of their own sections; and every random layer given a batch of four copies
of one photo, which tells a draw per image from a draw per batch.

Keras takes other paths for each, and has changed them between releases, so these were
rendered on every release of the sweeps (`CANDIDATES`), and a check is kept only where a
release changed it (`KEPT`, with the release pair that shows it). `LAYERVIZ_CANDIDATES=1`
puts every candidate in the catalogue, to measure them again
(`layerviz sweep --section input-kinds`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from layerviz.catalogue import atlas, preprocessing
from layerviz.catalogue.atlas import UNIT
from layerviz.catalogue.cases import Feed, LayerConfig, Step

SECTION = "input-kinds"  # its title and note: `sections`
COPIES = 4
LEVELS = (0, 255)
_SHORT = {Feed.UINT8: "uint8", Feed.FLOAT_NUMPY: "numpy-float32", Feed.UINT8_NUMPY: "numpy-uint8"}


def _fed(step: Step, feed: Feed) -> Step:
    """The step for photos in `feed`: a value_range of [0, 1] becomes 0-255 for levels."""
    if feed.levels and step.options.get("value_range") == UNIT:
        return Step(step.layer, {**step.options, "value_range": LEVELS}, step.call, step.adapt)
    return step


def _sources() -> Iterable[LayerConfig]:
    """The float-tensor configurations whose layers take inputs of every kind."""
    yield from preprocessing.CONFIGS
    for config in atlas.CONFIGS:
        if config.section == "resampling" and config.steps[0].layer in ("Resizing", "CenterCrop", "UpSampling2D"):
            yield config


def _candidates() -> Iterable[LayerConfig]:
    for source in _sources():
        for feed in (Feed.UINT8, Feed.FLOAT_NUMPY, Feed.UINT8_NUMPY):
            yield dataclasses.replace(
                source,
                section=SECTION,
                name=f"{source.name}-{_SHORT[feed]}",
                description=f"{source.description}, fed a {feed} {'of levels' if feed.levels else 'in [0, 1]'}",
                steps=tuple(_fed(step, feed) for step in source.steps),
                feed=feed,
            )
        if source.random:
            yield dataclasses.replace(
                source,
                section=SECTION,
                name=f"{source.name}-copies",
                description=f"{source.description}, on a batch of {COPIES} copies of the photo",
                copies=COPIES,
            )


CANDIDATES: tuple[LayerConfig, ...] = tuple(_candidates())
# The candidates a release changed, each with the release pair that shows it (the sweeps:
# docs/sweeps.md), where the float tensor of their own section does not change: every
# random one also changes at jax 0.5.0, whose random stream the augmentation checks show.
# Not kept, as measured: RandomElasticTransform on a batch of copies, which torch computes
# otherwise from one run to the next (no baseline can hold it; a single photo it does not).
KEPT: dict[str, str] = {
    "brightness-uint8": "keras 3.5.0 -> 3.6.0 on every backend: RandomBrightness on uint8 levels changes",
    "flip-copies": "keras 3.5.0 -> 3.6.0 on every backend: RandomFlip draws per image, not per batch",
}
CONFIGS: tuple[LayerConfig, ...] = tuple(config for config in CANDIDATES if config.name in KEPT)

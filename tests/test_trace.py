"""The first layer whose output changed, from the per-layer records of both sides."""

import numpy as np

from layerviz.core.tolerance import Tolerance
from layerviz.inputs.colorspaces import RGB
from layerviz.judge.trace import first_changed_layer
from layerviz.pipeline.render import render

RAW = np.linspace(0.1, 0.9, 4 * 4 * 3, dtype=np.float32).reshape(4, 4, 3)


def traced(*gains: float, names=("stem", "middle", "head")):
    """A model's rendering whose layers returned RAW times each gain, in turn."""
    layers = [(name, "Dense", RAW * gain, 0) for name, gain in zip(names, gains, strict=True)]
    return render("mine/model/rgb", RGB, RAW, input_shape=(4, 4, 3), trace=layers)


def test_the_first_layer_that_moved_is_named_with_how_much_and_what_matched_before_it():
    change = first_changed_layer(traced(1, 1, 1), traced(1, 1.05, 1.05), Tolerance())
    assert change is not None and change.index == 1 and change.obtained.name == "middle"
    assert change.said.startswith("first differing layer: `middle` (Dense), output (4, 4, 3): min ")
    assert "(+5.0%)" in change.said and change.said.endswith("; the layer before it matches")


def test_a_change_within_the_traces_rounding_is_no_change():
    change = first_changed_layer(traced(1, 1, 1), traced(1, 1.0002, 1), Tolerance())
    assert change is not None and change.said == "every layer's output matches (3 layers): only the rendering differs"


def test_layers_added_or_a_trace_missing_are_said_so():
    longer = render("mine/model/rgb", RGB, RAW, trace=[(n, "Dense", RAW, 0) for n in ("a", "b", "c", "d")])
    assert first_changed_layer(traced(1, 1, 1), longer, Tolerance()).said == (
        "layers: 4 now, 3 in the baseline; the first 3 match"
    )
    untraced = render("mine/model/rgb", RGB, RAW)
    assert first_changed_layer(traced(1, 1, 1), untraced, Tolerance()) is None  # nothing to name
    assert first_changed_layer(untraced, traced(1, 1, 1), Tolerance()).said.startswith(
        "first differing layer: unknown, the baseline records no layer's output"
    )

"""Names defined once: a weight mode is its string wherever it goes."""

import json

from layerviz.core.names import BACKENDS, Weights
from layerviz.pipeline import subject
from layerviz.store import baselines


def test_a_weight_mode_is_the_string_users_write_and_files_record():
    assert Weights("as-is") is Weights.AS_IS and Weights.FIXED == "fixed"
    assert json.dumps({"weights": Weights.KERAS}) == '{"weights": "keras"}' and f"{Weights.AS_IS}" == "as-is"
    assert subject.MODES == ("keras", "fixed", "as-is")


def test_every_backend_and_mode_has_its_baseline_set():
    assert baselines.set_names() == ("weightless", "fixed", "as-is", *(f"keras/{b}" for b in BACKENDS))
    assert {baselines.set_name(True, mode, "jax") for mode in Weights} == {"keras/jax", "fixed", "as-is"}

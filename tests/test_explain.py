"""What a set of changes means, from plain (label, status, cause) triples."""

from layerviz.pages import explain

KERAS, FIXED = "keras/tensorflow/dense/relu/rgb", "fixed/dense/relu/rgb"


def test_a_keras_mode_change_whose_fixed_twin_matches_changed_only_initial_weights():
    said, note = explain.explain([(KERAS, "changed", "values changed")], compared={KERAS, FIXED})
    assert said[KERAS] == explain.Said(
        "initial weights changed, layer maths unchanged",
        ("initial weights changed, layer maths unchanged (fixed weights still match)",),
    )
    # Every change a seeded draw, and every deterministic check matched: the stream changed.
    assert note == (
        "the backend's random stream changed: every deterministic check matches; only seeded random draws "
        "differ (1 check of initial weights, 0 checks of random layers)"
    )


def test_a_change_its_fixed_twin_shares_is_the_layer_maths():
    failures = [(KERAS, "changed", "values changed"), (FIXED, "changed", "values changed")]
    said, note = explain.explain(failures, compared={KERAS, FIXED})
    assert said[KERAS] == explain.Said("values changed", ("layer maths changed (fixed weights differ too)",))
    assert said[FIXED] == explain.Said("values changed") and note == ""


def test_a_random_layers_change_beside_a_deterministic_one_says_nothing_of_the_stream():
    flip = "keras/tensorflow/augmentation/flip/rgb"
    failures = [(flip, "changed", "values changed"), ("weightless/merging/add/rgb", "changed", "values changed")]
    said, note = explain.explain(failures, compared={flip, "weightless/merging/add/rgb"})
    assert note == "" and said[flip].cause == "values changed"


def test_only_random_layers_changed_is_random_draws():
    flip = "keras/tensorflow/augmentation/flip/rgb"
    said, note = explain.explain([(flip, "changed", "values changed")], compared={flip})
    assert said[flip] == explain.Said(
        "random draws changed", ("random draws changed (every deterministic check still matches)",)
    )
    assert note.endswith("(0 checks of initial weights, 1 check of random layers)")

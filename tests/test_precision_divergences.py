"""The low-precision and input-kind checks' divergences (their ranges are held to the
committed sweeps by test_divergences.py, the seed of 0's expected failure by test_fixture.py)."""

from layerviz.catalogue import feeds, precision
from layerviz.core import divergences, precision_divergences

from running import ANY, on


def test_each_is_a_known_divergence_of_a_check_the_catalogue_keeps():
    kept = {config.id for config in (*precision.CONFIGS, *feeds.CONFIGS)} | {"initializers/conv-glorot-seed0"}
    assert precision_divergences.KNOWN
    assert {known.config for known in precision_divergences.KNOWN} <= kept
    assert set(precision_divergences.KNOWN) <= set(divergences.KNOWN)


def test_only_the_seed_of_zero_draws_anew_and_only_before_the_fix():
    anew = [known for known in divergences.KNOWN if known.draws_anew]
    assert {known.config for known in anew} == {"initializers/conv-glorot-seed0"}
    for backend in ("tensorflow", "jax", "torch"):
        assert divergences.find("initializers/conv-glorot-seed0", on(backend, "3.1.1"), ANY).draws_anew
        assert divergences.find("initializers/conv-glorot-seed0", on(backend, "3.2.0"), ANY) is None


def test_a_range_of_tensorflow_releases_holds_only_on_them():
    """gelu in bfloat16 changed in TensorFlow 2.19 (the tensorflow release sweep); Keras 3.0.0
    installs only with TensorFlow 2.16, where it renders as Keras 3.3.3 does (measured)."""
    gelu = "low-precision/conv-gelu-bfloat16"
    for keras_release in ("3.0.0", "3.3.3", "3.15.1"):
        assert divergences.find(gelu, on("tensorflow", keras_release, "2.18.1"), ANY) is not None
        assert divergences.find(gelu, on("tensorflow", keras_release, "2.19.0"), ANY) is None
    old = divergences.find(gelu, on("tensorflow", "3.0.0", "2.16.2"), ANY)
    assert old.folder == "divergences/tensorflow/from-3.0.0-before-3.0.1-tensorflow-before-2.19.0"
    assert "tensorflow < 2.19.0" in str(old)

import pytest

from layerviz import divergences
from layerviz.baselines import BACKENDS
from layerviz.catalogue import CONFIGS
from layerviz.divergences import Divergence


def test_every_known_divergence_names_a_real_configuration_and_backend():
    configs = {config.id for config in CONFIGS}
    for known in divergences.KNOWN:
        assert known.config in configs and known.backend in BACKENDS
        assert known.upstream and known.what


@pytest.mark.parametrize(
    ("version", "applies"),
    [("3.13.9", False), ("3.14.0", True), ("3.14.2.dev0", True), ("3.15.0", False), ("3.16.1", False)],
)
def test_version_ranges_are_half_open(version, applies):
    known = Divergence("edge/x", "torch", "3.14.0", "3.15.0", "upstream#1", "what")
    assert known.applies("edge/x", "torch", version) is applies
    assert not known.applies("edge/x", "jax", version)
    assert not known.applies("edge/y", "torch", version)


def test_open_divergences_apply_to_every_later_version():
    known = Divergence("edge/x", "torch", "3.0.0", None, "upstream#1", "what")
    assert known.applies("edge/x", "torch", "99.0.0")
    assert divergences.find("edge/avgpool-p3-s2-same", "torch", "3.15.1") is not None
    assert divergences.find("edge/avgpool-p3-s2-same", "tensorflow", "3.15.1") is None
    assert divergences.find("edge/conv2d-transpose-k3-s2-same", "torch", "3.15.1") is None

"""The divergence type: half-open ranges of Keras releases and of the backend's own, and
conditions of the numeric environment."""

import pytest

from layerviz.core import divergences
from layerviz.core.divergence import Divergence
from layerviz.core.divergences import TENSORFLOW_OWN_CPU_KERNELS

from running import ANY, CPU, CPU_ONEDNN, GPU, on


@pytest.mark.parametrize(
    ("version", "applies"),
    [("3.13.9", False), ("3.14.0", True), ("3.14.2.dev0", True), ("3.15.0", False), ("3.16.1", False)],
)
def test_version_ranges_are_half_open(version, applies):
    known = Divergence("edge/x", "torch", "3.14.0", "3.15.0", "upstream#1", "what")
    assert known.applies("edge/x", on("torch", version), ANY) is applies
    assert not known.applies("edge/x", on("jax", version), ANY)
    assert not known.applies("edge/y", on("torch", version), ANY)


@pytest.mark.parametrize(
    ("release", "applies"), [("0.4.30", False), ("0.4.38", True), ("0.5.0", False), ("0.9.0.1", False)]
)
def test_a_backends_own_releases_bound_a_divergence_as_keras_releases_do(release, applies):
    known = Divergence("edge/x", "jax", "3.0.0", None, "jax#1", "what", backend_from="0.4.31", backend_before="0.5.0")
    assert known.applies("edge/x", on("jax", "3.15.1", release), ANY) is applies
    assert not known.applies("edge/x", on("jax", "2.9.0", "0.4.38"), ANY)  # the Keras range still holds
    assert known.backend_versions == "jax >= 0.4.31, < 0.5.0"
    assert known.folder == "divergences/jax/from-3.0.0-jax-from-0.4.31-jax-before-0.5.0"
    every = Divergence("edge/x", "jax", "3.0.0", None, "upstream#1", "what")
    assert every.backend_versions == "" and every.folder == "divergences/jax/from-3.0.0"  # as before backend ranges
    assert every.applies("edge/x", on("jax", "3.15.1", "0.0.1"), ANY)


@pytest.mark.parametrize(("numerics", "applies"), [(CPU, True), (CPU_ONEDNN, False), (GPU, False), ({}, False)])
def test_a_divergence_of_tensorflows_own_cpu_kernels_holds_only_there(numerics, applies):
    """NCHW convolutions raise with TensorFlow's own CPU kernels; oneDNN and GPUs compute
    them, and there the shared baseline applies (an unknown environment: the shared one too)."""
    known = Divergence("edge/x", "tensorflow", "3.0.0", None, "upstream#1", "what", TENSORFLOW_OWN_CPU_KERNELS)
    assert known.applies("edge/x", on("tensorflow", "3.15.1"), numerics) is applies
    assert (divergences.find("channels-first/conv", on("tensorflow", "3.15.1"), numerics) is not None) is applies
    assert "oneDNN off" in str(divergences.find("channels-first/conv", on("tensorflow", "3.15.1"), CPU))

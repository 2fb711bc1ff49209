"""Where a check runs, as layerviz records it: the numeric environment and the running
versions, for the divergence tests."""

# Numeric environments as `layerviz.core.numerics.record()` describes them.
CPU = {
    "device": "CPU Intel(R) Xeon(R) Processor",
    "backend": "tensorflow",
    "tensorflow": {"onednn": False, "tf32": False},
}
CPU_ONEDNN = {**CPU, "tensorflow": {"onednn": True, "tf32": False}}
GPU = {**CPU, "device": "GPU NVIDIA A100-SXM4-40GB"}
ANY = CPU


def on(backend: str, keras: str, release: str = "1.0") -> dict[str, str]:
    """Running versions as `layerviz.store.manifest.running_versions()` gives them."""
    return {"keras": keras, "backend": backend, backend: release}

"""The numeric environment: read back from the running backend, and said in words when two differ."""

import keras
import pytest

from layerviz.core import numerics

BACKEND = keras.backend.backend()
# Records as `numerics.record()` writes them into manifests.
MADE = {
    "mode": "strict",
    "device": "CPU AMD EPYC 9R14",
    "cpu_features": ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"],
    "backend": "tensorflow",
    "tensorflow": {"onednn": False, "tf32": False},
    "variables": {},
}


def test_the_record_reads_back_what_pinning_set():
    record = numerics.pin("strict")
    assert record["mode"] == "strict" and record["backend"] == BACKEND
    assert record["device"].startswith(("CPU ", "GPU "))
    switches = record[BACKEND]
    assert switches.get("tf32", False) is False
    assert switches.get("matmul_precision", "highest") == "highest"
    if BACKEND == "tensorflow":
        assert isinstance(switches["onednn"], bool)  # read from TensorFlow itself


def test_the_record_names_the_threads_the_kernels_split_work_over(monkeypatch):
    """TensorFlow's Conv2DTranspose rounds differently on 1 and 2 threads: a machine with
    other cores must be told apart from a change of behaviour."""
    assert numerics.pin("strict")["threads"] >= 1
    if BACKEND == "tensorflow":  # its intra-op threads, also set by the environment
        monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "3")
        assert numerics.record("strict")["threads"] == 3
    assert numerics.differences({**MADE, "threads": 2}, {**MADE, "threads": 16}) == [
        "the baselines were made with threads 2; this run has threads 16"
    ]


def test_an_unknown_mode_names_the_known_ones():
    with pytest.raises(numerics.NumericsError, match="unknown numerics 'fast'; choose strict or native"):
        numerics.pin("fast")


def test_differences_come_in_words_most_telling_first():
    running = {
        **MADE,
        "device": "CPU Intel(R) Xeon(R) Processor",
        "cpu_features": ["avx2", "fma", "avx512f", "avx512_vnni", "amx_tile"],
        "tensorflow": {"onednn": True, "tf32": False},
        "variables": {"XLA_FLAGS": "--xla_cpu_max_isa=AVX2"},
    }
    assert numerics.differences(MADE, running) == [
        "the baselines were made on CPU AMD EPYC 9R14; this run is on CPU Intel(R) Xeon(R) Processor",
        "the baselines were made with oneDNN off; this run has oneDNN on",
        "the baselines were made with environment no numeric variables set; this run has environment "
        "XLA_FLAGS=--xla_cpu_max_isa=AVX2",
        "the baselines were made on a CPU with other instruction sets: this CPU has amx_tile and lacks avx512_bf16",
    ]
    assert numerics.differences(MADE, MADE) == []
    assert numerics.differences(None, MADE) == []  # nothing recorded: nothing to say


def test_a_backends_own_switches_are_compared_on_that_backend_only():
    torch_run = {**MADE, "backend": "torch", "torch": {"cpu_capability": "AVX2", "tf32": True}}
    del torch_run["tensorflow"]
    assert numerics.differences(MADE, torch_run) == []
    assert numerics.differences({**MADE, "mode": "native"}, torch_run) == [
        "the baselines were made with numerics native; this run has numerics strict"
    ]


def test_the_summary_is_one_line_of_what_matters_most():
    assert numerics.summary(MADE) == "strict; CPU AMD EPYC 9R14; oneDNN off; TF32 off"


@pytest.mark.skipif(BACKEND != "torch", reason="torch's two TF32 APIs")
def test_torch_is_read_even_after_its_new_precision_api_was_used():
    """torch >= 2.9 raises on its legacy getters once fp32_precision was set; pinning
    strict with the legacy setters puts everything back."""
    import torch

    torch.backends.cuda.matmul.fp32_precision = "tf32"
    try:
        assert numerics.record("native")["torch"]["tf32"] is True
    finally:
        switches = numerics.pin("strict")["torch"]
    assert switches["tf32"] is False and switches["matmul_precision"] == "highest"

"""Per-case seeds: a case's draws depend on its id, the slot and the suite seed only."""

import os
import subprocess
import sys

import pytest

from layerviz.core.seeds import derive_seed


@pytest.mark.slow  # new interpreters
def test_a_seed_is_the_same_in_another_interpreter_whatever_its_hash_seed():
    code = "from layerviz.core.seeds import derive_seed; print(derive_seed('conv2d/k3-relu/rgb', 'kernel'))"
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        assert int(done.stdout) == derive_seed("conv2d/k3-relu/rgb", "kernel")


def test_seeds_differ_by_case_slot_and_suite_and_fit_an_int32():
    seeds = {
        derive_seed(case, slot, suite)
        for case in ("dense/relu/rgb", "dense/relu/hsv")
        for slot in ("kernel", "bias")
        for suite in (0, 1)
    }
    assert len(seeds) == 8 and all(0 <= seed < 2**31 for seed in seeds)

"""Per-case seeds: a case's weights depend only on its id and the suite seed.

Never on which cases ran before it, the test order or the pytest-xdist worker.
"""

from __future__ import annotations

import hashlib

DEFAULT_SUITE_SEED = 0


def derive_seed(case_id: str, slot: str, suite_seed: int = DEFAULT_SUITE_SEED) -> int:
    """A stable non-negative int32 seed for one initializer (`slot`) of one case."""
    digest = hashlib.sha256(f"{suite_seed}|{case_id}|{slot}".encode()).digest()
    # 31 bits: every backend's RNG accepts it as a plain int32 seed.
    return int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF

"""Every catalogue check (case x weight mode), rendered and compared with its baseline.

A known divergence (layerviz.core.divergences) compares with what its backend is recorded
to compute, in a baseline set of its own: the fixture picks that set for exactly the
divergence's case, backend and Keras versions.
"""

import pytest

from layerviz.catalogue import CHECKS


@pytest.mark.parametrize("check", CHECKS, ids=[check.id for check in CHECKS])
def test_case(check, layer_regression):
    layer_regression.check(check.case, weights=check.weights or "keras")

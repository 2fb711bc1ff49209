"""Every catalogue case, rendered and compared with its committed baseline."""

import pytest

from layerviz.catalogue import CASES


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(case, layer_regression):
    layer_regression.check(case)

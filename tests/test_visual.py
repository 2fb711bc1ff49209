"""Every catalogue check (case x weight mode), rendered and compared with its baseline.

Known backend divergences (layerviz.divergences) are strict xfails for exactly their
case, backend and Keras versions: when upstream fixes one, the XPASS fails the run.
"""

import keras
import pytest

from layerviz import divergences
from layerviz.catalogue import CHECKS

BACKEND, KERAS_VERSION = keras.backend.backend(), keras.version()


def _params():
    for check in CHECKS:
        known = divergences.find(check.case.config.id, BACKEND, KERAS_VERSION)
        marks = [pytest.mark.xfail(strict=True, reason=f"known divergence: {known}")] if known else []
        yield pytest.param(check, id=check.id, marks=marks)


@pytest.mark.parametrize("check", list(_params()))
def test_case(check, layer_regression):
    layer_regression.check(check.case, check.weights)

"""The one way into rendering (pipeline/outcomes.py): a Request in, an outcome out; a
catalogue case's exception is its outcome, a user's only where the check declares it, and
layerviz's own errors are never outcomes."""

import keras
import pytest

from layerviz import catalogue
from layerviz.core.raised import Raised
from layerviz.inputs.colorspaces import RGB
from layerviz.pipeline import outcomes, subject


def test_a_users_exception_is_recorded_only_where_the_check_declares_it():
    with pytest.raises(ValueError):  # a broken check fails as it is: nothing to record
        outcomes.outcome(outcomes.Request(subject.of(keras.layers.Conv2D(3, 20)), "x/rgb", RGB, size=16))
    declared = subject.of(keras.layers.Conv2D(3, 20))
    rendering, weighted = outcomes.outcome(outcomes.Request(declared, "x/rgb", RGB, size=16, raises=(ValueError,)))
    assert isinstance(rendering, Raised) and rendering.type == "ValueError" and weighted is None
    # A catalogue case that Keras refuses records it: that is the case's behaviour.
    case = catalogue.get_case("conv2d/k3-relu/rgb")
    refusing = subject.Subject(lambda shape: [keras.layers.Conv2D(3, 20)], "Conv2D(k20)", config_id=case.config.id)
    assert isinstance(outcomes.outcome(outcomes.Request(refusing, "x/rgb", RGB, size=16))[0], Raised)
    with pytest.raises(subject.SubjectError):  # layerviz's own errors are not outcomes
        outcomes.outcome(outcomes.Request(subject.of(keras.layers.Conv2D(3, 3)), "x/rgb", RGB, weights="trained"))

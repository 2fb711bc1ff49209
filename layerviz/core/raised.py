"""Raised: a check whose subject raised, recorded as a baseline like a picture.

An upgrade that starts rejecting an argument, or a backend that cannot compute a
combination, is behaviour too. The exception type and a normalised message are
stored in the sidecar (no PNG), so "now raises", "now works" and "raises
differently" are all regressions a check can report.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# The message is compared as text: keep what describes the failure, drop what
# changes from run to run or from machine to machine.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Keras wraps a layer's error: "Exception encountered when calling X.call().", the
# error, then "Arguments received by X.call(): • inputs=tf.Tensor(...)" (tensor values).
_KERAS_PREFIX = re.compile(r"^Exception encountered when calling [^\n]*\n", re.MULTILINE)
_KERAS_ARGUMENTS = re.compile(r"\n\s*Arguments received by .*", re.DOTALL)
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")
# Auto-numbered names ("conv2d_transpose_3", "input_layer_1") count the layers made
# before: they depend on test order and pytest-xdist workers.
_AUTO_NUMBER = re.compile(r"\b([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z][A-Za-z0-9]*)*)_\d+\b")
_SPACE = re.compile(r"\s+")
MAX_MESSAGE = 400


def normalise_message(text: str) -> str:
    """An exception message without colour codes, Keras's wrapper and argument dump,
    memory addresses, auto-numbered layer names or line breaks, at most MAX_MESSAGE long."""
    text = _ANSI.sub("", text)
    text = _KERAS_ARGUMENTS.sub("", _KERAS_PREFIX.sub("", text.strip() + "\n"))
    text = _AUTO_NUMBER.sub(r"\1", _ADDRESS.sub("0x…", text))
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


@dataclass(frozen=True)
class Raised:
    """What a check produced when its subject raised."""

    case_id: str
    type: str  # the exception class name, e.g. "ValueError"
    message: str  # normalised
    error: BaseException | None = field(default=None, compare=False, repr=False)  # as raised, not stored

    @classmethod
    def of(cls, case_id: str, error: BaseException) -> Raised:
        return cls(case_id, type(error).__name__, normalise_message(str(error)), error)

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type

    def sidecar(self) -> str:
        raises = json.dumps({"type": self.type, "message": self.message}, ensure_ascii=False)
        return "{\n" + f'  "case": {json.dumps(self.case_id)},\n  "raises": {raises}\n' + "}\n"

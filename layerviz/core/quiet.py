"""Keep TensorFlow's and absl's native log lines off a command's stderr.

TensorFlow 2.21 logs through absl before anyone can call `absl::InitializeLog()`, and
absl then writes every line to stderr whatever `TF_CPP_MIN_LOG_LEVEL` says ("WARNING:
All log messages before absl::InitializeLog() is called are written to STDERR", the
oneDNN notice, CPU-feature notes). So file descriptor 2 goes through a filter while a
command runs: native log lines below the level are dropped, anything else passes, and
Python's own `sys.stderr` (errors, the progress bar) writes to the terminal directly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
import warnings
from collections.abc import Iterator

# TF_CPP_MIN_LOG_LEVEL's scale: 0 shows everything, 1 drops INFO, 2 WARNING too, 3 ERROR too.
SEVERITIES = {"I": 0, "W": 1, "E": 2, "F": 3}
QUIET_LEVEL = 3
# absl's "I0000 00:00:1796066605.784054    2339 port.cc:153] ..." and TensorFlow's older
# "2024-01-31 12:00:00.123456: I tensorflow/core/...cc:42] ...".
_NATIVE_LINE = re.compile(
    r"(?:(?P<absl>[IWEF])\d{4} [\d:.]+\s+\d+ \S+:\d+\]|\d{4}-\d\d-\d\d [\d:.]+: (?P<tf>[IWEF]) \S+:\d+\])"
)
_ABSL_NOTICE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"


def level() -> int:
    """The level asked for with TF_CPP_MIN_LOG_LEVEL, else quiet: errors only when fatal."""
    given = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "")
    return int(given) if given.isdigit() else QUIET_LEVEL


def severity(line: str, previous: int | None) -> int | None:
    """A native log line's severity; a line that continues one, the previous line's; else None."""
    if line.startswith(_ABSL_NOTICE):
        return SEVERITIES["W"]
    match = _NATIVE_LINE.match(line)
    if match:
        return SEVERITIES[match.group("absl") or match.group("tf")]
    # Multi-line messages (the CPU-feature note) continue without a header.
    return previous if previous is not None and line.strip() else None


@contextlib.contextmanager
def native_logs(minimum: int) -> Iterator[None]:
    """While it lasts, drop native log lines below `minimum` from fd 2, and Python's
    warnings and absl/TensorFlow log records, which say nothing about the command's work."""
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    forwarder = threading.Thread(target=_forward, args=(read_end, saved, minimum), daemon=True)
    forwarder.start()
    python_stderr = sys.stderr
    direct = _on_fd2(python_stderr)
    if direct:
        sys.stderr = open(os.dup(saved), "w", encoding=python_stderr.encoding, errors="backslashreplace")  # noqa: SIM115
    loggers = [logging.getLogger(name) for name in ("absl", "tensorflow")]
    levels = [logger.level for logger in loggers]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for logger in loggers:
                logger.setLevel(logging.ERROR)
            yield
    finally:
        for logger, was in zip(loggers, levels, strict=True):
            logger.setLevel(was)
        if direct:
            sys.stderr.close()
            sys.stderr = python_stderr
        os.dup2(saved, 2)  # the pipe's last writer goes: the forwarder reads to its end
        forwarder.join(timeout=10)
        if not forwarder.is_alive():  # else a child still holds the pipe: leave it its target
            os.close(saved)


def _on_fd2(stream: object) -> bool:
    try:
        return stream.fileno() == 2  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False  # already elsewhere (a test's StringIO): leave it


def _forward(read_end: int, target: int, minimum: int) -> None:
    previous: int | None = None
    with open(read_end, "rb") as pipe:
        for raw in pipe:
            line = raw.decode(errors="replace")
            previous = severity(line, previous)
            if previous is None or previous >= minimum:
                os.write(target, raw)

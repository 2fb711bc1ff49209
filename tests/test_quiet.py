"""Native log lines kept off a command's stderr: real lines TensorFlow 2.21 printed here."""

import os
import sys

import pytest

from layerviz.core import quiet

ABSL = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
ONEDNN = (
    b"I0000 00:00:1796066605.784054    2339 port.cc:153] oneDNN custom operations are on. You may see slightly "
    b"different numerical results due to floating-point round-off errors from different computation orders.\n"
)
FEATURES = (
    b"I0000 00:00:1796067028.236487    4735 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use "
    b"available CPU instructions in performance-critical operations.\n"
    b"To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the "
    b"appropriate compiler flags.\n"
)
ERROR = (
    b"E0000 00:00:1796066605.784054    2339 mkl_util.h:613] oneDNN supports DT_INT32 only on platforms with AVX-512.\n"
)
OLDER = b"2024-01-31 12:00:00.123456: W tensorflow/core/util/port.cc:113] an older TensorFlow's warning\n"
OWN = b"a line some library printed that is no log line\n"


@pytest.mark.parametrize(
    ("minimum", "kept"),
    [(3, []), (2, [ERROR]), (1, [ABSL, OLDER, ERROR]), (0, [ABSL, ONEDNN, FEATURES, OLDER, ERROR])],
)
def test_native_log_lines_below_the_level_are_dropped(capfd, minimum, kept):
    """A line right after a log line is taken as its continuation (the CPU-feature note
    has two), so the program's own line comes first here."""
    with quiet.native_logs(minimum):
        for data in (OWN, ABSL, ONEDNN, FEATURES, OLDER, ERROR):
            os.write(2, data)
        print("layerviz: error: Python's own stderr passes", file=sys.stderr)
    err = capfd.readouterr().err.encode()
    python = b"layerviz: error: Python's own stderr passes"
    assert python in err
    # Judged line by line: print() and the forwarder write concurrently, and TensorFlow's
    # own threads may log into the same window.
    lines = set(err.replace(python, b"").splitlines(keepends=True))
    for data in (OWN, ABSL, ONEDNN, FEATURES, OLDER, ERROR):
        assert (set(data.splitlines(keepends=True)) <= lines) is (data == OWN or data in kept), (data, err)


def test_the_level_follows_tf_cpp_min_log_level(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    assert quiet.level() == quiet.QUIET_LEVEL
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    assert quiet.level() == 1


def test_stderr_and_warnings_are_as_before_afterwards(capfd):
    stream = sys.stderr
    with quiet.native_logs(3):
        import warnings

        warnings.warn("inside: dropped", UserWarning, stacklevel=1)
    assert sys.stderr is stream
    with pytest.warns(UserWarning, match="outside"):
        import warnings

        warnings.warn("outside", UserWarning, stacklevel=1)
    os.write(2, ONEDNN)
    assert capfd.readouterr().err.encode() == ONEDNN  # fd 2 is itself again

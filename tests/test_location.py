"""Where a check's baseline lives: names kept inside the root, sets, divergences, hints.
Pure paths: no Keras, no pytest session."""

import subprocess
from pathlib import Path

import pytest

from layerviz.core.divergences import Divergence
from layerviz.store import location

ROOT = Path("/project/baselines")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../../escaped/evil", "it climbs out with '..'"),
        ("photos/../../evil", "it climbs out with '..'"),
        ("photos\\..\\..\\evil", "it climbs out with '..'"),
        ("/tmp/evil", "it is an absolute path"),
        ("\\\\server\\share", "it is an absolute path"),
        ("C:/evil", "it is an absolute path"),
        ("c:evil", "it is an absolute path"),
    ],
)
def test_a_name_that_would_leave_the_root_is_refused_naming_it(name, why):
    with pytest.raises(location.BaselineNameError) as error:
        location.key(name, None, "test_x.py::test_y", "rgb", ROOT)
    assert str(error.value).startswith(f"name={name!r} would put its baseline outside the baseline root {ROOT} ({why})")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("a" * 256, f"its part {'a' * 20!r}… is 256 bytes long, over the 255 a folder name may have; shorten it"),
        ("photos/" + "é" * 128, f"its part {'é' * 20!r}… is 256 bytes long, over the 255"),  # bytes, not characters
        ("bad\0name", "it holds a NUL character, which no file name can"),
        ("bad\nname", r"it holds the control character '\n'; use letters, digits, '-', '_' or '.'"),
        ("tab\there", r"it holds the control character '\t'"),
        ("del\x7f", r"it holds the control character '\x7f'"),
        (".", "it has a '.' part, which names no folder; leave it out"),
        ("photos/./cat", "it has a '.' part"),
        ("photos//cat", "it has an empty part ('//', or '/' at an end); write each folder once, between single '/'"),
        ("photos/", "it has an empty part"),
    ],
)
def test_a_name_whose_folders_cannot_be_made_is_refused_saying_what_to_use(name, why):
    with pytest.raises(location.BaselineNameError) as error:
        location.key(name, None, "test_x.py::test_y", "rgb", ROOT)
    said = str(error.value)
    assert said.startswith(f"name={name!r} cannot name a baseline folder: {why}")
    assert said.endswith("; nothing was written. Give a relative name, e.g. 'photos/cat'") and "\n" not in said


def test_a_test_id_too_long_for_a_folder_says_to_shorten_the_parameters_id():
    nodeid = f"t.py::test_y[{'x' * 300}]"
    with pytest.raises(location.BaselineNameError) as error:
        location.key(None, None, nodeid, "rgb", ROOT)
    assert str(error.value) == (
        f"the test id {nodeid!r} cannot name a baseline folder: its part 'test_y[xxxxxxxxxxxxx'… is 308 bytes long, "
        "over the 255 a folder name may have; shorten it; nothing was written. Give its parameter a short id of "
        "letters, digits, '-' and '_' (pytest.param(..., id=...)), or a name=."
    )
    assert location.key("a" * 255, None, "t.py::x", "rgb", ROOT) == f"{'a' * 255}/rgb"  # up to the limit


def test_names_inside_the_root_make_folders():
    assert location.key("photos/cat", None, "t.py::x", "hsv", ROOT) == "photos/cat/hsv"
    assert location.key("odd..name", None, "t.py::x", "rgb", ROOT) == "odd..name/rgb"  # ".." inside a part is a name
    assert location.key(None, "merging/add", "t.py::x", "rgb", ROOT) == "merging/add/rgb"
    assert location.key(None, None, "tests/test_m.py::Test::test_y[a-b]", "rgb", ROOT) == "test_m/Test/test_y[a-b]/rgb"


def test_a_test_id_that_would_leave_the_root_names_the_parameter_fix():
    with pytest.raises(location.BaselineNameError, match=r"the test id 't.py::test_y\[../../x\]'.*pytest.param"):
        location.key(None, None, "t.py::test_y[../../x]", "rgb", ROOT)


def test_a_divergence_has_its_own_set_and_a_hint_naming_its_backend(tmp_path):
    known = Divergence("edge/x", "torch", "3.0.0", "3.5.0", "upstream#1", "what")
    where = location.locate(
        tmp_path,
        "edge/x/rgb",
        "t.py::y",
        weighted=True,
        weights="fixed",
        backend="torch",
        divergence=known,
        regenerating=False,
    )
    assert where.shared.folder == tmp_path / "fixed"
    assert where.target.folder == tmp_path / "divergences/torch/from-3.0.0-before-3.5.0/fixed"
    assert where.target.hint == "KERAS_BACKEND=torch pytest --regen-all t.py::y  # keras >= 3.0.0, < 3.5.0"
    assert where.target.label(tmp_path) == "divergences/torch/from-3.0.0-before-3.5.0/fixed/edge/x/rgb"


def test_without_its_backends_set_a_keras_mode_check_says_why_it_cannot_run(tmp_path):
    def locate(regenerating=False):
        return location.locate(
            tmp_path,
            "a/rgb",
            "t.py::y",
            weighted=True,
            weights="keras",
            backend="jax",
            divergence=None,
            regenerating=regenerating,
        )

    assert locate().skip == ""  # a new tree: this backend's set gets made
    (tmp_path / "keras" / "tensorflow").mkdir(parents=True)
    assert locate().skip.startswith("no keras-mode baselines for the jax backend")
    assert "KERAS_BACKEND=jax pytest --regen-all" in locate().skip
    assert locate(regenerating=True).skip == ""
    (tmp_path / "keras" / "jax").mkdir()
    assert locate().skip == ""


HOSTILE_IDS = [
    "t.py::test_v[x';touch PWNED;']",
    "t.py::test_v[$(touch PWNED)]",
    "t.py::test_v[`touch PWNED`]",
    't.py::test_v[" ; touch PWNED ; "]',
    "t.py::test_v[x\\';touch PWNED;#]",
    "t.py::test_v[a b|touch PWNED&&true>out]",
]


@pytest.mark.parametrize("nodeid", HOSTILE_IDS)
def test_the_regeneration_hint_runs_only_pytest_with_the_test_id_when_pasted(tmp_path, nodeid):
    """The hint, pasted into bash, runs pytest with exactly that id, and nothing else."""
    where = location.locate(
        tmp_path / "baselines",
        "a/rgb",
        nodeid,
        weighted=False,
        weights="keras",
        backend="jax",
        divergence=None,
        regenerating=False,
    )
    # A `pytest` of our own first on PATH: it writes down the arguments it was given.
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "pytest").write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done > "$ARGS"\n')
    (bin_ / "pytest").chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = {"PATH": f"{bin_}:/usr/bin:/bin", "ARGS": str(tmp_path / "args")}
    subprocess.run(["bash", "-c", where.target.hint], cwd=work, env=env, check=True)
    assert (tmp_path / "args").read_bytes().split(b"\0")[:-1] == [b"--regen-all", nodeid.encode()]
    assert list(work.iterdir()) == []  # no PWNED, no out

"""`layerviz` and `python -m layerviz` (cli/app.py): a usage or input error is one line on
stderr and exit 2, TensorFlow's start-up stays off stderr, and a reader that went away
(`layerviz list | head -1`) ends the command quietly; through `main()` in this process, and
in a new interpreter where a fresh one is the point."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings

from layerviz.catalogue import CASES
from layerviz.inputs.images import sample_path
from layerviz.pipeline.render import decode_png

from cli_run import layerviz, run
from odd_inputs import odd_files, png_bytes_header_only


@pytest.mark.slow  # a new interpreter, importing Keras
def test_gallery_prints_nothing_on_stderr(tmp_path):
    """TensorFlow's start-up (absl's notice, oneDNN's, the CPU-feature note) stays off a
    command's stderr unless --verbose; what the command says goes to stdout."""
    result = layerviz("gallery", "--section", "merging", "--out", str(tmp_path / "g"))
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout == f"{tmp_path / 'g' / 'index.html'}\n"


def bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    text = tmp_path / "notes.png"
    text.write_text("just text")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(sample_path("chelsea").read_bytes()[:4000])
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bytes_header_only(30_000, 30_000))
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    render = ["render", "merging/add/rgb", "--out", str(tmp_path / "x.png"), "--images"]
    return {
        "missing file": ([*render, str(tmp_path / "nope.png")], "nope.png: does not exist"),
        "directory": ([*render, str(tmp_path)], "is a directory"),
        "text named .png": ([*render, str(text)], "notes.png: not a readable image"),
        "truncated png": ([*render, str(truncated)], "cut.png: not a readable image"),
        "decompression bomb": ([*render, str(bomb)], "bomb.png: refused, more pixels than"),
        "unknown case": (["render", "merging/plus/rgb", "--out", "x.png"], "unknown case 'merging/plus/rgb'"),
        "unknown colour space": (["list", "--colorspace", "lab"], "argument --colorspace: invalid choice: 'lab'"),
        "unknown section": (["gallery", "--section", "nope"], "unknown section 'nope'; choose from: merging, pooling"),
        "unwritable output": (["gallery", "--out", str(a_file / "sub")], "cannot write there"),
        "too small size": (["gallery", "--size", "8"], "--size 8 is too small"),
        "three images": ([*render, str(text), str(text), str(text)], "--images takes one or two photos"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "missing file",
        "directory",
        "text named .png",
        "truncated png",
        "decompression bomb",
        "unknown case",
        "unknown colour space",
        "unknown section",
        "unwritable output",
        "too small size",
        "three images",
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, name):
    args, expected = bad_inputs(tmp_path)[name]
    # One of them in a real process: TensorFlow's start-up must not add lines either.
    result = (layerviz if name == "truncated png" else run)(*args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("layerviz") and "error:" in lines[0]
    assert expected in lines[0]
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "gallery").exists()


@settings(max_examples=max(25, settings.default.max_examples))
@given(file=odd_files())
def test_cli_turns_any_file_into_a_picture_or_one_error_line(file):
    """The command itself (in-process, for speed) on generated odd files."""
    from layerviz.cli import main

    data, suffix = file
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / f"photo.{suffix}", Path(folder) / "out.png"
        path.write_bytes(data)
        stderr, stdout = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            code = main(["render", "merging/add/luminance", "--images", str(path), "--out", str(out)])
        if code == 0:
            pixels, mode = decode_png(out.read_bytes())
            assert mode == "L" and pixels.shape == (128, 128)
        else:
            assert code == 2 and not out.exists()
            (line,) = stderr.getvalue().splitlines()
            assert line.startswith("layerviz: error: ") and str(path) in line


def test_output_to_a_reader_that_went_away_exits_quietly():
    """`layerviz list | head -1`: head reads a line and closes the pipe; Unix tools stop
    there without a word, and so does layerviz (141: what a shell says of them)."""
    from layerviz.cli.app import BROKEN_PIPE, main

    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before anything is written
    stderr = io.StringIO()
    with open(writer, "w") as stream, contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stderr):
        assert main(["list"]) == BROKEN_PIPE == 141
        print("more", file=stream, flush=True)  # what Python's exit would flush: stdout now goes nowhere
    assert stderr.getvalue() == ""


def listed_into(reader: str) -> subprocess.CompletedProcess[str]:
    """`layerviz list | reader` in bash, with the exit status of layerviz printed last."""
    return subprocess.run(
        f'{sys.executable} -m layerviz list | {reader}; echo "exit ${{PIPESTATUS[0]}}"',
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
    )


@pytest.mark.slow  # a new interpreter
def test_list_piped_into_head_prints_one_line_and_no_error():
    """Whether `head` is gone before the list is written depends on the pipe's buffer and on
    timing (exit 0 or 141); either way nothing but the one line is printed."""
    done = listed_into("head -1")
    first, status = done.stdout.splitlines()
    assert first == f"{CASES[0].id:40} {CASES[0].description}" and status in ("exit 0", "exit 141")
    assert done.stderr == ""


@pytest.mark.slow  # a new interpreter
def test_a_reader_gone_before_the_first_line_is_exit_141_and_no_error():
    # `true` exits long before a new interpreter has started: every write meets a closed pipe.
    done = listed_into("true")
    assert done.stdout == "exit 141\n" and done.stderr == ""

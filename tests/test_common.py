"""What every command shares (cli/common.py): the photos it is given, read before anything
renders; a failure to write under --out said in one line; and the changes of a tree diff,
listed then summed up."""

from __future__ import annotations

import argparse

import pytest

from layerviz.cli.common import CliError, given_photos, print_changes, writing
from layerviz.inputs.images import ImageInputError, sample_path
from layerviz.pages import report, tree_diff
from layerviz.pages.findings import Entry


def test_given_photos_are_one_or_two_files_read_before_anything_renders(tmp_path):
    assert given_photos(argparse.Namespace(images=None)) is None
    photos = given_photos(argparse.Namespace(images=[sample_path("astronaut")], size=64))
    assert photos.labels == ("astronaut.png", "coffee")  # one photo: a merging layer's second is the bundled one
    assert [image.shape for image in photos.at(64)] == [(64, 64, 3), (64, 64, 3)]
    three = argparse.Namespace(images=[sample_path("coffee")] * 3, size=64)
    with pytest.raises(CliError, match="^--images takes one or two photos, got 3$"):
        given_photos(three)
    notes = tmp_path / "notes.png"
    notes.write_text("just text")
    # Read now, so that a bad photo is said before Keras loads and anything renders.
    with pytest.raises(ImageInputError, match="notes.png: not a readable image"):
        given_photos(argparse.Namespace(images=[notes], size=64))


def test_a_failure_to_write_under_out_is_one_line_saying_what_to_do(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    out = a_file / "sub"
    with pytest.raises(CliError) as error, writing(out):
        out.mkdir()
    assert str(error.value) == f"{out}: cannot write there (Not a directory); choose another --out"
    assert error.value.__cause__ is None and error.value.__suppress_context__  # no chained traceback to show
    with writing(tmp_path / "fine"):
        (tmp_path / "fine").mkdir()
    assert (tmp_path / "fine").is_dir()
    with pytest.raises(ValueError, match="not the file system's"), writing(tmp_path):
        raise ValueError("not the file system's")


def test_changes_are_listed_with_where_a_models_change_starts_then_summed_up(tmp_path, capsys):
    first_layer = "first differing layer: `conv_3` (Conv2D), output (32, 32, 8): 3% changed; the 2 layers before match"
    entries = [
        Entry("weightless/merging/add/rgb", "changed", ["128 of 16384 pixels changed"], cause="values changed"),
        Entry("weightless/test_cnn/test_six/rgb", "changed", ["values changed", first_layer], cause="values changed"),
        Entry("weightless/pooling/max/rgb", "removed", ["only in before"], cause="only in the first tree"),
    ]
    index = tmp_path / "report" / "index.html"
    print_changes(tree_diff.TreeDiff(entries, 9, "", index))
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == [
        "changed    weightless/merging/add/rgb",
        "changed    weightless/test_cnn/test_six/rgb",
        f"{'':10} {first_layer}",  # a model's change: where it starts, under its check
        "removed    weightless/pooling/max/rgb",
        "What changed:",
    ]
    assert lines[5:-1] == [f"  {line}" for line in report.summary_lines(entries)] and len(lines) > 6
    assert lines[-1] == f"9 cases compared, 3 differ; report: {index}"
    print_changes(tree_diff.TreeDiff([], 9, "", index))
    assert capsys.readouterr().out == f"9 cases compared, 0 differ; report: {index}\n"

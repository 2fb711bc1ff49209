"""What every command shares: its one-line error, the photos it is given, and writing
under --out with a readable failure."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path

from layerviz.inputs.images import WORKING_SIZE, PhotoSet
from layerviz.pages import report, tree_diff


class CliError(Exception):
    """A usage or output problem; the message says what to do."""


def given_photos(args: argparse.Namespace) -> PhotoSet | None:
    if not args.images:
        return None
    if len(args.images) > 2:
        raise CliError(f"--images takes one or two photos, got {len(args.images)}")
    photos = PhotoSet.files(args.images)
    photos.at(getattr(args, "size", None) or WORKING_SIZE)  # read them now: bad input fails before Keras loads
    return photos


@contextlib.contextmanager
def writing(out: Path) -> Iterator[None]:
    """Turn a failure to write under `out` into one readable line."""
    try:
        yield
    except OSError as exc:
        raise CliError(f"{out}: cannot write there ({exc.strerror or exc}); choose another --out") from None


def print_changes(result: tree_diff.TreeDiff) -> None:
    for entry in result.entries:
        print(f"{entry.status:10} {entry.case_id}")
        for problem in entry.problems:  # a model's: where its change starts
            if problem.startswith("first differing layer"):
                print(f"{'':10} {problem}")
    if result.entries:
        print("What changed:")
        for line in report.summary_lines(result.entries, result.note):
            print(f"  {line}")
    print(f"{result.compared} cases compared, {len(result.entries)} differ; report: {result.index}")

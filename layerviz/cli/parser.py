"""layerviz: the Keras layer cheat sheet and its visual regression baselines.

The command line: every command, its options and their help (one line per error, as for
every other input error)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import NoReturn

from layerviz import catalogue
from layerviz.core import numerics
from layerviz.core.names import BACKENDS, Weights
from layerviz.core.seeds import DEFAULT_SUITE_SEED
from layerviz.inputs.colorspaces import COLOR_SPACES
from layerviz.inputs.images import WORKING_SIZE
from layerviz.upgrade import stacks


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, as for every other input error (argparse prints the usage too).
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="layerviz", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def selection(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--section",
            action="append",
            metavar="SECTION",
            help=f"only this section (repeatable): {', '.join(catalogue.SECTIONS)}, or a test module of a "
            f"baseline tree given with --from-baselines",
        )
        command.add_argument(
            "--colorspace", action="append", choices=list(COLOR_SPACES), help="only this colour space (repeatable)"
        )

    def running(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--numerics",
            choices=numerics.MODES,
            default=numerics.DEFAULT_MODE,
            help="strict (default): TF32 and reduced-precision matmuls off, as the tests run; native: the "
            "backend's defaults",
        )

    def checks(command: argparse.ArgumentParser) -> None:
        command.add_argument("--section", action="append", metavar="SECTION", help="only this section (repeatable)")
        command.add_argument(
            "-k",
            dest="keyword",
            action="append",
            metavar="WORD",
            help="only checks whose id contains WORD (repeatable: any)",
        )

    def stack_options(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--backend",
            choices=BACKENDS,
            help="the Keras backend (default: the swept package's if it is one, else tensorflow)",
        )
        command.add_argument(
            "--with",
            dest="extra",
            action="append",
            default=[],
            metavar="REQ",
            help="another pin for every stack (repeatable)",
        )
        command.add_argument("--index-url", default=stacks.DEFAULT_INDEX, metavar="URL", help="the package index")
        command.add_argument(
            "--find-links", action="append", default=[], metavar="DIR", help="a folder of wheels (repeatable)"
        )
        command.add_argument("--no-index", action="store_true", help="only --find-links, no index")
        command.add_argument(
            "--offline", action="store_true", help="no index: install from uv's cache, list releases from cached stacks"
        )
        command.add_argument(
            "--cache", type=Path, metavar="DIR", help="where environments are kept (default ~/.cache/layerviz/stacks)"
        )

    def photos(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--images",
            nargs="+",
            type=Path,
            metavar="IMAGE",
            help="your photos instead of the bundled pair (the second is the second input of merging layers)",
        )
        command.add_argument("--seed", type=int, default=DEFAULT_SUITE_SEED, help="suite seed (default 0)")

    gallery = commands.add_parser(
        "gallery", help="render the cheat sheet: index.html, cheatsheet.png, one PNG per case"
    )
    gallery.add_argument("--out", type=Path, default=Path("gallery"), metavar="DIR", help="default: ./gallery")
    selection(gallery)
    photos(gallery)
    gallery.add_argument(
        "--size", type=int, default=WORKING_SIZE, metavar="N", help=f"working size in px (default {WORKING_SIZE})"
    )
    gallery.add_argument(
        "--weights",
        choices=list(Weights),
        default=Weights.KERAS,
        help="keras: Keras's seeded default initializers (as the post); fixed: the same distributions drawn by "
        "NumPy; as-is (with --from-baselines): a tree's checks of trained or loaded weights",
    )
    gallery.add_argument(
        "--backend",
        choices=BACKENDS,
        default=os.environ.get("KERAS_BACKEND", "tensorflow"),
        help="with --from-baselines and keras weights: whose baselines (default: $KERAS_BACKEND or tensorflow)",
    )
    gallery.add_argument(
        "--from-baselines",
        nargs="?",
        const=Path("baselines"),
        type=Path,
        metavar="DIR",
        help="build it from a baseline tree (default ./baselines), the catalogue's or your own, without running Keras",
    )
    running(gallery)

    listing = commands.add_parser("list", help="print the case ids with a one-line description")
    selection(listing)
    shape = listing.add_mutually_exclusive_group()
    shape.add_argument("--markdown", action="store_true", help="a Markdown table per section (docs/cases.md)")
    shape.add_argument("--divergences", action="store_true", help="the known divergences, as a Markdown table")
    shape.add_argument("--options", action="store_true", help="the pytest options, as a Markdown table")
    shape.add_argument(
        "--fixes",
        type=Path,
        metavar="FILE",
        help="for each fix of FILE's table (docs/keras-fixes.md) with a case: the sweeps (--evidence) that show "
        "it change at the fix, as a Markdown table",
    )
    listing.add_argument(
        "--evidence",
        nargs="+",
        type=Path,
        default=[],
        metavar="FILE",
        help="with --divergences or --fixes: sweep results (`layerviz sweep --evidence`) to name beside each "
        "range they cover",
    )

    render = commands.add_parser("render", help="render one case to a PNG file")
    render.add_argument("case_id", metavar="CASE_ID")
    render.add_argument("--out", required=True, type=Path, metavar="FILE")
    photos(render)
    running(render)

    model = commands.add_parser(
        "model", help="your model as a cheat sheet: every layer's output on photos (index.html under --out)"
    )
    model.add_argument(
        "spec", metavar="MODEL", help="a saved PATH.keras, or module:factory (called with the channel count)"
    )
    model.add_argument("--out", type=Path, default=Path("model-sheet"), metavar="DIR", help="default: ./model-sheet")
    model.add_argument("--colorspace", choices=list(COLOR_SPACES), default="rgb", help="what the photos are given in")
    model.add_argument(
        "--size", type=int, metavar="N", help="the photos' side (default: the input size the model declares, else 128)"
    )
    photos(model)
    running(model)

    diff = commands.add_parser("diff", help="compare two baseline trees; exit 1 if anything changed")
    diff.add_argument("before", type=Path, metavar="DIR_A")
    diff.add_argument("after", type=Path, metavar="DIR_B")
    diff.add_argument("--out", type=Path, required=True, metavar="REPORT_DIR")

    obtain = commands.add_parser(
        "obtain", help="render catalogue checks into a tree laid out as baselines are (what upgrade compares)"
    )
    obtain.add_argument("--out", required=True, type=Path, metavar="DIR")
    checks(obtain)
    running(obtain)

    upgrade = commands.add_parser(
        "upgrade",
        help="render the same checks with two stacks on this machine and report what changed; exit 1 if anything did",
    )
    upgrade.add_argument("--from", dest="before", required=True, metavar="SPEC", help='e.g. "keras==3.14.1"')
    upgrade.add_argument("--to", dest="after", required=True, metavar="SPEC", help='e.g. "keras==3.15.0"')
    upgrade.add_argument("--out", type=Path, default=Path("layerviz-upgrade"), metavar="DIR")
    stack_options(upgrade)
    checks(upgrade)
    upgrade.add_argument("--tests", nargs="+", metavar="PATH", help="render your own test suite's checks instead")
    running(upgrade)

    bisect = commands.add_parser("bisect", help="find the first release whose rendering of the checks changes")
    bisect.add_argument("check", nargs="*", metavar="CHECK", help="check ids, or words in them (default: every check)")
    bisect.add_argument(
        "--package",
        default="keras",
        help="whose releases are searched: keras (default), a backend (jax, tensorflow, torch) under the running "
        "Keras, or any other",
    )
    bisect.add_argument("--good", metavar="VERSION", help="a release that renders as before (default: the oldest)")
    bisect.add_argument("--bad", metavar="VERSION", help="a release that renders otherwise (default: the newest)")
    bisect.add_argument("--out", type=Path, default=Path("layerviz-bisect"), metavar="DIR")
    stack_options(bisect)
    bisect.add_argument(
        "--section", action="append", metavar="SECTION", help="only this catalogue section (repeatable)"
    )
    bisect.add_argument("--tests", nargs="+", metavar="PATH", help="render your own test suite's checks instead")
    running(bisect)

    sweep = commands.add_parser(
        "sweep", help="render the checks on every release of a range: a compatibility matrix (HTML and JSON)"
    )
    sweep.add_argument(
        "--package",
        default="keras",
        help="whose releases are swept: keras (default), or a backend (jax, tensorflow, torch) under the running Keras",
    )
    sweep.add_argument("--releases", metavar="RANGE", help="releases to sweep, e.g. 3.0.0..3.15.1 (or one version)")
    sweep.add_argument("--minor", action="store_true", help="only the newest patch of each minor release")
    sweep.add_argument(
        "--stack", metavar="VERSION", help="sweep this one release (one CI job); merge later with --merge"
    )
    sweep.add_argument("--merge", action="store_true", help="only build the matrix from the stacks already under --out")
    sweep.add_argument("--table", action="store_true", help="print the matrix's varying checks as a Markdown table")
    sweep.add_argument(
        "--evidence",
        type=Path,
        metavar="FILE",
        help="also write the varying checks' runs of releases, small enough to commit",
    )
    sweep.add_argument("--jobs", type=int, metavar="N", help="stacks at a time (default: the machine's cores)")
    sweep.add_argument("--out", type=Path, default=Path("layerviz-sweep"), metavar="DIR")
    stack_options(sweep)
    checks(sweep)
    running(sweep)

    env = commands.add_parser(
        "env", help="print the running numeric environment beside every baseline set's, and what differs"
    )
    env.add_argument("--baselines", type=Path, metavar="DIR", help="the baseline tree (default ./baselines)")
    running(env)

    for command in commands.choices.values():
        command.add_argument(
            "--verbose", action="store_true", help="let TensorFlow's and absl's log lines and Python warnings through"
        )
    return parser

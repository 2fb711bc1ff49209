"""Command line: `layerviz list` and `layerviz render`.

Exit codes: 0 ok, 2 usage or input error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from layerviz import catalogue
from layerviz.colorspaces import COLOR_SPACES
from layerviz.images import ImageInputError, load_image
from layerviz.seeds import DEFAULT_SUITE_SEED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layerviz", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="print the case ids with a one-line description")
    listing.add_argument("--section", action="append", choices=catalogue.SECTIONS)
    listing.add_argument("--colorspace", action="append", choices=list(COLOR_SPACES))

    render = commands.add_parser("render", help="render one case to a PNG file")
    render.add_argument("case_id", metavar="CASE_ID")
    render.add_argument("--out", required=True, type=Path, metavar="FILE")
    render.add_argument(
        "--images", nargs="+", type=Path, metavar="IMAGE",
        help="your photos instead of the bundled pair (a second one for merging layers)",
    )
    render.add_argument("--seed", type=int, default=DEFAULT_SUITE_SEED, help="suite seed")
    return parser


def _list(args: argparse.Namespace) -> int:
    for case in catalogue.select(args.section, args.colorspace):
        print(f"{case.id:40} {case.description}")
    return 0


def _render(args: argparse.Namespace) -> int:
    case = catalogue.get_case(args.case_id)
    photos = [load_image(path) for path in args.images] if args.images else None
    if photos is not None and len(photos) < case.config.inputs:
        raise ImageInputError(f"{case.id} merges two photos: give two paths to --images")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from layerviz.baselines import write_atomic
    from layerviz.layers import run_case
    from layerviz.render import encode_png, render

    rendering = render(case.id, case.colorspace, run_case(case, photos, args.seed))
    try:
        write_atomic(args.out, encode_png(rendering.pixels))
    except OSError as exc:
        raise ImageInputError(f"{args.out}: cannot write ({exc.strerror}); choose a writable path") from None
    print(args.out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"list": _list, "render": _render}[args.command](args)
    except (ImageInputError, catalogue.UnknownNameError) as exc:
        print(f"layerviz: error: {exc}", file=sys.stderr)
        return 2

"""`layerviz` and `python -m layerviz`: parse, run the command, and say an error in one line.

Exit codes: 0 ok, 1 differences found (diff), 2 usage or input error, 141 when the
reader of its output went away (`layerviz list | head -1`). Errors are one line on
stderr, never a traceback; TensorFlow's own log lines only with --verbose.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from layerviz import catalogue
from layerviz.cli import commands, stack_commands
from layerviz.cli.common import CliError
from layerviz.cli.parser import parser
from layerviz.core import quiet
from layerviz.inputs.images import ImageInputError
from layerviz.store import outputs
from layerviz.store.baselines import BaselineError
from layerviz.upgrade import stacks

COMMANDS = {**commands.COMMANDS, **stack_commands.COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        if args.verbose:
            code = _run(args)
        else:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", str(quiet.QUIET_LEVEL))  # TensorFlows that honour it
            with quiet.native_logs(quiet.level()):
                code = _run(args)
        sys.stdout.flush()  # a reader that went away (`| head`) shows here, not as Python exits
    except BrokenPipeError:
        # Quiet, as Unix tools are: stdout goes to devnull, so that Python's own flush at
        # exit does not print the error again (the recipe of Python's signal docs).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    return code


# 128 + SIGPIPE: what a shell reports of a tool that the signal ended as its reader went away.
BROKEN_PIPE = 141


def _run(args: argparse.Namespace) -> int:
    try:
        return COMMANDS[args.command](args)
    # (A StackError: an unknown release, or an index that cannot be reached.)
    except (
        CliError,
        ImageInputError,
        BaselineError,
        catalogue.UnknownNameError,
        stacks.StackError,
        outputs.OutputFolderError,
    ) as exc:
        print(f"layerviz: error: {exc}", file=sys.stderr)
        return 2

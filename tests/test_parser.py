"""The command line (cli/parser.py): every command the app runs is parsed, each takes
--verbose, the defaults are the documented ones, and a usage error is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerviz.cli.app import COMMANDS
from layerviz.cli.parser import parser
from layerviz.core import numerics
from layerviz.core.names import Weights
from layerviz.inputs.images import WORKING_SIZE

# The shortest command line of each command: its required arguments.
SHORTEST = {
    "gallery": ["gallery"],
    "list": ["list"],
    "render": ["render", "merging/add/rgb", "--out", "x.png"],
    "model": ["model", "model.keras"],
    "diff": ["diff", "a", "b", "--out", "report"],
    "env": ["env"],
    "obtain": ["obtain", "--out", "tree"],
    "upgrade": ["upgrade", "--from", "keras==3.14.1", "--to", "keras==3.15.0"],
    "bisect": ["bisect"],
    "sweep": ["sweep"],
}


def test_every_command_the_app_runs_is_parsed_and_takes_verbose():
    assert set(SHORTEST) == set(COMMANDS)
    for name, argv in SHORTEST.items():
        args = parser().parse_args(argv)
        assert args.command == name and args.verbose is False
        assert parser().parse_args([*argv, "--verbose"]).verbose is True


def test_the_defaults_are_the_documented_ones():
    gallery = parser().parse_args(["gallery"])
    assert (gallery.out, gallery.size, gallery.seed) == (Path("gallery"), WORKING_SIZE, 0)
    assert gallery.weights == Weights.KERAS and gallery.colorspace is None and gallery.section is None
    assert gallery.from_baselines is None and gallery.numerics == numerics.DEFAULT_MODE == "strict"
    assert parser().parse_args(["gallery", "--from-baselines"]).from_baselines == Path("baselines")
    assert parser().parse_args(["model", "m.keras"]).colorspace == "rgb"
    bisect = parser().parse_args(["bisect"])
    assert (bisect.package, bisect.check, bisect.out) == ("keras", [], Path("layerviz-bisect"))


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["list", "--colorspace", "lab"], "layerviz list: error: argument --colorspace: invalid choice: 'lab'"),
        (["list", "--markdown", "--options"], "layerviz list: error: argument --options: not allowed with argument"),
        (["render", "merging/add/rgb"], "layerviz render: error: the following arguments are required: --out"),
        (["paint"], "layerviz: error: argument COMMAND: invalid choice: 'paint'"),
    ],
    ids=["unknown colour space", "two tables at once", "no --out", "unknown command"],
)
def test_a_usage_error_is_one_line_and_exit_2(capsys, argv, said):
    """Not argparse's usage block and message: the one line every other input error is."""
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(said) and err.endswith(" (see --help)\n") and err.count("\n") == 1, err

"""Stage 9, the `layerviz` command (app: parse, run, one-line errors; parser; commands
and stack_commands; common) and the docs tables it writes (tables)."""

from layerviz.cli.app import main

__all__ = ["main"]

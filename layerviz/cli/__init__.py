"""Stage 9, the `layerviz` command (commands) and the docs tables it writes (tables)."""

from layerviz.cli.commands import main

__all__ = ["main"]

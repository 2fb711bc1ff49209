"""The `layerviz` command as its tests run it: its `main()` in this process (the same
parsing, exit codes and messages, without paying `import keras` again), or a real
subprocess where a fresh interpreter is the point (determinism, no TensorFlow start-up,
one line of stderr)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path


def layerviz(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command in a new interpreter."""
    return subprocess.run([sys.executable, "-m", "layerviz", *args], capture_output=True, text=True, cwd=cwd)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command's main() in this process, as a finished process would report it."""
    from layerviz.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), contextlib.chdir(cwd or Path.cwd()):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's usage errors
            code = int(exit_.code)
    return subprocess.CompletedProcess(list(args), code, stdout.getvalue(), stderr.getvalue())

"""Headless Chromium (Debian's package) for looking at the pages layerviz writes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

EXECUTABLE = shutil.which("chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def needed(test):  # noqa: ANN001, ANN201
    """A test that looks at a page in Chromium: slow (a browser starts), and skipped
    without it outside CI (.ci/run installs it)."""
    missing = EXECUTABLE is None and not os.environ.get("CI")
    return pytest.mark.slow(pytest.mark.skipif(missing, reason="Debian's chromium is not installed")(test))


def _command(profile: Path) -> list[str]:
    assert EXECUTABLE is not None, ".ci/run installs Debian's chromium; it is missing"
    return [EXECUTABLE, *FLAGS, f"--user-data-dir={profile}"]


def screenshot(page: Path, width: int, height: int, profile: Path) -> np.ndarray:
    """The first `width` x `height` pixels of the page, as a browser window shows them."""
    shot = profile.with_name(profile.name + "-screenshot.png")
    subprocess.run(
        [*_command(profile), f"--window-size={width},{height}", f"--screenshot={shot}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return np.asarray(Image.open(shot).convert("RGB"))


def probe(page: Path, script: str, profile: Path, width: int = 1300, height: int = 1600) -> str:
    """The DOM after `script` ran on load, in a copy of the page beside it (so that
    relative image paths resolve); the script records what it measures as
    attributes of <body>."""
    copy = page.with_name(page.stem + ".probe.html")
    copy.write_text(
        page.read_text().replace(
            "</body>", f"<script>window.addEventListener('load', () => {{ {script} }});</script></body>"
        )
    )
    try:
        return subprocess.run(
            [
                *_command(profile),
                f"--window-size={width},{height}",
                "--virtual-time-budget=20000",
                "--dump-dom",
                copy.as_uri(),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    finally:
        copy.unlink()


# Counts the images and those that did not load (a missing file, a broken PNG).
IMAGES_LOADED = (
    "const images = [...document.images]; document.body.dataset.images = images.length;"
    " document.body.dataset.broken = images.filter(i => !i.complete || i.naturalWidth === 0).length;"
)

"""Baseline files: where each case's PNG and statistics live, atomic writes, provenance.

A tree holds sets, each with its own `MANIFEST.json` (the environment that made it):

- `weightless/`: cases without weights (merging, pooling): the same in both weight
  modes and on every backend;
- `fixed/`: cases with weights, NumPy-drawn ("fixed") weights: the same on every backend;
- `keras/<backend>/`: cases with weights, Keras's seeded initializers, whose numbers
  differ between backends;
- `as-is/`: a user's subject with the weights it already has (trained or loaded).

In a set, a case is `<section>/<config>/<colourspace>.png` with
`<colourspace>.stats.json` beside it; a case whose layer raised has the sidecar
alone, recording the exception (`layerviz.core.raised`).

A known divergence (`layerviz.core.divergences`) keeps what its backend really computes
in sets of its own, under `divergences/<backend>/<Keras versions>/`.

Pictures and the catalogue are imported where a function needs them: a pytest-xdist
controller reads manifests and names sets here but renders nothing, and NumPy and Pillow
would delay the start of its workers.
"""

from __future__ import annotations

import io
import json
import os
import stat
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from layerviz.core import divergences
from layerviz.core.names import BACKENDS, Weights
from layerviz.core.raised import Raised
from layerviz.store import files
from layerviz.store.files import write_atomic

if TYPE_CHECKING:
    from layerviz.judge.compare import Outcome
    from layerviz.pipeline.render import Rendering

MANIFEST = "MANIFEST.json"
WEIGHTLESS = "weightless"


class BaselineError(Exception):
    """A baseline file that is missing or unreadable; the message names it and the fix."""


class BaselineWriteError(BaselineError):
    """A file the operating system would not let layerviz write (a full disk, a folder that
    is not writable, a folder where the file should be): one line naming it."""


class BaselineLinkError(BaselineError):
    """A baseline path through a symbolic link inside the tree, which could take a
    regeneration's writes outside it."""


def refuse_write(label: str, path: Path, error: OSError) -> NoReturn:
    """Raise the OSError writing `path` (of check `label`, if any) as one line, a
    BaselineWriteError, where it is the file system saying no; else as it was: a bug,
    which keeps its traceback."""
    said = files.refusal(path, error)
    if said is None:
        raise error
    raise BaselineWriteError(f"{label + ': ' if label else ''}{said}") from None


def set_name(has_weights: bool, weights: str, backend: str) -> str:
    """The baseline set of a check, by whether its subject has weights (or draws random
    numbers as it runs, as augmentation does), the weight mode ("keras", "fixed" or
    "as-is") and the backend."""
    if not has_weights:
        return WEIGHTLESS
    return weights if weights in (Weights.FIXED, Weights.AS_IS) else f"keras/{backend}"


def set_names(backends: Iterable[str] = BACKENDS) -> tuple[str, ...]:
    return (WEIGHTLESS, Weights.FIXED, Weights.AS_IS, *(f"keras/{backend}" for backend in backends))


def divergence_set(known: divergences.Divergence, name: str) -> str:
    """The set recording what a divergence's backend computes in place of set `name`."""
    return f"{known.folder}/{name}"


def unused_files(root: Path, labels: Iterable[str], sets: Iterable[str]) -> list[Path]:
    """Files in the sets `sets` under `root` that none of the checks `labels` (as
    `<set>/<name>`) uses, judged from what a run checked (its manifests are kept)."""
    used = {root / name / MANIFEST for name in sets}
    for label in labels:
        png = png_path(root, label)
        used |= {png, stats_path(png)}
    return sorted(
        path
        for name in sets
        if (root / name).is_dir()
        for path in (root / name).rglob("*")
        if path.is_file() and path not in used
    )


# The known divergences last seen, and every set name with theirs. Kept by identity, not
# value: hashing every Divergence at each label read cost a report of 15,000 labels seconds
# (and tests swap KNOWN for their own).
_SET_NAMES: list[tuple[tuple[divergences.Divergence, ...], frozenset[str]]] = []


def _every_set_name() -> frozenset[str]:
    known = divergences.KNOWN
    if not _SET_NAMES or _SET_NAMES[0][0] is not known:
        names = frozenset(set_names()) | {divergence_set(k, name) for k in known for name in set_names()}
        _SET_NAMES[:] = [(known, names)]
    return _SET_NAMES[0][1]


@dataclass(frozen=True)
class Label:
    """A check's label, `<set>/<case>`: its baseline set and its case (a catalogue case's
    `<section>/<config>/<colour space>`, a user's `<name>/<colour space>`); read once,
    said the same way everywhere."""

    set: str  # "" where the label names no known set (a test id)
    case: str

    @classmethod
    def parse(cls, text: str) -> Label:
        parts = text.split("/")
        for depth in range(len(parts) - 1, 0, -1):  # the longest known set first
            name = "/".join(parts[:depth])
            if name in _every_set_name():
                return cls(name, "/".join(parts[depth:]))
        return cls("", text)

    def __str__(self) -> str:
        return f"{self.set}/{self.case}" if self.set else self.case

    @property
    def config(self) -> str:
        """The case without its colour space."""
        return self.case.rsplit("/", 1)[0]

    @property
    def weights(self) -> Weights | None:
        """Its set's weight mode; None for the weightless set (or no set)."""
        parts = self.set.split("/")
        if parts[-1] in (Weights.FIXED, Weights.AS_IS):
            return Weights(parts[-1])
        return Weights.KERAS if "keras" in parts else None

    def twin(self) -> Label | None:
        """A keras-mode check's fixed-weights twin (the same case, in the same divergence's
        sets where it is in one); None for a check of another mode."""
        parts = self.set.split("/")
        if "keras" not in parts:
            return None
        return Label("/".join([*parts[: parts.index("keras")], Weights.FIXED]), self.case)


def png_path(root: Path, case_id: str) -> Path:
    return root.joinpath(*case_id.split("/")).with_suffix(".png")


def stats_path(png: Path) -> Path:
    return png.with_name(png.stem + ".stats.json")


def discover(root: Path) -> dict[str, Path]:
    """Every case a baseline tree holds: case id -> PNG path (which is absent for an
    exception baseline)."""
    if not root.is_dir():
        raise BaselineError(f"{root}: not a folder; give the folder of a baseline tree")
    suffix = ".stats.json"
    return {
        sidecar.relative_to(root).as_posix()[: -len(suffix)]: sidecar.with_name(sidecar.name[: -len(suffix)] + ".png")
        for sidecar in sorted(root.rglob(f"*{suffix}"))
        if not sidecar.name.startswith(".")
    }


def refuse_links(root: Path, path: Path, label: str) -> None:
    """A BaselineLinkError if a folder between `root` and `path` (inside the tree) is a
    symbolic link: a regeneration would write through it, outside the tree."""
    folder = root
    for part in path.parent.relative_to(root).parts:
        folder = folder / part
        try:
            linked = stat.S_ISLNK(os.lstat(folder).st_mode)
        except (FileNotFoundError, NotADirectoryError):  # what does not exist yet is made as a real folder
            return
        if linked:
            raise BaselineLinkError(
                f"{label}: {folder} is a symbolic link (to {os.readlink(folder)}) inside the baseline tree "
                f"{root}; regenerating would write outside the tree through it: replace it with a real folder"
            )


def save(outcome: Outcome, png: Path, *, image: bool = True, sidecar: bool = True) -> list[Path]:
    """Write the case's PNG (`image`) and statistics (`sidecar`); return the files whose
    content changed. An exception is its sidecar alone: a PNG left from before goes.

    Identical files are left alone, so regenerating an unchanged tree changes nothing.
    """
    from layerviz.pipeline.render import encode_png

    written: list[Path] = []
    path = png
    try:
        if isinstance(outcome, Raised):
            if png.is_file():
                png.unlink()
                written.append(png)
            parts = [(stats_path(png), outcome.sidecar().encode())]
        else:
            parts = [(stats_path(png), outcome.sidecar().encode())] if sidecar else []
            if image:
                parts.append((png, encode_png(outcome.pixels)))
        for path, data in parts:
            if not (path.is_file() and path.read_bytes() == data):
                write_atomic(path, data)
                written.append(path)
    except OSError as error:
        refuse_write(outcome.case_id, path, error)
    return written


def layer_png(png: Path, index: int) -> Path:
    """Where an obtained tree keeps the picture of a model's layer `index` (its place in the
    trace), beside the check's own: what `upgrade --tests` shows of a layer that changed."""
    return png.with_name(f"{png.stem}.layers") / f"{index:03d}.png"


def save_layers(rendering: Rendering, png: Path) -> None:
    """Every traced layer's picture of a rendering, for an obtained tree (never a baseline)."""
    from layerviz.pipeline.render import encode_png, feature_picture

    for index, layer in enumerate(rendering.trace):
        if layer.raw is not None:
            write_atomic(layer_png(png, index), encode_png(feature_picture(layer.raw), level=1))


def load(png: Path, case_id: str, hint: str | None = None) -> Outcome:
    """A baseline: a picture with its statistics, or the exception it records;
    `hint` is the command that regenerates it (none for a tree read outside its tests,
    which cannot know the test that made it)."""
    from layerviz.pipeline.render import Rendering, read_sidecar

    stats = stats_path(png)
    fix = f"regenerate it with `{hint}`" if hint else "make the tree again with the command that made it"

    def missing(path: Path) -> BaselineError:
        if path.is_dir():
            what = "PNG" if path == png else "statistics file"
            return BaselineError(
                f"{case_id}: {path} is a folder where the baseline's {what} should be; remove it, then {fix}"
            )
        return BaselineError(f"{case_id}: baseline file {path} is missing; {fix}")

    def unreadable(path: Path, why: object) -> BaselineError:
        return BaselineError(f"{case_id}: baseline file {path} is unreadable ({why}); restore it from git or {fix}")

    # Read, not looked for first: a check that passes costs no extra file-system call.
    try:
        text = stats.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        raise missing(stats if png.is_file() or stats.is_dir() else png) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(stats, getattr(exc, "strerror", None) or exc) from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise unreadable(stats, f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise unreadable(stats, f"a JSON {type(data).__name__}, not an object")
    try:
        if "raises" in data:
            return Raised(case_id, str(data["raises"]["type"]), str(data["raises"]["message"]))
        fields = read_sidecar(data)
    except KeyError as exc:
        raise BaselineError(
            f"{case_id}: {stats} lacks the field {exc}, perhaps from an older layerviz; {fix}"
        ) from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise unreadable(stats, exc) from None
    try:
        image = png.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise missing(png) from None
    except OSError as exc:
        raise unreadable(png, exc.strerror or exc) from None
    try:
        pixels = _baseline_pixels(image)
    except _NotABaselinePicture as exc:
        raise unreadable(png, exc) from None
    return Rendering(case_id, pixels, **fields)


class _NotABaselinePicture(Exception):
    """Why bytes are not a baseline's picture (said in a BaselineError naming the file)."""


def _baseline_pixels(data: bytes) -> Any:
    """The pixels of a baseline PNG as layerviz writes them (uint8 greyscale or RGB); a
    1-bit or palette PNG (what a PNG optimiser may make of one) holds the same pixels."""
    import numpy as np
    from PIL import Image

    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise _NotABaselinePicture("not a PNG file" if data else "an empty file")
    try:
        with warnings.catch_warnings():
            # A baseline is at most a few thousand pixels a side: past Pillow's warning limit
            # it is refused before anything is decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as stored:
                stored.load()
                image: Image.Image = stored
                if stored.mode == "1" or (stored.mode == "P" and "transparency" not in stored.info):
                    image = stored.convert("L" if stored.mode == "1" else "RGB")
                if image.mode not in ("L", "RGB"):
                    raise _NotABaselinePicture(f"a {image.mode} PNG; baselines are 8-bit greyscale or RGB")
                return np.asarray(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _NotABaselinePicture("more pixels than Pillow's decompression-bomb limit") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow names the stream it read ("<_io.BytesIO object at 0x...>"): the file is named instead.
        raise _NotABaselinePicture(f"a damaged PNG: {str(exc).split(' <_io.', 1)[0]}") from None


def load_or_why(png: Path, case_id: str, hint: str) -> tuple[Outcome | None, str | None]:
    """The baseline; or None, and why when files are there but unusable."""
    try:
        return load(png, case_id, hint), None
    except BaselineError as error:
        return None, str(error) if png.exists() or stats_path(png).exists() else None

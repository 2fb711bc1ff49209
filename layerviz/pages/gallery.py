"""Gallery: the cheat sheet as an HTML page and a PNG sheet, rendered live, from a
baseline tree, or from the checks a test run made.

A gallery is a grid: sections (the catalogue's, or one per test module), a row per
configuration or test, a column per colour space.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from layerviz.catalogue import CASES, SECTION_TITLES, UnknownNameError, get_case
from layerviz.catalogue.cases import Case
from layerviz.core import numerics
from layerviz.core.names import Weights
from layerviz.core.progress import Progress
from layerviz.inputs.colorspaces import COLOR_SPACES
from layerviz.inputs.images import DEFAULT_PAIR, WORKING_SIZE, PhotoSet
from layerviz.judge.compare import Outcome
from layerviz.pipeline.render import quantize
from layerviz.store import baselines, files, manifest

CHECKS = "checks"  # where a test run keeps its checks' renderings, under the gallery folder


@dataclass(frozen=True)
class Item:
    """One picture of the grid, and where it goes."""

    key: str  # unique in the gallery: a case id, or a check's label (set and name)
    section: str  # the section's title
    row: str  # the row it belongs to
    row_name: str  # shown at the start of the row
    row_description: str
    column: str  # the colour space
    shown_id: str  # the id under the picture (case id, or test id)
    alt: str
    quote: str = ""  # what the seed post said about it
    description: str = ""  # the user's description of the check
    inputs: tuple[str, ...] = ()  # the photos it ran on, where not the gallery's inputs

    @property
    def path(self) -> str:
        return f"cases/{_safe(self.key)}.png"


@dataclass
class Gallery:
    items: tuple[Item, ...]
    renderings: dict[str, Outcome]  # by item key; an item whose layers raised shows its exception
    inputs: list[tuple[str, np.ndarray]]  # label, uint8 RGB pixels
    facts: dict[str, str] = field(default_factory=dict)  # provenance, shown in the footer
    title: str = "layerviz cheat sheet"
    about: str = "What untrained Keras layers do to photos"  # the page's first words

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(item.section for item in self.items))

    @property
    def colorspaces(self) -> list[str]:
        present = {item.column for item in self.items}
        return [space for space in COLOR_SPACES if space in present]

    def rows(self, section: str) -> list[list[Item | None]]:
        """The section's rows, each its items by colour space."""
        items = [item for item in self.items if item.section == section]
        by_place = {(item.row, item.column): item for item in items}
        return [
            [by_place.get((row, space)) for space in self.colorspaces] for row in dict.fromkeys(i.row for i in items)
        ]


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._/=+-]+", "_", key)


def case_item(case: Case, key: str | None = None, set_name: str = "") -> Item:
    """A catalogue case's picture; `set_name` tells the weights apart where a gallery shows several."""
    config = case.config
    mode = f" ({set_name} weights)" if set_name and set_name != baselines.WEIGHTLESS else ""
    return Item(
        key=key or case.id,
        section=SECTION_TITLES[case.section],
        row=f"{set_name}/{config.id}" if set_name else config.id,
        row_name=config.name + mode,
        row_description=config.description,
        column=case.colorspace,
        shown_id=case.id,
        alt=case.description,
        quote=case.note,
    )


def _item(label: str, caption: dict[str, str], several_sets: bool) -> Item:
    """The picture of a baseline or a saved check, `<set>/<name>/<colour space>`: a catalogue
    case (in a row per weight set where the gallery shows several), or a user's check, whose
    name is `<test module>/<test>`."""
    parsed = baselines.Label.parse(label)
    set_name, rest = parsed.set, parsed.case
    try:
        case = get_case(rest)
    except UnknownNameError:
        pass
    else:
        return case_item(case, label, set_name) if several_sets else case_item(case)
    name, _, space = rest.rpartition("/")
    module, _, test = name.partition("/")
    # A test parametrized over colour spaces is one row: its colour space leaves the row's name.
    row_name = re.sub(rf"(?<=[\[-]){re.escape(space)}(-|(?=\]))", "", test).replace("[]", "") or test
    mode = "" if set_name == baselines.WEIGHTLESS else f"{set_name} weights"
    return Item(
        key=label,
        section=module or name,
        row=f"{set_name}/{module}/{row_name}",
        row_name=row_name,
        row_description=" · ".join(part for part in (caption.get("title", ""), mode) if part),
        column=space if space in COLOR_SPACES else "rgb",
        shown_id=caption.get("test") or name,
        alt=f"{name} in {space}",
        description=caption.get("description", ""),
        inputs=tuple(caption.get("inputs", ())),
    )


def _input_pixels(photos: PhotoSet, size: int) -> list[tuple[str, np.ndarray]]:
    return [(label, quantize(image)) for label, image in zip(photos.labels, photos.at(size), strict=True)]


def from_keras(
    cases: Sequence[Case],
    photos: PhotoSet | None = None,
    size: int = WORKING_SIZE,
    suite_seed: int = 0,
    weights: str = Weights.KERAS,
    mode: str = numerics.DEFAULT_MODE,
) -> Gallery:
    """Render every case now, with Keras, under the numerics `mode` (pinned here)."""
    from layerviz.pipeline import outcomes, subject

    running = numerics.pin(mode)
    photos = photos or PhotoSet.bundled()
    cases = [case for case in cases if not subject.unavailable(case.config)]  # not in this Keras
    renderings = {}
    with Progress(len(cases), "rendering") as progress:
        for case in cases:
            renderings[case.id], _ = outcomes.outcome(outcomes.Request.of_case(case, photos, size, weights, suite_seed))
            progress.advance(case.id)
    facts = manifest.describe_environment(manifest.environment(suite_seed, size, weights, running))
    facts["inputs"] = ", ".join(photos.labels)
    facts["rendered"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Gallery(tuple(case_item(case) for case in cases), renderings, _input_pixels(photos, size), facts)


def from_baselines(
    root: Path,
    weights: str = Weights.KERAS,
    backend: str = "tensorflow",
    sections: Iterable[str] | None = None,
    colorspaces: Iterable[str] | None = None,
) -> Gallery:
    """The gallery of a baseline tree (the catalogue's or a user's), without running
    Keras: checks without weights from its weightless set, the others from the set of
    `weights` ("keras" for `backend`'s own, "fixed" or "as-is"); `sections` (catalogue
    sections or test modules) and `colorspaces` narrow it."""
    names = [baselines.WEIGHTLESS, baselines.set_name(True, weights, backend)]
    present = [name for name in names if manifest.read_manifest(root / name) is not None]
    if not present:
        raise baselines.BaselineError(
            f"{root}: no {' or '.join(names)} set with a {baselines.MANIFEST} here; give the folder of a "
            f"baseline tree (or other --weights / --backend)"
        )
    labels = [f"{name}/{case_id}" for name in present for case_id in baselines.discover(root / name)]
    # A catalogue case checked in one weight mode only (most of the atlas: fixed) shows that one.
    shown = {baselines.Label.parse(label).case for label in labels}
    other = baselines.set_name(True, Weights.FIXED if weights == Weights.KERAS else Weights.KERAS, backend)
    if (root / other).is_dir():
        labels += [
            f"{other}/{case_id}"
            for case_id in baselines.discover(root / other)
            if case_id not in shown and _in_one_mode(case_id, other)
        ]
    # One picture per case, whichever set it comes from.
    gallery = _from_tree(root, labels, sections, colorspaces, {}, several_sets=False)
    # The weighted set, if any, says most about how the pictures were made.
    name = present[-1]
    record = manifest.read_manifest(root / name) or {}
    gallery.facts = manifest.describe_environment(record)
    gallery.facts["baselines"] = f"{root} ({', '.join(present)}; {name} created {record.get('created', 'unknown')})"
    size = int(record.get("working_size", WORKING_SIZE))
    gallery.inputs = _input_pixels(PhotoSet.bundled(DEFAULT_PAIR), size)
    return gallery


def _in_one_mode(case_id: str, set_name: str) -> bool:
    """Whether a catalogue case is checked only in the mode of `set_name`."""
    try:
        config = get_case(case_id).config
    except UnknownNameError:
        return False
    return config.weight_modes == ("keras" if set_name.startswith("keras/") else "fixed",)


def from_checks(out: Path) -> Gallery:
    """The gallery of the checks a test run saved under `out` (see `save_check`)."""
    root = out / CHECKS
    labels = sorted(baselines.discover(root)) if root.is_dir() else []
    captions = {}
    for label in labels:
        caption = baselines.png_path(root, label).with_suffix(".check.json")
        if caption.is_file():
            captions[label] = json.loads(caption.read_text())
    gallery = _from_tree(root, labels, None, None, captions)
    gallery.title, gallery.about = "layerviz: the checks of a test run", "What each checked subject does to photos"
    gallery.facts = {
        "running": manifest.describe_versions({"versions": manifest.running_versions()}),
        "rendered": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    gallery.inputs = _input_pixels(PhotoSet.bundled(DEFAULT_PAIR), WORKING_SIZE)
    return gallery


def _from_tree(
    root: Path,
    labels: Sequence[str],
    sections: Iterable[str] | None,
    colorspaces: Iterable[str] | None,
    captions: dict[str, dict[str, str]],
    several_sets: bool | None = None,
) -> Gallery:
    """The gallery of `labels` under `root`; `several_sets`: a row per weight set (default:
    where the labels come from more than one)."""
    if several_sets is None:
        several_sets = len({baselines.Label.parse(label).set for label in labels} - {baselines.WEIGHTLESS}) > 1
    items = [(label, _item(label, captions.get(label, {}), several_sets)) for label in labels]
    wanted_sections = set(sections) if sections else None
    wanted_spaces = set(colorspaces) if colorspaces else None
    chosen = [
        (label, item)
        for label, item in items
        if (wanted_sections is None or section_key(item.section) in wanted_sections)
        and (wanted_spaces is None or item.column in wanted_spaces)
    ]
    if wanted_sections and not chosen:
        raise UnknownNameError(
            f"no checks in section {', '.join(sorted(wanted_sections))}; the tree has: "
            f"{', '.join(dict.fromkeys(section_key(item.section) for _, item in items))}"
        )
    # The catalogue's cases in the post's order, then the others by name.
    chosen.sort(
        key=lambda pair: (
            _CATALOGUE_ORDER.get(pair[1].shown_id, len(_CATALOGUE_ORDER)),
            pair[1].section,
            pair[1].row_name,
            pair[1].key,
        )
    )
    renderings = {}
    with Progress(len(chosen), "loading") as progress:
        for label, item in chosen:
            renderings[item.key] = baselines.load(baselines.png_path(root, label), label)
            progress.advance(label)
    return Gallery(tuple(item for _, item in chosen), renderings, [])


_CATALOGUE_ORDER = {case.id: index for index, case in enumerate(CASES)}
_SECTION_KEYS = {title: key for key, title in SECTION_TITLES.items()}


def section_key(title: str) -> str:
    """What --section names, for a section's title: the catalogue's section id, or the test module."""
    return _SECTION_KEYS.get(title, title)


def save_check(
    out: Path, obtained: Outcome, test_id: str, title: str, description: str, inputs: Sequence[str] = ()
) -> None:
    """Keep a check's rendering and caption under `out`, for the gallery of a test run
    (pytest-xdist workers each save their own; the page is built at the end)."""
    png = baselines.png_path(out / CHECKS, obtained.case_id)
    baselines.save(obtained, png)
    caption = {"test": test_id, "title": title, "description": description, "inputs": list(inputs)}
    files.write_atomic(png.with_suffix(".check.json"), (json.dumps(caption, indent=2) + "\n").encode())


def sheet_path(section: str) -> str:
    return f"cheatsheets/{_safe(section_key(section))}.png"


def input_path(index: int) -> str:
    return f"inputs/input-{index + 1}.png"


# What gallery.html.j2 is given: plain data, which it escapes.

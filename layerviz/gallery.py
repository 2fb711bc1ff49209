"""Gallery: the cheat sheet as an HTML page and a PNG sheet, rendered live or from baselines."""

from __future__ import annotations

import datetime
import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from layerviz import baselines, page
from layerviz.catalogue import SECTION_TITLES, Case
from layerviz.colorspaces import COLOR_SPACES
from layerviz.images import DEFAULT_PAIR, WORKING_SIZE, PhotoSet
from layerviz.progress import Progress
from layerviz.compare import Outcome
from layerviz.raised import Raised
from layerviz.render import Rendering, encode_png, quantize

CELL = 128  # px per picture on cheatsheet.png
CHECKS = "checks"  # where a test run keeps its checks' renderings, under the gallery folder
LABEL_WIDTH = 230


@dataclass
class Gallery:
    cases: tuple[Case, ...]
    renderings: dict[str, Outcome]  # a case whose layers raised shows its exception
    inputs: list[tuple[str, np.ndarray]]  # label, uint8 RGB pixels
    facts: dict[str, str] = field(default_factory=dict)  # provenance, shown in the footer

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(case.section for case in self.cases))

    @property
    def colorspaces(self) -> list[str]:
        present = {case.colorspace for case in self.cases}
        return [space for space in COLOR_SPACES if space in present]

    def rows(self, section: str) -> list[list[Case | None]]:
        """The section's configurations, each a row of cases by colour space."""
        configs = list(dict.fromkeys(case.config.id for case in self.cases if case.section == section))
        by_id = {case.id: case for case in self.cases}
        return [[by_id.get(f"{config}/{space}") for space in self.colorspaces] for config in configs]


def _input_pixels(photos: PhotoSet, size: int) -> list[tuple[str, np.ndarray]]:
    return [(label, quantize(image)) for label, image in zip(photos.labels, photos.at(size), strict=True)]


def from_keras(
    cases: Sequence[Case],
    photos: PhotoSet | None = None,
    size: int = WORKING_SIZE,
    suite_seed: int = 0,
    weights: str = "keras",
) -> Gallery:
    """Render every case now, with Keras."""
    from layerviz import subject

    photos = photos or PhotoSet.bundled()
    renderings = {}
    with Progress(len(cases), "rendering") as progress:
        for case in cases:
            renderings[case.id], _ = subject.outcome(
                subject.of(case), case.id, case.colorspace, photos, size, weights, case.id, suite_seed
            )
            progress.advance(case.id)
    facts = baselines.describe_environment(baselines.environment(suite_seed, size, weights))
    facts["inputs"] = ", ".join(photos.labels)
    facts["rendered"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return Gallery(tuple(cases), renderings, _input_pixels(photos, size), facts)


def from_baselines(
    cases: Sequence[Case], root: Path, weights: str = "keras", backend: str = "tensorflow"
) -> Gallery:
    """The same gallery from a baseline tree, without running Keras: cases without
    weights from its weightless set, the others from the set of `weights` (and
    `backend`, for Keras's own initializers)."""
    sets = {case.id: baselines.set_name(case.config.has_weights, weights, backend) for case in cases}
    manifests = {name: baselines.read_manifest(root / name) for name in dict.fromkeys(sets.values())}
    for name, manifest in manifests.items():
        if manifest is None:
            raise baselines.BaselineError(
                f"{root / name}: no {baselines.MANIFEST} here; give the folder of a baseline tree "
                f"that has the {name} set"
            )
    renderings = {}
    with Progress(len(cases), "loading") as progress:
        for case in cases:
            folder = root / sets[case.id]
            renderings[case.id] = baselines.load(baselines.png_path(folder, case.id), f"{sets[case.id]}/{case.id}")
            progress.advance(case.id)
    # The weighted set, if any, says most about how the pictures were made.
    name, manifest = next(reversed(manifests.items()))
    facts = baselines.describe_environment(manifest)
    facts["baselines"] = f"{root} ({', '.join(manifests)}; {name} created {manifest.get('created', 'unknown')})"
    size = int(manifest.get("working_size", WORKING_SIZE))
    return Gallery(tuple(cases), renderings, _input_pixels(PhotoSet.bundled(DEFAULT_PAIR), size), facts)


def write(gallery: Gallery, out: Path) -> list[Path]:
    """index.html, cheatsheet.png, inputs/*.png and one PNG per case, under `out`."""
    written = []
    for index, (_label, pixels) in enumerate(gallery.inputs):
        written.append(_write(out / _input_path(index), encode_png(pixels)))
    for case in gallery.cases:
        shown = gallery.renderings[case.id]
        if isinstance(shown, Rendering):
            written.append(_write(out / _case_path(case), encode_png(shown.pixels)))
    written.append(_write(out / "cheatsheet.png", encode_png(np.asarray(cheatsheet(gallery)))))
    written.append(_write(out / "index.html", html_page(gallery).encode()))
    return written


def save_check(out: Path, obtained: Outcome, test_id: str, title: str, description: str) -> None:
    """Keep a check's rendering and caption under `out`, for the gallery of a test run
    (pytest-xdist workers each save their own; the page is built at the end)."""
    png = baselines.png_path(out / CHECKS, obtained.case_id)
    baselines.save(obtained, png)
    caption = {"test": test_id, "title": title, "description": description}
    baselines.write_atomic(png.with_name(png.stem + ".check.json"), (json.dumps(caption, indent=2) + "\n").encode())


def _write(path: Path, data: bytes) -> Path:
    baselines.write_atomic(path, data)
    return path


def _case_path(case: Case) -> str:
    return f"cases/{case.id}.png"


def _input_path(index: int) -> str:
    return f"inputs/input-{index + 1}.png"


# --- HTML ---------------------------------------------------------------------------


def html_page(gallery: Gallery) -> str:
    parts = [
        "<header><h1>layerviz cheat sheet</h1>",
        f"<p>What untrained Keras layers do to photos, in {len(gallery.colorspaces)} colour spaces: "
        f"{len(gallery.cases)} cases. Weights: {page.esc(gallery.facts.get('weights', 'keras'))} "
        "(Keras's default initializers with a seed per case, or the same distributions drawn by NumPy: "
        "fixed).</p></header>",
        '<section id="inputs"><h2>Inputs</h2><div class="inputs">',
    ]
    for index, (label, pixels) in enumerate(gallery.inputs):
        role = "first input" if index == 0 else "second input (merging layers)"
        height, width = pixels.shape[:2]
        parts.append(page.figure(_input_path(index), label, width, height, f"{page.esc(label)}: {role}"))
    parts.append("</div></section>")
    for section in gallery.sections:
        parts.append(_section_html(gallery, section))
    parts.append(page.provenance(gallery.facts))
    return page.document("layerviz cheat sheet", "\n".join(parts))


def _section_html(gallery: Gallery, section: str) -> str:
    head = "".join(f'<th scope="col">{page.esc(space)}</th>' for space in gallery.colorspaces)
    parts = [f'<section id="{page.esc(section)}"><h2>{page.esc(SECTION_TITLES[section])}</h2>']
    rows = gallery.rows(section)
    if any(len(getattr(gallery.renderings[c.id], "layers", ())) > 1 for row in rows for c in row if c):
        parts.append(_summary_table(gallery, [c for row in rows for c in row if c]))
    parts.append(f'<table class="grid"><thead><tr><th scope="col">configuration</th>{head}</tr></thead><tbody>')
    for row in rows:
        config = next(case for case in row if case).config
        parts.append(
            f'<tr><th scope="row"><code>{page.esc(config.name)}</code><br>{page.esc(config.description)}</th>'
        )
        for case in row:
            parts.append(f"<td>{_cell_html(gallery, case) if case else ''}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table></section>")
    return "\n".join(parts)


def _cell_html(gallery: Gallery, case: Case) -> str:
    rendering = gallery.renderings[case.id]
    if isinstance(rendering, Raised):
        return (
            f'<figure><div class="raised">raises {page.esc(rendering.type)}</div><figcaption><code>'
            f"{page.esc(case.id)}</code> &middot; {page.esc(rendering)}</figcaption></figure>"
        )
    height, width = rendering.pixels.shape[:2]
    caption = f"<code>{page.esc(case.id)}</code> &middot; {width}&times;{height} &middot; {rendering.parameters:,} params"
    if case.note:
        caption += f"<br>The post: <q>{page.esc(case.note)}</q>"
    return page.figure(_case_path(case), case.description, width, height, caption)


def _summary_table(gallery: Gallery, cases: list[Case]) -> str:
    """Model summaries (as Keras prints them) of multi-layer configurations."""
    rows = []
    for case in cases:
        rendering = gallery.renderings[case.id]
        if isinstance(rendering, Raised):
            continue
        for info in rendering.layers:
            shape = ", ".join(["None", *map(str, info.output_shape)])
            rows.append(
                f"<tr><td>{page.esc(case.id)}</td><td>{page.esc(info.layer)}</td>"
                f"<td>({page.esc(shape)})</td><td>{info.parameters:,}</td></tr>"
            )
        rows.append(
            f'<tr><td>{page.esc(case.id)}</td><th colspan="2">Total params</th><th>{rendering.parameters:,}</th></tr>'
        )
    return (
        '<table class="summary"><thead><tr><th>case</th><th>Layer (type)</th><th>Output Shape</th>'
        f"<th>Param #</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


# --- PNG sheet ----------------------------------------------------------------------


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _cell(shown: Outcome | np.ndarray) -> Image.Image:
    if isinstance(shown, Raised):
        image = Image.new("RGB", (CELL, CELL), "#eeeeee")
        text = "\n".join(textwrap.wrap(f"raises {shown}", 22)[:8])
        ImageDraw.Draw(image).multiline_text((6, 6), text, fill="#a40000", font=_font(11))
        return image
    image = Image.fromarray(shown.pixels if isinstance(shown, Rendering) else shown).convert("RGB")
    if image.width == CELL and image.height == CELL:
        return image
    # Enlarge without smoothing (pooling jaggies stay visible); reduce by averaging.
    resample = Image.Resampling.NEAREST if image.width < CELL else Image.Resampling.BOX
    return image.resize((CELL, CELL), resample)


def cheatsheet(gallery: Gallery) -> Image.Image:
    """The gallery's grid as one image: labelled rows and columns, section bands."""
    gap, band, header = 6, 26, 24
    columns = gallery.colorspaces
    width = LABEL_WIDTH + len(columns) * (CELL + gap) + gap
    rows = [(section, gallery.rows(section)) for section in gallery.sections]
    caption = 16
    height = 40 + band + CELL + caption + gap + header
    height += sum(band + len(section_rows) * (CELL + gap) for _, section_rows in rows) + 24
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    title, label, small = _font(20), _font(13), _font(11)
    draw.text((gap, 8), "layerviz cheat sheet: untrained Keras layers on photos", fill="black", font=title)
    y = 40
    draw.text((gap, y + 4), "Inputs", fill="black", font=label)
    y += band
    for index, (name, pixels) in enumerate(gallery.inputs):
        x = LABEL_WIDTH + index * (CELL + gap)
        sheet.paste(_cell(pixels), (x, y))
        draw.text((x, y + CELL + 1), name, fill="#444", font=small)
    y += CELL + caption + gap
    for index, space in enumerate(columns):
        draw.text((LABEL_WIDTH + index * (CELL + gap), y), space, fill="black", font=label)
    y += header
    for section, section_rows in rows:
        draw.rectangle((0, y, width, y + band - 4), fill="#e8e8e8")
        draw.text((gap, y + 4), SECTION_TITLES[section], fill="black", font=label)
        y += band
        for row in section_rows:
            config = next(case for case in row if case).config
            draw.text((gap, y), config.name, fill="black", font=label)
            wrapped = "\n".join(textwrap.wrap(config.description, 34))
            draw.multiline_text((gap, y + 18), wrapped, fill="#444", font=small)
            for index, case in enumerate(row):
                if case:
                    sheet.paste(_cell(gallery.renderings[case.id]), (LABEL_WIDTH + index * (CELL + gap), y))
            y += CELL + gap
    footer = "; ".join(f"{key} {value}" for key, value in gallery.facts.items() if key in ("keras", "backend", "seed"))
    draw.text((gap, height - 20), footer, fill="#444", font=small)
    return sheet

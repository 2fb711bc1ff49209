"""The commands on the catalogue and baseline trees: list, render, gallery, model, diff, env."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from layerviz import catalogue
from layerviz.cli.common import CliError, given_photos, print_changes, writing
from layerviz.core import numerics
from layerviz.core.names import Weights
from layerviz.core.seeds import DEFAULT_SUITE_SEED
from layerviz.inputs import colorspaces
from layerviz.inputs.images import MIN_SIDE, WORKING_SIZE, PhotoSet
from layerviz.pages import tree_diff
from layerviz.store import manifest, outputs
from layerviz.store.baselines import MANIFEST


def _gallery(args: argparse.Namespace) -> int:
    from layerviz.pages import gallery, gallery_files

    stored = None
    if args.from_baselines is not None:
        if args.images or args.size != WORKING_SIZE or args.seed != DEFAULT_SUITE_SEED:
            raise CliError("--from-baselines shows the baselines as made; it takes no --images, --size or --seed")
        stored = gallery.from_baselines(args.from_baselines, args.weights, args.backend, args.section, args.colorspace)
    elif args.size < MIN_SIDE:
        raise CliError(f"--size {args.size} is too small; give at least {MIN_SIDE}")
    elif args.weights == Weights.AS_IS:
        raise CliError("--weights as-is shows a baseline tree's checks of trained weights; give --from-baselines")
    cases = catalogue.select(args.section, args.colorspace) if stored is None else ()
    photos = given_photos(args)
    trees = [args.from_baselines] if args.from_baselines is not None else []
    claimed = outputs.claim(args.out, "--out", trees=trees)  # before any rendering
    result = stored or gallery.from_keras(cases, photos, args.size, args.seed, args.weights, args.numerics)
    with writing(args.out):
        gallery_files.write(result, args.out)
        claimed.seal()
    print(args.out / "index.html")
    return 0


def _list(args: argparse.Namespace) -> int:
    from layerviz.cli import tables

    cases = catalogue.select(args.section, args.colorspace)
    if args.options:
        print(tables.options_markdown(), end="")
        return 0
    evidence = [(path.stem, _read_evidence(path)) for path in args.evidence]
    if args.fixes:
        try:
            fixes = args.fixes.read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise CliError(f"{args.fixes}: cannot read it ({error}); give the Markdown file of Keras's fixes") from None
        print(tables.fixes_markdown(fixes, evidence), end="")
        return 0
    if args.markdown or args.divergences:
        print(tables.cases_markdown(cases) if args.markdown else tables.divergences_markdown(evidence), end="")
        return 0
    for case in cases:
        print(f"{case.id:40} {case.description}")
    return 0


def _read_evidence(path: Path) -> dict:
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        found = None
    if not isinstance(found, dict) or not {"backend", "configurations"} <= found.keys():
        raise CliError(f"{path}: not a sweep's evidence; make one with `layerviz sweep --evidence FILE`")
    return found


def _render(args: argparse.Namespace) -> int:
    case = catalogue.get_case(args.case_id)
    photos = given_photos(args)
    with writing(args.out):
        args.out.parent.mkdir(parents=True, exist_ok=True)  # fail before any rendering
    numerics.pin(args.numerics)
    from layerviz.pipeline import outcomes
    from layerviz.pipeline.render import Rendering, encode_png
    from layerviz.store.files import write_atomic

    # As the gallery renders it (uint8 cases shown in levels, a case Keras refuses recorded).
    rendering, _ = outcomes.outcome(outcomes.Request.of_case(case, photos, suite_seed=args.seed))
    if not isinstance(rendering, Rendering):
        raise CliError(f"{case.id} raises here, so there is no picture: {rendering.type}: {rendering.message}")
    with writing(args.out):
        write_atomic(args.out, encode_png(rendering.pixels))
    print(args.out)
    return 0


def _model(args: argparse.Namespace) -> int:
    from layerviz.pages import model_sheet
    from layerviz.pipeline.subject import SubjectError

    photos = given_photos(args)
    numerics.pin(args.numerics)
    try:
        loaded = model_sheet.load(args.spec)
        rendering = model_sheet.render_model(loaded, colorspaces.get(args.colorspace), photos, args.size)
    except (model_sheet.ModelSpecError, SubjectError) as error:
        raise CliError(str(error)) from None
    claimed = outputs.claim(args.out, "--out")  # one call renders it all: a bad model leaves the last sheet
    with writing(args.out):
        index = model_sheet.write(loaded, rendering, photos or PhotoSet.bundled(), args.out)
        claimed.seal()
    print(index)
    return 0


def _diff(args: argparse.Namespace) -> int:

    claimed = outputs.claim(args.out, "--out", trees=[args.before, args.after])
    with writing(args.out):
        result = tree_diff.write_tree_diff(
            args.before,
            args.after,
            args.out,
            title=f"layerviz diff: {args.before} -> {args.after}",
            labels={"before": str(args.before), "after": str(args.after), "diff": "difference"},
            facts={str(tree): manifest.describe_tree(tree) or "no manifest" for tree in (args.before, args.after)},
        )
        claimed.seal()
    print_changes(result)
    return 1 if result.entries else 0


def _env(args: argparse.Namespace) -> int:

    root = args.baselines or Path("baselines")
    if args.baselines is not None and not root.is_dir():
        raise CliError(f"{root}: not a folder; give the folder of a baseline tree with --baselines")
    running = numerics.pin(args.numerics)
    print(f"running: {manifest.describe_versions({'versions': manifest.running_versions()})}")
    _print_facts(numerics.facts(running))
    # The sets a run compares with first, then the known divergences' own.
    manifests = sorted(root.rglob(MANIFEST), key=lambda path: ("divergences" in path.relative_to(root).parts, path))
    print(f"baselines: {root}" + ("" if manifests else " (no baseline sets there)"))
    for path in manifests:
        record = manifest.read_manifest(path.parent) or {}
        made = record.get("numerics")
        stack = manifest.describe_versions(record) if "versions" in record else "no versions recorded"
        print(f"  {path.parent.relative_to(root).as_posix()}: {stack}")
        if not made:
            print("    numeric environment not recorded (a set made before layerviz recorded it)")
            continue
        print(f"    {numerics.summary(made)}")
        said = [f"differs: {line}" for line in numerics.differences(made, running)]
        same = "nothing differs that both backends record"
        if made.get("backend") == running["backend"]:
            same = "the same numeric environment"
        print(*(f"    {line}" for line in said or [same]), sep="\n")
    return 0


def _print_facts(shown: dict[str, str]) -> None:
    width = max(map(len, shown))
    for label, text in shown.items():
        print(f"  {label:{width}}  {text}")


COMMANDS = {
    "gallery": _gallery,
    "list": _list,
    "render": _render,
    "model": _model,
    "diff": _diff,
    "env": _env,
}

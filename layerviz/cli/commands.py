"""layerviz: the Keras layer cheat sheet and its visual regression baselines.

Exit codes: 0 ok, 1 differences found (diff), 2 usage or input error, 141 when the
reader of its output went away (`layerviz list | head -1`). Errors are one line on
stderr, never a traceback; TensorFlow's own log lines only with --verbose.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from layerviz import catalogue
from layerviz.catalogue.cases import WEIGHT_MODES
from layerviz.core import numerics, quiet
from layerviz.core.seeds import DEFAULT_SUITE_SEED
from layerviz.inputs.colorspaces import COLOR_SPACES
from layerviz.inputs.images import MIN_SIDE, WORKING_SIZE, ImageInputError, PhotoSet
from layerviz.pages import report, tree_diff
from layerviz.store import files, manifest, outputs
from layerviz.store.baselines import BACKENDS, MANIFEST, BaselineError
from layerviz.upgrade import stacks
from layerviz.upgrade import two_stacks as upgrades


class CliError(Exception):
    """A usage or output problem; the message says what to do."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, as for every other input error (argparse prints the usage too).
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="layerviz", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def selection(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--section",
            action="append",
            metavar="SECTION",
            help=f"only this section (repeatable): {', '.join(catalogue.SECTIONS)}, or a test module of a "
            f"baseline tree given with --from-baselines",
        )
        command.add_argument(
            "--colorspace", action="append", choices=list(COLOR_SPACES), help="only this colour space (repeatable)"
        )

    def running(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--numerics",
            choices=numerics.MODES,
            default=numerics.DEFAULT_MODE,
            help="strict (default): TF32 and reduced-precision matmuls off, as the tests run; native: the "
            "backend's defaults",
        )

    def checks(command: argparse.ArgumentParser) -> None:
        command.add_argument("--section", action="append", metavar="SECTION", help="only this section (repeatable)")
        command.add_argument(
            "-k",
            dest="keyword",
            action="append",
            metavar="WORD",
            help="only checks whose id contains WORD (repeatable: any)",
        )

    def stack_options(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--backend", choices=BACKENDS, default="tensorflow", help="the Keras backend (default tensorflow)"
        )
        command.add_argument(
            "--with",
            dest="extra",
            action="append",
            default=[],
            metavar="REQ",
            help="another pin for every stack (repeatable)",
        )
        command.add_argument("--index-url", default=stacks.DEFAULT_INDEX, metavar="URL", help="the package index")
        command.add_argument(
            "--find-links", action="append", default=[], metavar="DIR", help="a folder of wheels (repeatable)"
        )
        command.add_argument("--no-index", action="store_true", help="only --find-links, no index")
        command.add_argument(
            "--offline", action="store_true", help="no index: install from uv's cache, list releases from cached stacks"
        )
        command.add_argument(
            "--cache", type=Path, metavar="DIR", help="where environments are kept (default ~/.cache/layerviz/stacks)"
        )

    def photos(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--images",
            nargs="+",
            type=Path,
            metavar="IMAGE",
            help="your photos instead of the bundled pair (the second is the second input of merging layers)",
        )
        command.add_argument("--seed", type=int, default=DEFAULT_SUITE_SEED, help="suite seed (default 0)")

    gallery = commands.add_parser(
        "gallery", help="render the cheat sheet: index.html, cheatsheet.png, one PNG per case"
    )
    gallery.add_argument("--out", type=Path, default=Path("gallery"), metavar="DIR", help="default: ./gallery")
    selection(gallery)
    photos(gallery)
    gallery.add_argument(
        "--size", type=int, default=WORKING_SIZE, metavar="N", help=f"working size in px (default {WORKING_SIZE})"
    )
    gallery.add_argument(
        "--weights",
        choices=(*WEIGHT_MODES, "as-is"),
        default="keras",
        help="keras: Keras's seeded default initializers (as the post); fixed: the same distributions drawn by "
        "NumPy; as-is (with --from-baselines): a tree's checks of trained or loaded weights",
    )
    gallery.add_argument(
        "--backend",
        choices=BACKENDS,
        default=os.environ.get("KERAS_BACKEND", "tensorflow"),
        help="with --from-baselines and keras weights: whose baselines (default: $KERAS_BACKEND or tensorflow)",
    )
    gallery.add_argument(
        "--from-baselines",
        nargs="?",
        const=Path("baselines"),
        type=Path,
        metavar="DIR",
        help="build it from a baseline tree (default ./baselines), the catalogue's or your own, without running Keras",
    )
    running(gallery)

    listing = commands.add_parser("list", help="print the case ids with a one-line description")
    selection(listing)
    shape = listing.add_mutually_exclusive_group()
    shape.add_argument("--markdown", action="store_true", help="a Markdown table per section (docs/cases.md)")
    shape.add_argument("--divergences", action="store_true", help="the known divergences, as a Markdown table")
    shape.add_argument("--options", action="store_true", help="the pytest options, as a Markdown table")
    listing.add_argument(
        "--evidence",
        nargs="+",
        type=Path,
        default=[],
        metavar="FILE",
        help="with --divergences: sweep results (`layerviz sweep --evidence`) to name beside each range they cover",
    )

    render = commands.add_parser("render", help="render one case to a PNG file")
    render.add_argument("case_id", metavar="CASE_ID")
    render.add_argument("--out", required=True, type=Path, metavar="FILE")
    photos(render)
    running(render)

    model = commands.add_parser(
        "model", help="your model as a cheat sheet: every layer's output on photos (index.html under --out)"
    )
    model.add_argument(
        "spec", metavar="MODEL", help="a saved PATH.keras, or module:factory (called with the channel count)"
    )
    model.add_argument("--out", type=Path, default=Path("model-sheet"), metavar="DIR", help="default: ./model-sheet")
    model.add_argument("--colorspace", choices=list(COLOR_SPACES), default="rgb", help="what the photos are given in")
    model.add_argument(
        "--size", type=int, metavar="N", help="the photos' side (default: the input size the model declares, else 128)"
    )
    photos(model)
    running(model)

    diff = commands.add_parser("diff", help="compare two baseline trees; exit 1 if anything changed")
    diff.add_argument("before", type=Path, metavar="DIR_A")
    diff.add_argument("after", type=Path, metavar="DIR_B")
    diff.add_argument("--out", type=Path, required=True, metavar="REPORT_DIR")

    obtain = commands.add_parser(
        "obtain", help="render catalogue checks into a tree laid out as baselines are (what upgrade compares)"
    )
    obtain.add_argument("--out", required=True, type=Path, metavar="DIR")
    checks(obtain)
    running(obtain)

    upgrade = commands.add_parser(
        "upgrade",
        help="render the same checks with two stacks on this machine and report what changed; exit 1 if anything did",
    )
    upgrade.add_argument("--from", dest="before", required=True, metavar="SPEC", help='e.g. "keras==3.14.1"')
    upgrade.add_argument("--to", dest="after", required=True, metavar="SPEC", help='e.g. "keras==3.15.0"')
    upgrade.add_argument("--out", type=Path, default=Path("layerviz-upgrade"), metavar="DIR")
    stack_options(upgrade)
    checks(upgrade)
    upgrade.add_argument("--tests", nargs="+", metavar="PATH", help="render your own test suite's checks instead")
    running(upgrade)

    bisect = commands.add_parser("bisect", help="find the first release whose rendering of the checks changes")
    bisect.add_argument("check", nargs="*", metavar="CHECK", help="check ids, or words in them (default: every check)")
    bisect.add_argument("--package", default="keras", help="the package whose releases are searched (default keras)")
    bisect.add_argument("--good", metavar="VERSION", help="a release that renders as before (default: the oldest)")
    bisect.add_argument("--bad", metavar="VERSION", help="a release that renders otherwise (default: the newest)")
    bisect.add_argument("--out", type=Path, default=Path("layerviz-bisect"), metavar="DIR")
    stack_options(bisect)
    bisect.add_argument(
        "--section", action="append", metavar="SECTION", help="only this catalogue section (repeatable)"
    )
    bisect.add_argument("--tests", nargs="+", metavar="PATH", help="render your own test suite's checks instead")
    running(bisect)

    sweep = commands.add_parser(
        "sweep", help="render the checks on every release of a range: a compatibility matrix (HTML and JSON)"
    )
    sweep.add_argument("--keras", metavar="RANGE", help="releases to sweep, e.g. 3.0.0..3.15.1 (or one version)")
    sweep.add_argument("--minor", action="store_true", help="only the newest patch of each minor release")
    sweep.add_argument(
        "--stack", metavar="VERSION", help="sweep this one release (one CI job); merge later with --merge"
    )
    sweep.add_argument("--merge", action="store_true", help="only build the matrix from the stacks already under --out")
    sweep.add_argument("--table", action="store_true", help="print the matrix's varying checks as a Markdown table")
    sweep.add_argument(
        "--evidence",
        type=Path,
        metavar="FILE",
        help="also write the varying checks' runs of releases, small enough to commit",
    )
    sweep.add_argument("--jobs", type=int, metavar="N", help="stacks at a time (default: the machine's cores)")
    sweep.add_argument("--out", type=Path, default=Path("layerviz-sweep"), metavar="DIR")
    stack_options(sweep)
    checks(sweep)
    running(sweep)

    env = commands.add_parser(
        "env", help="print the running numeric environment beside every baseline set's, and what differs"
    )
    env.add_argument("--baselines", type=Path, metavar="DIR", help="the baseline tree (default ./baselines)")
    running(env)

    for command in commands.choices.values():
        command.add_argument(
            "--verbose", action="store_true", help="let TensorFlow's and absl's log lines and Python warnings through"
        )
    return parser


def _photos(args: argparse.Namespace) -> PhotoSet | None:
    if not args.images:
        return None
    if len(args.images) > 2:
        raise CliError(f"--images takes one or two photos, got {len(args.images)}")
    photos = PhotoSet.files(args.images)
    photos.at(getattr(args, "size", None) or WORKING_SIZE)  # read them now: bad input fails before Keras loads
    return photos


@contextlib.contextmanager
def _writing(out: Path) -> Iterator[None]:
    """Turn a failure to write under `out` into one readable line."""
    try:
        yield
    except OSError as exc:
        raise CliError(f"{out}: cannot write there ({exc.strerror or exc}); choose another --out") from None


def _gallery(args: argparse.Namespace) -> int:
    from layerviz.pages import gallery

    stored = None
    if args.from_baselines is not None:
        if args.images or args.size != WORKING_SIZE or args.seed != DEFAULT_SUITE_SEED:
            raise CliError("--from-baselines shows the baselines as made; it takes no --images, --size or --seed")
        stored = gallery.from_baselines(args.from_baselines, args.weights, args.backend, args.section, args.colorspace)
    elif args.size < MIN_SIDE:
        raise CliError(f"--size {args.size} is too small; give at least {MIN_SIDE}")
    elif args.weights == "as-is":
        raise CliError("--weights as-is shows a baseline tree's checks of trained weights; give --from-baselines")
    cases = catalogue.select(args.section, args.colorspace) if stored is None else ()
    photos = _photos(args)
    trees = [args.from_baselines] if args.from_baselines is not None else []
    claimed = outputs.claim(args.out, "--out", trees=trees)  # before any rendering
    result = stored or gallery.from_keras(cases, photos, args.size, args.seed, args.weights, args.numerics)
    with _writing(args.out):
        gallery.write(result, args.out)
        claimed.seal()
    print(args.out / "index.html")
    return 0


def _list(args: argparse.Namespace) -> int:
    from layerviz.cli import tables

    cases = catalogue.select(args.section, args.colorspace)
    if args.options:
        print(tables.options_markdown(), end="")
        return 0
    if args.markdown or args.divergences:
        evidence = [(path.stem, _read_evidence(path)) for path in args.evidence]
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
    photos = _photos(args)
    with _writing(args.out):
        args.out.parent.mkdir(parents=True, exist_ok=True)  # fail before any rendering
    numerics.pin(args.numerics)
    from layerviz.pipeline import subject
    from layerviz.pipeline.render import Rendering, encode_png
    from layerviz.store.files import write_atomic

    # As the gallery renders it (uint8 cases shown in levels, a case Keras refuses recorded).
    rendering, _ = subject.outcome(
        subject.of(case), case.id, case.colorspace, photos, None, "keras", case.id, args.seed
    )
    if not isinstance(rendering, Rendering):
        raise CliError(f"{case.id} raises here, so there is no picture: {rendering.type}: {rendering.message}")
    with _writing(args.out):
        write_atomic(args.out, encode_png(rendering.pixels))
    print(args.out)
    return 0


def _model(args: argparse.Namespace) -> int:
    from layerviz.pages import model_sheet
    from layerviz.pipeline.subject import SubjectError

    photos = _photos(args)
    numerics.pin(args.numerics)
    try:
        loaded = model_sheet.load(args.spec)
        rendering = model_sheet.render_model(loaded, args.colorspace, photos, args.size)
    except (model_sheet.ModelSpecError, SubjectError) as error:
        raise CliError(str(error)) from None
    claimed = outputs.claim(args.out, "--out")  # one call renders it all: a bad model leaves the last sheet
    with _writing(args.out):
        index = model_sheet.write(loaded, rendering, photos or PhotoSet.bundled(), args.out)
        claimed.seal()
    print(index)
    return 0


def _diff(args: argparse.Namespace) -> int:

    claimed = outputs.claim(args.out, "--out", trees=[args.before, args.after])
    with _writing(args.out):
        result = tree_diff.write_tree_diff(
            args.before,
            args.after,
            args.out,
            title=f"layerviz diff: {args.before} -> {args.after}",
            labels={"before": str(args.before), "after": str(args.after), "diff": "difference"},
            facts={str(tree): manifest.describe_tree(tree) or "no manifest" for tree in (args.before, args.after)},
        )
        claimed.seal()
    _print_changes(result)
    return 1 if result.entries else 0


def _print_changes(result: tree_diff.TreeDiff) -> None:
    for entry in result.entries:
        print(f"{entry.status:10} {entry.case_id}")
        for problem in entry.problems:  # a model's: where its change starts
            if problem.startswith("first differing layer"):
                print(f"{'':10} {problem}")
    if result.entries:
        print("What changed:")
        for line in report.summary_lines(result.entries, result.note):
            print(f"  {line}")
    print(f"{result.compared} cases compared, {len(result.entries)} differ; report: {result.index}")


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


def _obtain(args: argparse.Namespace) -> int:
    from layerviz.upgrade import obtain

    chosen = obtain.select(args.section, args.keyword)
    if not chosen:
        raise CliError("no catalogue check matches --section / -k; `layerviz list` shows them")
    with _writing(args.out):
        counts = obtain.tree(chosen, args.out, args.numerics)
    print(f"{args.out}: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


def _source(args: argparse.Namespace) -> stacks.Source:
    return stacks.Source(args.index_url, tuple(args.find_links), args.no_index, args.offline)


def _stack(spec: str, args: argparse.Namespace) -> stacks.Stack:
    requirements = tuple(part for part in spec.replace(",", " ").split() if part)
    if not requirements:
        raise CliError('a stack needs at least one requirement, e.g. --from "keras==3.14.1"')
    return stacks.Stack((*requirements, *args.extra), args.backend, _source(args))


def _selection(args: argparse.Namespace) -> upgrades.Selection:
    keywords = tuple(getattr(args, "keyword", None) or getattr(args, "check", None) or ())
    if args.tests and (args.section or keywords):
        raise CliError("--tests renders your suite's checks; select among them with your own pytest options instead")
    if not args.tests:
        from layerviz.upgrade import obtain

        if not obtain.select(args.section, keywords):  # before any environment is made
            raise CliError("no catalogue check matches --section / -k; `layerviz list` shows them")
    return upgrades.Selection(tuple(args.section or ()), keywords, tuple(args.tests or ()), args.numerics)


def _upgrade(args: argparse.Namespace) -> int:
    before, after = _stack(args.before, args), _stack(args.after, args)
    selection = _selection(args)
    claimed = outputs.claim(args.out, "--out")
    result, sides = upgrades.upgrade(before, after, selection, args.out, args.cache)
    claimed.seal()
    made, failed = sum(side.made for side in sides), sum(bool(side.error) for side in sides)
    print(f"environments: {made} made, {len(sides) - made - failed} cached, {failed} failed")
    for side in sides:
        if side.error:
            print(f"layerviz: {side.error}", file=sys.stderr)
    if result is None:
        return 2
    for side in sides:
        for test, said in side.broken.items():  # its checks are missing from that side's tree
            print(f"broke with {side.stack.name}: {test}: {said}")
    _print_changes(result)
    return 1 if result.entries or any(side.broken for side in sides) else 0


def _bisect(args: argparse.Namespace) -> int:
    source = _source(args)
    known = stacks.releases(args.package, source, args.cache)
    for end in (args.good, args.bad):
        if end:
            stacks.require(args.package, end, known)
    if not known:
        raise CliError(f"no release of {args.package} found at the index or --find-links")
    good, bad = args.good or known[0], args.bad or known[-1]
    versions = [v for v in known if stacks.version_key(good) <= stacks.version_key(v) <= stacks.version_key(bad)]
    if len(versions) < 2:
        raise CliError(f"--good {good} and --bad {bad} leave fewer than two releases of {args.package} to search")
    selection = _selection(args)
    claimed = outputs.claim(args.out, "--out")
    print(f"bisecting {len(versions)} releases of {args.package}, {good} .. {bad}, on {args.backend}")
    found = upgrades.bisect(
        args.package,
        versions,
        lambda v: stacks.Stack((f"{args.package}=={v}", *args.extra), args.backend, source),
        selection,
        args.out,
        args.cache,
    )
    claimed.seal()
    if found is None:
        print(f"{args.package} {bad} renders as {good} does: nothing changed in between")
        return 0
    print(
        f"first changed in {args.package} {found.bad} ({found.good} renders as {good} does); "
        f"{len(found.tried)} releases rendered"
    )
    changes = found.changes
    if changes is not None:
        _print_changes(changes)
        if args.package == "keras" and not args.tests:
            print("Recorded divergences (layerviz/core/divergences.py, docs/baselines.md's table):")
            for group in sorted({entry.group for entry in changes.entries}):
                print(
                    *(f"  {line}" for line in upgrades.divergence_lines(group, args.backend, found.good, found.bad)),
                    sep="\n",
                )
    return 1


def _sweep(args: argparse.Namespace) -> int:
    from layerviz.upgrade import sweep

    def claim() -> outputs.Claim:  # a sweep resumes from its folder, or merges what CI jobs made
        return outputs.claim(args.out, "--out", keep=True, made_by_layerviz=sweep.made_by_sweep)

    if not args.merge:
        if bool(args.keras) == bool(args.stack):
            raise CliError("give the releases to sweep with --keras RANGE, or one with --stack VERSION (or --merge)")
        args.tests = None
        selection = _selection(args)
        source = _source(args)
        versions = sweep.releases_in("keras", args.keras or args.stack, source, args.minor, args.cache)
        claimed = claim()
        print(f"sweeping {len(versions)} releases of keras on {args.backend} into {args.out}")
        results = sweep.run(
            "keras", versions, args.extra, args.backend, source, selection, args.out, args.cache, args.jobs
        )
        if args.stack:  # a CI job of one release: it fails when that release could not be swept
            claimed.seal()
            return 1 if any(result.error for result in results if result.release in versions) else 0
    else:
        claimed = claim()
    data = sweep.matrix(args.out)
    with _writing(args.out):
        index = sweep.write(args.out, data)
        claimed.seal()
    found = sweep.evidence(data)
    if args.evidence:
        with _writing(args.evidence):
            files.write_atomic(args.evidence, (json.dumps(found, indent=1) + "\n").encode())
    if args.table:
        print(sweep.evidence_markdown(found), end="")
    varying = sum(row["varies"] for row in data["rows"])
    print(f"{len(data['rows'])} checks on {len(data['releases'])} releases: {varying} vary; matrix: {index}")
    return 0


COMMANDS = {
    "gallery": _gallery,
    "list": _list,
    "render": _render,
    "diff": _diff,
    "obtain": _obtain,
    "upgrade": _upgrade,
    "bisect": _bisect,
    "sweep": _sweep,
    "env": _env,
    "model": _model,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
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

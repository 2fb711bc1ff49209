"""The commands that render in environments of other releases: obtain, upgrade, bisect
and sweep (layerviz.upgrade)."""

from __future__ import annotations

import argparse
import json
import sys

from layerviz.cli.common import CliError, print_changes, writing
from layerviz.core.versions import between
from layerviz.store import files, outputs
from layerviz.upgrade import stacks
from layerviz.upgrade import two_stacks as upgrades
from layerviz.upgrade.packages import Package


def _obtain(args: argparse.Namespace) -> int:
    from layerviz.upgrade import obtain

    chosen = obtain.select(args.section, args.keyword)
    if not chosen:
        raise CliError("no catalogue check matches --section / -k; `layerviz list` shows them")
    with writing(args.out):
        counts = obtain.tree(chosen, args.out, args.numerics)
    print(f"{args.out}: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


def _source(args: argparse.Namespace) -> stacks.Source:
    return stacks.Source(args.index_url, tuple(args.find_links), args.no_index, args.offline)


def _stack(spec: str, args: argparse.Namespace) -> stacks.Stack:
    requirements = tuple(part for part in spec.replace(",", " ").split() if part)
    if not requirements:
        raise CliError('a stack needs at least one requirement, e.g. --from "keras==3.14.1"')
    return stacks.Stack((*requirements, *args.extra), args.backend or "tensorflow", _source(args))


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
    print_changes(result)
    return 1 if result.entries or any(side.broken for side in sides) else 0


def _bisect(args: argparse.Namespace) -> int:
    source = _source(args)
    package = Package.named(args.package)
    backend = _backend(package, args)
    known = package.releases(source, args.cache)
    for end in (args.good, args.bad):
        if end:
            stacks.require(package.name, end, known)
    if not known:
        raise CliError(f"no release of {package.name} found at the index or --find-links")
    good, bad = args.good or known[0], args.bad or known[-1]
    versions = between(known, good, bad)
    if len(versions) < 2:
        raise CliError(f"--good {good} and --bad {bad} leave fewer than two releases of {package.name} to search")
    selection = _selection(args)
    claimed = outputs.claim(args.out, "--out")
    print(f"bisecting {len(versions)} releases of {package.name}, {good} .. {bad}, on {backend}")
    found = upgrades.bisect(
        package.name,
        versions,
        lambda v: package.stack(v, tuple(args.extra), backend, source, args.cache),
        selection,
        args.out,
        args.cache,
    )
    claimed.seal()
    if found is None:
        print(f"{package.name} {bad} renders as {good} does: nothing changed in between")
        return 0
    print(
        f"first changed in {package.name} {found.bad} ({found.good} renders as {good} does); "
        f"{len(found.tried)} releases rendered"
    )
    changes = found.changes
    if changes is not None:
        print_changes(changes)
        if package.name in ("keras", backend) and not args.tests:
            print("Recorded divergences (layerviz/core/divergences.py, docs/baselines.md's table):")
            for group in sorted({entry.group for entry in changes.entries}):
                lines = upgrades.divergence_lines(group, backend, package.name, found.good, found.bad)
                print(*(f"  {line}" for line in lines), sep="\n")
    return 1


def _backend(package: Package, args: argparse.Namespace) -> str:
    """The Keras backend the stacks run on: a backend's own releases run on it."""
    if package.backend and args.backend not in (None, package.backend):
        raise CliError(
            f"{package.name} releases run Keras on {package.backend}: give --backend {package.backend} or leave it out"
        )
    return package.backend or args.backend or "tensorflow"


def _sweep(args: argparse.Namespace) -> int:
    from layerviz.upgrade import matrix, sweep

    def claim() -> outputs.Claim:  # a sweep resumes from its folder, or merges what CI jobs made
        return outputs.claim(args.out, "--out", keep=True, made_by_layerviz=sweep.made_by_sweep)

    if not args.merge:
        if bool(args.releases) == bool(args.stack):
            raise CliError("give the releases to sweep with --releases RANGE, or one with --stack VERSION (or --merge)")
        args.tests = None
        package = Package.named(args.package)
        backend = _backend(package, args)
        selection = _selection(args)
        source = _source(args)
        versions = package.span(args.releases or args.stack, source, args.cache, args.minor)
        claimed = claim()
        print(f"sweeping {len(versions)} releases of {package.name} on {backend} into {args.out}")
        results = sweep.run(package, versions, args.extra, backend, source, selection, args.out, args.cache, args.jobs)
        if args.stack:  # a CI job of one release: it fails when that release could not be swept
            claimed.seal()
            return 1 if any(result.error for result in results if result.release in versions) else 0
    else:
        claimed = claim()
    swept = matrix.of(args.out)
    with writing(args.out):
        index = matrix.write(args.out, swept)
        claimed.seal()
    found = matrix.evidence(swept)
    if args.evidence:
        with writing(args.evidence):
            files.write_atomic(args.evidence, (json.dumps(found, indent=1) + "\n").encode())
    if args.table:
        print(matrix.evidence_markdown(found), end="")
    print(f"{len(swept.rows)} checks on {len(swept.releases)} releases: {len(swept.varying)} vary; matrix: {index}")
    return 0


COMMANDS = {"obtain": _obtain, "upgrade": _upgrade, "bisect": _bisect, "sweep": _sweep}

"""Upgrade answers on this machine: render the same checks with two stacks side by side
(`upgrade`), or find the first release whose rendering changes (`bisect`).

No committed baseline takes part: both sides are rendered here, so whatever this
machine computes differently from the one that made the baselines cancels out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement

from layerviz.core import divergences
from layerviz.pages import tree_diff
from layerviz.store import manifest
from layerviz.upgrade import stacks
from layerviz.upgrade.stacks import Stack, StackError


@dataclass(frozen=True)
class Selection:
    """What to render: catalogue checks (sections, -k words), or a test suite's own."""

    sections: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()  # paths given to pytest, run with --layerviz-obtained
    numerics: str = "strict"


@dataclass
class Rendered:
    stack: Stack
    tree: Path
    made: bool = False  # whether its environment was made by this run
    error: str = ""  # why it has no tree: it cannot install, import or run
    versions: dict[str, str] = field(default_factory=dict)
    # A test suite's tests that broke with this stack (test id -> the error's first line):
    # their checks are missing from its tree, and the report must say why.
    broken: dict[str, str] = field(default_factory=dict)


def render(stack: Stack, tree: Path, selection: Selection, cache: Path | None = None) -> Rendered:
    """Render `selection` with `stack` into `tree`, in the stack's own environment; a
    stack that cannot install or run is returned with its reason, not raised (a cache
    folder that can hold no stack is: `stacks.CacheError`)."""
    try:
        python, made = stacks.ensure(stack, cache)
    except stacks.CacheError:  # no stack can be made there: the run stops, in one line
        raise
    except StackError as exc:
        return Rendered(stack, tree, error=str(exc))
    shutil.rmtree(tree, ignore_errors=True)  # nothing left from an earlier or interrupted run
    if selection.tests:
        command = [
            str(python),
            "-m",
            "pytest",
            *selection.tests,
            f"--layerviz-obtained={tree}",
            "-q",
            "-p",
            "no:cacheprovider",
        ]
        # Baselines of the suite's own stay untouched: each side compares with a scratch tree.
        scratch = tree.with_name(f"{tree.name}-baselines")
        shutil.rmtree(scratch, ignore_errors=True)
        # --regen-all: every check that renders passes, making its scratch baseline; a test
        # that still fails broke with this stack, and the junit report says how.
        command += [f"--layerviz-numerics={selection.numerics}", f"--layerviz-baselines={scratch}", "--regen-all"]
        command.append(f"--junitxml={_junit(tree)}")
        fine: tuple[int, ...] = (0, 1)  # 1: some tests broke; the tree holds what the others rendered
    else:
        command = [str(python), "-m", "layerviz", "obtain", "--out", str(tree), "--numerics", selection.numerics]
        command += [f"--section={s}" for s in selection.sections] + [f"-k={k}" for k in selection.keywords]
        fine = (0,)
    env = {
        **os.environ,
        "KERAS_BACKEND": stack.backend,
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
    }
    env.pop("CI", None)  # under CI a missing scratch baseline would fail instead of being made
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode not in fine or not tree.is_dir():
        return Rendered(stack, tree, made, f"{stack.name}: cannot run: {_reason(done)}")
    versions = manifest.tree_manifest(tree).get("versions") or _installed(python, stack)
    broken = _broken(_junit(tree)) if selection.tests else {}
    return Rendered(stack, tree, made, versions=versions, broken=broken)


def _junit(tree: Path) -> Path:
    return tree.with_name(f"{tree.name}-junit.xml")


def _broken(junit: Path) -> dict[str, str]:
    """The tests that failed in a run that regenerated its scratch tree (a check that
    renders passes there): test id -> the first line of what broke."""
    import xml.etree.ElementTree as ElementTree

    try:
        cases = ElementTree.parse(junit).getroot().iter("testcase")
    except (OSError, ElementTree.ParseError):
        return {}
    broken = {}
    for case in cases:
        problem = case.find("failure")
        problem = problem if problem is not None else case.find("error")
        if problem is not None:
            said = (problem.get("message") or problem.text or "failed").strip() or "failed"
            broken[f"{case.get('classname')}::{case.get('name')}"] = said.splitlines()[0][:300]
    return broken


def _reason(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error:" in line]
    return (errors or lines or [f"exit {done.returncode}"])[-1]


def _installed(python: Path, stack: Stack) -> dict[str, str]:
    """What the stack's environment has of its own packages, Keras and its backend (a
    test suite's tree has no manifest to say it)."""
    names = [Requirement(r).name for r in stack.requirements]  # a range's package too
    names += ["keras", *BACKEND_PACKAGES.get(stack.backend, ())]
    code = (
        "import importlib.metadata as m, json, sys\n"
        "found = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try: found[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(found))"
    )
    done = subprocess.run([str(python), "-c", code, *dict.fromkeys(names)], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else {}


BACKEND_PACKAGES = {"tensorflow": ("tensorflow", "tensorflow-cpu"), "jax": ("jax", "jaxlib"), "torch": ("torch",)}


def render_all(
    jobs: Sequence[tuple[Stack, Path]],
    selection: Selection,
    cache: Path | None = None,
    workers: int | None = None,
    done: Callable[[Rendered], None] = lambda _: None,
) -> list[Rendered]:
    """Render several stacks, in parallel up to the machine's cores (each a process), in
    the jobs' order; `done` hears of each as it ends (a sweep keeps it then, to resume)."""
    workers = max(1, min(len(jobs) or 1, workers or os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(render, stack, tree, selection, cache) for stack, tree in jobs]
        for future in as_completed(futures):
            done(future.result())
        return [future.result() for future in futures]


def check_releases(stacks_: Sequence[Stack], cache: Path | None = None) -> None:
    """Unknown versions are bad input (UnknownRelease); stacks already cached are not
    looked up, so they work offline."""
    root = cache or stacks.cache_root()
    for stack in stacks_:
        if not (root / stack.key() / "layerviz-stack.json").is_file():
            stacks.check_released(stack.requirements, stack.source, cache)


def stack_facts(*rendered: Rendered) -> dict[str, str]:
    """The report's header: each stack as it ran, and the numeric environment they shared."""
    facts = {}
    for side in rendered:
        installed = ", ".join(f"{name} {version}" for name, version in side.versions.items())
        facts[side.stack.name] = manifest.describe_tree(side.tree) or installed or "versions unknown"
        for test, said in side.broken.items():
            facts[f"broke with {side.stack.name}: {test}"] = said
    made = manifest.tree_manifest(rendered[0].tree).get("numerics")
    if made:
        from layerviz.core import numerics

        facts["numeric environment (both)"] = numerics.summary(made)
    return facts


def upgrade(
    before: Stack, after: Stack, selection: Selection, out: Path, cache: Path | None = None
) -> tuple[tree_diff.TreeDiff | None, list[Rendered]]:
    """Render `selection` with both stacks here and compare them; the report goes to
    `out/report`, the trees to `out/trees`. None when a stack could not render."""
    check_releases([before, after], cache)
    sides = render_all([(before, out / "trees" / "from"), (after, out / "trees" / "to")], selection, cache)
    if any(side.error for side in sides):
        return None, sides
    result = tree_diff.write_tree_diff(
        sides[0].tree,
        sides[1].tree,
        out / "report",
        title=f"layerviz upgrade: {before.name} -> {after.name} ({before.backend})",
        labels={"before": before.name, "after": after.name, "diff": "difference"},
        facts=stack_facts(*sides),
    )
    return result, sides


# --- bisect -------------------------------------------------------------------------


@dataclass
class Bisection:
    package: str
    good: str  # the last release that renders as the first one does
    bad: str  # the first that renders otherwise
    tried: list[str]
    changes: tree_diff.TreeDiff | None = None  # good against bad


def same(first: Path, second: Path, out: Path) -> tree_diff.TreeDiff:
    return tree_diff.write_tree_diff(first, second, out, title=f"{first} -> {second}", labels={}, facts={})


def bisect(
    package: str,
    versions: Sequence[str],
    make: Callable[[str], Stack],
    selection: Selection,
    out: Path,
    cache: Path | None = None,
    say: Callable[[str], None] = print,
) -> Bisection | None:
    """The first of `versions` (oldest first) whose rendering differs from the first
    one's, by binary search; None if the last renders as the first does. A release that
    cannot install or run is skipped over, as `git bisect skip` does."""

    def tree_of(version: str) -> Path | None:
        done = render(make(version), out / "trees" / version, selection, cache)
        say(f"  {package} {version}: {done.error or 'rendered'}")
        return None if done.error else done.tree

    known = list(versions)
    reference = tree_of(known[0])
    if reference is None:
        raise StackError(f"{package} {known[0]} (the good end) cannot render; choose another --good")
    tried = [known[0]]

    def differs(version: str) -> bool | None:
        tree = tree_of(version)
        tried.append(version)
        return None if tree is None else bool(same(reference, tree, out / "steps" / version).entries)

    low, high = 0, len(known) - 1
    last = differs(known[high])
    if last is None:
        raise StackError(f"{package} {known[high]} (the bad end) cannot render; choose another --bad")
    if not last:
        return None
    candidates = list(range(low + 1, high))
    while candidates:
        middle = candidates[len(candidates) // 2]
        verdict = differs(known[middle])
        if verdict is None:
            candidates.remove(middle)
            continue
        if verdict:
            high = middle
        else:
            low = middle
        candidates = [i for i in candidates if low < i < high]
    changes = same(out / "trees" / known[low], out / "trees" / known[high], out / "report")
    return Bisection(package, known[low], known[high], tried, changes)


def divergence_lines(config: str, backend: str, package: str, good: str, bad: str) -> list[str]:
    """What a change bisect dated between releases `good` and `bad` of `package` (keras,
    or the backend's own) means for the recorded divergences of `config` on `backend`
    (`divergences.KNOWN`), and the entry or row to write: the end of a recorded one, the
    start of one, or a new finding."""
    own = "keras" if package == "keras" else "backend"
    start, before = f"{own}_from", f"{own}_before"
    recorded = [k for k in divergences.KNOWN if (k.config, k.backend) == (config, backend)]
    ending = next((k for k in recorded if k.covers(package, good)), None)
    starting = next((k for k in recorded if k.covers(package, bad)), None)
    if ending is not None and ending is starting:
        return [
            f"{config} on {backend}: the divergence recorded for {_range(ending, package)} covers {package} {good} "
            f"and {bad}, which render differently: its range should end at {bad} ({before}={bad!r})"
        ]
    lines = []
    for known, at, edge in ((ending, good, before), (starting, bad, start)):
        if known is None:
            continue
        edge_at = known.range_of(package)[1 if edge == before else 0]
        verdict = "as recorded" if edge_at == bad else f"recorded with {edge}={edge_at!r}; the releases say {bad!r}"
        lines.append(
            f"{config} on {backend}: the divergence covering {package} {at} ({_range(known, package)}) "
            f"{'ends' if edge == before else 'starts'} at {bad}: {verdict}"
        )
    if not lines:
        lines.append(
            f"{config} on {backend}: no recorded divergence; if {backend} computes something else from {package} "
            f"{bad} on:"
        )
        if package == "keras":
            lines.append(
                f'    Divergence(config="{config}", backend="{backend}", keras_from="{bad}", keras_before=None,\n'
                f'               upstream="TODO: the Keras issue or pull request",\n'
                f'               what="TODO: what {backend} computes")'
            )
            lines.append(f"    | `{config}/*` | {backend} | always | ≥ {bad}, open | TODO | TODO |")
        else:
            lines.append(
                f'    Divergence(config="{config}", backend="{backend}", keras_from="3.0.0", keras_before=None,\n'
                f'               upstream="TODO: the {package} issue or pull request", what="TODO: what it computes",\n'
                f'               backend_from="{bad}")'
            )
            lines.append(f"    | `{config}/*` | {backend} | {backend} >= {bad} | ≥ 3.0.0, open | TODO | TODO |")
    return lines


def _range(known: divergences.Divergence, package: str) -> str:
    return known.versions if package == "keras" else known.backend_versions or f"every {package} release"

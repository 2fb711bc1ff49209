import itertools
import json
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from layerviz.catalogue import CONFIGS
from layerviz.core import divergences, versions
from layerviz.core.divergences import Divergence
from layerviz.core.names import BACKENDS
from layerviz.pages import findings

from running import ANY, on


def test_every_known_divergence_names_a_real_configuration_and_backend():
    configs = {config.id for config in CONFIGS}
    for known in divergences.KNOWN:
        assert known.config in configs and known.backend in BACKENDS
        assert known.upstream and known.what


def test_open_divergences_apply_to_every_later_version():
    known = Divergence("edge/x", "torch", "3.0.0", None, "upstream#1", "what")
    assert known.applies("edge/x", on("torch", "99.0.0"), ANY)
    assert divergences.find("edge/avgpool-p3-s2-same", on("torch", "3.15.1"), ANY) is not None
    assert divergences.find("edge/avgpool-p3-s2-same", on("tensorflow", "3.15.1"), ANY) is None
    assert divergences.find("edge/conv2d-transpose-k3-s2-same", on("torch", "3.15.1"), ANY) is None


def test_ranges_of_one_configuration_never_overlap():
    """At most one recorded behaviour applies to any Keras and backend release (each has its
    own set): tried at every edge either records, of both packages."""
    for known in divergences.KNOWN:
        for other in divergences.KNOWN:
            if other is known or (other.config, other.backend) != (known.config, known.backend):
                continue
            edges = {
                package: {v for d in (known, other) for v in d.range_of(package) if v} or {"99.0"}
                for package in ("keras", known.backend)
            }
            for keras_release, release in itertools.product(*edges.values()):
                running = on(known.backend, keras_release, release)
                assert not (known.applies(known.config, running, ANY) and other.applies(other.config, running, ANY))
    assert divergences.find("edge/avgpool-p3-s2-same", on("torch", "3.4.1"), ANY).keras_before == "3.5.0"
    assert divergences.find("edge/avgpool-p3-s2-same", on("torch", "3.5.0"), ANY).keras_before is None
    assert divergences.find("edge/conv2d-transpose-k4-s1-same", on("torch", "3.12.4"), ANY).keras_before == "3.13.0"
    assert divergences.find("edge/conv2d-transpose-k4-s1-same", on("torch", "3.13.0"), ANY).keras_before == "3.15.0"


SWEEPS = Path(__file__).resolve().parents[1] / "docs" / "sweeps"


def edges(evidence: dict) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per configuration, the releases where its rendering changes, and those where it
    starts or stops being skipped (a layer or option the release lacks)."""
    changes: dict[str, set[str]] = {}
    skips: dict[str, set[str]] = {}
    for row in evidence["varying"]:
        config = findings.describe(row["check"])[0]
        runs = [run for run in row["runs"] if run[2] != "failed"]
        for before, after in itertools.pairwise(runs):
            kind = skips if "skipped" in (before[2], after[2]) else changes
            kind.setdefault(config, set()).add(after[0])
    return changes, skips


@pytest.mark.parametrize("evidence", sorted(SWEEPS.glob("*.json")), ids=lambda path: path.stem)
def test_every_recorded_range_on_a_swept_backend_is_where_the_sweep_saw_a_change(evidence):
    """docs/sweeps/ holds `layerviz sweep --evidence` results, of Keras's releases or of a
    backend's: each recorded divergence of the swept backend that holds where the sweep ran
    (its numeric environment, and the release of the package it held fixed) must begin and
    end exactly where the swept releases change its rendering, and a change of a recorded
    configuration must be one of its recorded edges."""
    found = json.loads(evidence.read_text())
    package, backend = found["package"], found["backend"]
    rendered = [r for r in found["releases"] if not r["error"]]
    swept = [versions.version(r["release"]) for r in rendered]
    held = "keras" if package == backend else backend  # the other package, at one release
    fixed = {r["versions"][held] for r in rendered}
    assert len(fixed) == 1, f"{held} varied within the sweep of {package}: {sorted(fixed)}"
    (held_at,) = fixed
    changes, skips = edges(found)
    recorded: dict[str, set[str]] = {}
    anew: dict[str, set[str]] = {}  # where a release draws anew on every run, each release moves
    for known in divergences.KNOWN:
        if known.backend != backend or known.config not in found["configurations"]:
            continue
        if known.when is not None and not known.when.holds(found["numerics"]):
            continue  # it does not hold in the environment the sweep ran in
        if not known.covers(held, held_at):
            continue  # nor at the release the sweep held fixed
        inside = {v for v in known.range_of(package) if v and swept[0] < versions.version(v) <= swept[-1]}
        recorded.setdefault(known.config, set()).update(inside)
        if known.draws_anew:
            anew.setdefault(known.config, set()).update(
                r["release"] for r in rendered if known.covers(package, r["release"])
            )
    assert recorded, "the sweep's backend has no recorded divergence to check"
    for config, releases in recorded.items():
        seen = changes.get(config, set()) - anew.get(config, set())
        assert releases - skips.get(config, set()) == seen, (
            f"{config}: recorded edges {sorted(releases)} of {package}, the sweep saw {sorted(seen)}"
        )


def test_the_sweeps_page_is_generated_from_the_committed_evidence():
    from layerviz.upgrade import matrix

    page = (SWEEPS.parent / "sweeps.md").read_text()
    for path in sorted(SWEEPS.glob("*.json")):
        assert matrix.evidence_markdown(json.loads(path.read_text())) in page, (
            f"regenerate docs/sweeps.md from {path.name}"
        )


@pytest.mark.parametrize("package", ["jax", "tensorflow"])
def test_a_backends_lowest_supported_release_is_the_oldest_swept_one_every_check_holds_on(package):
    """pyproject.toml's lower bound of a swept backend states what was measured: on it and on
    every later swept release, each check renders as on the reference or has a recorded
    divergence; on the swept release before it, some check fails."""
    project = tomllib.loads((SWEEPS.parents[1] / "pyproject.toml").read_text())["project"]
    (requirement,) = map(Requirement, project["optional-dependencies"][package])
    found = json.loads((SWEEPS / f"{package}-releases.json").read_text())
    rendered = [r["release"] for r in found["releases"] if not r["error"]]
    (keras_release,) = {r["versions"]["keras"] for r in found["releases"] if not r["error"]}

    def holds(release: str) -> bool:
        running = on(found["backend"], keras_release, release)
        for row in found["varying"]:
            config = findings.describe(row["check"])[0]
            at = versions.version(release)
            (said,) = (
                said for first, last, said in row["runs"] if versions.version(first) <= at <= versions.version(last)
            )
            if said not in ("same", "skipped") and not divergences.find(config, running, found["numerics"]):
                return False
        return True

    supported = [release for release in rendered if requirement.specifier.contains(release, prereleases=True)]
    older = rendered[: rendered.index(supported[0])]
    assert all(holds(release) for release in supported)
    assert not older or not holds(older[-1]), f"{requirement}: it holds on {older[-1]} too"

import itertools
import json
from pathlib import Path

import pytest

from layerviz.catalogue import CONFIGS
from layerviz.cli import main, tables
from layerviz.core import divergences, versions
from layerviz.core.divergences import TENSORFLOW_OWN_CPU_KERNELS, Divergence
from layerviz.core.names import BACKENDS
from layerviz.pages import findings

# Numeric environments as `layerviz.core.numerics.record()` describes them.
CPU = {
    "device": "CPU Intel(R) Xeon(R) Processor",
    "backend": "tensorflow",
    "tensorflow": {"onednn": False, "tf32": False},
}
CPU_ONEDNN = {**CPU, "tensorflow": {"onednn": True, "tf32": False}}
GPU = {**CPU, "device": "GPU NVIDIA A100-SXM4-40GB"}
ANY = CPU


def test_every_known_divergence_names_a_real_configuration_and_backend():
    configs = {config.id for config in CONFIGS}
    for known in divergences.KNOWN:
        assert known.config in configs and known.backend in BACKENDS
        assert known.upstream and known.what


@pytest.mark.parametrize(
    ("version", "applies"),
    [("3.13.9", False), ("3.14.0", True), ("3.14.2.dev0", True), ("3.15.0", False), ("3.16.1", False)],
)
def test_version_ranges_are_half_open(version, applies):
    known = Divergence("edge/x", "torch", "3.14.0", "3.15.0", "upstream#1", "what")
    assert known.applies("edge/x", "torch", version, ANY) is applies
    assert not known.applies("edge/x", "jax", version, ANY)
    assert not known.applies("edge/y", "torch", version, ANY)


def test_open_divergences_apply_to_every_later_version():
    known = Divergence("edge/x", "torch", "3.0.0", None, "upstream#1", "what")
    assert known.applies("edge/x", "torch", "99.0.0", ANY)
    assert divergences.find("edge/avgpool-p3-s2-same", "torch", "3.15.1", ANY) is not None
    assert divergences.find("edge/avgpool-p3-s2-same", "tensorflow", "3.15.1", ANY) is None
    assert divergences.find("edge/conv2d-transpose-k3-s2-same", "torch", "3.15.1", ANY) is None


@pytest.mark.parametrize(("numerics", "applies"), [(CPU, True), (CPU_ONEDNN, False), (GPU, False), ({}, False)])
def test_a_divergence_of_tensorflows_own_cpu_kernels_holds_only_there(numerics, applies):
    """NCHW convolutions raise with TensorFlow's own CPU kernels; oneDNN and GPUs compute
    them, and there the shared baseline applies (an unknown environment: the shared one too)."""
    known = Divergence("edge/x", "tensorflow", "3.0.0", None, "upstream#1", "what", TENSORFLOW_OWN_CPU_KERNELS)
    assert known.applies("edge/x", "tensorflow", "3.15.1", numerics) is applies
    assert (divergences.find("channels-first/conv", "tensorflow", "3.15.1", numerics) is not None) is applies
    assert "oneDNN off" in str(divergences.find("channels-first/conv", "tensorflow", "3.15.1", CPU))


def test_ranges_of_one_configuration_never_overlap():
    """At most one recorded behaviour applies to any Keras version (each has its own set)."""
    for known in divergences.KNOWN:
        for other in divergences.KNOWN:
            if other is known or (other.config, other.backend) != (known.config, known.backend):
                continue
            for version in (known.keras_from, *([known.keras_before] if known.keras_before else [])):
                assert not (
                    known.applies(known.config, known.backend, version, ANY)
                    and other.applies(other.config, other.backend, version, ANY)
                )
    assert divergences.find("edge/avgpool-p3-s2-same", "torch", "3.4.1", ANY).keras_before == "3.5.0"
    assert divergences.find("edge/avgpool-p3-s2-same", "torch", "3.5.0", ANY).keras_before is None
    assert divergences.find("edge/conv2d-transpose-k4-s1-same", "torch", "3.12.4", ANY).keras_before == "3.13.0"
    assert divergences.find("edge/conv2d-transpose-k4-s1-same", "torch", "3.13.0", ANY).keras_before == "3.15.0"


MARKER = "<!-- generated: layerviz list --divergences --evidence docs/sweeps/*.json -->\n"


def test_the_documented_table_is_the_generated_one(capsys):
    """The documentation's table comes from divergences.py, each range beside the committed
    sweeps that cover it (`layerviz list --divergences --evidence docs/sweeps/*.json`)."""
    readme = (Path(__file__).resolve().parents[1] / "docs" / "baselines.md").read_text()
    start = readme.index(MARKER) + len(MARKER)
    assert main(["list", "--divergences", "--evidence", *map(str, sorted(SWEEPS.glob("*.json")))]) == 0
    documented = readme[start : readme.index("<!-- end -->", start)]
    assert documented == capsys.readouterr().out
    assert "| `edge/conv2d-transpose-k3-s2-same/*` | torch | always | ≥ 3.0.0, < 3.15.0 |" in documented
    assert documented.splitlines()[
        [r.startswith("| `edge/conv2d-transpose-k3-s2-same/*`") for r in documented.splitlines()].index(True)
    ].endswith(" torch |")
    rows = tables.divergences_markdown().splitlines()[2:]
    # Every divergence is in exactly one row: its configurations times its backends.
    cells = [row.split(" | ") for row in rows]
    assert sum(cell[0].count("`") // 2 * len(cell[1].split(", ")) for cell in cells) == len(divergences.KNOWN)
    assert "| `edge/avgpool-p3-s2-same/*` | torch | always | ≥ 3.5.0, open |" in rows[1]
    assert "| `channels-first/conv/*` | tensorflow | TensorFlow's own CPU kernels (oneDNN off, no GPU) |" in (
        tables.divergences_markdown()
    )


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
    """docs/sweeps/ holds `layerviz sweep --evidence` results: each recorded divergence of
    the swept backend (that holds in the numeric environment the sweep ran in) must begin and
    end exactly where the releases change its rendering, and a change of a recorded
    configuration must be one of its recorded edges."""
    found = json.loads(evidence.read_text())
    swept = [versions.version(r["release"]) for r in found["releases"] if not r["error"]]
    changes, skips = edges(found)
    recorded: dict[str, set[str]] = {}
    for known in divergences.KNOWN:
        if known.backend != found["backend"] or known.config not in found["configurations"]:
            continue
        if known.when is not None and not known.when.holds(found["numerics"]):
            continue  # it does not hold in the environment the sweep ran in
        inside = {
            v for v in (known.keras_from, known.keras_before) if v and swept[0] < versions.version(v) <= swept[-1]
        }
        recorded.setdefault(known.config, set()).update(inside)
    assert recorded, "the sweep's backend has no recorded divergence to check"
    for config, releases in recorded.items():
        seen = changes.get(config, set())
        assert releases - skips.get(config, set()) == seen, (
            f"{config}: recorded edges {sorted(releases)}, the sweep saw {sorted(seen)}"
        )


def test_the_sweeps_page_is_generated_from_the_committed_evidence():
    from layerviz.upgrade import matrix

    page = (SWEEPS.parent / "sweeps.md").read_text()
    for path in sorted(SWEEPS.glob("*.json")):
        assert matrix.evidence_markdown(json.loads(path.read_text())) in page, (
            f"regenerate docs/sweeps.md from {path.name}"
        )


def test_evidence_that_is_no_sweep_is_one_line(tmp_path, capsys):
    junk = tmp_path / "notes.json"
    junk.write_text('{"hello": 1}')
    assert main(["list", "--divergences", "--evidence", str(junk)]) == 2
    assert (
        capsys.readouterr().err
        == f"layerviz: error: {junk}: not a sweep's evidence; make one with `layerviz sweep --evidence FILE`\n"
    )

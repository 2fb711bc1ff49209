"""A set's manifest: what the committed ones record, how a tree's stacks are said, and a
damaged one said in one line while summaries carry on."""

import hashlib
import json
from pathlib import Path

import pytest

from layerviz.core.seeds import DEFAULT_SUITE_SEED
from layerviz.inputs.images import DEFAULT_PAIR, WORKING_SIZE, sample_path
from layerviz.store import baselines, manifest

from baseline_tree import one_line_error

COMMITTED = Path(__file__).resolve().parents[1] / "baselines"


@pytest.mark.parametrize("name", ["weightless", "fixed", "keras/tensorflow", "keras/jax", "keras/torch"])
def test_committed_manifests_match_the_inputs_the_suite_uses(name):
    if not (COMMITTED / name).is_dir():
        pytest.skip(f"no {name} set committed")
    record = manifest.read_manifest(COMMITTED / name)
    assert record is not None
    assert record["working_size"] == WORKING_SIZE
    assert record["suite_seed"] == DEFAULT_SUITE_SEED
    assert record["weights"] == {"weightless": "none", "fixed": "fixed"}.get(name, "keras")
    for input_name in DEFAULT_PAIR:
        expected = hashlib.sha256(sample_path(input_name).read_bytes()).hexdigest()
        assert record["inputs"][input_name]["sha256"] == expected
    for key in ("keras", "backend", "numpy", "pillow", "python"):
        assert record["versions"][key]
    if name.startswith("keras/"):
        assert record["versions"]["backend"] == name.split("/")[1]


def test_describe_tree_names_the_stack_of_each_set(tmp_path):
    root = tmp_path / "baselines"
    for name, stack in (("fixed", "tensorflow 2.21.0"), ("keras/jax", "jax 0.10.2")):
        backend, version = stack.split()
        (root / name).mkdir(parents=True)
        data = {"versions": {"keras": "3.15.1", "backend": backend, backend: version}}
        (root / name / baselines.MANIFEST).write_text(json.dumps(data))
    assert manifest.describe_tree(root) == "keras 3.15.1/tensorflow 2.21.0 (fixed); keras 3.15.1/jax 0.10.2 (keras/jax)"
    assert manifest.describe_tree(root / "keras" / "jax") == "keras 3.15.1/jax 0.10.2"
    assert manifest.describe_tree(tmp_path) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{", "unreadable (Expecting property name"),
        ("[]", "a JSON list, not an object"),
        ('{"weights": "fixed"}', "without the versions that made the set"),
        ('{"versions": {"backend": "jax", "keras": "3.15.1"}}', "without the keras and jax versions"),
        (
            '{"versions": {"backend": "jax", "keras": "3", "jax": "0"}, "working_size": "2"}',
            "damaged: its working_size",
        ),
    ],
)
def test_a_damaged_manifest_is_one_line_naming_it_and_summaries_carry_on(tmp_path, text, why):
    (tmp_path / "weightless").mkdir()
    (tmp_path / "weightless" / baselines.MANIFEST).write_text(text)
    said = one_line_error(manifest.read_manifest, tmp_path / "weightless")
    assert said.startswith(f"{tmp_path / 'weightless' / baselines.MANIFEST}: the set's manifest is {why}")
    assert said.endswith("; restore it from git, or regenerate the set (`pytest --regen-all` writes it again)")
    # The header of a run, the report and `layerviz diff` show a tree's provenance: they go on.
    assert manifest.describe_tree(tmp_path) == "unreadable MANIFEST.json (weightless)"
    assert manifest.numeric_differences(tmp_path, {}) == {("weightless",): [said]}
    assert not manifest.records_numerics(tmp_path / "weightless")

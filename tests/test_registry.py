"""The catalogue's one list (catalogue/registry.py, its names importable from
layerviz.catalogue): the post's configurations in every colour space, readable ids, the
sections in the post's order then beyond it, selection by name, the checks of each weight
mode, and the counts the README and the docs give."""

import re
from collections import Counter
from pathlib import Path

import pytest

from layerviz import catalogue
from layerviz.catalogue import CASES, CHECKS, CONFIGS, POST_SECTIONS, UnknownNameError, get_case, select

SEED = [config for config in CONFIGS if config.section in (*POST_SECTIONS, "edge")]


def test_every_seed_configuration_in_every_colour_space():
    # The seed post: 6 merging layers, 2 poolings, 4 dense activations plus the
    # flatten model, 9 one-layer and 4 two-layer convolutions, 7 transposes.
    assert Counter(c.section for c in SEED) == {
        "merging": 6,
        "pooling": 2,
        "dense": 4,
        "dense-flatten": 1,
        "conv2d": 9,
        "conv2d-two": 4,
        "conv2d-transpose": 7,
        "edge": 6,  # beyond the post: "same" padding, where backends diverge
    }
    assert len([case for case in CASES if case.section in POST_SECTIONS]) == 132
    for config in SEED:
        assert [c.colorspace for c in CASES if c.config is config] == ["luminance", "rgb", "hsv", "ycbcr"]


def test_ids_are_unique_readable_and_filesystem_safe():
    ids = [case.id for case in CASES]
    assert len(set(ids)) == len(ids)
    for case_id in ids:
        assert re.fullmatch(r"[a-z0-9-]+/[a-z0-9_-]+/(luminance|rgb|hsv|ycbcr)", case_id), case_id
    for expected in ("merging/maximum/ycbcr", "conv2d/k7-tanh/hsv", "conv2d-transpose/k2-s4-tanh/rgb"):
        assert get_case(expected).id == expected


def test_transpose_and_two_layer_configurations_match_the_post():
    transposes = {
        (s.options["kernel_size"], s.options["strides"], s.options["activation"])
        for c in CONFIGS
        if c.section == "conv2d-transpose"
        for s in c.steps
    }
    assert transposes == {
        (2, 2, "relu"),
        (2, 2, "sigmoid"),
        (2, 4, "tanh"),
        (4, 2, "relu"),
        (4, 2, "tanh"),
        (8, 2, "relu"),
        (8, 2, "tanh"),
    }
    stacks = {tuple(s.options["activation"] for s in c.steps) for c in CONFIGS if c.section == "conv2d-two"}
    assert stacks == {("relu", "relu"), ("relu", "tanh"), ("tanh", "relu"), ("tanh", "tanh")}


def test_only_seed_options_are_set_so_keras_defaults_stay_in_force():
    allowed = {"units", "activation", "filters", "kernel_size", "strides", "pool_size", "target_shape", "padding"}
    for config in SEED:
        for step in config.steps:
            assert set(step.options) <= allowed, (config.id, step)


def test_select_filters_and_rejects_unknown_names():
    pooling = select(sections=["pooling"])
    assert [c.id for c in pooling][:2] == ["pooling/max/luminance", "pooling/max/rgb"]
    assert len(pooling) == 8
    assert len(select(sections=POST_SECTIONS, colorspaces=["hsv"])) == 33
    with pytest.raises(UnknownNameError, match="unknown section 'poolin'"):
        select(sections=["poolin"])
    with pytest.raises(UnknownNameError, match="layerviz list"):
        get_case("merging/add/lab")


def test_sections_follow_the_post_order_then_go_beyond_it():
    assert catalogue.SECTIONS[:8] == (*POST_SECTIONS, "edge")
    assert catalogue.SECTIONS[8:] == (
        "activations",
        "initializers",
        "convolutions",
        "pooling-strides",
        "resampling",
        "normalization",
        "preprocessing",
        "augmentation",
        "channels-first",
        "odd-sizes",
        "integer-inputs",
        "mixed-precision",
        "low-precision",
        "input-kinds",
    )


def test_every_section_has_a_title_and_notes_name_real_colour_spaces():
    assert set(catalogue.SECTION_TITLES) == set(catalogue.SECTIONS)
    for config in CONFIGS:
        assert set(config.notes) <= {"all", "luminance", "rgb", "hsv", "ycbcr"}, config.id
    # The post comments every merging and pooling picture, in every colour space.
    for case in select(sections=["merging", "pooling"]):
        assert case.note, case.id
    assert (
        get_case("merging/maximum/ycbcr").note == "Max for YCbCr likewise biases toward purple (red and blue) pixels."
    )


def test_checks_cover_the_weight_modes_a_configuration_has():
    ids = [check.id for check in CHECKS]
    assert len(ids) == len(set(ids))
    assert "merging/add/rgb" in ids and "keras/merging/add/rgb" not in ids
    assert {"keras/conv2d/k3-relu/rgb", "fixed/conv2d/k3-relu/rgb"} <= set(ids)
    seed_weighted = [case for case in CASES if case.config in SEED and case.config.has_weights]
    seed_checks = [check for check in CHECKS if check.case.config in SEED]
    assert len(seed_checks) == len([c for c in CASES if c.config in SEED]) + len(seed_weighted)
    assert not get_case("edge/avgpool-p3-s2-same/rgb").config.has_weights
    # The atlas: fixed weights only where keras ones show nothing new; random layers once,
    # in keras mode (their own generator, per backend).
    assert "fixed/activations/conv-elu/rgb" in ids and "keras/activations/conv-elu/rgb" not in ids
    assert {"keras/convolutions/depthwise/rgb", "fixed/convolutions/depthwise/rgb"} <= set(ids)
    assert "keras/augmentation/flip/rgb" in ids and "fixed/augmentation/flip/rgb" not in ids


def test_the_readmes_counts_are_the_catalogues():
    """The front door's numbers are the catalogue's (it said 168 atlas cases when there were 180)."""
    text = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    said = re.search(
        r"\*\*(\d+) cases\*\*, plus (\d+) edge cases .* \*\*atlas beyond the post\*\* \((\d+) cases:", text
    )
    assert said, "the README no longer says how many cases the post, the edge cases and the atlas have"
    post = sum(case.section in POST_SECTIONS for case in CASES)
    edge = sum(case.section == "edge" for case in CASES)
    assert tuple(map(int, said.groups())) == (post, edge, len(CASES) - post - edge)


def test_every_count_of_visual_checks_in_the_docs_is_the_catalogues():
    """Outside transcripts (fenced blocks: the verbatim output of a dated run), a number of
    visual checks is the catalogue's; dated figures live in benchmarks/README.md."""
    root = Path(__file__).resolve().parents[1]
    found = []
    for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        prose = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
        found += [(page.name, int(n.replace(",", ""))) for n in re.findall(r"(\d[\d,]*)\s+visual checks", prose)]
    assert ("README.md", len(CHECKS)) in found  # the front door says how many there are
    assert all(count == len(CHECKS) for _, count in found), found

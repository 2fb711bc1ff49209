"""Upgrade answers on one machine, offline (upgrade/two_stacks.py): two releases of lvbump,
a small package whose Keras layer changes in 1.1 (tests/wheels.py), installed from local
wheels with uv into environments layered on this one; `layerviz upgrade` and `bisect` must
find exactly that change, a second `upgrade` must make no environment, and a change bisect
dates is read against the recorded divergences."""

from __future__ import annotations

import html5lib
import pytest

from layerviz.cli import main
from layerviz.pipeline.render import decode_png
from layerviz.upgrade import stacks

from wheels import PACKAGE, offline


@pytest.mark.slow  # each side starts an interpreter and imports Keras
def test_upgrade_finds_exactly_the_change_and_a_second_run_makes_nothing(wheels, suite, tmp_path, capsys):
    cache, out = tmp_path / "cache", tmp_path / "out"
    command = [
        "upgrade",
        "--from",
        f"{PACKAGE}==1.0",
        "--to",
        f"{PACKAGE}==1.1",
        "--tests",
        str(suite),
        "--out",
        str(out),
    ]
    assert main([*command, *offline(wheels, cache)]) == 1
    said = capsys.readouterr().out
    assert "environments: 2 made, 0 cached, 0 failed" in said
    changed = sorted(line.split()[1] for line in said.splitlines() if line.startswith("changed"))
    assert len(changed) == 2 and "test_brighten" in changed[0] and "test_model" in changed[1], said
    assert "4 cases compared, 3 differ" in said  # and test_darken: only in the second tree
    # Why a check is only in one tree: its test broke with the other stack.
    assert f"broke with {PACKAGE}==1.0: test_bump::test_darken: AttributeError" in said, said
    page = (out / "report" / "index.html").read_text()
    html5lib.HTMLParser(strict=True).parse(page)
    assert f"{PACKAGE}==1.0" in page and f"{PACKAGE}==1.1" in page  # the header names both stacks
    assert "first differing layer: `brighten` (Brighten), output (32, 32, 3)" in page
    assert "the layer before it matches" in page
    # Both sides' pictures of that layer, from the trees the two stacks obtained.
    for side in ("before", "after"):
        assert f"test_model/rgb: the first differing layer, {side}" in page
    pictures = sorted((out / "report" / "cases").rglob("*.png"))
    layers = [p for p in pictures if p.name == "layer-before.png"]
    assert len(layers) == 1, pictures
    before = layers[0]
    for picture in (before, before.with_name("layer-after.png")):  # its 3 channels, 2 to a row
        assert decode_png(picture.read_bytes())[0].shape == (2 * 33 - 1, 2 * 33 - 1)

    environments = sorted(path.name for path in cache.iterdir())
    assert main([*command, *offline(wheels, cache)]) == 1
    assert "environments: 0 made, 2 cached, 0 failed" in capsys.readouterr().out
    assert sorted(path.name for path in cache.iterdir()) == environments
    # The suite's own folder gained no baselines.
    assert not (suite / "baselines").exists()

    # Offline, with no index and no wheels: the releases are the cached stacks', and bisect
    # runs on them without installing anything.
    command = ["bisect", "--package", PACKAGE, "--tests", str(suite), "--out", str(tmp_path / "bisect")]
    assert main([*command, "--offline", "--cache", str(cache)]) == 1
    said = capsys.readouterr().out
    assert f"bisecting 2 releases of {PACKAGE}, 1.0 .. 1.1" in said and f"first changed in {PACKAGE} 1.1" in said
    assert sorted(path.name for path in cache.iterdir()) == environments


@pytest.mark.slow
def test_upgrade_between_equal_releases_exits_0(wheels, suite, tmp_path, capsys):
    command = [
        "upgrade",
        "--from",
        f"{PACKAGE}==1.1",
        "--to",
        f"{PACKAGE}==1.2",
        "--tests",
        str(suite),
        "--out",
        str(tmp_path / "out"),
    ]
    assert main([*command, *offline(wheels, tmp_path / "cache")]) == 0
    assert "4 cases compared, 0 differ" in capsys.readouterr().out


@pytest.mark.slow
def test_bisect_dates_the_change_to_the_release_that_made_it(wheels, suite, tmp_path, capsys):
    command = ["bisect", "--package", PACKAGE, "--tests", str(suite), "--out", str(tmp_path / "out")]
    assert main([*command, *offline(wheels, tmp_path / "cache")]) == 1
    said = capsys.readouterr().out
    assert f"first changed in {PACKAGE} 1.1 (1.0 renders as 1.0 does)" in said, said
    assert "test_brighten" in said and "test_steady" not in said
    assert "first differing layer: `brighten` (Brighten), output (32, 32, 3)" in said, said


def test_a_stack_that_cannot_install_says_why(wheels, tmp_path):
    from layerviz.upgrade.two_stacks import Selection, render

    stack = stacks.Stack(
        (f"{PACKAGE}==1.0", "nosuchpackage==1.0"),
        source=stacks.Source(find_links=(str(wheels),), no_index=True, offline=True),
    )
    done = render(stack, tmp_path / "tree", Selection(), tmp_path / "cache")
    assert (
        done.error.startswith(f"{PACKAGE}==1.0 nosuchpackage==1.0: cannot install: ")
        and "nosuchpackage" in done.error[40:]
    )
    assert not (tmp_path / "tree").exists()


def test_bisect_says_what_a_dated_change_means_for_the_recorded_divergences(monkeypatch):
    from layerviz.core import divergences
    from layerviz.upgrade.two_stacks import divergence_lines

    known = (
        divergences.Divergence("edge/x", "torch", "3.0.0", "3.2.0", "keras#1", "shifted"),
        divergences.Divergence("edge/x", "torch", "3.2.0", None, "keras#2", "darker"),
    )
    monkeypatch.setattr(divergences, "KNOWN", known)
    assert divergence_lines("edge/x", "torch", "keras", "3.1.0", "3.2.0") == [
        "edge/x on torch: the divergence covering keras 3.1.0 (>= 3.0.0, < 3.2.0) ends at 3.2.0: as recorded",
        "edge/x on torch: the divergence covering keras 3.2.0 (>= 3.2.0) starts at 3.2.0: as recorded",
    ]
    # A range that the releases contradict: both ends inside one recorded divergence.
    (line,) = divergence_lines("edge/x", "torch", "keras", "3.0.4", "3.0.5")
    assert line.endswith(
        "covers keras 3.0.4 and 3.0.5, which render differently: its range should end at 3.0.5 (keras_before='3.0.5')"
    )
    new = divergence_lines("edge/y", "torch", "keras", "3.4.0", "3.5.0")
    assert new[0] == "edge/y on torch: no recorded divergence; if torch computes something else from keras 3.5.0 on:"
    assert 'keras_from="3.5.0", keras_before=None' in new[1] and new[2].strip().startswith("| `edge/y/*` | torch |")


def test_a_backend_bisection_reads_the_backends_own_ranges(monkeypatch):
    """A change bisect dated between two jax releases: the divergence's jax range, not its Keras one."""
    from layerviz.core import divergences
    from layerviz.upgrade.two_stacks import divergence_lines

    known = (divergences.Divergence("edge/x", "jax", "3.0.0", None, "jax#1", "older draws", backend_before="0.5.0"),)
    monkeypatch.setattr(divergences, "KNOWN", known)
    assert divergence_lines("edge/x", "jax", "jax", "0.4.38", "0.5.0") == [
        "edge/x on jax: the divergence covering jax 0.4.38 (jax < 0.5.0) ends at 0.5.0: as recorded"
    ]
    assert divergence_lines("edge/x", "jax", "jax", "0.4.37", "0.4.38")[0].endswith(
        "its range should end at 0.4.38 (backend_before='0.4.38')"
    )
    new = divergence_lines("edge/y", "jax", "jax", "0.6.2", "0.7.0")
    assert new[0] == "edge/y on jax: no recorded divergence; if jax computes something else from jax 0.7.0 on:"
    assert 'backend_from="0.7.0"' in new[1] and "| jax >= 0.7.0 |" in new[2]

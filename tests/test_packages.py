"""What one release of a swept package installs, read from local wheels offline: Keras
alone, jax with the jaxlib it runs on, TensorFlow as its CPU wheel on Linux x86-64."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import sys

import pytest

from layerviz.cli import main
from layerviz.upgrade import stacks
from layerviz.upgrade.packages import Package

from wheels import build_wheel

# jax's releases and jaxlib's as the index has them: 0.4.37 and 0.5.2 came without a jaxlib.
JAX = ("0.4.36", "0.4.37", "0.4.38", "0.5.0", "0.5.1", "0.5.2")
JAXLIB = ("0.4.36", "0.4.38", "0.5.0", "0.5.1")


@pytest.fixture
def listed(tmp_path) -> stacks.Source:
    """A folder of wheel names (all a release listing reads)."""
    for name, releases in (("jax", JAX), ("jaxlib", JAXLIB), ("keras", ("3.14.0", "3.15.1"))):
        for release in releases:
            (tmp_path / f"{name}-{release}-py3-none-any.whl").write_bytes(b"")
    return stacks.Source(find_links=(str(tmp_path),), no_index=True)


def test_a_jax_release_runs_on_the_newest_jaxlib_not_after_it(listed):
    jax = Package.named("JAX")
    assert jax.backend == "jax"
    assert jax.requirements("0.4.38", listed) == ("jax==0.4.38", "jaxlib==0.4.38")
    assert jax.requirements("0.4.37", listed) == ("jax==0.4.37", "jaxlib==0.4.36")
    assert jax.requirements("0.5.2", listed) == ("jax==0.5.2", "jaxlib==0.5.1")
    with pytest.raises(stacks.StackError, match="no jaxlib release at or before jax 0.4.30"):
        jax.requirements("0.4.30", listed)


def test_keras_and_any_other_package_install_the_release_alone(listed):
    keras = Package.named("Keras")
    assert keras.backend is None and keras.requirements("3.15.1", listed) == ("keras==3.15.1",)
    assert Package.named("lv_bump").requirements("1.1", listed) == ("lv-bump==1.1",)  # names are normalised


def test_tensorflow_releases_are_its_cpu_wheels_where_there_are_some():
    tensorflow = Package.named("tensorflow")
    cpu = sys.platform == "linux" and platform.machine() == "x86_64"
    assert tensorflow.backend == "tensorflow"
    assert tensorflow.distribution == ("tensorflow-cpu" if cpu else "tensorflow")
    assert tensorflow.requirements("2.16.2", stacks.Source()) == (f"{tensorflow.distribution}==2.16.2",)


def test_a_span_is_its_releases_or_each_minors_newest(listed):
    jax = Package.named("jax")
    assert jax.span("0.4.37..0.5.1", listed) == ["0.4.37", "0.4.38", "0.5.0", "0.5.1"]
    assert jax.span("0.4.36..0.5.2", listed, minor=True) == ["0.4.38", "0.5.2"]
    assert jax.span("0.5.0", listed) == ["0.5.0"]
    with pytest.raises(stacks.UnknownRelease, match=r"jax 0.6.0 is not a release; closest: 0.5.2"):
        jax.span("0.5.0..0.6.0", listed)


def test_a_backend_sweep_runs_on_that_backend_and_a_mismatch_is_one_line(listed, tmp_path, capsys):
    command = ["sweep", "--package", "jax", "--releases", "0.5.0", "--backend", "torch", "--no-index"]
    assert main([*command, "--find-links", listed.find_links[0], "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        "layerviz: error: jax releases run Keras on jax: give --backend jax or leave it out\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # the stack's interpreter starts
def test_a_backend_bisection_installs_jax_with_its_jaxlib_and_dependencies_under_the_running_keras(tmp_path, capsys):
    """Both ends of `bisect --package jax` are made from local wheels: each release with the
    jaxlib it runs on, the Keras that runs here, and what they depend on. These stand-ins are
    no jax Keras can run, so the good end cannot render, which the bisection says in one
    line: what it installed is in the stack."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    stand_in = {"__init__.py": "raise ImportError('a stand-in')\n"}
    for name, release in (("jax", "0.5.0"), ("jax", "0.5.2"), ("jaxlib", "0.5.0"), ("jaxlib", "0.5.1")):
        files = {f"{name}/{path}": text for path, text in stand_in.items()}
        build_wheel(wheels, name, release, files, requires=("lvdep",) if name == "jax" else ())
    running = importlib.metadata.version("keras")
    build_wheel(wheels, "keras", running, {"keras/__init__.py": "raise ImportError('a stand-in')\n"})
    build_wheel(wheels, "lvdep", "1.0", {"lvdep/__init__.py": ""})
    cache = tmp_path / "cache"
    command = ["bisect", "merging/add", "--package", "jax", "--good", "0.5.0", "--bad", "0.5.2"]
    offline = ["--find-links", str(wheels), "--no-index", "--offline", "--cache", str(cache)]
    assert main([*command, *offline, "--out", str(tmp_path / "out")]) == 2
    said = capsys.readouterr()
    assert said.out.startswith("bisecting 2 releases of jax, 0.5.0 .. 0.5.2, on jax\n")
    assert said.err == "layerviz: error: jax 0.5.0 (the good end) cannot render; choose another --good\n"
    (record,) = cache.glob("*/layerviz-stack.json")  # the bad end waits for the good one
    assert json.loads(record.read_text())["requirements"] == ["jax==0.5.0", "jaxlib==0.5.0", f"keras=={running}"]
    installed = {path.name.split("-")[0] for path in record.parent.glob("lib/*/site-packages/*.dist-info")}
    assert installed == {"jax", "jaxlib", "keras", "lvdep"}  # jax's dependency came too
    assert "stand-in" in said.out  # why it could not render, as the stack said it


def test_a_sweep_folder_holds_one_packages_releases(tmp_path, capsys):
    from sweep_stacks import stack

    stack(tmp_path, "3.15.1")
    other = tmp_path / "stacks" / "jax-0.5.0"
    other.mkdir(parents=True)
    result = {"release": "0.5.0", "requirements": ["jax==0.5.0"], "backend": "jax", "package": "jax"}
    (other / "result.json").write_text(json.dumps(result))
    assert main(["sweep", "--merge", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"layerviz: error: {tmp_path}: holds sweeps of jax and keras; a matrix compares one package's releases: "
        "give each its own --out\n"
    )


def test_offline_jax_releases_come_from_the_stacks_already_made(tmp_path):
    """A stack's record pins jaxlib too: offline, its releases are listed from there."""
    cache = tmp_path / "cache"
    record = cache / "0123456789abcdef" / "layerviz-stack.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"requirements": ["jax==0.5.2", "jaxlib==0.5.1"]}))
    offline = stacks.Source(offline=True)
    assert Package.named("jax").requirements("0.5.2", offline, cache) == ("jax==0.5.2", "jaxlib==0.5.1")
    assert Package.named("jax").releases(offline, cache) == ["0.5.2"]

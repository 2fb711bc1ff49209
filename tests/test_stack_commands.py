"""The commands that render with other releases (cli/stack_commands.py): an unknown release,
a requirement that is not one and stacks that cannot install are each said before or
instead of rendering, in one line or in the count of environments."""

from __future__ import annotations

import shutil

import pytest

from layerviz.cli import main

from wheels import PACKAGE, offline


def test_an_unknown_release_is_one_line_naming_the_closest(wheels, suite, tmp_path, capsys):
    command = ["upgrade", "--from", f"{PACKAGE}==1.0", "--to", f"{PACKAGE}==1.15", "--tests", str(suite)]
    assert main([*command, "--out", str(tmp_path / "out"), *offline(wheels, tmp_path / "cache")]) == 2
    assert capsys.readouterr().err == f"layerviz: error: {PACKAGE} 1.15 is not a release; closest: 1.2\n"
    assert not (tmp_path / "cache").exists()  # nothing was made
    assert main(["bisect", "--package", PACKAGE, "--good", "0.9", *offline(wheels, tmp_path / "cache")]) == 2
    assert capsys.readouterr().err == f"layerviz: error: {PACKAGE} 0.9 is not a release; closest: 1.0\n"


def test_stacks_that_cannot_install_are_counted_as_failed_not_cached(wheels, tmp_path, capsys):
    broken = shutil.copytree(wheels, tmp_path / "wheels")
    (broken / "brokenwheel-1.0-py3-none-any.whl").write_bytes(b"")  # listed, but nothing to install
    command = ["upgrade", "--from", f"{PACKAGE}==1.0", "--to", f"{PACKAGE}==1.1", "--with", "brokenwheel==1.0"]
    assert main([*command, "--out", str(tmp_path / "out"), *offline(broken, tmp_path / "cache")]) == 2
    assert "environments: 0 made, 0 cached, 2 failed" in capsys.readouterr().out


@pytest.mark.parametrize("given", ["-e /etc", "--index-url=http://evil.example/simple", "keras==3.15.1; rm -rf /"])
def test_a_requirement_that_is_not_one_is_refused_before_uv_sees_it(wheels, tmp_path, capsys, given):
    command = ["upgrade", "--from", f"{PACKAGE}==1.0", "--to", f"{PACKAGE}==1.1", f"--with={given}"]
    assert main([*command, "--out", str(tmp_path / "out"), *offline(wheels, tmp_path / "cache")]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"layerviz: error: {given!r} is not a requirement (PEP 508); give e.g. keras==3.15.1 or 'dm-tree>=0.1'\n"
    )
    assert not (tmp_path / "cache").exists() and not (tmp_path / "out").exists()

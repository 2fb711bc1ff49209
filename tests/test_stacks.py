"""Stacks (upgrade/stacks.py): the releases a wheels folder lists, an environment keyed by
its pins and source, an index that cannot be reached said in one line; and the cache of
environments: a folder that cannot hold them is one line for the whole run (upgrade,
bisect, sweep), and a cached stack is used without writing anything."""

from __future__ import annotations

import os

import pytest

from layerviz.cli import main
from layerviz.upgrade import stacks

from wheels import PACKAGE, offline


@pytest.fixture
def empty_wheels(tmp_path):
    """A --find-links folder listing two releases (their names are all a release list reads;
    nothing is installed before the cache is refused)."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    for version in ("1.0", "1.1"):
        (folder / f"lvbump-{version}-py3-none-any.whl").write_bytes(b"")
    return folder


@pytest.mark.parametrize(
    "command",
    [
        ["upgrade", "--from", "lvbump==1.0", "--to", "lvbump==1.1"],
        ["bisect", "--package", "lvbump", "--good", "1.0", "--bad", "1.1"],
    ],
)
def test_a_cache_that_is_a_file_is_one_line(empty_wheels, tmp_path, capsys, command):
    cache = tmp_path / "cache"
    cache.write_text("not a folder")
    assert main([*command, "--out", str(tmp_path / "out"), *offline(empty_wheels, cache)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"layerviz: error: {cache}: cannot keep environments there (a file, not a folder); give a writable folder "
        "with --cache (or $LAYERVIZ_CACHE)\n"
    )
    assert cache.read_text() == "not a folder"


def test_a_cache_inside_a_file_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("")
    cache = tmp_path / "afile" / "stacks"
    with pytest.raises(stacks.CacheError, match=r"afile/stacks: cannot keep environments there \(Not a directory\)"):
        stacks.ensure(stacks.Stack(("lvbump==1.0",)), cache)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions stop no write of root's")
def test_a_read_only_cache_is_one_line(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o500)
    try:
        with pytest.raises(stacks.CacheError, match=r"cannot keep environments there \(Permission denied\)"):
            stacks.ensure(stacks.Stack(("lvbump==1.0",)), cache)
    finally:
        cache.chmod(0o700)


def test_a_cached_stack_is_used_without_writing_to_the_cache(tmp_path):
    """So a read-only cache (a CI cache restored read-only, say) serves what it holds."""
    stack = stacks.Stack(("lvbump==1.0",))
    folder = tmp_path / stack.key()
    folder.mkdir()
    (folder / "layerviz-stack.json").write_text('{"requirements": ["lvbump==1.0"]}\n')
    assert stacks.ensure(stack, tmp_path) == (stacks.python_of(folder), False)
    assert sorted(path.name for path in tmp_path.iterdir()) == [stack.key()]  # no lock file made


def test_an_index_that_cannot_be_reached_is_one_line(tmp_path, capsys):
    # Nothing listens on port 9 of this machine.
    command = [
        "upgrade",
        "--from",
        "keras==3.14.0",
        "--to",
        "keras==3.15.0",
        "--index-url",
        "http://127.0.0.1:9/simple",
    ]
    assert main([*command, "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("layerviz: error: cannot reach the package index http://127.0.0.1:9/simple (")
        and err.count("\n") == 1
    )
    assert "cached stacks work with --offline" in err


def test_releases_come_from_the_wheels_folder_oldest_first(wheels):
    source = stacks.Source(find_links=(str(wheels),), no_index=True)
    assert stacks.releases(PACKAGE, source) == ["1.0", "1.1", "1.2"]
    assert stacks.releases("LVBump", source) == ["1.0", "1.1", "1.2"]  # names are normalised
    assert stacks.closest("1.15", ["1.0", "1.1", "1.2"]) == ["1.2"]
    assert stacks.closest("1.0.5", ["1.0", "1.1", "1.2"]) == ["1.0", "1.1"]


def test_a_stacks_environment_is_keyed_by_its_pins_and_source(wheels):
    local = stacks.Source(find_links=(str(wheels),), no_index=True)
    first = stacks.Stack(("keras==3.14.0",), source=local)
    assert first.key() == stacks.Stack(("keras==3.14.0",), "torch", local).key()  # the backend is chosen at run time
    assert first.key() != stacks.Stack(("keras==3.15.0",), source=local).key()
    assert first.key() == stacks.Stack(("keras==3.14.0",)).key()  # a pinned release is the same from any index
    assert stacks.Stack(("keras>=3.14",), source=local).key() != stacks.Stack(("keras>=3.14",)).key()
    assert stacks.Stack(("a==1", "b==2")).key() == stacks.Stack(("b==2", "a==1")).key()
    # With its dependencies, what a pinned release installs depends on where from, and is another environment.
    resolved = stacks.Stack(("keras==3.14.0",), source=local, dependencies=True)
    assert resolved.key() not in (first.key(), stacks.Stack(("keras==3.14.0",), dependencies=True).key())

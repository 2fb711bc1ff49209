"""Files layerviz writes whole or not at all, with the mode open() would give them."""

import subprocess
import sys

import pytest

from layerviz.store import files


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "rgb.png"
    target.write_bytes(b"old")

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        files.write_atomic(target, b"new and longer")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["rgb.png"]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_written_files_get_the_mode_the_umask_gives_as_open_would(tmp_path, umask, mode):
    """Not mkstemp's 0600: a gallery served from a web folder must be readable."""
    code = (
        "import os, sys; os.umask(int(sys.argv[1], 8)); from pathlib import Path; "
        "from layerviz.store import files; files.write_atomic(Path(sys.argv[2]), b'x'); "
        "open(sys.argv[3], 'w').close()"
    )
    ours, opened = tmp_path / "ours" / "index.html", tmp_path / "opened"
    subprocess.run([sys.executable, "-c", code, oct(umask), str(ours), str(opened)], check=True)
    assert ours.stat().st_mode & 0o777 == opened.stat().st_mode & 0o777 == mode


def test_removing_takes_the_files_and_the_folders_they_leave_empty(tmp_path):
    kept, gone, emptied = (
        tmp_path / "fixed" / "a" / "kept.png",
        tmp_path / "fixed" / "a" / "gone.png",
        tmp_path / "fixed" / "b" / "c" / "only.png",
    )
    for path in (kept, gone, emptied):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"png")
    files.remove(tmp_path, [gone, emptied])
    assert kept.is_file() and not gone.exists()
    assert not (tmp_path / "fixed" / "b").exists()  # emptied all the way up
    files.remove(tmp_path, [kept])
    assert tmp_path.is_dir() and not any(tmp_path.iterdir())  # up to the tree's root, which stays

"""Unused baselines from plain inputs (the checks a run compared, the backend it ran on):
the session deletes them; here nothing is."""

from pathlib import Path

from layerviz.plugin import unused


def write(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"x")


def test_the_files_no_compared_check_used_in_the_sets_this_backend_owns(tmp_path):
    write(
        tmp_path,
        "weightless/MANIFEST.json",
        "weightless/merging/add/rgb.png",
        "weightless/merging/add/rgb.stats.json",
        "weightless/merging/maximum/rgb.png",  # no check compared it
        "keras/torch/conv2d/k3-relu/rgb.png",  # another backend's: this run cannot judge it
        "keras/jax/conv2d/k3-relu/rgb.png",  # this backend's, not compared
        "mine/photos/cat/rgb.png",  # a set no check of this run named
    )
    found = unused.files(tmp_path, {"weightless/merging/add/rgb"}, "jax")
    assert [path.relative_to(tmp_path).as_posix() for path in found] == [
        "keras/jax/conv2d/k3-relu/rgb.png",
        "weightless/merging/maximum/rgb.png",
    ]
    assert (tmp_path / "weightless/merging/maximum/rgb.png").is_file()  # judged, not deleted

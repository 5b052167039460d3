"""Atomic writes, and the destinations they refuse."""

from __future__ import annotations

import os
import re
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from micrograd.files import (
    OutputError,
    check_output,
    check_output_folder,
    make_output_folder,
    write_atomically,
)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_missing_folder_names_the_file_asked_for_not_the_temporary_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "missing" / "m.json"
    with pytest.raises(OutputError) as caught:
        write_atomically(path, "{}")
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: the folder {path.parent} does not exist")
    assert ".tmp" not in str(caught.value)
    assert not path.parent.exists()  # never created


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A folder with a short path: a socket's path must fit in ~100 bytes."""
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        yield Path(folder)


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_folder(path: Path) -> None:
    path.mkdir()
    (path / "inside").write_text("kept")


def make_socket(path: Path) -> None:
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.close()  # the socket file stays


SPECIAL: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (make_fifo, "is a FIFO (named pipe), not a regular file"),
    "folder": (make_folder, "is a folder, not a regular file"),
    "socket": (make_socket, "is a socket, not a regular file"),
}


@pytest.mark.parametrize("kind", list(SPECIAL))
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_alone(
    short_tmp: Path, kind: str
) -> None:
    make, message = SPECIAL[kind]
    path = short_tmp / kind
    make(path)
    before = path.lstat()
    for write in (lambda: write_atomically(path, "new"), lambda: check_output(path)):
        with pytest.raises(OutputError, match=re.escape(message)) as caught:
            write()
        assert str(caught.value).startswith(f"{path}: ") and "\n" not in str(caught.value)
        after = path.lstat()
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert leftovers(short_tmp) == []


def test_a_device_is_refused_before_anything_is_written() -> None:
    # Only checked, never written: a bug here must not replace /dev/null.
    with pytest.raises(OutputError, match="/dev/null: is a character device"):
        check_output("/dev/null")


def test_a_symbolic_link_is_written_through_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "runs" / "latest.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "model.json"
    link.symlink_to(real)
    write_atomically(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert leftovers(tmp_path) == leftovers(real.parent) == []


def test_a_link_to_a_fifo_is_refused(short_tmp: Path) -> None:
    os.mkfifo(short_tmp / "pipe")
    (short_tmp / "link").symlink_to(short_tmp / "pipe")
    with pytest.raises(OutputError, match="FIFO"):
        write_atomically(short_tmp / "link", "new")
    assert (short_tmp / "link").is_symlink()


def test_a_dangling_link_creates_the_file_it_names(tmp_path: Path) -> None:
    link = tmp_path / "model.json"
    link.symlink_to(tmp_path / "target.json")
    write_atomically(link, "new")
    assert (tmp_path / "target.json").read_text() == "new" and link.is_symlink()


def test_ctrl_c_while_writing_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.json"
    path.write_text("old")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, "new")
    assert path.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_an_unwritable_folder_is_refused_with_the_path_given(tmp_path: Path) -> None:
    # /proc takes no new files, even for root.
    with pytest.raises(OutputError, match="/proc/m.json: cannot write in the folder /proc"):
        check_output("/proc/m.json")
    with pytest.raises(OutputError, match="/proc/m.json: cannot write"):
        write_atomically("/proc/m.json", "x")


def test_check_output_leaves_nothing_behind(tmp_path: Path) -> None:
    check_output(tmp_path / "m.json")
    check_output_folder(tmp_path / "run")
    check_output_folder(tmp_path)
    assert os.listdir(tmp_path) == []


def test_an_output_folder_is_made_but_never_its_parents(tmp_path: Path) -> None:
    make_output_folder(tmp_path / "run")
    assert (tmp_path / "run").is_dir()
    make_output_folder(tmp_path / "run")  # already there: fine
    with pytest.raises(OutputError, match=r"missing/run: the folder .*missing does not exist"):
        make_output_folder(tmp_path / "missing" / "run")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputError, match="a-file: is a file, not a folder"):
        check_output_folder(tmp_path / "a-file")
    assert not (tmp_path / "missing").exists()

"""Writing files so that a crash never leaves one half-written.

`write_atomically(path, data)` writes to a temporary file beside the target,
flushes it to disk, and renames it over the target: a reader sees the old
file or the new one, never a part of either. The rules, the same for every
file the package writes:

- **Only regular files are written.** A target that exists and is anything
  else (a folder, a device such as /dev/null, a FIFO, a socket) is refused
  with an `OutputError` and left as it was: renaming over it would replace it.
- **A symbolic link is written through.** The file it points to is replaced
  and the link is kept, as an editor saving through a link does.
- **Folders are never created here.** The target's folder must exist; an
  output that is a whole folder (`make_output_folder`) is created if missing,
  but its parent must exist, so a mistyped path fails instead of growing a
  tree of folders.
- **Nothing is left behind on an error that can be caught**: a failed write,
  Ctrl-C (KeyboardInterrupt), or a SIGTERM that the command line turns into
  an exception all remove the temporary file. A process killed outright
  (`kill -9`, a power cut) while it writes can leave a hidden temporary file
  `.NAME.PID.HEX.tmp` beside the target, never a half-written target; such a
  file is safe to delete.

`check_output(path)` and `check_output_folder(path)` apply the same rules
before any work starts, so a command can refuse a bad destination at once
rather than after minutes of training.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat

from micrograd.messages import SHOWN, shorten


class OutputError(OSError):
    """A destination that cannot be written: not a regular file, in a folder
    that is missing or not writable. `path` is the path as given."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{_shown(path)}: {reason}")
        self.path = path
        self.reason = reason

__all__ = [
    "OutputError",
    "check_output",
    "check_output_folder",
    "make_output_folder",
    "write_atomically",
]


def write_atomically(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write `data` (text as UTF-8) to `path` atomically, following the rules
    of this module: raises OutputError for a destination it refuses, and
    OSError (naming `path`, never the temporary file) if writing fails."""
    given = os.fspath(path)
    target = _regular_target(given)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, temporary = _create_temporary(given, target)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        if isinstance(error, OSError) and error.filename is not None:
            # Name the file asked for, not the temporary one nobody knows of.
            raise OSError(error.errno, error.strerror, given) from None
        raise
    _fsync_folder(os.path.dirname(target))


def check_output(path: str | os.PathLike[str]) -> None:
    """Raise OutputError unless `write_atomically(path, ...)` can write there
    now: the target is a regular file or missing, and its folder exists and
    takes new files (tried by creating and removing an empty temporary file)."""
    given = os.fspath(path)
    _try_folder(given, _regular_target(given))


def check_output_folder(path: str | os.PathLike[str]) -> None:
    """Raise OutputError unless `path` is a folder that takes new files, or
    can be made by `make_output_folder` (its parent folder exists)."""
    given = os.fspath(path)
    if os.path.isdir(given):
        _try_folder(given, os.path.join(given, "_"))
    elif os.path.lexists(given):
        raise OutputError(given, f"is {_kind(given)}, not a folder")
    else:
        _try_folder(given, os.path.abspath(given))


def make_output_folder(path: str | os.PathLike[str]) -> None:
    """Make the folder `path` if it is missing; its parent must exist."""
    check_output_folder(path)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path)


def _regular_target(path: str) -> str:
    """The file that writing `path` replaces: `path` itself, or where its
    symbolic links lead. OutputError if it exists and is not a regular file."""
    target = os.path.realpath(path)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError as error:  # a looping link, a file where a folder belongs, ...
        raise OutputError(path, error.strerror or str(error)) from None
    if not stat.S_ISREG(mode):
        raise OutputError(path, f"is {_kind(target)}, not a regular file; it is left as it is")
    return target


def _create_temporary(given: str, target: str) -> tuple[int, str]:
    """A new empty file beside `target`, open for writing, and its name."""
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        if os.path.exists(folder):
            raise OutputError(given, f"{_shown(folder)} is {_kind(folder)}, not a folder")
        raise OutputError(
            given, f"the folder {_shown(folder)} does not exist (it is not created)"
        )
    temporary = os.path.join(
        folder, f".{os.path.basename(target)}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    )
    # Created like any new file (mode 0o666 less the umask), unlike mkstemp's 0o600.
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise OutputError(
            given, f"cannot write in the folder {_shown(folder)}: {error.strerror}"
        ) from None
    return fd, temporary


def _try_folder(given: str, target: str) -> None:
    """Check that a file beside `target` can be made, by making and removing one."""
    fd, temporary = _create_temporary(given, target)
    os.close(fd)
    os.remove(temporary)


def _kind(path: str) -> str:
    """What the thing at `path` is, for a message: 'a folder', 'a FIFO', ..."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "a broken link"
    kinds = [
        (stat.S_ISREG, "a file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _shown(path: str) -> str:
    """A path as a message quotes it: whole, unless it is absurdly long."""
    return shorten(path, 4 * SHOWN)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable, where the system allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)

"""Writing an output file (`export -o`, `export wacz -o`, `report -o`) so that a failure leaves nothing
behind: the bytes go to a temporary file beside the target, which replaces the target in one rename only
once it is whole. A target that exists and is not a regular file (a device such as /dev/full, a FIFO, a
directory) is refused rather than replaced, and a missing directory is not created: both are mistakes in the
command line, said in one line."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


class OutputError(ValueError):
    """An output file that cannot be written; the message is one line."""


def check_target(path: str | os.PathLike) -> Path:
    """The file to write for `path` (a symlink to a regular file: the file it names), or OutputError."""
    target = Path(path)
    try:
        mode = os.stat(target).st_mode  # follows a symlink: write through it, as `>` would
    except FileNotFoundError:
        if target.is_symlink():
            raise OutputError(f"{target} is a dangling symbolic link: not writing through it") from None
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(f"{target} exists and is not a regular file: give a file to write")
    target = target.resolve() if mode is not None else target
    if not target.parent.is_dir():
        raise OutputError(f"no directory {target.parent} to write {target.name} in: create it first")
    return target


@contextmanager
def atomic_output(path: str | os.PathLike, mode: str = "w", **open_args) -> Iterator[IO]:
    """An open file whose contents become `path` when the block ends without an exception; otherwise
    `path` is untouched and the temporary file is gone. A full disk or a missing permission is an
    OutputError (one line)."""
    target = check_target(path)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write in {target.parent}: {exc.strerror}") from None
    try:
        os.fchmod(fd, _mode_for(target))
        with os.fdopen(fd, mode, **open_args) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename in (None, temporary) and exc.errno in _WRITE_ERRORS:
            raise OutputError(f"cannot write {target}: {exc.strerror}; nothing was written") from None
        raise


_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EACCES, errno.EPERM}


def _mode_for(target: Path) -> int:
    """The permissions the file would have got from open(): the old file's, else 0o666 less the umask
    (mkstemp makes it 0o600)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask

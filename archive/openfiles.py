"""WARC files still `.open`: whether anyone is writing them (recovering those a killed crawl left: archive/recovery.py).

A writer holds an `flock` on its `.open` file from the moment it creates it until it has renamed it to its
final name (archive/warc.py, WarcFileWriter). The kernel drops that lock with the writer's last descriptor
of the file, however the writer ends: SIGKILLed and not yet reaped by its parent (a zombie, whose pid still
answers `kill(pid, 0)`), or a machine rebooted (where the pid in the file name may belong to anyone now).
So the lock, never the pid in the name, says whether a file is being written.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

OPEN_SUFFIX = ".open"


def create_locked(path: Path):
    """Create `path` for writing and take the writer's lock on it. A recoverer may lock the new, still empty
    file in the moment before we do, take it for a killed crawl's and remove it: then it is created again."""
    while True:
        fh = open(path, "xb", buffering=0)  # unbuffered: the writer hands whole exchanges to the kernel
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # waits only while a recoverer looks at the empty file
            if _same_file(path, fh.fileno()):
                return fh
        except BaseException:
            fh.close()
            raise
        fh.close()


def _same_file(path: Path, fd: int) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def claim(path: Path) -> int | None:
    """A descriptor of `path` holding its lock, or None while a writer holds it (or the file is gone, or was
    renamed meanwhile)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    if not _same_file(path, fd):  # closed (renamed) or recovered by someone else meanwhile
        os.close(fd)
        return None
    return fd


def being_written(path: str | os.PathLike) -> bool:
    """Whether a live writer holds `path` (a `.open` WARC file), on this host or, on a shared filesystem
    with working flock, another. A file that is gone is not being written."""
    path = Path(path)
    fd = claim(path)
    if fd is not None:
        os.close(fd)
        return False
    return path.exists()

"""Crawls and reindex exclude each other: one lock file per index, `DATA/locks/index.db.lock`.

Every crawl holds it shared (`fcntl.flock` LOCK_SH) for its whole run, so crawls of different sites run side
by side; `reindex` holds it exclusive (LOCK_EX) from before it reads the first WARC file until the rebuilt
index has been renamed over the old one. Without it, a crawl that started during a rebuild wrote its rows and
its `crawls` row into the old index, and the rename threw them away. Neither side waits: a reindex can take
many minutes and a crawl many hours, so the one that comes second stops at once with a line saying who holds
the index (exit status 75, EX_TEMPFAIL, as for a busy site), and cron or the scheduler tries again later.

The kernel lets go of a flock when its holder exits, however it exits: no stale lock to clean up after a
crash. The name carries the index file's name, `index.db.lock`: no site lock (`DATA/locks/<site>.lock`,
crawler/scheduling/locks.py; site names have no dots) can be the same file.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

BUSY_EXIT = 75  # EX_TEMPFAIL: try again later


class IndexBusy(RuntimeError):
    """A reindex holds the index while a crawl wants it, or the other way round."""

    def __init__(self, message: str, path: Path):
        self.path = path
        super().__init__(message)


def lock_path(db_path: str | os.PathLike) -> Path:
    db_path = Path(db_path)
    return db_path.parent / "locks" / f"{db_path.name}.lock"


class IndexLock:
    def __init__(self, fd: int, path: Path):
        self.fd, self.path = fd, path

    def release(self) -> None:
        if self.fd >= 0:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            finally:
                os.close(self.fd)
                self.fd = -1


def acquire(db_path: str | os.PathLike, exclusive: bool, owner: str) -> IndexLock:
    """Take the index lock without waiting; raises IndexBusy naming the holder."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        written = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "holder unknown"
        holders = _holders(fd)
        os.close(fd)
        if not exclusive:
            message = f"a reindex is rebuilding the index ({written}; lock {path}): crawl when it has finished"
        elif any(kind == "WRITE" for kind, _ in holders) or (not holders and _exclusive_holder(path)):
            message = f"another reindex is running ({written}; lock {path}): wait until it has finished"
        else:
            crawls = ", ".join(name for _, name in holders) or "holder unknown"
            message = f"a crawl is running ({crawls}; it holds {path}): reindex when it has finished"
        raise IndexBusy(message, path) from None
    if exclusive:  # alone: say who holds it, for the message a crawl gives
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} {owner}, since {stamp}\n".encode(), 0)
    return IndexLock(fd, path)


@contextmanager
def held(db_path: str | os.PathLike, exclusive: bool, owner: str) -> Iterator[IndexLock]:
    lock = acquire(db_path, exclusive, owner)
    try:
        yield lock
    finally:
        lock.release()


def reindex_holder(db_path: str | os.PathLike) -> str | None:
    """Who rebuilds the index now (the exclusive holder's line), or None: for a scheduler that would wait."""
    path = lock_path(db_path)
    return _exclusive_holder(path) if path.exists() else None


def _exclusive_holder(path: Path) -> str | None:
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "holder unknown"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _holders(fd: int) -> list[tuple[str, str]]:
    """(READ or WRITE, who) for each process holding the file locked. Crawls write nothing into the file
    (several hold it at once), so they are found in /proc/locks (Linux; elsewhere nobody is named)."""
    try:
        inode = os.fstat(fd).st_ino
        with open("/proc/locks") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    found: dict[str, str] = {}  # pid -> READ / WRITE
    for line in lines:
        parts = line.split()  # "1: FLOCK  ADVISORY  READ  12345 08:01:1234 0 EOF"; waiters have "->" first
        if len(parts) > 5 and parts[1] == "FLOCK" and parts[5].rsplit(":", 1)[-1] == str(inode):
            found.setdefault(parts[4], parts[3])
    holders = []
    for pid, kind in found.items():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = [a.decode("utf-8", "replace") for a in fh.read().split(b"\0") if a]
        except OSError:
            argv = []
        words = [os.path.basename(a) if "/" in a and i < 2 else " ".join(a.split()) for i, a in enumerate(argv)]
        command = " ".join(words[:7])
        holders.append((kind, f"pid {pid}" + (f" {command}" if command else "")))
    return holders

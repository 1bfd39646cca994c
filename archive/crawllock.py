"""Whether a crawl is still running: a lock each crawl holds for its whole run, `DATA/locks/crawls/<id>.lock`.

Catch-up (archive/catchup.py) marks a crawl whose row says `running` as `interrupted`, and parses what it left
unparsed, only when nobody holds that crawl's lock: the kernel drops an `flock` when its holder dies, however it
dies (SIGKILL, a zombie not yet reaped, a reboot), and the lock is held from before the crawl's row exists until
the run ends. A crawl's `.open` WARC file says less: there is none before its first record is written, nor
between one file's close and the next one's open, and a live crawl taken for dead would be parsed twice.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

_held: dict[Path, int] = {}  # lock file -> descriptor, for the crawls this process runs


def lock_path(data_dir: str | os.PathLike, crawl_id: str) -> Path:
    return Path(data_dir) / "locks" / "crawls" / f"{crawl_id}.lock"


def hold(data_dir: str | os.PathLike, crawl_id: str) -> None:
    """Hold `crawl_id`'s lock until `release` or the end of the process. Taken again by the same process (the
    CLI, then the crawl's index pipeline), it is the same lock."""
    path = lock_path(data_dir, crawl_id)
    if path in _held:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a crawl id is new: nobody else holds it
    except BaseException:
        os.close(fd)
        raise
    _held[path] = fd


def release(data_dir: str | os.PathLike, crawl_id: str) -> None:
    """Let go of the lock and remove its file (one a run would pile up otherwise)."""
    fd = _held.pop(lock_path(data_dir, crawl_id), None)
    if fd is not None:
        lock_path(data_dir, crawl_id).unlink(missing_ok=True)
        os.close(fd)


def alive(data_dir: str | os.PathLike, crawl_id: str) -> bool:
    """Whether some process holds `crawl_id`'s lock now."""
    try:
        fd = os.open(lock_path(data_dir, crawl_id), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)

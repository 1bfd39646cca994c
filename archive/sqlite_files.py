"""Opening the project's SQLite files (index, digest index, schedules) safely from several processes."""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an advisory lock on a file of its own: opening and closing the database file itself would drop
    SQLite's POSIX locks."""
    with open(lock_path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def open_wal(path: Path, setup: Callable[[sqlite3.Connection], None] | None = None, timeout: float = 60,
             page_size: int | None = None, **connect_args) -> sqlite3.Connection:
    """Connect in autocommit mode, switch to WAL and run `setup` (CREATE TABLE ...) one process at a time.

    Two crawls starting together (a scheduler firing both sites) would otherwise race: switching a fresh file
    to WAL fails with "database is locked" without waiting on SQLite's busy timeout.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=timeout, **connect_args)
    with exclusive(Path(f"{path}.lock")):
        if page_size and conn.execute("PRAGMA page_count").fetchone()[0] == 0:
            conn.execute(f"PRAGMA page_size={int(page_size)}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        if setup:
            setup(conn)
    return conn

"""Opening the project's SQLite files (index, digest index, schedules) safely from several processes."""

from __future__ import annotations

import fcntl
import os
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


class DatabaseUnreadable(Exception):
    """A project database that cannot be opened or read (damaged, not SQLite, read-only); the message is one
    line naming the file and what to do."""


def open_read_only(path: Path, remedy: str, **connect_args) -> sqlite3.Connection:
    """A read-only connection whose schema has been read, so a foreign, damaged or unreadable file fails
    here, with a sentence naming it and `remedy`, rather than in some later query."""
    uri = Path(path).absolute().as_uri()
    conn, failure = _schema_read(f"{uri}?mode=ro", connect_args)
    if conn is not None:
        return conn
    wal = Path(f"{path}-wal")
    if "unable to open" in str(failure) and not os.access(Path(path).parent, os.W_OK) and \
            not (wal.exists() and wal.stat().st_size):
        # A WAL-mode database on a read-only disk (or in a directory of another user's): SQLite cannot create
        # the -shm file its usual reading needs. With no write-ahead log to replay the file is the database,
        # and nothing can be writing it: it is read as immutable.
        conn, failure = _schema_read(f"{uri}?immutable=1", connect_args)
        if conn is not None:
            return conn
    raise unreadable(Path(path), failure, remedy)


def _schema_read(uri: str, connect_args: dict) -> tuple[sqlite3.Connection | None, sqlite3.DatabaseError | None]:
    conn = sqlite3.connect(uri, uri=True, **connect_args)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn, None
    except sqlite3.DatabaseError as exc:
        conn.close()
        return None, exc


def unreadable(path: Path, exc: BaseException, remedy: str) -> DatabaseUnreadable:
    text = str(exc)
    if "readonly" in text or "unable to open" in text or isinstance(exc, PermissionError):
        why = "cannot be opened for writing" if "readonly" in text else "cannot be opened"
        return DatabaseUnreadable(f"{path} {why} ({text}): check that the file and its directory are writable "
                                  "by this user and on a writable disk")
    return DatabaseUnreadable(f"{path} is damaged or not an SQLite database ({text}); {remedy}")

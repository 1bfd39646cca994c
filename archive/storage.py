"""Telling a failure of the storage itself (a full disk, an I/O error) from an error in one record or row.

A bad row can be skipped and the crawl goes on; a full disk fails every write that follows, so the writers
stop at the first one and the crawl with them (crawler/core/halt.py). Both writers use this one rule: the WARC
writer (OSError from the file) and the index writer (SQLite's result codes).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3

DISK_FULL = "disk_full"
STORAGE_ERROR = "storage_error"

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
# SQLite primary result codes that say the file or the disk under it failed, not the statement.
_SQLITE_FULL = 13
_SQLITE_STORAGE = {8, 10, 11, 14, 26}  # READONLY, IOERR, CORRUPT, CANTOPEN, NOTADB


def storage_problem(exc: BaseException) -> str | None:
    """DISK_FULL, STORAGE_ERROR, or None when `exc` is not about the storage."""
    if isinstance(exc, OSError) and not isinstance(exc, (ConnectionError, TimeoutError)):
        return DISK_FULL if exc.errno in _FULL_ERRNOS else STORAGE_ERROR
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:  # an error raised by hand, as in tests: only SQLite's wording is left
            return DISK_FULL if "database or disk is full" in str(exc) else None
        code &= 0xFF  # extended codes (SQLITE_IOERR_WRITE, ...) carry the primary one in their low byte
        if code == _SQLITE_FULL:
            return DISK_FULL
        return STORAGE_ERROR if code in _SQLITE_STORAGE else None
    return None


def free_bytes(path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None

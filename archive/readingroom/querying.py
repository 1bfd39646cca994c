"""Running the archive's functions (which take a sqlite3.Connection) on a Datasette database's read connection,
in Datasette's thread pool, with rows as sqlite3.Row as the archive expects."""

from __future__ import annotations

import sqlite3


async def run(db, fn, *args, **kwargs):
    """`fn(conn, *args, **kwargs)` on `db`'s read connection; the connection's row factory is put back after."""
    def call(conn: sqlite3.Connection):
        before = conn.row_factory
        conn.row_factory = sqlite3.Row
        try:
            return fn(conn, *args, **kwargs)
        finally:
            conn.row_factory = before
    return await db.execute_fn(call)

"""Read-only lookups a crawl makes in the index while the index is being written: the articles a site already
has, the site's previous crawl, the crawl ids present, and a URL's last full capture.

Each lookup opens a `mode=ro` connection of its own rather than an `Index`, because a crawl asks before the index
may exist (a first crawl) or before a table exists in it (an index from an older version), and must then go on as
if nothing were held; `Index(readonly=True)` refuses a missing file and reads the schema up front. A read-only
connection never contends for the write lock a crawl's index writer holds; the busy timeout covers the moments
another process holds the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

Entry = TypeVar("Entry")


def _read_only(db_path: Path, timeout: float, any_thread: bool = False) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=timeout, check_same_thread=not any_thread)


def articles_held(db_path: Path, site: str, entry: Callable[[str | None, str | None], Entry]) -> dict[str, Entry]:
    """URL -> `entry(fetched_at, access)` for every article of `site` the index holds, keyed by both its fetched
    and its canonical URL (one entry for the two). Empty when there is no index yet, or it has no articles table.

    `entry` builds the caller's record row by row, so the rows are read in one pass and never held as a list.
    """
    if not db_path.exists():
        return {}
    conn = _read_only(db_path, timeout=60)
    try:
        rows = conn.execute("SELECT url, canonical_url, fetched_at, access FROM articles WHERE site = ?", [site])
        held = {}
        for url, canonical, fetched_at, access in rows:
            held[url] = held[canonical] = entry(fetched_at, access)
        return held
    except sqlite3.OperationalError:  # an index from before this table existed: nothing held
        return {}
    finally:
        conn.close()


def previous_crawl(db_path: Path, site: str, current_crawl: str | None) -> tuple[str, str] | None:
    """(id, status) of the most recently started crawl, other than `current_crawl`, whose sites include `site`;
    the status reads "unknown" when the row has none. None when there is no such crawl or no index. Canaries
    (crawls.kind) are left out: a handful of newest articles says nothing of what the last crawl missed."""
    if not db_path.exists():
        return None
    conn = _read_only(db_path, timeout=60)
    try:
        for crawl_id, sites, status in conn.execute(
                "SELECT id, sites, status FROM crawls WHERE id != ? AND coalesce(kind, 'crawl') != 'canary' "
                "ORDER BY started DESC, rowid DESC",
                [current_crawl or ""]):
            if site in (sites or "").split(","):
                return crawl_id, status or "unknown"
        return None
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def crawl_ids(db_path: Path, sites: list[str] | None = None) -> set[str]:
    """Ids of the crawls in the index whose site list is exactly `sites` (same order), or of all crawls when
    `sites` is None. Empty when there is no index or no crawls table."""
    if not db_path.exists():
        return set()
    conn = _read_only(db_path, timeout=30)
    try:
        rows = conn.execute("SELECT id, sites FROM crawls").fetchall()
    except sqlite3.OperationalError:
        return set()
    finally:
        conn.close()
    return {cid for cid, s in rows if sites is None or (s or "") == ",".join(sites)}


class LastFullCaptures:
    """Answers, URL by URL, where the newest full capture of a page is, for conditional requests.

    The connection opens on the first question asked once the index exists, and then stays open for the crawl:
    a crawl asks once per listing, feed or sitemap request. It may be used from another thread than the one
    that opened it: the crawl's reactor thread asks while the index writer thread writes on a connection of its
    own.
    """

    def __init__(self, db_path: Path, timeout: float = 60):
        self.db_path = db_path
        self.timeout = timeout
        self._conn: sqlite3.Connection | None = None

    def find(self, url: str) -> tuple[str, int] | None:
        """(WARC file name, offset) of the newest 200 response record captured for `url`; None when there is none
        or the index cannot answer: not created yet, being created by this very crawl, or of an older schema."""
        if self._conn is None:
            if not self.db_path.exists():
                return None
            self._conn = _read_only(self.db_path, self.timeout, any_thread=True)
        try:
            row = self._conn.execute(
                "SELECT warc_file, warc_offset FROM captures WHERE url = ? AND status = 200 "
                "AND record_type = 'response' ORDER BY fetched_at DESC, id DESC LIMIT 1", [url]).fetchone()
        except sqlite3.Error:
            return None
        return (row[0], row[1]) if row else None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

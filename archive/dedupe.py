"""The digest index behind revisit records: which payloads are already archived, across crawls.

Kept in its own SQLite file (DATA/digests.db) owned by the WARC writer, so deduplication never waits on
the research index. It is a cache of facts in the WARC files and can be rebuilt from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archive.sqlite_files import open_wal


@dataclass(frozen=True)
class Original:
    """The response record a revisit refers to."""

    record_id: str
    url: str
    warc_date: str
    warc_file: str
    offset: int
    length: int


class DigestIndex:
    """(URL, payload digest) -> the first response record that stored that payload for that URL, or the first
    after it that the writer found usable (an entry is a cache; the writer checks it before use).

    Keyed by URL as well as digest: replay tools resolve a revisit by its URL, and the same bytes under
    another URL (an empty page, a shared error page) are a different capture for researchers.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.conn = open_wal(self.path, setup=lambda conn: conn.execute(
            "CREATE TABLE IF NOT EXISTS digests (url TEXT NOT NULL, digest TEXT NOT NULL, record_id TEXT NOT NULL, "
            "warc_date TEXT NOT NULL, warc_file TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL, "
            "PRIMARY KEY (url, digest))"), check_same_thread=False)

    def lookup(self, url: str, digest: str) -> Original | None:
        row = self.conn.execute(
            "SELECT record_id, url, warc_date, warc_file, offset, length FROM digests WHERE url = ? AND digest = ?",
            [url, digest]).fetchone()
        return Original(*row) if row else None

    def add(self, digest: str, original: Original, replace: bool = False) -> None:
        """Remember `original` for (its URL, digest); with `replace`, instead of an entry found unusable (its
        record is not, or not yet, in a closed file: see WarcFileWriter._may_refer_to)."""
        # A write per record is cheap in WAL with synchronous=NORMAL, and a killed crawl loses at most the
        # records whose WARC bytes were lost too (the writer flushes WARC data before this row lands).
        self.conn.execute(f"INSERT OR {'REPLACE' if replace else 'IGNORE'} INTO digests VALUES (?, ?, ?, ?, ?, ?, ?)",
                          [original.url, digest, original.record_id, original.warc_date, original.warc_file,
                           original.offset, original.length])

    def close(self) -> None:
        self.conn.close()

"""Every version of every article out of the index: the Python twin of `newsarchive export --versions`.

One row per `article_versions` row, oldest first within each article (articles in id order), numbered from 1 as
`newsarchive history` and `cite --version` number them; with its article's site, URL and published date and its
capture's WARC-Record-ID, fetch time and replay URL. Same formats, streaming and Parquet typing as
archive/export.py: `published` (the article's), `version_published` (as this version's page gave it),
`modified` and `fetched_at` are Parquet timestamps, with their `_local` text columns beside them.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import IO, Any, Iterator

from archive.export import check_format, default_replay_base, write_export
from archive.replay import replay_url
from archive.filters import Filters

VERSION_COLUMNS = ("version_id", "article_id", "version", "site", "url", "canonical_url", "language", "published",
                   "published_utc", "title", "lead", "body", "authors", "version_published", "modified", "access",
                   "content_hash", "parser", "parser_version", "capture_id", "fetched_at", "warc_file", "record_id",
                   "replay_url")
_SELECT = {
    "version_id": "v.id", "article_id": "v.article_id",
    "version": "row_number() OVER (PARTITION BY v.article_id ORDER BY v.fetched_at, v.id)",
    "site": "a.site", "url": "a.url", "canonical_url": "a.canonical_url", "language": "a.language",
    "published": "a.published", "published_utc": "a.published_utc", "title": "v.title", "lead": "v.lead",
    "body": "v.body", "authors": "v.authors", "version_published": "v.published", "modified": "v.modified",
    "access": "v.access", "content_hash": "v.content_hash", "parser": "v.parser", "parser_version": "v.parser_version",
    "capture_id": "v.capture_id", "fetched_at": "v.fetched_at", "warc_file": "c.warc_file",
    "record_id": "c.record_id", "replay_url": "c.url",  # the capture's URL, made a replay URL below
}


def export_versions(db_path: str | Path, fmt: str, out: str | Path | IO, site: str | None = None,
                    author: str | None = None, since: str | date | None = None, until: str | date | None = None,
                    access: str | None = None, chunk_size: int = 1000, replay_base: str | None = None) -> int:
    """Write every version of the articles passing the filters (on the article: its site, author, published
    date and current access state) to `out`; returns the number of versions written."""
    check_format(fmt, out)
    filters = Filters(site=site, author=author, since=since, until=until, access=access)
    base = replay_base or default_replay_base(db_path)
    return write_export(db_path, fmt, out, VERSION_COLUMNS, lambda conn: iter_versions(conn, filters, base, chunk_size))


def iter_versions(conn: sqlite3.Connection, filters: Filters, base: str,
                  chunk_size: int = 1000) -> Iterator[list[dict[str, Any]]]:
    conditions, params = filters.where(conn)
    sql = (f"SELECT {', '.join(_SELECT[c] for c in VERSION_COLUMNS)} FROM article_versions v "
           "JOIN articles a ON a.id = v.article_id LEFT JOIN captures c ON c.id = v.capture_id"
           + (" WHERE " + " AND ".join(conditions) if conditions else "")
           + " ORDER BY v.article_id, v.fetched_at, v.id")
    cursor = conn.execute(sql, params)
    while True:
        rows = cursor.fetchmany(chunk_size)
        if not rows:
            return
        records = []
        for row in rows:
            record = dict(zip(VERSION_COLUMNS, tuple(row)))
            capture_url = record["replay_url"] or record["url"]
            record["replay_url"] = replay_url(base, capture_url, record["fetched_at"]) if record["fetched_at"] else None
            records.append(record)
        yield records

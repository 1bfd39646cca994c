"""Full-text search over the index (the Python twin of `newsarchive search`)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from archive.index import Index


class SearchError(ValueError):
    """A query the full-text engine cannot run; the message is one line, fit for a terminal."""


@dataclass
class Hit:
    id: int
    url: str
    site: str
    title: str | None
    published: str | None
    snippet: str
    score: float


def search(db_path: str | Path, query: str, site: str | None = None, limit: int = 10) -> list[Hit]:
    """Articles matching an FTS5 query, best match first, each with a snippet around the match."""
    if not query or not query.strip():
        raise SearchError("empty query: give one or more words, a \"quoted phrase\", or terms joined by OR")
    index = Index(db_path, readonly=True)
    try:
        sql = (
            "SELECT articles.id, articles.canonical_url AS url, articles.site, articles.title, articles.published, "
            "snippet(articles_fts, -1, '[', ']', '…', 12) AS snippet, articles_fts.rank AS score "
            "FROM articles_fts JOIN articles ON articles.id = articles_fts.rowid "
            "WHERE articles_fts MATCH ?" + (" AND articles.site = ?" if site else "") +
            " ORDER BY articles_fts.rank LIMIT ?")
        params: list = [query] + ([site] if site else []) + [limit]
        try:
            rows = index.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise SearchError(f"bad search query {query!r}: {exc}. Quote phrases with \"...\"; "
                              "use AND, OR, NOT in capitals") from None
        return [Hit(**dict(row)) for row in rows]
    finally:
        index.close()

"""The SQLite index: captures (one per archived response) and articles (best version per canonical URL).

Derived from the WARC files and rebuildable from them. WAL mode so researchers can read while a crawl
writes; full-text search over title, lead, body and authors kept in sync by triggers.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Protocol

import sqlite_utils

from archive.access import FULL_TEXT, text_rank
from archive.schema import SCHEMA_VERSION, columns, migrate  # noqa: F401  (re-exported)
from archive.sqlite_files import DatabaseUnreadable, open_read_only, open_wal, unreadable
from archive.stemming import stems_text
from archive.storable import storable_article
from archive.times import parse_time, utc_text

REBUILD = "it is derived from the WARC files: move it aside and `newsarchive reindex` rebuilds it"

# A writing connection's page cache (SQLite's default is 2 MB). A crawl's long-lived writer keeps it modest so
# the crawl's memory stays flat; a bulk load (reindex) takes more: at 200k articles the indexes and full-text
# segments outgrow a small cache, and 64 MB measured about 7% more inserts a second than 2 MB.
CRAWL_CACHE_MB = 16
BULK_CACHE_MB = 64

JSON_COLUMNS = ("authors", "date_source", "categories", "images", "warnings")

ARTICLE_COLUMNS = columns("articles")
# The `articles` columns the index fills itself: the row id, the UTC publication time it sorts by, where the
# page is archived and when it was seen, the Indonesian word stems it searches by. Every other column holds the
# article field of its name.
INDEX_OWN_COLUMNS = ("id", "published_utc", "capture_id", "crawl_id", "fetched_at", "warc_file", "warc_offset",
                     "warc_length", "record_id", "first_seen", "last_seen", "search_stems")
ARTICLE_FIELDS = tuple(column for column in ARTICLE_COLUMNS if column not in INDEX_OWN_COLUMNS)

# Why a URL produced no indexed page (fetch_errors.reason).
ERROR_REASONS = ("robots", "http", "timeout", "connection", "parse", "offsite", "duplicate", "too_large",
                 "not_html", "archive", "circuit", "other")
# URLs left alone on purpose: a link off the site is not followed, robots.txt forbids a path. They are kept in
# fetch_errors for the record but are no failure: the crawl summary, `stats` and `report` count them apart.
SKIP_REASONS = ("offsite", "robots")
FAILURE_REASONS = tuple(reason for reason in ERROR_REASONS if reason not in SKIP_REASONS)
SKIP_SQL = f"reason IN ({', '.join(repr(r) for r in SKIP_REASONS)})"
# What a capture is to the archive (captures.role): a page the crawl went for, or a requisite of one.
PAGE, REQUISITE = "page", "requisite"
ROLES = (PAGE, REQUISITE)


@dataclass(frozen=True)
class Capture:
    url: str
    site: str | None
    status: int
    content_type: str | None
    fetched_at: str
    payload_digest: str | None
    warc_file: str
    warc_offset: int
    warc_length: int
    record_id: str
    crawl_id: str | None = None
    record_type: str = "response"  # or "revisit": the payload is in the record `revisit_of` names
    revisit_of: str | None = None
    role: str = "page"  # or "requisite": a stylesheet, script, image, font... that a page needs (ROLES)
    needed_by: str | None = None  # a requisite's page: the URL of the page that first needed it in its crawl


class IndexableArticle(Protocol):
    """An article as the index takes it. The parsers' `Article` (crawler/parsers/model.py) is one; archive/
    names only what it needs, so that it never imports the crawler and can be used alone."""

    def all_fields(self) -> dict[str, Any]:
        """Every field, warnings included, as JSON-ready values, each named as its `articles` column
        (ARTICLE_FIELDS); a field left out is stored as NULL."""
        ...


def default_db_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / "index.db"


def check_writable(data_dir: str | Path) -> None:
    """Raise DatabaseUnreadable unless a crawl could add to the index of `data_dir`: an existing index must
    read as one and be writable, and so must the directory it is (or will be) in. Checked before a crawl
    creates anything (its lock files, the index itself)."""
    path = default_db_path(data_dir)
    if path.exists():
        Index(path, readonly=True).close()
        places = [path, path.parent]  # the directory too: SQLite writes its -wal and -shm files beside the index
    else:
        places = [next(p for p in (path.parent, *path.parent.parents) if p.exists())]
    for where in places:
        if not os.access(where, os.W_OK):
            raise DatabaseUnreadable(f"{where} is not writable by this user (a read-only file, directory or disk): "
                                     f"a crawl must write {path}")


class Index:
    """The archive catalogue. Open one per process; writes are batched by the caller's `commit()`."""

    def __init__(self, path: str | Path, readonly: bool = False, cache_mb: int = CRAWL_CACHE_MB):
        self.path = Path(path)
        if readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"no index at {self.path}: run `newsarchive crawl` or `newsarchive demo` first")
            conn = open_read_only(self.path, REBUILD)
        else:
            # 16 KB pages: a ~4 KB article body fits its row's page instead of spilling into overflow pages
            # (+12% insert rate measured at 20k articles, index size unchanged).
            try:
                conn = open_wal(self.path, setup=migrate, page_size=16384)
            except sqlite3.DatabaseError as exc:
                raise unreadable(self.path, exc, REBUILD) from None
        conn.row_factory = sqlite3.Row
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        if not readonly:
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        self._in_tx = False
        self._author_ids: dict[str, int] = {}

    # -- transactions --------------------------------------------------------------------------------

    def begin(self) -> None:
        if not self._in_tx:
            self.conn.execute("BEGIN")
            self._in_tx = True

    def commit(self) -> None:
        if self._in_tx:
            self.conn.execute("COMMIT")
            self._in_tx = False

    def close(self) -> None:
        self.commit()
        self.conn.close()

    def savepoint(self, name: str) -> None:
        self.begin()
        self.conn.execute(f"SAVEPOINT {name}")

    def release(self, name: str) -> None:
        self.conn.execute(f"RELEASE {name}")

    def rollback_to(self, name: str) -> None:
        """Undo everything since `savepoint(name)` and end it. Author ids looked up since then may name rows
        the rollback removed, so none is trusted any more."""
        self.conn.execute(f"ROLLBACK TO {name}")
        self.conn.execute(f"RELEASE {name}")
        self._author_ids.clear()

    # -- writes --------------------------------------------------------------------------------------

    def start_crawl(self, crawl_id: str, sites: Iterable[str], args: dict[str, Any], started: str,
                    schedule: str | None = None, kind: str = "crawl") -> None:
        """`kind`: "crawl", or "canary" (a few newest articles, to check the parsers: crawler/canary.py)."""
        self.conn.execute(
            "INSERT INTO crawls (id, sites, args, started, status, schedule, kind) VALUES (?, ?, ?, ?, 'running', ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET sites = excluded.sites, args = excluded.args",
            [crawl_id, ",".join(sites), json.dumps(args), started, schedule, kind])

    def finish_crawl(self, crawl_id: str, **fields: Any) -> None:
        if "warc_files" in fields and not isinstance(fields["warc_files"], str):
            fields["warc_files"] = json.dumps(fields["warc_files"])
        assignments = ", ".join(f"{key} = ?" for key in fields)
        self.conn.execute(f"UPDATE crawls SET {assignments} WHERE id = ?", [*fields.values(), crawl_id])

    def set_crawl_schedule(self, crawl_id: str, schedule: str) -> None:
        """Mark crawl `crawl_id` as a run of `schedule` (the scheduler links each crawl it started)."""
        self.conn.execute("UPDATE crawls SET schedule = ? WHERE id = ?", [schedule, crawl_id])

    def add_fetch_error(self, url: str, reason: str, site: str | None = None, crawl_id: str | None = None,
                        status: int | None = None, detail: str | None = None, at: str | None = None) -> None:
        self.begin()
        self._insert("fetch_errors", {
            "url": url, "site": site, "crawl_id": crawl_id, "reason": reason if reason in ERROR_REASONS else "other",
            "status": status, "detail": detail,
            "at": at or datetime.now(timezone.utc).isoformat(timespec="seconds")})

    # sqlite-utils' insert/update commit on their own; inside a batch we keep plain SQL.
    def _insert(self, table: str, row: dict[str, Any]) -> int:
        cursor = self.conn.execute(
            f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))
        return cursor.lastrowid

    def _update(self, table: str, row_id: int, row: dict[str, Any]) -> None:
        assignments = ", ".join(f"{key} = ?" for key in row)
        self.conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*row.values(), row_id])

    def add_capture(self, capture: Capture) -> int:
        self.begin()
        row = capture.__dict__
        cursor = self.conn.execute(
            f"INSERT INTO captures ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)}) "
            "ON CONFLICT(record_id) DO UPDATE SET record_id=excluded.record_id RETURNING id",
            list(row.values()))
        return cursor.fetchone()[0]

    def capture_by_record_id(self, record_id: str) -> tuple[int, Capture] | None:
        row = self.conn.execute("SELECT * FROM captures WHERE record_id = ?", [record_id]).fetchone()
        if row is None:
            return None
        data = dict(row)
        return data.pop("id"), Capture(**data)

    def upsert_article(self, article: IndexableArticle, capture_id: int, capture: Capture,
                       seen_at: str | None = None) -> str:
        """Store an extracted article; returns "new", "updated", "edited" or "kept".

        `capture` is the record holding the page's bytes; `seen_at` the time it was seen (later than the
        capture's own time when this sighting was a revisit of it). Best-version rule: a gated or expired
        capture never replaces text already held; among captures with as much text the newest wins.
        Every distinct (title, body) seen with full text becomes an `article_versions` row.
        """
        return self.upsert_article_fields(article.all_fields(), capture_id, capture, seen_at)

    def upsert_article_fields(self, article: dict[str, Any], capture_id: int, capture: Capture,
                              seen_at: str | None = None) -> str:
        """`upsert_article` for the fields `all_fields` gave, storable or not: archive/bulk.py reads them once
        per page of a batch."""
        self.begin()
        article = storable_article(article)
        seen_at = seen_at or capture.fetched_at
        row = self.article_row(article, capture_id, capture)
        existing = self.conn.execute(
            "SELECT id, access, fetched_at, first_seen, last_seen FROM articles WHERE canonical_url = ?",
            [row["canonical_url"]]).fetchone()
        if existing is None:
            row["first_seen"], row["last_seen"] = capture.fetched_at, seen_at
            article_id = self._insert("articles", row)
            self._set_authors(article_id, article.get("authors") or [], new=True)
            self._add_version(article_id, article, capture_id, capture, new=True)
            return "new"
        article_id = existing["id"]
        first_seen = min(existing["first_seen"], capture.fetched_at)
        last_seen = max(existing["last_seen"], seen_at)
        new_rank = text_rank(article.get("access"))
        if new_rank < text_rank(existing["access"]) or capture.fetched_at < existing["fetched_at"]:
            self._update("articles", article_id, {"first_seen": first_seen, "last_seen": last_seen})
            if new_rank == FULL_TEXT:  # an older full capture seen late (reindex order): still a version
                self._add_version(article_id, article, capture_id, capture)
            return "kept"
        row.update(first_seen=first_seen, last_seen=last_seen)
        self._update("articles", article_id, row)
        self._set_authors(article_id, article.get("authors") or [])
        edited = self._add_version(article_id, article, capture_id, capture)
        return "edited" if edited else "updated"

    @staticmethod
    def article_row(article: dict[str, Any], capture_id: int, capture: Capture) -> dict[str, Any]:
        """The `articles` columns of an extracted article held in `capture` (first/last seen aside)."""
        row = {key: article.get(key) for key in ARTICLE_FIELDS if key in article}
        for key in JSON_COLUMNS:
            if key in row:
                row[key] = json.dumps(row[key], ensure_ascii=False)
        row["canonical_url"] = article.get("canonical_url") or article["url"]
        row["published_utc"] = _utc(article.get("published"))
        row["search_stems"] = stems_text(article)
        row.update(capture_id=capture_id, crawl_id=capture.crawl_id, fetched_at=capture.fetched_at,
                   warc_file=capture.warc_file, warc_offset=capture.warc_offset,
                   warc_length=capture.warc_length, record_id=capture.record_id)
        return row

    @staticmethod
    def version_row(article_id: int, article: dict[str, Any], capture_id: int, capture: Capture) -> dict[str, Any]:
        return {
            "article_id": article_id, "capture_id": capture_id, "fetched_at": capture.fetched_at,
            "title": article.get("title"), "lead": article.get("lead"), "body": article.get("body"),
            "authors": json.dumps(article.get("authors") or [], ensure_ascii=False),
            "modified": article.get("modified"), "published": article.get("published"), "access": article.get("access"),
            "content_hash": content_hash(article), "parser": article.get("parser"),
            "parser_version": article.get("parser_version")}

    def _add_version(self, article_id: int, article: dict[str, Any], capture_id: int, capture: Capture,
                     new: bool = False) -> bool:
        """Record this extraction as a version if its title or body differs from every version held.
        Returns True when it is an edit (the article already had a different version)."""
        version = self.version_row(article_id, article, capture_id, capture)
        hashes = set() if new else {r[0] for r in self.conn.execute(
            "SELECT content_hash FROM article_versions WHERE article_id = ?", [article_id])}
        if version["content_hash"] in hashes:
            return False
        if hashes and text_rank(article.get("access")) < FULL_TEXT:
            return False  # a paywalled view of a known article is not an edit
        self._insert("article_versions", version)
        return bool(hashes)

    def _set_authors(self, article_id: int, names: list[str], new: bool = False) -> None:
        if not new:
            self.conn.execute("DELETE FROM article_authors WHERE article_id = ?", [article_id])
        links = self.author_links(article_id, names)
        if links:
            self.conn.executemany("INSERT INTO article_authors VALUES (?, ?, ?)", links)

    def author_links(self, article_id: int, names: list[str]) -> list[tuple[int, int, int]]:
        """`article_authors` rows for a byline, creating authors as needed."""
        links = []
        for position, name in enumerate(dict.fromkeys(names)):
            author_id = self._author_ids.get(name)
            if author_id is None:  # bylines repeat: look each name up once per connection
                author_id = self.conn.execute(
                    "INSERT INTO authors (name) VALUES (?) ON CONFLICT(name) DO UPDATE SET name = excluded.name "
                    "RETURNING id", [name]).fetchone()[0]
                self._author_ids[name] = author_id
            links.append((article_id, author_id, position))
        return links

    # -- reads ---------------------------------------------------------------------------------------

    def count(self, table: str = "articles") -> int:
        return self.db[table].count

    def has_crawl(self, crawl_id: str) -> bool:
        """Whether the index has a `crawls` row for `crawl_id`."""
        return self.conn.execute("SELECT 1 FROM crawls WHERE id = ?", [crawl_id]).fetchone() is not None

    def latest_crawl_id(self) -> str | None:
        """The id of the crawl started last (of two started in the same second, the one recorded later)."""
        row = self.conn.execute("SELECT id FROM crawls ORDER BY started DESC, rowid DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def crawl_captures(self, crawl_id: str | None) -> list[tuple[str, int]]:
        """(url, status) of every capture crawl `crawl_id` made, 304 answers included, in no promised order."""
        return [tuple(row) for row in
                self.conn.execute("SELECT url, status FROM captures WHERE crawl_id = ?", [crawl_id])]

    def article(self, key: str | int) -> dict[str, Any] | None:
        if isinstance(key, int) or str(key).isdigit():
            row = self.conn.execute("SELECT * FROM articles WHERE id = ?", [int(key)]).fetchone()
        else:
            row = self.conn.execute("SELECT * FROM articles WHERE canonical_url = ? OR url = ? LIMIT 1",
                                    [key, key]).fetchone()
        return decode_row(row) if row else None

    def articles(self, site: str | None = None) -> Iterable[dict[str, Any]]:
        sql = "SELECT * FROM articles" + (" WHERE site = ?" if site else "") + " ORDER BY id"
        for row in self.conn.execute(sql, [site] if site else []):
            yield decode_row(row)


def content_hash(article: dict[str, Any]) -> str:
    """What tells versions apart: a digest of title and body."""
    return hashlib.sha1(
        json.dumps([article.get("title"), article.get("body")], ensure_ascii=False).encode()).hexdigest()


def _utc(value: str | None) -> str | None:
    """An ISO timestamp as UTC `YYYY-MM-DDTHH:MM:SSZ`, so date filters compare correctly across offsets; None
    for a time without an offset (its moment is unknown)."""
    moment = parse_time(value, default_zone=None)
    return utc_text(moment) if moment is not None and moment.tzinfo else None


def decode_row(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    for key in JSON_COLUMNS:
        if data.get(key) is not None:
            data[key] = json.loads(data[key])
    return data

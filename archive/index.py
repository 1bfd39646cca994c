"""The SQLite index: captures (one per archived response) and articles (best version per canonical URL).

Derived from the WARC files and rebuildable from them. WAL mode so researchers can read while a crawl
writes; full-text search over title, lead, body and authors kept in sync by triggers.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import sqlite_utils

SCHEMA_VERSION = 1

# Access states in order of how much text they carry: a capture never replaces one with more text.
_TEXT_RANK = {"full": 2, "open": 2, "gated": 1, "expired": 0, None: 0}

JSON_COLUMNS = ("authors", "date_source", "categories", "images", "warnings")

ARTICLE_COLUMNS: dict[str, type] = {
    "id": int, "url": str, "canonical_url": str, "site": str, "language": str, "title": str,
    "authors": str, "credit": str, "published": str, "modified": str, "date_source": str,
    "categories": str, "dateline": str, "lead": str, "body": str, "images": str, "access": str,
    "word_count": int, "parser": str, "parser_version": str, "warnings": str,
    "fetched_at": str, "first_seen": str, "last_seen": str, "capture_id": int, "crawl_id": str,
    "warc_file": str, "warc_offset": int, "warc_length": int, "record_id": str,
}

CAPTURE_COLUMNS: dict[str, type] = {
    "id": int, "url": str, "site": str, "status": int, "content_type": str, "fetched_at": str,
    "payload_digest": str, "warc_file": str, "warc_offset": int, "warc_length": int, "record_id": str,
    "crawl_id": str, "record_type": str, "revisit_of": str,
}

CRAWL_COLUMNS: dict[str, type] = {
    "id": str, "sites": str, "args": str, "started": str, "ended": str, "status": str,
    "pages": int, "articles": int, "errors": int, "warc_bytes": int, "warc_files": str,
}


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


def default_db_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / "index.db"


class Index:
    """The archive catalogue. Open one per process; writes are batched by the caller's `commit()`."""

    def __init__(self, path: str | Path, readonly: bool = False):
        self.path = Path(path)
        if readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"no index at {self.path}: run `newsarchive crawl` or `newsarchive demo` first")
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=60)
        conn.row_factory = sqlite3.Row
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        if not readonly:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        self._in_tx = False

    # -- schema --------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        db = self.db
        if "crawls" not in db.table_names():
            db["crawls"].create(CRAWL_COLUMNS, pk="id")
        if "captures" not in db.table_names():
            db["captures"].create(CAPTURE_COLUMNS, pk="id", foreign_keys=[("crawl_id", "crawls", "id")])
            db["captures"].create_index(["url"])
            db["captures"].create_index(["record_id"], unique=True)
        if "articles" not in db.table_names():
            db["articles"].create(ARTICLE_COLUMNS, pk="id", not_null={"canonical_url", "site"},
                                  foreign_keys=[("capture_id", "captures", "id")])
            db["articles"].create_index(["canonical_url"], unique=True)
            db["articles"].create_index(["site", "published"])
            db["articles"].create_index(["published"])
            db["articles"].enable_fts(["title", "lead", "body", "authors"], create_triggers=True,
                                      tokenize="porter unicode61 remove_diacritics 2")
        self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

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

    # -- writes --------------------------------------------------------------------------------------

    def start_crawl(self, crawl_id: str, sites: Iterable[str], args: dict[str, Any], started: str) -> None:
        self.db["crawls"].insert({"id": crawl_id, "sites": ",".join(sites), "args": json.dumps(args),
                                  "started": started, "status": "running"}, replace=True)

    def finish_crawl(self, crawl_id: str, **fields: Any) -> None:
        if "warc_files" in fields and not isinstance(fields["warc_files"], str):
            fields["warc_files"] = json.dumps(fields["warc_files"])
        self.db["crawls"].update(crawl_id, fields)

    # sqlite-utils' insert/update commit on their own; inside a batch we keep plain SQL.
    def _insert(self, table: str, row: dict[str, Any]) -> None:
        self.conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                          list(row.values()))

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

    def upsert_article(self, article: dict[str, Any], capture_id: int, capture: Capture,
                       seen_at: str | None = None) -> str:
        """Store an extracted article; returns "new", "updated" or "kept" (an older version had more text).

        `capture` is the record holding the page's bytes; `seen_at` the time it was seen (later than the
        capture's own time when this sighting was a revisit of it).
        """
        self.begin()
        seen_at = seen_at or capture.fetched_at
        row = {key: article.get(key) for key in ARTICLE_COLUMNS if key in article}
        for key in JSON_COLUMNS:
            if key in row:
                row[key] = json.dumps(row[key], ensure_ascii=False)
        row["canonical_url"] = article.get("canonical_url") or article["url"]
        row.update(capture_id=capture_id, crawl_id=capture.crawl_id, fetched_at=capture.fetched_at,
                   warc_file=capture.warc_file, warc_offset=capture.warc_offset,
                   warc_length=capture.warc_length, record_id=capture.record_id)
        existing = self.conn.execute(
            "SELECT id, access, fetched_at, first_seen, last_seen FROM articles WHERE canonical_url = ?",
            [row["canonical_url"]]).fetchone()
        if existing is None:
            row["first_seen"], row["last_seen"] = capture.fetched_at, seen_at
            self._insert("articles", row)
            return "new"
        first_seen = min(existing["first_seen"], capture.fetched_at)
        last_seen = max(existing["last_seen"], seen_at)
        if _TEXT_RANK.get(article.get("access"), 0) < _TEXT_RANK.get(existing["access"], 0) \
                or capture.fetched_at < existing["fetched_at"]:
            self._update("articles", existing["id"], {"first_seen": first_seen, "last_seen": last_seen})
            return "kept"
        row.update(first_seen=first_seen, last_seen=last_seen)
        self._update("articles", existing["id"], row)
        return "updated"

    # -- reads ---------------------------------------------------------------------------------------

    def count(self, table: str = "articles") -> int:
        return self.db[table].count

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


def decode_row(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    for key in JSON_COLUMNS:
        if data.get(key) is not None:
            data[key] = json.loads(data[key])
    return data

"""What the reading room's pages share: which databases are newsarchive indexes, where their WARC files are,
the replay base URL, links between pages, and rendering a template."""

from __future__ import annotations

import os
import sqlite3
from functools import lru_cache
from pathlib import Path

from datasette.utils.asgi import NotFound

REPLAY_ENV = "NEWSARCHIVE_REPLAY_URL"  # set by `newsarchive serve` for the Datasette it starts
INDEX_TABLES = {"articles", "captures", "article_versions", "crawls"}


def is_index(db) -> bool:
    """Whether a Datasette database is a newsarchive index (by its tables); in-memory databases are not."""
    path = getattr(db, "path", None)
    return bool(path) and _has_index_tables(str(path))


@lru_cache(maxsize=64)
def _has_index_tables(path: str) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return INDEX_TABLES <= names


def index_database(datasette, name: str):
    """The Datasette database `name` if it is a newsarchive index, else 404."""
    db = datasette.databases.get(name)
    if db is None or not is_index(db):
        raise NotFound(f"no newsarchive index named {name!r}")
    return db


def data_dir(db) -> Path:
    """The archive's data directory: the index file's directory (WARC files under `warc/`)."""
    return Path(db.path).resolve().parent


def replay_base(datasette) -> str | None:
    """Base URL of the pywb collection replaying this archive (`newsarchive serve` runs one), or None:
    the environment of the server, else the plugin's configuration (`plugins: newsarchive: replay_url`)."""
    configured = os.environ.get(REPLAY_ENV) or (datasette.plugin_config("newsarchive") or {}).get("replay_url")
    return configured.rstrip("/") if configured else None


def article_path(database: str, article_id: int, suffix: str = "") -> str:
    return f"/{database}/-/article/{int(article_id)}{suffix}"


def capture_path(database: str, capture_id: int, kind: str = "raw") -> str:
    return f"/{database}/-/capture/{int(capture_id)}/{kind}"

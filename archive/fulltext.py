"""The full-text index `articles_fts`: FTS5 over title, lead, body and authors, kept in sync by triggers.

Every parser takes an article's lead from the first paragraph of its body, so indexing both columns whole
tokenized that paragraph twice. The index reads its text through the view `articles_fts_source`, whose
`body` is the text after the lead: each word of an article is indexed once (measured on the synthetic
benchmark corpus: 16% fewer tokens, inserts 8% faster). A word in the lead still matches
and still ranks with the lead's weight; `body:word` finds words after the lead. A body that does not start
with its lead is indexed whole.

The triggers are those sqlite-utils' `enable_fts` writes, with two changes: they read the view's text, and
the update trigger fires only when an indexed column changes value, so recapturing an unchanged article
(which rewrites its row with new provenance) costs no re-tokenizing.
"""

from __future__ import annotations

import sqlite3

COLUMNS = ("title", "lead", "body", "authors")
TOKENIZE = "porter unicode61 remove_diacritics 2"
SOURCE = "articles_fts_source"
TRIGGERS = ("articles_ai", "articles_ad", "articles_au")

# FTS5 settings for inserting fast. `pgsz` is documented; `hashsize` (how many bytes of pending terms a
# transaction gathers before writing a segment, default 1 MB) is not, so an SQLite without it keeps its
# default. Measured on the synthetic corpus: +10% at 40k articles together. `automerge` stays at its default
# (4): at 8, inserting 200k articles took 6% less time but left 20 segments instead of 9 for every query
# to visit (p95 over the benchmark's query mix 51 ms instead of 40).
SETTINGS = {"pgsz": 16000, "hashsize": 64 * 1024 * 1024}


def _body_after_lead(row: str) -> str:
    """SQL for the body of `row` (`new`, `old` or the table) without its leading lead paragraph."""
    return (f"CASE WHEN length({row}.lead) > 0 AND substr({row}.body, 1, length({row}.lead)) = {row}.lead "
            f"THEN ltrim(substr({row}.body, length({row}.lead) + 1), char(10)) ELSE {row}.body END")


def _values(row: str) -> str:
    return f"{row}.id, {row}.title, {row}.lead, {_body_after_lead(row)}, {row}.authors"


_DELETE = "INSERT INTO articles_fts (articles_fts, rowid, title, lead, body, authors) VALUES ('delete', {})"
_INSERT = "INSERT INTO articles_fts (rowid, title, lead, body, authors) VALUES ({})"

DDL = (
    f"CREATE VIEW {SOURCE} AS SELECT articles.id, articles.title, articles.lead, "
    f"{_body_after_lead('articles')} AS body, articles.authors FROM articles",
    f"CREATE VIRTUAL TABLE articles_fts USING fts5 ({', '.join(COLUMNS)}, content='{SOURCE}', content_rowid='id', "
    f"tokenize='{TOKENIZE}')",
    f"CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN {_INSERT.format(_values('new'))}; END",
    f"CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN {_DELETE.format(_values('old'))}; END",
    f"CREATE TRIGGER articles_au AFTER UPDATE OF {', '.join(COLUMNS)} ON articles "
    f"WHEN {' OR '.join(f'old.{column} IS NOT new.{column}' for column in COLUMNS)} BEGIN "
    f"{_DELETE.format(_values('old'))}; {_INSERT.format(_values('new'))}; END",
)


def ensure(conn: sqlite3.Connection) -> None:
    """Create the full-text index, or rebuild one of an older design (version 2 indexed `articles` itself,
    through sqlite-utils' triggers), then apply `SETTINGS`."""
    definition = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
    if definition is None or f"content='{SOURCE}'" not in definition[0]:
        for trigger in TRIGGERS:
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.execute("DROP TABLE IF EXISTS articles_fts")
        conn.execute(f"DROP VIEW IF EXISTS {SOURCE}")
        for ddl in DDL:
            conn.execute(ddl)
        _tune(conn)
        if definition is not None:
            conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    else:
        _tune(conn)


def _tune(conn: sqlite3.Connection) -> None:
    """Leaf pages that fill the 16 KB database pages, and fewer, larger segments: less merging while a crawl
    or a reindex inserts, and fewer segments for a query to visit. Rows of articles_fts_config, so they hold
    for every connection."""
    held = dict(conn.execute("SELECT k, v FROM articles_fts_config").fetchall())
    for key, value in SETTINGS.items():
        if held.get(key) != value:
            try:
                conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES (?, ?)", [key, value])
            except sqlite3.OperationalError:
                pass

"""The full-text index `articles_fts`: FTS5 over title, lead, body, authors and the Indonesian word stems
(`search_stems`, archive/stemming.py), kept in sync by triggers.

The table is the one sqlite-utils' `enable_fts` creates (external content `[articles]`), so sqlite-utils'
`table.search()` and a plain `datasette index.db` find it. The update trigger is ours: sqlite-utils' fires on
every UPDATE and re-tokenizes the article, while a recapture of an unchanged article rewrites its row only
for new provenance (capture, last seen). Ours fires only when an indexed column changes value.

Tried and left: indexing the body without its first paragraph, read through a view (the lead is that
paragraph, so it is tokenized twice), made inserts 8% faster, but sqlite-utils and Datasette no longer
recognised the index.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils

COLUMNS = ("title", "lead", "body", "authors", "search_stems")
TEXT_COLUMNS = COLUMNS[:4]  # what a reader reads: snippets come from these, never from the stems
TOKENIZE = "porter unicode61 remove_diacritics 2"
# bm25 column weights, in COLUMNS order: a title match counts four body ones; a stem match (an Indonesian word
# of the same stem as the query word) one, as a body match does. An exact form in the text still ranks first:
# it matches both the word and (through search_stems) its stem.
WEIGHTS = (4.0, 2.0, 1.0, 2.0, 1.0)
SQLITE_UTILS_TRIGGERS = ("articles_ai", "articles_ad")  # sqlite-utils' insert and delete triggers (ours: UPDATE_TRIGGER)
UPDATE_TRIGGER = "articles_au"

# FTS5 settings for inserting fast. `pgsz` is documented; `hashsize` (how many bytes of pending terms a
# transaction gathers before writing a segment, default 1 MB) is not, so an SQLite without it keeps its
# default. Measured on the synthetic corpus: +10% at 40k articles together. `automerge` stays at its default
# (4): at 8, inserting 200k articles took 6% less time but left 20 segments instead of 9 for every query
# to visit (p95 over the benchmark's query mix 51 ms instead of 40).
# `rank` is FTS5's ranking for `ORDER BY rank`, stored with the index: `sqlite-utils search`, Datasette's search
# and plain SQL then rank as `newsarchive search` does (archive/search.py), not by unweighted bm25.
SETTINGS = {"pgsz": 16000, "hashsize": 64 * 1024 * 1024, "rank": f"bm25({', '.join(str(w) for w in WEIGHTS)})"}

_NAMES = ", ".join(COLUMNS)


def _values(row: str) -> str:
    return ", ".join([f"{row}.rowid", *(f"{row}.{column}" for column in COLUMNS)])


_UPDATE_DDL = (
    f"CREATE TRIGGER {UPDATE_TRIGGER} AFTER UPDATE OF {_NAMES} ON articles "
    f"WHEN {' OR '.join(f'old.{column} IS NOT new.{column}' for column in COLUMNS)} BEGIN "
    f"INSERT INTO articles_fts (articles_fts, rowid, {_NAMES}) VALUES ('delete', {_values('old')}); "
    f"INSERT INTO articles_fts (rowid, {_NAMES}) VALUES ({_values('new')}); END"
)


def indexed_columns(conn: sqlite3.Connection) -> tuple[str, ...]:
    """The columns of the index's `articles_fts` as it is (an index before schema 6 lacks `search_stems`);
    empty when it has none."""
    return tuple(row[1] for row in conn.execute("PRAGMA table_info(articles_fts)"))


def has_stems(conn: sqlite3.Connection) -> bool:
    """Whether the full-text index has the stems column, so that a query may name it (archive/search.py)."""
    return "search_stems" in indexed_columns(conn)


def ensure(conn: sqlite3.Connection) -> None:
    """Create the full-text index if missing, recreate it when its columns are not COLUMNS (FTS5 cannot add a
    column: an index before schema 6 lacks `search_stems`), give it our update trigger (an index of schema 2
    has sqlite-utils' own), and apply `SETTINGS`. Idempotent."""
    held = indexed_columns(conn)
    if held and held != COLUMNS:
        # sqlite-utils' disable_fts would miss our update trigger (its SQL names the table unquoted).
        for trigger in (*SQLITE_UTILS_TRIGGERS, UPDATE_TRIGGER):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.execute("DROP TABLE articles_fts")
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'").fetchone() is None:
        sqlite_utils.Database(conn)["articles"].enable_fts(list(COLUMNS), create_triggers=True, tokenize=TOKENIZE)
    trigger = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                           [UPDATE_TRIGGER]).fetchone()
    if trigger is None or trigger[0] != _UPDATE_DDL:
        conn.execute(f"DROP TRIGGER IF EXISTS {UPDATE_TRIGGER}")
        conn.execute(_UPDATE_DDL)
    _tune(conn)


def _tune(conn: sqlite3.Connection) -> None:
    """Leaf pages that fill the 16 KB database pages, and fewer, larger segments: less merging while a crawl
    or a reindex inserts, and fewer segments for a query to visit; and newsarchive's ranking. Rows of
    articles_fts_config, so they hold for every connection and every program that opens the file."""
    held = dict(conn.execute("SELECT k, v FROM articles_fts_config").fetchall())
    for key, value in SETTINGS.items():
        if held.get(key) != value:
            try:
                conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES (?, ?)", [key, value])
            except sqlite3.OperationalError:
                pass

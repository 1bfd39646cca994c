"""The index schema, created and migrated in code. `PRAGMA user_version` holds the schema version.

Every table is derivable from the WARC files (`newsarchive reindex` rebuilds them), except `crawls`
rows that describe runs and `fetch_errors` for fetches that produced no record.
"""

from __future__ import annotations

import sqlite3

from archive import fulltext, stemming, trend_index

# 3: the full-text update trigger fires only when indexed text changes (archive/fulltext.py)
# 4: captures tell pages from requisites (role, needed_by)
# 5: crawl health: what each crawl found, fetched and missed per site (crawl_sites, crawl_skips), its
#    findings (crawl_findings) and the alarms they raised (alarms); crawls.kind tells a canary from a crawl
# 6: Indonesian articles searchable by word stem: articles.search_stems, a fifth column of articles_fts;
#    article_versions.published, so an edit that moves the date shows (archive/edits.py)
# 7: trend_sites, trend_keys, trend_totals: each article's site and day, articles per site and day (archive/trend_index.py)
SCHEMA_VERSION = 7

TABLES = {
    "crawls": """
        CREATE TABLE crawls (
            id TEXT PRIMARY KEY, sites TEXT, args TEXT, started TEXT, ended TEXT, status TEXT,
            pages INTEGER, articles INTEGER, errors INTEGER, warc_bytes INTEGER, warc_files TEXT,
            schedule TEXT, kind TEXT NOT NULL DEFAULT 'crawl')""",
    "captures": """
        CREATE TABLE captures (
            id INTEGER PRIMARY KEY, url TEXT NOT NULL, site TEXT, status INTEGER, content_type TEXT,
            fetched_at TEXT NOT NULL, payload_digest TEXT, warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL,
            warc_length INTEGER, record_id TEXT NOT NULL UNIQUE, crawl_id TEXT REFERENCES crawls(id),
            record_type TEXT NOT NULL DEFAULT 'response', revisit_of TEXT,
            role TEXT NOT NULL DEFAULT 'page', needed_by TEXT)""",
    "articles": """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY, url TEXT NOT NULL, canonical_url TEXT NOT NULL UNIQUE, site TEXT NOT NULL,
            language TEXT, title TEXT, authors TEXT, credit TEXT, published TEXT, modified TEXT,
            date_source TEXT, categories TEXT, dateline TEXT, lead TEXT, body TEXT, images TEXT, access TEXT,
            word_count INTEGER, parser TEXT, parser_version TEXT, warnings TEXT,
            fetched_at TEXT, first_seen TEXT, last_seen TEXT, capture_id INTEGER REFERENCES captures(id),
            crawl_id TEXT, warc_file TEXT, warc_offset INTEGER, warc_length INTEGER, record_id TEXT,
            published_utc TEXT, search_stems TEXT)""",
    "article_versions": """
        CREATE TABLE article_versions (
            id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL REFERENCES articles(id),
            capture_id INTEGER REFERENCES captures(id), fetched_at TEXT NOT NULL, title TEXT, lead TEXT,
            body TEXT, authors TEXT, modified TEXT, access TEXT, content_hash TEXT NOT NULL,
            parser TEXT, parser_version TEXT, published TEXT)""",
    "authors": """
        CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)""",
    "article_authors": """
        CREATE TABLE article_authors (
            article_id INTEGER NOT NULL REFERENCES articles(id), author_id INTEGER NOT NULL REFERENCES authors(id),
            position INTEGER NOT NULL, PRIMARY KEY (article_id, author_id))""",
    "fetch_errors": """
        CREATE TABLE fetch_errors (
            id INTEGER PRIMARY KEY, url TEXT NOT NULL, site TEXT, crawl_id TEXT REFERENCES crawls(id),
            reason TEXT NOT NULL, status INTEGER, detail TEXT, at TEXT NOT NULL)""",
    # One row per site of a crawl: what it discovered, fetched, parsed and skipped, and the field and access
    # figures the health checks compare against the site's history (archive/accounting.py, archive/health.py).
    # JSON columns: skipped {reason: count}; discovery {source: {requests, ok, not_modified, http_errors,
    # failed, unparseable (200s among `ok` that could not be read or named no article), links}}; missing {field: articles without it}; access {state: articles}.
    "crawl_sites": """
        CREATE TABLE crawl_sites (
            crawl_id TEXT NOT NULL REFERENCES crawls(id), site TEXT NOT NULL,
            discovered INTEGER, requested INTEGER, fetched INTEGER, articles INTEGER, not_articles INTEGER,
            http_errors INTEGER, login_redirects INTEGER, skipped TEXT, discovery TEXT, missing TEXT,
            body_median INTEGER, access TEXT, PRIMARY KEY (crawl_id, site))""",
    # URLs a crawl discovered and did not fetch, where the reason is not in fetch_errors already
    # (robots, offsite and circuit are): the article budget above all.
    "crawl_skips": """
        CREATE TABLE crawl_skips (
            id INTEGER PRIMARY KEY, crawl_id TEXT NOT NULL REFERENCES crawls(id), site TEXT NOT NULL,
            url TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT)""",
    # What the health checks found wrong with a crawl, one row per (site, check): a reason in words and numbers.
    "crawl_findings": """
        CREATE TABLE crawl_findings (
            id INTEGER PRIMARY KEY, crawl_id TEXT NOT NULL REFERENCES crawls(id), site TEXT NOT NULL,
            check_name TEXT NOT NULL, message TEXT NOT NULL, value REAL, baseline REAL, at TEXT NOT NULL)""",
    # One row per problem (site, check) from the crawl that raised it to the crawl that cleared it: one
    # alarm when it opens, one recovery message when it clears (archive/alarms.py).
    "alarms": """
        CREATE TABLE alarms (
            id INTEGER PRIMARY KEY, site TEXT NOT NULL, check_name TEXT NOT NULL, message TEXT NOT NULL,
            opened TEXT NOT NULL, opened_by TEXT, cleared TEXT, cleared_by TEXT, deliveries TEXT)""",
}

INDEXES = [
    "CREATE INDEX IF NOT EXISTS captures_url ON captures(url)",
    "CREATE INDEX IF NOT EXISTS captures_crawl ON captures(crawl_id)",
    "CREATE INDEX IF NOT EXISTS captures_digest ON captures(payload_digest)",
    "CREATE INDEX IF NOT EXISTS articles_site_published ON articles(site, published_utc)",
    "CREATE INDEX IF NOT EXISTS articles_published ON articles(published_utc)",
    "CREATE INDEX IF NOT EXISTS articles_url ON articles(url)",
    "CREATE INDEX IF NOT EXISTS article_versions_article ON article_versions(article_id)",
    # An author's articles from the index alone (search's author filter reads them for every query)
    "CREATE INDEX IF NOT EXISTS article_authors_by_author ON article_authors(author_id, article_id)",
    "CREATE INDEX IF NOT EXISTS fetch_errors_crawl ON fetch_errors(crawl_id, reason)",
    # `show` lists a page's requisites by the page URL; it and `verify` look up why an image has no capture.
    "CREATE INDEX IF NOT EXISTS captures_needed_by ON captures(needed_by) WHERE needed_by IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS fetch_errors_url ON fetch_errors(url)",
    "CREATE INDEX IF NOT EXISTS crawl_skips_crawl ON crawl_skips(crawl_id, site, reason)",
    "CREATE INDEX IF NOT EXISTS crawl_findings_crawl ON crawl_findings(crawl_id, site)",
    "CREATE INDEX IF NOT EXISTS alarms_open ON alarms(site, check_name) WHERE cleared IS NULL",
]

# Columns each table gained after version 1, for in-place migration of older index files.
ADDED_COLUMNS = {
    "crawls": {"schedule": "TEXT", "kind": "TEXT NOT NULL DEFAULT 'crawl'"},
    "captures": {"record_type": "TEXT NOT NULL DEFAULT 'response'", "revisit_of": "TEXT",
                 "role": "TEXT NOT NULL DEFAULT 'page'", "needed_by": "TEXT"},
    "articles": {"published_utc": "TEXT", "search_stems": "TEXT"},
    "article_versions": {"published": "TEXT"},  # a version's own published date: edits that move it (archive/edits.py)
}


def columns(table: str) -> tuple[str, ...]:
    """The columns TABLES[table] creates, in order, as SQLite reads its statement: code that names every column
    of a table takes them from here, so that a column added to the schema needs no second list."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(TABLES[table])
        return tuple(row[1] for row in conn.execute(f"PRAGMA table_info({table})"))
    finally:
        conn.close()


def has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether `table` has `column`: a reader opens an index read-only, unmigrated, and an index written by an
    older version lacks the columns added since (ADDED_COLUMNS)."""
    return any(row[1] == column for row in conn.execute(f"PRAGMA table_info({table})"))


def migrate(conn: sqlite3.Connection) -> None:
    """Create missing tables, columns, indexes and the full-text index. Idempotent."""
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for name, ddl in TABLES.items():
        if name not in existing:
            conn.execute(ddl)
        else:
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({name})")}
            for column, decl in ADDED_COLUMNS.get(name, {}).items():
                if column not in columns:
                    conn.execute(f"ALTER TABLE {name} ADD COLUMN {column} {decl}")
    conn.execute("DROP INDEX IF EXISTS article_authors_author")  # by author_id alone, before schema 7
    for ddl in INDEXES:
        conn.execute(ddl)
    held = fulltext.indexed_columns(conn)
    if held and stemming.COLUMN not in held:  # an index before schema 6: stems first, then ensure() rebuilds
        stemming.fill(conn)                    # the full-text index from the articles
    fulltext.ensure(conn)
    trend_index.ensure(conn)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

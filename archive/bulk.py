"""Many pages into the index at once, with the outcomes one-by-one upserts would give.

A crawl or a reindex mostly brings articles the index has never seen: those go in with one statement per
table (`executemany`) instead of a lookup and four statements each. Anything else (an article already held,
the same article twice in a batch) takes `Index.upsert_article`, in order, after them.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable

from archive.index import ARTICLE_COLUMNS, Capture, Index, IndexableArticle
from archive.schema import columns
from archive.storable import storable_article
from archive.storage import storage_problem

_ARTICLE_COLUMNS = tuple(column for column in ARTICLE_COLUMNS if column != "id")
_VERSION_COLUMNS = tuple(column for column in columns("article_versions") if column != "id")
_CHUNK = 500  # host parameters per IN (...) query stay far below SQLite's limit


def content_of(index: Index, capture_id: int, capture: Capture) -> tuple[int, Capture]:
    """The capture holding a page's bytes: a revisit points at the record it repeats."""
    if capture.record_type == "revisit" and capture.revisit_of:
        original = index.capture_by_record_id(capture.revisit_of)
        if original is not None:
            return original
    return capture_id, capture


def add_page(index: Index, article: IndexableArticle, capture: Capture) -> str:
    """Index one archived article page: its capture, then the article; returns the upsert outcome."""
    capture_id = index.add_capture(capture)
    content_id, content = content_of(index, capture_id, capture)
    return index.upsert_article(article, content_id, content, seen_at=capture.fetched_at)


def add_pages(index: Index, pages: list[tuple[IndexableArticle, Capture]]) -> list[str]:
    """`add_page` for each (article, capture), in one transaction of the caller's; outcomes in order."""
    index.begin()
    pages = [(storable_article(article.all_fields()), capture) for article, capture in pages]
    capture_ids = _add_captures(index, [capture for _, capture in pages])
    placed = [content_of(index, capture_ids[capture.record_id], capture) for _, capture in pages]
    keys = [article.get("canonical_url") or article["url"] for article, _ in pages]
    held = _lookup(index, "SELECT canonical_url, id FROM articles WHERE canonical_url IN ({})", keys)
    fresh: dict[str, int] = {}
    for position, key in enumerate(keys):
        if key not in held and key not in fresh:
            fresh[key] = position
    outcomes = [""] * len(pages)
    if fresh:
        _insert_new(index, [(pages[p][0], *placed[p], pages[p][1].fetched_at) for p in fresh.values()])
        for position in fresh.values():
            outcomes[position] = "new"
    for position, (article, capture) in enumerate(pages):
        if not outcomes[position]:
            content_id, content = placed[position]
            outcomes[position] = index.upsert_article_fields(article, content_id, content,
                                                             seen_at=capture.fetched_at)
    return outcomes


def add_pages_each(index: Index, pages: list[tuple[IndexableArticle, Capture]]) -> list[str | Exception]:
    """`add_pages`, except that a page the index refuses costs only itself: if the batch fails, each page is
    tried again on its own. Per page, in order: its outcome, or the exception that kept it out. A failure of
    the storage itself (a full disk) is raised as it is: it is no page's fault, and SQLite may have rolled
    the whole transaction back already, savepoints and all."""
    index.savepoint("pages")
    try:
        outcomes: list[str | Exception] = list(add_pages(index, pages))
    except Exception as exc:
        if storage_problem(exc):
            raise
        index.rollback_to("pages")
    else:
        index.release("pages")
        return outcomes
    outcomes = []
    for article, capture in pages:
        index.savepoint("page")
        try:
            outcomes.append(add_page(index, article, capture))
            index.release("page")
        except Exception as exc:
            if storage_problem(exc):
                raise
            index.rollback_to("page")
            outcomes.append(exc)
    return outcomes


def _add_captures(index: Index, captures: list[Capture]) -> dict[str, int]:
    """Insert the captures not yet held (the crawl's writer has usually added them already); record id -> id."""
    if not captures:
        return {}
    columns = list(captures[0].__dict__)
    index.conn.executemany(f"INSERT INTO captures ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                           "ON CONFLICT(record_id) DO NOTHING", [list(c.__dict__.values()) for c in captures])
    return _lookup(index, "SELECT record_id, id FROM captures WHERE record_id IN ({})",
                   [capture.record_id for capture in captures])


def _lookup(index: Index, sql: str, keys: Iterable[str]) -> dict[str, Any]:
    """{key: value} from `sql` (`SELECT key, value ... IN ({})`), in chunks of host parameters."""
    ordered = list(dict.fromkeys(keys))
    found: dict[str, Any] = {}
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        found.update(index.conn.execute(sql.format(", ".join("?" * len(chunk))), chunk).fetchall())
    return found


def _insert_new(index: Index, new: Iterable[tuple[dict[str, Any], int, Capture, str]]) -> None:
    rows, articles = [], []
    for article, content_id, content, seen_at in new:
        row = index.article_row(article, content_id, content)
        row["first_seen"], row["last_seen"] = content.fetched_at, seen_at
        rows.append([row.get(column) for column in _ARTICLE_COLUMNS])
        articles.append((article, content_id, content, row["canonical_url"]))
    _insert_rows(index, "articles", _ARTICLE_COLUMNS, rows)
    ids = _lookup(index, "SELECT canonical_url, id FROM articles WHERE canonical_url IN ({})",
                  [key for *_, key in articles])
    links, versions = [], []
    for article, content_id, content, key in articles:
        links.extend(index.author_links(ids[key], article.get("authors") or []))
        version = index.version_row(ids[key], article, content_id, content)
        versions.append([version[column] for column in _VERSION_COLUMNS])
    if links:
        index.conn.executemany("INSERT INTO article_authors VALUES (?, ?, ?)", links)
    index.conn.executemany(f"INSERT INTO article_versions ({', '.join(_VERSION_COLUMNS)}) "
                           f"VALUES ({', '.join('?' * len(_VERSION_COLUMNS))})", versions)


def _insert_rows(index: Index, table: str, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    """Rows in as few INSERT statements as SQLite's host parameter limit allows, not one per row.

    For `articles` this is what makes bulk loading fast: its insert trigger feeds the full-text index, and
    FTS5 indexes the rows of one statement together; run once per row, the same trigger made the whole
    insert about twice as slow (measured on the benchmark corpus, FTS alone: 2,900 vs 5,000+ documents/s;
    the whole bulk path at 200k articles: 2,806 vs 1,800-2,200 articles/s).
    """
    per_statement = max(1, index.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(columns))
    row_marks = f"({', '.join('?' * len(columns))})"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        index.conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row_marks] * len(chunk))}",
                           [value for row in chunk for value in row])

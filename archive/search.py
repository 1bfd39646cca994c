"""Full-text search over the index (the Python twin of `newsarchive search`), and the article filters
(`site`, `author`, `since`, `until`, `access`) that `search`, `export` and `stats` share.

Ranking: bm25 over title, lead, body and authors, weighted by `WEIGHTS` (a match in the title counts
four times one in the body). bm25 has to score every matching row, which for a word found in most
articles of a large archive costs far more than a search should (~0.2 s for a word in 200k articles).
So the plan is bounded:

1. Walk the matches newest first (highest article id: FTS5 reads its doclists backwards) and keep the
   first `CANDIDATES` that pass the filters. The filters are checked per match by primary key, or, when
   the indexes show they select a small share of the archive, against a set of ids built once whose id
   range also bounds the walk (`_filter_sql`).
2. If no more than `CANDIDATES` articles match, that is every match: they are ranked by bm25, exactly.
   Otherwise only those `CANDIDATES` most recently indexed matches are ranked by bm25; older matches are
   not considered. `SearchResult.ranked_among` says which case applied; the CLI prints a note.
3. Snippets are built for the returned rows only.

`bench/fts.py` measures the plan on 200k synthetic articles against plain `ORDER BY rank`.

`exhaustive=True` (`--rank-all`) ranks every match, at the full cost.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from archive.fulltext import COLUMNS, TEXT_COLUMNS, TOKENIZE, WEIGHTS, has_stems
from archive.index import Index
from archive.stemming import expand_query, stem_snippet

CANDIDATES = 2000  # matches ranked when a query matches more articles than this
SET_COST_RATIO = 6  # cost of a primary-key lookup per walked match / cost of one id in a prebuilt set
FEW_MATCHES = 1000  # a query matching fewer articles checks the filters per match
SNIPPET_TOKENS = 12


class SearchError(ValueError):
    """A query or filter the index cannot run; the message is one line, fit for a terminal."""


@dataclass
class Hit:
    id: int
    url: str
    site: str
    title: str | None
    published: str | None
    snippet: str
    score: float  # bm25 with WEIGHTS: lower (more negative) is a better match
    authors: list[str] = field(default_factory=list)
    access: str | None = None


@dataclass
class SearchResult:
    hits: list[Hit]
    ranked_among: int | None  # None: every match was ranked; N: only the N most recent matches were
    query: str


# -- filters -----------------------------------------------------------------------------------------

@dataclass
class Filters:
    """Conditions on articles. Dates are UTC and compared with `published_utc`; a bare day is inclusive
    (`until=2024-05-03` keeps everything published that day); articles without a date fail any date filter."""

    site: str | None = None
    author: str | None = None
    since: str | date | datetime | None = None
    until: str | date | datetime | None = None
    access: str | None = None

    def active(self) -> bool:
        return any(v is not None for v in (self.site, self.author, self.since, self.until, self.access))

    def where(self, conn: sqlite3.Connection, alias: str = "a") -> tuple[list[str], list[Any]]:
        """SQL conditions over `articles AS alias` and their parameters."""
        conditions: list[str] = []
        params: list[Any] = []
        if self.site is not None:
            conditions.append(f"{alias}.site = ?")
            params.append(self.site)
        if self.access is not None:
            conditions.append(f"{alias}.access = ?")
            params.append(self.access)
        low, high = date_bound(self.since, "since"), date_bound(self.until, "until")
        if low is not None:
            conditions.append(f"{alias}.published_utc >= ?")
            params.append(low)
        if high is not None:
            conditions.append(f"{alias}.published_utc < ?")
            params.append(high)
        if self.author is not None:
            ids = author_ids(conn, self.author)
            conditions.append(f"{alias}.id IN (SELECT article_id FROM article_authors WHERE author_id IN "
                              f"({', '.join('?' for _ in ids) or 'NULL'}))")
            params.extend(ids)
        return conditions, params


def author_ids(conn: sqlite3.Connection, name: str) -> list[int]:
    """Ids of the authors whose name equals `name` ignoring case (Unicode case folding)."""
    wanted = " ".join(name.split()).casefold()
    return [row[0] for row in conn.execute("SELECT id, name FROM authors") if row[1].casefold() == wanted]


def date_bound(value: str | date | datetime | None, which: str) -> str | None:
    """`since` as an inclusive and `until` as an exclusive UTC bound in `published_utc` format.

    A day (YYYY-MM-DD) means the whole UTC day; a time without an offset is taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise SearchError(f"--{which}: not a date: {text!r} (use YYYY-MM-DD or an ISO 8601 time such as "
                              "2024-05-01T09:00:00+09:00)") from None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        moment = moment.astimezone(timezone.utc).replace(microsecond=0)
        if which == "until":
            moment += timedelta(seconds=1)
    else:
        moment = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
        if which == "until":
            moment += timedelta(days=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fts_error(query: str, exc: sqlite3.Error) -> SearchError:
    detail = str(exc).replace("fts5: ", "")
    return SearchError(f"bad search query {query!r}: {detail}. Quote phrases and words with punctuation "
                       "(\"COVID-19\"); write AND, OR, NOT in capitals; prefix* for prefixes")


def fts_query(query: str, stems: bool = True) -> str:
    """The FTS5 query run for what a reader typed: every search (CLI, Python API, reading room, trend, export)
    goes through here, so a query means the same everywhere.

    Each bare word that Sastrawi stems to something else becomes `(word OR search_stems:stem)`, so an Indonesian
    word finds the articles holding any word of its stem (archive/stemming.py `expand_query` says exactly which
    words: not phrases, prefixes, column-filtered words or NEAR groups). `stems=False` for an index made before
    schema 6, read without migrating, whose full-text index has no stems column."""
    return expand_query(query) if stems else query


def check_query(query: str) -> None:
    """Raise SearchError for a query FTS5 cannot parse, found against an empty in-memory table of the same
    columns, before the index is opened."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f"CREATE VIRTUAL TABLE q USING fts5({', '.join(COLUMNS)}, tokenize='{TOKENIZE}')")
        conn.execute("SELECT rowid FROM q WHERE q MATCH ?", [query]).fetchall()
    except sqlite3.OperationalError as exc:
        raise fts_error(query, exc) from None
    finally:
        conn.close()


# -- search ------------------------------------------------------------------------------------------

def search(db_path: str | Path, query: str, site: str | None = None, author: str | None = None,
           since: str | date | None = None, until: str | date | None = None, access: str | None = None,
           limit: int = 10, exhaustive: bool = False) -> list[Hit]:
    """Articles matching an FTS5 query, best match first, each with a snippet around the match.
    See the module docstring for the ranking when more than `CANDIDATES` articles match."""
    return search_result(db_path, query, Filters(site, author, since, until, access), limit=limit,
                         exhaustive=exhaustive).hits


def search_result(db_path: str | Path, query: str, filters: Filters | None = None, limit: int = 10,
                  exhaustive: bool = False) -> SearchResult:
    if not query or not query.strip():
        raise SearchError("empty query: give one or more words, a \"quoted phrase\", or terms joined by OR")
    if limit < 1:
        raise SearchError(f"--limit must be at least 1, got {limit}")
    check_query(query)
    index = Index(db_path, readonly=True)
    try:
        return _search(index.conn, query, filters or Filters(), limit, exhaustive)
    finally:
        index.close()


def _filter_sql(conn: sqlite3.Connection, query: str, filters: Filters) -> tuple[str, list[Any]]:
    """The filters as a condition on `f.rowid`, in the cheaper of two forms: a primary-key lookup per match
    walked (when the query matches few articles, or the filters keep a large share of the archive), or a
    set of ids built once (an author's articles; a site/date range the indexes show to be small)."""
    conditions, params = filters.where(conn)
    if not conditions:
        return "", []
    where = " AND ".join(conditions)
    small = filters.author is not None
    if not small and (filters.site is not None or filters.since is not None or filters.until is not None):
        # Both counts stop early (LIMIT): each costs at most what the plan it argues for would.
        matches = conn.execute("SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? "
                               "LIMIT ?)", [query, FEW_MATCHES]).fetchone()[0]
        if matches >= FEW_MATCHES:
            indexed, indexed_params = Filters(site=filters.site, since=filters.since, until=filters.until).where(conn)
            total = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
            cap = int((SET_COST_RATIO * CANDIDATES * total) ** 0.5)
            found = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM articles a WHERE {' AND '.join(indexed)} "
                                 "LIMIT ?)", [*indexed_params, cap + 1]).fetchone()[0]
            small = found <= cap
    if small:
        # The id range bounds FTS5's doclist walk (a date range is one stretch of ids in an archive that
        # grows by crawling); the unary + keeps SQLite from handing the IN list to FTS5 as one query per id.
        low, high = conn.execute(f"SELECT min(a.id), max(a.id) FROM articles a WHERE {where}", params).fetchone()
        if low is None:
            return " AND 0", []
        return (f" AND f.rowid BETWEEN {int(low)} AND {int(high)} "
                f"AND +f.rowid IN (SELECT a.id FROM articles a WHERE {where})"), params
    return f" AND EXISTS (SELECT 1 FROM articles a WHERE a.id = f.rowid AND {where})", params


def _search(conn: sqlite3.Connection, query: str, filters: Filters, limit: int, exhaustive: bool) -> SearchResult:
    typed, query = query, fts_query(query, stems=has_stems(conn))
    try:
        restrict, filter_params = _filter_sql(conn, query, filters)
    except sqlite3.OperationalError as exc:
        raise fts_error(typed, exc) from None
    weights = ", ".join(str(w) for w in WEIGHTS)
    if exhaustive:
        sql = (f"SELECT f.rowid, bm25(articles_fts, {weights}) AS score, NULL AS n FROM articles_fts f "
               f"WHERE articles_fts MATCH ?{restrict} ORDER BY score, f.rowid DESC LIMIT ?")
        params = [query, *filter_params, limit]
    else:
        # The newest CANDIDATES matches (a backwards doclist walk, filters applied on the way), then bm25
        # over those only: the rowid range bounds the second walk, the id set picks the candidates in it.
        sql = (f"WITH walk AS MATERIALIZED (SELECT f.rowid AS id FROM articles_fts f "
               f"WHERE articles_fts MATCH ?{restrict} ORDER BY f.rowid DESC LIMIT ?), "
               f"candidates AS MATERIALIZED (SELECT id FROM walk ORDER BY id DESC LIMIT ?), "
               f"bounds AS MATERIALIZED (SELECT min(id) AS low, max(id) AS high, "
               f"(SELECT count(*) FROM walk) AS n FROM candidates) "
               f"SELECT f.rowid, bm25(articles_fts, {weights}) AS score, (SELECT n FROM bounds) AS n "
               f"FROM articles_fts f WHERE articles_fts MATCH ? "
               f"AND f.rowid BETWEEN (SELECT low FROM bounds) AND (SELECT high FROM bounds) "
               f"AND +f.rowid IN (SELECT id FROM candidates) ORDER BY score, f.rowid DESC LIMIT ?")
        params = [query, *filter_params, CANDIDATES + 1, CANDIDATES, query, limit]
    try:
        ranked = conn.execute(sql, params).fetchall()
        hits = [_hit(conn, query, row[0], row[1]) for row in ranked]
    except sqlite3.OperationalError as exc:
        raise fts_error(typed, exc) from None
    capped = bool(ranked) and ranked[0][2] is not None and ranked[0][2] > CANDIDATES
    return SearchResult(hits=hits, ranked_among=CANDIDATES if capped else None, query=typed)


def snippet(conn: sqlite3.Connection, query: str, rowid: int) -> str:
    """The text around the match of FTS5 query `query` in article `rowid`, matches in [brackets]: from the
    column FTS5 picks, unless that is the stems column (an Indonesian article found through a word of the same
    stem): then from the text column with the most matches, or, when the text holds no query word as typed, the
    body around its first word of a query word's stem (archive/stemming.py `stem_snippet`)."""
    marks = f"'[', ']', '…', {SNIPPET_TOKENS}"
    stems = COLUMNS.index("search_stems") if has_stems(conn) else None
    row = conn.execute(f"SELECT snippet(articles_fts, -1, {marks}), "
                       f"{f'snippet(articles_fts, {stems}, {marks})' if stems else 'NULL'} FROM articles_fts "
                       "WHERE articles_fts MATCH ? AND rowid = ?", [query, rowid]).fetchone()
    if row is None:
        return ""
    if row[0] != row[1]:
        return row[0]
    # Marks no text holds, to count the matches of each column ("[" may be text: authors are "[...]").
    columns = ", ".join(f"snippet(articles_fts, {i}, char(2), char(3), '…', {SNIPPET_TOKENS})"
                        for i in range(len(TEXT_COLUMNS)))
    texts = conn.execute(f"SELECT {columns} FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?",
                         [query, rowid]).fetchone()
    best = max(texts, key=lambda text: (text or "").count("\x02"))
    if best and "\x02" in best:
        return best.replace("\x02", "[").replace("\x03", "]")
    body = conn.execute("SELECT body FROM articles WHERE id = ?", [rowid]).fetchone()
    return stem_snippet(body[0] if body else None, query, SNIPPET_TOKENS)


def _hit(conn: sqlite3.Connection, query: str, rowid: int, score: float) -> Hit:
    row = conn.execute("SELECT id, canonical_url, site, title, published, authors, access FROM articles "
                       "WHERE id = ?", [rowid]).fetchone()
    return Hit(id=row["id"], url=row["canonical_url"], site=row["site"], title=row["title"],
               published=row["published"], snippet=snippet(conn, query, rowid), score=score,
               authors=json.loads(row["authors"]) if row["authors"] else [], access=row["access"])

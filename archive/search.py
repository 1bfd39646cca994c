"""Full-text search over the index (the Python twin of `newsarchive search`), and the article filters
(`site`, `author`, `since`, `until`, `access`) that `search`, `export` and `stats` share.

Ranking: bm25 over title, lead, body and authors, weighted by `WEIGHTS` (a match in the title counts
four times one in the body). FTS5's bm25 pays, once per query, a walk over every article containing each
phrase of the query (for its idf), and ~5 us per match scored: ~85 ms for a word found in most of 1M
articles, ~0.4 s for a common phrase, however few rows are then shown. So the plan depends on the query:

1. A query whose every phrase has a word found in fewer than `IDF_BUDGET` articles (counted with a walk
   per word that stops there, `_cheap_idf`) is cheap to rank: every match is ranked by bm25, exactly as
   `ORDER BY rank` ranks them, and the filters are checked best match first, only until `limit` hits pass
   (`_bm25_filtered`).
2. Any other query is common (a common word's idf is near zero anyway: bm25 clamps it to 1e-6 once it
   occurs in half the archive). Its matches are walked newest first (highest article id: FTS5 reads its
   doclists backwards) and the first `CANDIDATES` that pass the filters are kept (filters checked per match
   by primary key, or against a set of ids built once whose id range also bounds the walk: `_filter_sql`;
   an author's articles being sparse, fewer candidates then: `_sparse_pool`). They are ranked without bm25
   by where the whole query matches: the sum of the `WEIGHTS` of the `RANKED_COLUMNS` (title, lead) it
   matches in, one column-filtered walk over the candidates' id range each, newest first among equals.
   `Hit.score` is minus that sum (lower is better, as bm25's), `SearchResult.ranking` is "columns", and
   `SearchResult.ranked_among` says how many were ranked when more matched (the CLI prints notes).
3. Snippets are built for the returned rows only.

`bench/fts.py` measures the plan on 200k and 1M synthetic articles against plain `ORDER BY rank`.

`exhaustive=True` (`--rank-all`) ranks every match by bm25, at the full cost.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from archive.filters import Filters, SearchError, author_ids, date_bound  # noqa: F401  date_bound: this API's too
from archive.fulltext import COLUMNS, TEXT_COLUMNS, TOKENIZE, WEIGHTS, has_stems
from archive.index import Index
from archive.stemming import expand_query, stem_snippet

CANDIDATES = 200  # the newest matches of a common query ranked by columns: each costs a lookup when filtering
SET_COST_RATIO = 6  # cost of a primary-key lookup per walked match / cost of one id in a prebuilt set
SPARSE_WALK = 5_000  # matches a common query's walk may pass to gather an author's candidates (_sparse_pool)
SAMPLE = 64  # matches whose filters a cheap query checks first, to see what share passes
# Fewer than 1 in FEW_PASS of the sample passing: the filters' index is read instead. A lookup by id costs
# ~13 us, an index entry ~0.1 us: at 1M articles, `limit` 10 hits cost less by lookups down to a share of ~1/30.
FEW_PASS = 30
DENSE_SHARE = 0.5  # a filter's id range where at least this share passes is walked with a lookup per match
FEW_MATCHES = 1000  # a query matching fewer articles checks the filters per match
SNIPPET_TOKENS = 12
SNIPPET_SPAN = 50_000  # hits within this many ids get their snippets from one walk (~5 ms at most)
# A phrase whose rarest word is found in more articles than this is "common": bm25's idf walk over it would
# cost more than a search may (~1 ms per 10,000 articles for a word, several times that for a phrase), so
# the query is ranked by columns instead.
IDF_BUDGET = 2_000
COLUMN_SPAN = 5_000  # ids walked per column when ranking by columns (see _columns_among)
# The columns whose matches rank a common query (with their WEIGHTS). Not the body: nearly every match is in
# it. Not the authors: a query word is seldom in an author's name, and a column-filtered FTS5 walk that
# finds no match in its rowid range does not stop at the range's end but walks on to the next match, here
# often the whole doclist (measured: 40 ms at 200k articles for a phrase no author name holds).
RANKED_COLUMNS = ("title", "lead")


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
    ranking: str = "bm25"  # or "columns": a common phrase in the query (module docstring, step 3)


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


def _filter_sql(conn: sqlite3.Connection, query: str, filters: Filters, pool: int = CANDIDATES,
                common: bool = False) -> tuple[str, list[Any], bool]:
    """The filters as a condition on `f.rowid`, in the cheapest of three forms, for a walk that keeps `pool`
    matches: a primary-key lookup per match walked (when the query matches few articles, or the filters keep
    a large share of the archive); a set of ids built once (an author's articles; a site/date range the
    indexes show to be small), whose id range bounds the walk; or that id range with a lookup per match,
    when most ids in it pass (a date range in an archive that grows by crawling: building its set would cost
    more than the walk). The third value: whether the walk must stop after 2 x `pool` matches (the sample
    said most pass, but a date range may end soon after it)."""
    conditions, params = filters.where(conn)
    if not conditions:
        return "", [], False
    where = " AND ".join(conditions)
    small = filters.author is not None
    found = low = high = None  # the site/date count, and the id range it saw
    if common and not small and _mostly_pass(conn, query, where, params):
        return f" AND EXISTS (SELECT 1 FROM articles a WHERE a.id = f.rowid AND {where})", params, True
    if not small and (filters.site is not None or filters.since is not None or filters.until is not None):
        # Both counts stop early (LIMIT): each costs at most what the plan it argues for would.
        # A common query (`_cheap_idf` said so) is taken to match many: counting them would cost a walk.
        matches = FEW_MATCHES if common else conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)",
            [query, FEW_MATCHES]).fetchone()[0]
        if matches >= FEW_MATCHES:
            indexed, indexed_params = Filters(site=filters.site, since=filters.since, until=filters.until).where(conn)
            total = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
            cap = int((SET_COST_RATIO * pool * total) ** 0.5)
            found, low, high = conn.execute(
                f"SELECT count(*), min(id), max(id) FROM (SELECT a.id FROM articles a WHERE {' AND '.join(indexed)} "
                "LIMIT ?)", [*indexed_params, cap + 1]).fetchone()
            small = found <= cap
    if small and not replace(filters, author=None).active():
        # An author alone: the set is article_authors' own, no lookup in articles (whose rows are pages wide).
        ids = author_ids(conn, filters.author)
        members = (f"SELECT article_id FROM article_authors WHERE author_id IN "
                   f"({', '.join('?' for _ in ids) or 'NULL'})")
        return f" AND +f.rowid IN ({members})", ids, False  # no id range: finding it costs a lookup per article
    if small:
        # The id range bounds FTS5's doclist walk (a date range is one stretch of ids in an archive that
        # grows by crawling); the unary + keeps SQLite from handing the IN list to FTS5 as one query per id.
        if found is None or filters.author is not None or filters.access is not None:
            low, high = conn.execute(f"SELECT min(a.id), max(a.id) FROM articles a WHERE {where}", params).fetchone()
        if low is None:
            return " AND 0", [], False
        bound = f" AND f.rowid BETWEEN {int(low)} AND {int(high)}"
        if found is not None and found >= DENSE_SHARE * (int(high) - int(low) + 1):
            return f"{bound} AND EXISTS (SELECT 1 FROM articles a WHERE a.id = f.rowid AND {where})", params, False
        return f"{bound} AND +f.rowid IN (SELECT a.id FROM articles a WHERE {where})", params, False
    return f" AND EXISTS (SELECT 1 FROM articles a WHERE a.id = f.rowid AND {where})", params, False


def _mostly_pass(conn: sqlite3.Connection, query: str, where: str, params: list[Any]) -> bool:
    """Whether at least half of the newest SAMPLE matches pass the filters (a big site, a recent date range):
    the walk then needs at most about two lookups per candidate, and counting the filters' rows to weigh a
    set against it (~15 ms for a site of 1M articles) is skipped."""
    passed, walked = conn.execute(
        f"SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM articles a WHERE a.id = f.rowid AND {where})), count(*) "
        "FROM (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f",
        [*params, query, SAMPLE]).fetchone()
    return walked > 0 and 2 * passed >= walked


def _search(conn: sqlite3.Connection, query: str, filters: Filters, limit: int, exhaustive: bool) -> SearchResult:
    typed, query = query, fts_query(query, stems=has_stems(conn))
    try:
        ranking = "bm25" if exhaustive or _cheap_idf(conn, query) else "columns"
        pool = CANDIDATES
        if ranking == "bm25" and not exhaustive:
            hits = _hits(conn, query, _bm25_filtered(conn, query, filters, limit))
            return SearchResult(hits=hits, ranked_among=None, query=typed, ranking=ranking)
        restrict, filter_params, bounded = _filter_sql(conn, query, filters, pool, common=ranking == "columns")
        if exhaustive:
            weights = ", ".join(str(w) for w in WEIGHTS)
            ranked = conn.execute(f"SELECT f.rowid, bm25(articles_fts, {weights}) AS score FROM articles_fts f "
                                  f"WHERE articles_fts MATCH ?{restrict} ORDER BY score, f.rowid DESC LIMIT ?",
                                  [query, *filter_params, limit]).fetchall()
            capped = False
        else:
            if ranking == "columns" and filters.author is not None:
                pool = _sparse_pool(conn, filters, pool, limit)
            # The newest `pool` matches: a backwards doclist walk, filters applied on the way.
            walk = f"SELECT f.rowid FROM articles_fts f WHERE articles_fts MATCH ?{restrict} ORDER BY f.rowid DESC"
            if bounded:  # among the newest 2 x pool matches only: `capped` if there were more
                newest = conn.execute("SELECT count(*), min(rowid) FROM (SELECT rowid FROM articles_fts WHERE "
                                      "articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?)", [query, 2 * pool + 1]
                                      ).fetchone()
                if newest[0] > 2 * pool:
                    walk = walk.replace(" ORDER BY", f" AND f.rowid > {int(newest[1])} ORDER BY")
            ids = [row[0] for row in conn.execute(f"{walk} LIMIT ?", [query, *filter_params, pool + 1])]
            capped = len(ids) > pool or (bounded and newest[0] > 2 * pool)
            ids = ids[:pool]
            ranked = _columns_among(conn, query, ids, limit) if ids else []
        hits = _hits(conn, query, [(row[0], row[1]) for row in ranked])
    except sqlite3.OperationalError as exc:
        raise fts_error(typed, exc) from None
    return SearchResult(hits=hits, ranked_among=pool if capped else None, query=typed, ranking=ranking)


def _sparse_pool(conn: sqlite3.Connection, filters: Filters, pool: int, limit: int) -> int:
    """Candidates for a common query under an author filter: the walk passes every other article matching
    the query to reach the author's, ~1/share of them per candidate (FTS5 cannot seek by id cheaply: ~0.25
    ms a seek in a common word's doclist), so the pool shrinks to what a walk of SPARSE_WALK matches yields,
    never below `limit`."""
    ids = author_ids(conn, filters.author)
    written = conn.execute(f"SELECT count(*) FROM article_authors WHERE author_id IN ({', '.join('?' for _ in ids)})",
                           ids).fetchone()[0] if ids else 0
    total = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    return max(limit, min(pool, SPARSE_WALK * written // max(total, 1)))


def _bm25_filtered(conn: sqlite3.Connection, query: str, filters: Filters, limit: int) -> list[tuple[int, float]]:
    """Every match of a query `_cheap_idf` passed ranked by bm25 (few: each phrase has a word in fewer than
    IDF_BUDGET articles), then the filters checked best first, only as far as `limit` hits: a lookup per
    match checked while most pass (a site, a wide date range), else the filters' id set built once and
    looked up in memory (an author, a month, a small site)."""
    weights = ", ".join(str(w) for w in WEIGHTS)
    rows = conn.execute(f"SELECT rowid, bm25(articles_fts, {weights}) AS score FROM articles_fts WHERE "
                        "articles_fts MATCH ? ORDER BY score, rowid DESC", [query]).fetchall()
    if filters.author is not None:  # the author's articles from article_authors alone, no article row read
        ids = author_ids(conn, filters.author)
        written = {row[0] for row in conn.execute(
            f"SELECT article_id FROM article_authors WHERE author_id IN ({', '.join('?' for _ in ids) or 'NULL'})",
            ids)}
        rows = [row for row in rows if row[0] in written]
        filters = replace(filters, author=None)
    if not filters.active():
        return [tuple(row) for row in rows[:limit]]
    conditions, params = filters.where(conn)
    where = " AND ".join(conditions)

    def passing(chunk: list) -> list[tuple[int, float]]:
        ids = [row[0] for row in chunk]
        kept = {row[0] for row in conn.execute(
            f"SELECT a.id FROM articles a NOT INDEXED WHERE a.id IN ({', '.join('?' for _ in ids)}) AND {where}",
            [*ids, *params])}  # NOT INDEXED: a lookup by id each, never a scan of the site's index
        return [tuple(row) for row in chunk if row[0] in kept]

    kept, start, step = [], 0, SAMPLE
    while start < len(rows) and len(kept) < limit:
        chunk = passing(rows[start:start + step])
        if start == 0 and len(chunk) * FEW_PASS < min(step, len(rows)):
            # Few pass: the filters' own index (a date range, a site, an author's rows) is read instead, the
            # matches' ids looked up in it (the unary + keeps SQLite from a lookup by id for each).
            members = {row[0] for row in conn.execute(
                f"SELECT a.id FROM articles a WHERE +a.id IN (SELECT value FROM json_each(?)) AND {where}",
                [json.dumps([row[0] for row in rows]), *params])}
            return [tuple(row) for row in rows if row[0] in members][:limit]
        kept += chunk
        start, step = start + step, step * 2
    return kept[:limit]


def _columns_among(conn: sqlite3.Connection, query: str, ids: list[int], limit: int) -> list[tuple[int, float]]:
    """The candidates `ids` (newest first) ranked by the weights of the RANKED_COLUMNS the whole query
    matches in, newest first among equals: one column-filtered walk over the candidates' id range per
    column. Only the newest COLUMN_SPAN ids of that range are walked, which bounds the cost when the filters
    leave the candidates spread thin (an author's articles over years): older candidates count as body-only."""
    low = max(ids[-1], ids[0] - COLUMN_SPAN)
    score = dict.fromkeys(ids, 0.0)
    for column, weight in zip(COLUMNS, WEIGHTS):
        if column not in RANKED_COLUMNS:
            continue
        try:  # matches that are no candidate (filtered out) are skipped here: faster than an IN in SQL
            rows = conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid BETWEEN ? AND ?",
                                [f"{{{column}}} : ({query})", low, ids[0]]).fetchall()
        except sqlite3.OperationalError:  # a query FTS5 takes alone but not inside a column filter
            continue
        for (rowid,) in rows:
            if rowid in score:
                score[rowid] -= weight
    return [(i, score[i]) for i in sorted(ids, key=lambda i: (score[i], -i))[:limit]]


# A phrase of an FTS5 query, near enough for `_cheap_idf`: a "quoted phrase" or a bareword (prefix* kept).
_PHRASE = re.compile(r'"(?:[^"]|"")*"\*?|[^\s"(){}:^+,]+')
_WORD = re.compile(r"\w+\*?")
_OPERATORS = {"AND", "OR", "NOT", "NEAR"}


def query_phrases(query: str) -> list[list[str]]:
    """The phrases of `query`, each as the FTS5 queries of its words ("prefix"* kept). Column names (before
    `:`) and operators are skipped; a NEAR distance or a column name in braces comes out as a phrase, which
    only makes `_cheap_idf` count one more, never less."""
    phrases = []
    for match in _PHRASE.finditer(query):
        token = match.group()
        if token in _OPERATORS or query[match.end():].lstrip().startswith(":"):
            continue
        words = [f'"{w[:-1]}"*' if w.endswith("*") else f'"{w}"' for w in _WORD.findall(token)]
        if words:
            phrases.append(words)
    return phrases


def _cheap_idf(conn: sqlite3.Connection, query: str) -> bool:
    """Whether bm25's idf walks are cheap for `query`: each phrase has a word found in fewer than IDF_BUDGET
    articles (FTS5 walks a phrase's matches by its rarest word's doclist, seeking in the others'). Each
    count stops at IDF_BUDGET."""
    for words in query_phrases(query):
        rarest = IDF_BUDGET
        for word in words:
            try:
                found = conn.execute("SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? "
                                     "LIMIT ?)", [word, rarest]).fetchone()[0]
            except sqlite3.OperationalError:
                return False
            rarest = min(rarest, found)
        if rarest >= IDF_BUDGET:
            return False
    return True


def _hits(conn: sqlite3.Connection, query: str, ranked: list[tuple[int, float]]) -> list[Hit]:
    """The ranked rows as hits, with snippets. Hits close together (ids within SNIPPET_SPAN, as a common
    query's are) get their snippets from one walk over their id range; a seek per hit in a common word's
    doclist costs ~0.25 ms a phrase."""
    if not ranked:
        return []
    ids = [rowid for rowid, _ in ranked]
    marks = ", ".join("?" for _ in ids)
    # FTS5's own pick, and the stems column's: equal when FTS5 picked the stems column (an Indonesian article
    # found through another word of a stem), whose snippet `snippet()` then takes from the text instead.
    stems = COLUMNS.index("search_stems") if has_stems(conn) else None
    marked = f"'[', ']', '…', {SNIPPET_TOKENS}"
    pair = f"snippet(articles_fts, -1, {marked}), " + (f"snippet(articles_fts, {stems}, {marked})" if stems else "NULL")
    if max(ids) - min(ids) <= SNIPPET_SPAN:
        found = {row[0]: row[1:] for row in conn.execute(
            f"SELECT rowid, {pair} FROM articles_fts WHERE articles_fts MATCH ? AND rowid BETWEEN ? AND ? "
            f"AND +rowid IN ({marks})", [query, min(ids), max(ids), *ids])}
    else:
        found = {rowid: conn.execute(f"SELECT {pair} FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?",
                                     [query, rowid]).fetchone() for rowid in ids}
    snippets = {rowid: texts[0] if texts[0] != texts[1] else snippet(conn, query, rowid)
                for rowid, texts in found.items() if texts is not None}
    rows = {row["id"]: row for row in conn.execute(
        f"SELECT id, canonical_url, site, title, published, authors, access FROM articles WHERE id IN ({marks})", ids)}
    return [Hit(id=rowid, url=rows[rowid]["canonical_url"], site=rows[rowid]["site"], title=rows[rowid]["title"],
                published=rows[rowid]["published"], snippet=snippets.get(rowid) or "", score=score,
                authors=json.loads(rows[rowid]["authors"]) if rows[rowid]["authors"] else [],
                access=rows[rowid]["access"]) for rowid, score in ranked]


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

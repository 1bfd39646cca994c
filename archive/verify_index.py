"""The index half of `verify` (archive/verify.py): is the index sound, and does it hold what the WARC files do?

- SQLite's `PRAGMA integrity_check`, and FTS5's own `integrity-check` of `articles_fts`, run with `rank = 1`
  so that it also compares the full-text index with the `articles` rows it indexes (an external-content
  table: SQLite's check alone passes an index whose shadow tables lost rows). SQLite 3.40 refuses that
  command on a read-only connection, so it runs on a writable one, inside a transaction that is rolled back:
  nothing is ever written.
- Every `response` and `revisit` record in the WARC files has its `captures` row: a crawl and a reindex
  index every one of them (robots.txt, error pages and 304s included), so a record without one was lost
  by the index (a killed crawl not yet caught up, a crawl whose rows a reindex renamed away, an emptied
  index).
- Every article response has its `articles` row (requisites, never parsed, are no article responses). The rule: a
  status-200 response or revisit record that the crawler would have parsed (not WARC-Truncated) either has an
  articles row for its URL, or the parser (the one reindex runs, given as `parse`) finds no article in it, or
  it finds one whose canonical URL has an articles row, or a `fetch_errors` row records why this URL's page
  was not indexed (a warning then, the recorded reason). Only pages with no article for their URL are parsed
  again: listings, home pages, feeds, and article pages that lost their row. The index records no "not an
  article" verdict (pages that are not articles leave no row but their capture), and the parser's own verdict
  is the reason, the same one a reindex would reach.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archive.index import PAGE, REQUISITE, Index, IndexableArticle
from archive.members import Damage
from archive.decoding import MAX_BODY_BYTES
from archive.records import read_response
from archive.schema import has_column
from archive.times import warc_date_to_datetime

EXAMPLES = 3


class DamageMap:
    """Damaged ranges by file, and what rows and lines pointed into each: one fault per range."""

    def __init__(self) -> None:
        self.ranges: dict[str, list[Damage]] = {}
        self.held: dict[Damage, list[str]] = {}

    def add(self, damaged: list[Damage]) -> None:
        for damage in damaged:
            self.ranges.setdefault(damage.file, []).append(damage)
            self.held[damage] = []

    def note(self, warc_file: str, offset: int | None, what: str) -> bool:
        """If `offset` of `warc_file` lies in a damaged range, remember `what` pointed there; True then."""
        for damage in self.ranges.get(warc_file, ()):
            if offset is not None and damage.holds(offset):
                self.held[damage].append(what)
                return True
        return False

    def note_record(self, index: Index, record_id: str, what: str) -> bool:
        """The same for a record known only by id: where the index says it was."""
        if not self.ranges:
            return False
        try:
            row = index.conn.execute("SELECT warc_file, warc_offset FROM captures WHERE record_id = ?",
                                     [record_id]).fetchone()
        except sqlite3.Error:
            return False
        return row is not None and self.note(row[0], row[1], what)

    def faults(self) -> list[str]:
        out = []
        for damage, held in self.held.items():
            said = "; the records after it were read and checked"
            if held:
                said += (f"; pointing into it: {', '.join(held[:EXAMPLES])}"
                         + (f" and {len(held) - EXAMPLES} more" if len(held) > EXAMPLES else ""))
            out.append(f"{damage}{said}")
        return out


def integrity_problems(db_path: Path) -> list[str]:
    """SQLite's and FTS5's integrity checks of the index file, as faults."""
    name = db_path.name
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return [f"{name}: not a readable SQLite database ({exc}): `newsarchive reindex` rebuilds it"]
    if result != ["ok"]:
        return [f"{name}: SQLite integrity_check failed: {'; '.join(result[:5])}"
                + (f" (and {len(result) - 5} more)" if len(result) > 5 else "")]
    return _fulltext_problems(db_path)


def _fulltext_problems(db_path: Path) -> list[str]:
    name = db_path.name
    try:
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        return [f"{name}: full-text index not checked: {exc}"]
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'").fetchone() is None:
            return [f"{name}: full-text index articles_fts is missing: `newsarchive reindex` rebuilds it"]
        conn.execute("BEGIN")
        try:
            conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
        finally:
            conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):  # a file we may not write cannot be checked so
            return []
        return [f"{name}: full-text index articles_fts not checked: {exc}"]
    except sqlite3.DatabaseError as exc:
        return [f"{name}: full-text index articles_fts does not match its articles ({exc}): search misses or "
                "invents matches; `INSERT INTO articles_fts(articles_fts) VALUES('rebuild')` or "
                "`newsarchive reindex` rebuilds it"]
    finally:
        conn.close()
    return []


def coverage_problems(index: Index, registry: dict, warc_dir: Path, parse=None,
                      max_body_bytes: int = MAX_BODY_BYTES) -> tuple[list[str], list[str]]:
    """(faults, warnings): archived responses without captures rows, article responses without articles rows.
    Pages larger than `max_body_bytes`, as stored or decoded, are not read (the crawl never parses them)."""
    conn = index.conn
    faults: list[str] = []
    warnings: list[str] = []
    captured = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    responses = [(rid, ref) for rid, ref in registry.items() if ref.rec_type in ("response", "revisit")]
    if responses and not captured:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        return [f"index holds no captures ({articles} articles), but the WARC files hold {len(responses):,} "
                "archived responses: `newsarchive reindex` rebuilds it"], warnings
    no_row: dict[str, list] = {}
    no_article: dict[str, list] = {}
    role = "role" if has_column(conn, "captures", "role") else f"'{PAGE}'"
    for record_id, ref in responses:
        row = conn.execute(f"SELECT site, {role} FROM captures WHERE record_id = ?", [record_id]).fetchone()
        if row is None:
            no_row.setdefault(ref.warc_file, []).append(ref)
            continue
        if parse is None or ref.status != "200" or ref.truncated or row[1] == REQUISITE:
            continue  # requisites are never parsed, live or by reindex
        if conn.execute("SELECT 1 FROM articles WHERE url = ? OR canonical_url = ? LIMIT 1",
                        [ref.url, ref.url]).fetchone():
            continue
        article = _parse(ref, registry, warc_dir, row[0], parse, max_body_bytes)
        if not article:
            continue
        canonical = article.all_fields().get("canonical_url") or ref.url
        if conn.execute("SELECT 1 FROM articles WHERE canonical_url = ?", [canonical]).fetchone():
            continue
        reason = conn.execute("SELECT reason, detail FROM fetch_errors WHERE url = ? ORDER BY id DESC LIMIT 1",
                              [ref.url]).fetchone()
        if reason:
            warnings.append(f"{ref.warc_file}: article response at {ref.offset} ({ref.url}) has no articles "
                            f"row; recorded reason: {reason[0]} ({reason[1]})")
        else:
            no_article.setdefault(ref.warc_file, []).append(ref)
    for name, refs in no_row.items():
        total = sum(1 for _, ref in responses if ref.warc_file == name)
        faults.append(f"{name}: {len(refs):,} of its {total:,} response and revisit records have no captures row "
                      f"({_examples(refs)}): `newsarchive reindex` indexes them")
    for name, refs in no_article.items():
        faults.append(f"{name}: {len(refs):,} article response(s) have no articles row ({_examples(refs)}): the "
                      "parser finds an article in each; `newsarchive reindex` indexes them")
    return faults, warnings


def _parse(ref, registry: dict, warc_dir: Path, site: str | None, parse,
           max_body_bytes: int) -> IndexableArticle | None:
    """What the parser makes of the page a 200 response (or a revisit, from its original's bytes) holds."""
    source = ref if ref.rec_type == "response" else registry.get(ref.refers_to or "")
    if source is None or source.rec_type != "response":
        return None  # a revisit of a record not in the archive: a fault of its own
    try:
        body = read_response(warc_dir / source.warc_file, source.offset, max_body_bytes).body
        return parse(body, ref.url, warc_date_to_datetime(ref.date), site)
    except Exception:  # an unreadable or unparseable page is not an article the index lost
        return None


def _examples(refs: list) -> str:
    shown = ", ".join(f"offset {ref.offset:,} {ref.url}" for ref in refs[:EXAMPLES])
    return f"e.g. {shown}" + (f" and {len(refs) - EXAMPLES} more" if len(refs) > EXAMPLES else "")

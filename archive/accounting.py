"""What each crawl discovered, fetched, parsed and skipped, per site: the `crawl_sites` and `crawl_skips` rows
(schema in archive/schema.py). Written once per crawl when it ends (crawler/run.py), read by the health checks
(archive/health.py), `stats`, the report and `schedule history`; `missed` is the Python twin of
`newsarchive missed`.

Skip reasons (crawl_sites.skipped keys): budget (--max-articles / --max-pages), window (--since/--until),
robots, offsite, held (already in the index, unchanged), circuit (the host's circuit breaker was open).
Budget skips are listed URL by URL in crawl_skips (at most 10,000 a crawl and site); window and held are counts
only (a sitemap backfill names tens of thousands); robots, offsite and circuit are fetch_errors rows.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from archive.index import Index

SKIP_REASONS = ("budget", "window", "robots", "offsite", "held", "circuit")
LISTED_IN_FETCH_ERRORS = ("robots", "offsite", "circuit")
FIELDS = ("authors", "published", "body", "images")  # crawl_sites.missing keys
SOURCES = ("home", "feed", "listing", "sitemap")  # crawl_sites.discovery keys
JSON_COLUMNS = ("skipped", "discovery", "missing", "access")
COLUMNS = ("site", "discovered", "requested", "fetched", "articles", "not_articles", "http_errors",
           "login_redirects", "skipped", "discovery", "missing", "body_median", "access")


def record_sites(conn: sqlite3.Connection, crawl_id: str, rows: list[dict[str, Any]]) -> None:
    """Write one crawl_sites row per site (a dict of its columns but crawl_id; JSON columns as Python values)
    and its `skips` ([(url, reason, detail)], popped from the dict) as crawl_skips rows. Replaces rows the
    crawl had already."""
    for row in rows:
        if not row or not row.get("site"):
            continue
        row = dict(row)
        skips = row.pop("skips", None) or []
        site = row["site"]
        conn.execute("DELETE FROM crawl_sites WHERE crawl_id = ? AND site = ?", [crawl_id, site])
        conn.execute("DELETE FROM crawl_skips WHERE crawl_id = ? AND site = ?", [crawl_id, site])
        values = [json.dumps(row.get(c) or {}, sort_keys=True) if c in JSON_COLUMNS else row.get(c) for c in COLUMNS]
        conn.execute(f"INSERT INTO crawl_sites (crawl_id, {', '.join(COLUMNS)}) "
                     f"VALUES (?, {', '.join('?' * len(COLUMNS))})", [crawl_id, *values])
        conn.executemany("INSERT INTO crawl_skips (crawl_id, site, url, reason, detail) VALUES (?, ?, ?, ?, ?)",
                         [(crawl_id, site, url, reason, detail) for url, reason, detail in skips])


def site_rows(conn: sqlite3.Connection, crawl_id: str) -> list[dict[str, Any]]:
    """The crawl_sites rows of a crawl, JSON columns decoded."""
    if not _has_tables(conn):
        return []
    cursor = conn.execute(f"SELECT crawl_id, {', '.join(COLUMNS)} FROM crawl_sites WHERE crawl_id = ? ORDER BY site",
                          [crawl_id])
    return [_decoded(row) for row in cursor.fetchall()]


def _decoded(row) -> dict[str, Any]:
    found = dict(zip(("crawl_id", *COLUMNS), row))
    for column in JSON_COLUMNS:
        try:
            found[column] = json.loads(found[column]) if found[column] else {}
        except ValueError:
            found[column] = {}
    return found


def _has_tables(conn: sqlite3.Connection) -> bool:
    """An index written before schema 5, opened read-only and unmigrated, has no crawl_sites."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'crawl_sites'").fetchone() \
        is not None


def missed_line(row: dict[str, Any]) -> str:
    """One site's crawl in words: "kyodo: 301 article URLs discovered, 21 fetched; not fetched: 280 budget"
    (non-zero reasons only)."""
    skipped = row.get("skipped") or {}
    reasons = ", ".join(f"{skipped[r]:,} {r}" for r in SKIP_REASONS if skipped.get(r))
    return (f"{row['site']}: {row.get('discovered') or 0:,} article URLs discovered, {row.get('fetched') or 0:,} "
            f"fetched; " + (f"not fetched: {reasons}" if reasons else "nothing skipped"))


# -- newsarchive missed ----------------------------------------------------------------------------------------


@dataclass
class MissedUrl:
    site: str
    url: str
    reason: str
    detail: str | None
    table: str = "crawl_skips"  # or fetch_errors: robots, offsite, circuit (pages and page requisites alike)


@dataclass
class Missed:
    crawl_id: str
    sites: list[dict[str, Any]]  # the crawl's crawl_sites rows (decoded), for the counts
    urls: list[MissedUrl] = field(default_factory=list)  # crawl_skips rows and robots/offsite/circuit fetch_errors
    unlisted: dict[str, dict[str, int]] = field(default_factory=dict)  # {site: {reason: URLs counted, not listed}}

    def to_dict(self) -> dict[str, Any]:
        return {"crawl_id": self.crawl_id, "sites": self.sites, "urls": [u.__dict__ for u in self.urls],
                "unlisted": self.unlisted}


class UnknownCrawl(LookupError):
    pass


def latest_crawl(conn: sqlite3.Connection) -> str | None:
    """The newest crawl with accounting rows (a running crawl has none yet), else the newest crawl."""
    row = None
    if _has_tables(conn):
        row = conn.execute("SELECT c.id FROM crawls c WHERE EXISTS (SELECT 1 FROM crawl_sites s WHERE s.crawl_id = "
                           "c.id) ORDER BY coalesce(c.started, '') DESC, c.id DESC LIMIT 1").fetchone()
    row = row or conn.execute("SELECT id FROM crawls ORDER BY coalesce(started, '') DESC, id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def missed(conn: sqlite3.Connection, crawl_id: str | None = None, site: str | None = None,
           reason: str | None = None) -> Missed:
    """What a crawl (the latest by default) discovered and did not fetch, per site: the URLs (crawl_skips rows,
    and fetch_errors rows of reasons robots, offsite and circuit) and what was only counted (window, held, and
    budget skips past the 10,000 kept). Raises UnknownCrawl for a crawl id the index does not hold, ValueError
    for an unknown reason."""
    if reason is not None and reason not in SKIP_REASONS:
        raise ValueError(f"unknown reason {reason!r}; choose from {', '.join(SKIP_REASONS)}")
    if crawl_id is None:
        crawl_id = latest_crawl(conn)
        if crawl_id is None:
            raise UnknownCrawl("the index holds no crawl yet")
    elif conn.execute("SELECT 1 FROM crawls WHERE id = ?", [crawl_id]).fetchone() is None:
        raise UnknownCrawl(f"no crawl {crawl_id!r} in the index (newsarchive stats lists the last ones)")
    rows = [r for r in site_rows(conn, crawl_id) if site is None or r["site"] == site]
    result = Missed(crawl_id, rows)
    wanted = [reason] if reason else list(SKIP_REASONS)
    where, params = "crawl_id = ?", [crawl_id]
    if site is not None:
        where, params = where + " AND site = ?", params + [site]
    marks = ",".join("?" * len(wanted))
    if _has_tables(conn):
        result.urls += [MissedUrl(*r) for r in conn.execute(
            f"SELECT site, url, reason, detail FROM crawl_skips WHERE {where} AND reason IN ({marks}) "
            "ORDER BY site, reason, url", params + wanted)]
    from_errors = [r for r in wanted if r in LISTED_IN_FETCH_ERRORS]
    if from_errors:
        result.urls += [MissedUrl(*r, table="fetch_errors") for r in conn.execute(
            f"SELECT coalesce(site, ''), url, reason, detail FROM fetch_errors WHERE {where} "
            f"AND reason IN ({','.join('?' * len(from_errors))}) ORDER BY site, reason, url", params + from_errors)]
    listed: dict[tuple[str, str], int] = {}
    for item in result.urls:
        listed[(item.site, item.reason)] = listed.get((item.site, item.reason), 0) + 1
    for row in rows:  # window and held are counts only, and budget skips past the 10,000 kept
        for name in wanted:
            rest = (row["skipped"].get(name) or 0) - listed.get((row["site"], name), 0)
            if rest > 0 and name not in LISTED_IN_FETCH_ERRORS:
                result.unlisted.setdefault(row["site"], {})[name] = rest
    return result


def read_missed(db_path, crawl_id: str | None = None, site: str | None = None, reason: str | None = None) -> Missed:
    """`missed` of the index at `db_path`, opened read-only: the Python twin of `newsarchive missed`."""
    index = Index(db_path, readonly=True)
    try:
        return missed(index.conn, crawl_id, site, reason)
    finally:
        index.close()


def format_missed(result: Missed, printable=lambda text: text) -> str:
    """`missed` as text: one line a site, then the URLs (`printable` makes page text safe for a terminal)."""
    lines = [f"crawl {result.crawl_id}"]
    if not result.sites:
        lines.append("no accounting for this crawl (it is still running, or ran before schema 5)")
    lines += ["  " + printable(missed_line(row)) for row in result.sites]
    for site, counts in sorted(result.unlisted.items()):
        lines.append(f"  {printable(site)}: counted, URLs not listed: "
                     + ", ".join(f"{n:,} {reason}" for reason, n in counts.items()))
    for table, heading in (("crawl_skips", "article URLs not fetched"),
                           ("fetch_errors", "not fetched on purpose or refused (fetch_errors: pages and page "
                                            "requisites alike)")):
        urls = [item for item in result.urls if item.table == table]
        if urls:
            lines += ["", f"{heading}:", "site      reason   url  (detail)"]
            for item in urls:
                detail = f"  ({printable(item.detail)})" if item.detail else ""
                lines.append(f"{printable(item.site):<9} {item.reason:<8} {printable(item.url)}{detail}")
    return "\n".join(lines)


# -- over a period (newsarchive stats) -------------------------------------------------------------------------


def totals_since(conn: sqlite3.Connection, since: str) -> dict[str, dict[str, Any]]:
    """Per site, over the crawls started on or after `since` (YYYY-MM-DD): crawls, URLs discovered, fetched,
    and skipped by reason."""
    if not _has_tables(conn):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for site, discovered, fetched, skipped in conn.execute(
            "SELECT s.site, s.discovered, s.fetched, s.skipped FROM crawl_sites s JOIN crawls c ON c.id = s.crawl_id "
            "WHERE substr(coalesce(c.started, ''), 1, 10) >= ? ORDER BY s.site", [since]):
        entry = found.setdefault(site, {"crawls": 0, "discovered": 0, "fetched": 0,
                                        "skipped": {r: 0 for r in SKIP_REASONS}})
        entry["crawls"] += 1
        entry["discovered"] += discovered or 0
        entry["fetched"] += fetched or 0
        try:
            counts = json.loads(skipped or "{}")
        except ValueError:
            counts = {}
        for name in SKIP_REASONS:
            entry["skipped"][name] += counts.get(name) or 0
    return found

"""What each crawl discovered, fetched, parsed and skipped, per site: the `crawl_sites` and `crawl_skips` rows
(schema in archive/schema.py). Written once per crawl when it ends (crawler/run.py), read by the health checks
(archive/health.py), `stats`, the report and `schedule history`.

Skip reasons (crawl_sites.skipped keys): budget (--max-articles / --max-pages), window (--since/--until),
robots, offsite, held (already in the index, unchanged), circuit (the host's circuit breaker was open).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

SKIP_REASONS = ("budget", "window", "robots", "offsite", "held", "circuit")
JSON_COLUMNS = ("skipped", "discovery", "missing", "access")
COLUMNS = ("site", "discovered", "requested", "fetched", "articles", "not_articles", "http_errors", "login_redirects",
           "skipped", "discovery", "missing", "body_median", "access")


def record_sites(conn: sqlite3.Connection, crawl_id: str, rows: list[dict[str, Any]]) -> None:
    """Write one crawl_sites row per site (a dict of its columns but crawl_id; JSON columns as Python values)
    and its `skips` ([(url, reason, detail)], popped from the dict) as crawl_skips rows. Replaces rows the
    crawl had already."""
    conn.execute("DELETE FROM crawl_sites WHERE crawl_id = ?", [crawl_id])
    conn.execute("DELETE FROM crawl_skips WHERE crawl_id = ?", [crawl_id])
    for row in rows:
        row = dict(row)
        skips = row.pop("skips", None) or []
        values = {column: row.get(column) for column in COLUMNS}
        for column in JSON_COLUMNS:
            if values[column] is not None:
                values[column] = json.dumps(values[column], sort_keys=True)
        conn.execute(f"INSERT INTO crawl_sites (crawl_id, {', '.join(COLUMNS)}) "
                     f"VALUES (?, {', '.join('?' * len(COLUMNS))})", [crawl_id, *values.values()])
        conn.executemany("INSERT INTO crawl_skips (crawl_id, site, url, reason, detail) VALUES (?, ?, ?, ?, ?)",
                         [(crawl_id, row["site"], *skip) for skip in skips])


def site_rows(conn: sqlite3.Connection, crawl_id: str) -> list[dict[str, Any]]:
    """The crawl_sites rows of a crawl, JSON columns decoded."""
    cursor = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM crawl_sites WHERE crawl_id = ? ORDER BY site",
                          [crawl_id])
    return [decode(dict(zip(COLUMNS, row))) for row in cursor]


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """A crawl_sites row with its JSON columns as Python values (None stays None)."""
    for column in JSON_COLUMNS:
        if isinstance(row.get(column), str):
            row[column] = json.loads(row[column])
    return row

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


def record_sites(conn: sqlite3.Connection, crawl_id: str, rows: list[dict[str, Any]]) -> None:
    """Write one crawl_sites row per site (a dict of its columns but crawl_id; JSON columns as Python values)
    and its `skips` ([(url, reason, detail)], popped from the dict) as crawl_skips rows. Replaces rows the
    crawl had already."""


def site_rows(conn: sqlite3.Connection, crawl_id: str) -> list[dict[str, Any]]:
    """The crawl_sites rows of a crawl, JSON columns decoded."""
    return []

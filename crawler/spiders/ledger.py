"""What a spider discovered, requested, fetched and skipped (and why), and how its discovery pages answered:
kept while it crawls, written into the crawl's stats when it closes (crawler/extensions/accounting.py), from
which `site_record` makes the site's `crawl_sites` row and `crawl_skips` rows.

Article URLs: Kyodo's are those its article pattern matches; Inakoran has no such pattern (its parser alone
tells an article), so every page its links, feed or sitemap name is a candidate and is counted here (pagination
aside: a listing page is never an article).

A URL discovered and not requested is skipped for the last reason recorded for it: `budget` (--max-articles,
--max-pages), `window` (--since/--until), `held` (the index holds it, unchanged), or, for a request that never
left, `robots`, `offsite` or `circuit`. A URL skipped on one page and requested from another (a sitemap lastmod
later than our capture) is requested, not skipped; so discovered = requested + every skip. Only budget skips
are kept URL by URL (crawl_skips): robots, offsite and circuit are fetch_errors rows already, and window and
held are counts (a sitemap backfill names tens of thousands). Off-site links and requisites that are no
article URL are fetch_errors rows too, and not counted here.

Discovery sources: home, feed, listing (pagination included), sitemap (index and urlsets), each with its
requests, ok (200), not_modified (304), http_errors (4xx/5xx), failed (no response), unparseable (a 200 that
could not be read, or a feed, sitemap or first listing page without a single article link) and links (distinct
article URLs found there).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from crawler.meta import DISCOVERY_META_KEY

SOURCES = ("home", "feed", "listing", "sitemap")
SOURCE_COUNTS = ("requests", "ok", "not_modified", "http_errors", "failed", "unparseable", "links")
# How the spiders name a request's discovery source (request.meta DISCOVERY_META_KEY "source") -> ours.
_SOURCE_OF = {"home": "home", "feed-index": "feed", "listing-index": "listing", "pagination": "listing",
              "sitemap-index": "sitemap"}
SKIP_REASONS = ("budget", "window", "robots", "offsite", "held", "circuit")  # archive.accounting's
FETCH_ERROR_REASONS = ("robots", "offsite", "circuit")  # their URLs are fetch_errors rows
MAX_SKIP_URLS = 10_000  # budget-skipped URLs kept per crawl and site; the rest are counted (skips_overflow)
STATS_PREFIX = "accounting/"


def discovery_source(meta: dict) -> str | None:
    """The discovery source (SOURCES) of a request or response by its meta, or None for an article or asset."""
    return _SOURCE_OF.get((meta.get(DISCOVERY_META_KEY) or {}).get("source"))


class UrlList(list):
    """A list of (url, reason, detail) kept in the stats: Scrapy logs its stats when a crawl ends, and ten
    thousand URLs there would bury the log."""

    def __repr__(self) -> str:
        return f"<{len(self):,} skipped URLs>"


class Ledger:
    def __init__(self) -> None:
        self.discovered: set[str] = set()
        self.requested: set[str] = set()
        self.fetched: set[str] = set()
        self.http_errors: set[str] = set()
        self.not_articles = 0
        self.login_redirects = 0
        self.reasons: dict[str, tuple[str, str | None]] = {}  # url -> its last skip (reason, detail)
        self.sources: dict[str, Counter] = {s: Counter() for s in SOURCES}
        self.links: dict[str, set[str]] = {s: set() for s in SOURCES}

    # -- article URLs ----------------------------------------------------------------------------------

    def found(self, url: str, source: str | None = None) -> None:
        """An article URL discovered, on a page of discovery `source` (links found there)."""
        self.discovered.add(url)
        if source in self.links:
            self.links[source].add(url)

    def skip(self, url: str, reason: str, detail: str | None = None) -> None:
        """`url` discovered and, this time, not requested: why."""
        self.discovered.add(url)
        if url not in self.requested:
            self.reasons[url] = (reason, detail)

    def request(self, url: str) -> None:
        self.discovered.add(url)
        self.requested.add(url)
        self.reasons.pop(url, None)

    def unrequest(self, url: str, reason: str, detail: str | None = None) -> None:
        """A request made and never sent: past --max-pages (crawler/core/scheduler.py), or refused as robots,
        offsite or circuit before it left (those are fetch_errors rows)."""
        self.requested.discard(url)
        self.reasons[url] = (reason, detail)

    def response(self, url: str, status: int) -> None:
        self.fetched.add(url)
        if status >= 400:
            self.http_errors.add(url)

    def not_article(self) -> None:
        self.not_articles += 1

    def login_redirect(self, url: str) -> None:
        """An article request of `url` answered with a redirect to a login, consent or subscribe page (whether
        that page was then fetched, refused by robots.txt or dropped as already fetched for another article)."""
        self.login_redirects += 1
        self.fetched.add(url)

    # -- discovery pages -------------------------------------------------------------------------------

    def answered(self, source: str | None, status: int, not_modified: bool = False) -> None:
        if source is None:
            return
        counts = self.sources[source]
        counts["requests"] += 1
        if not_modified:
            counts["not_modified"] += 1
        elif status == 200:
            counts["ok"] += 1
        elif status >= 400:
            counts["http_errors"] += 1

    def failed(self, source: str | None) -> None:
        if source is not None:
            self.sources[source]["requests"] += 1
            self.sources[source]["failed"] += 1

    def unparseable(self, source: str | None) -> None:
        if source is not None:
            self.sources[source]["unparseable"] += 1

    # -- when the spider closes ------------------------------------------------------------------------

    def skips(self) -> dict[str, list[tuple[str, str | None]]]:
        """{reason: [(url, detail)]} of the URLs discovered and never requested."""
        found: dict[str, list[tuple[str, str | None]]] = {r: [] for r in SKIP_REASONS}
        for url in sorted(self.discovered - self.requested):
            reason, detail = self.reasons.get(url, ("", None))
            if reason in found:
                found[reason].append((url, detail))
        return found

    def write_stats(self, stats: Any) -> None:
        """Into the crawl's stats (a Scrapy StatsCollector), under STATS_PREFIX."""
        skips = self.skips()
        budget = skips["budget"]
        kept = UrlList((url, "budget", detail) for url, detail in budget[:MAX_SKIP_URLS])
        values = {
            "discovered": len(self.discovered), "requested": len(self.requested), "fetched": len(self.fetched),
            "http_errors": len(self.http_errors), "not_articles": self.not_articles,
            "login_redirects": self.login_redirects,
            "skipped": {reason: len(urls) for reason, urls in skips.items()},
            "discovery": {source: {name: (len(self.links[source]) if name == "links" else counts[name])
                                   for name in SOURCE_COUNTS}
                          for source, counts in self.sources.items()
                          if counts or self.links[source]},
            "skip_urls": kept, "skip_urls_overflow": len(budget) - len(kept),
        }
        for name, value in values.items():
            stats.set_value(STATS_PREFIX + name, value)

"""Crawl accounting: counts what a spider discovered, fetched, parsed and skipped (and why), and the field and
access figures of the articles it yielded, into the crawl's stats; `site_record(site, stats)` turns them into
the site's `crawl_sites` row (archive/accounting.py) when the crawl ends (crawler/run.py).

The spider keeps its ledger of URLs and discovery pages (crawler/spiders/ledger.py); this extension writes it
into the stats when the spider closes, beside the figures of the articles it saw through `item_scraped`:
articles missing authors (an empty list), published (None), body (None, empty or whitespace) or images (an
empty list), the median body length in characters, and the access states.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from scrapy import signals

from archive.accounting import FIELDS, SKIP_REASONS
from crawler.items import ArchivedArticle
from crawler.spiders.ledger import STATS_PREFIX


def missing(article: Any) -> dict[str, bool]:
    """Which of FIELDS `article` (crawler.parsers.Article) lacks."""
    return {"authors": not article.authors, "published": article.published is None,
            "body": not (article.body or "").strip(), "images": not article.images}


class CrawlAccounting:
    def __init__(self, crawler):
        self.crawler = crawler
        self.missing: Counter = Counter({name: 0 for name in FIELDS})
        self.access: Counter = Counter()
        self.body_lengths: list[int] = []

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def item_scraped(self, item, spider=None, response=None):
        if not isinstance(item, ArchivedArticle):
            return
        article = item.article
        self.missing.update(name for name, absent in missing(article).items() if absent)
        self.access[article.access or "unknown"] += 1
        if (article.body or "").strip():
            self.body_lengths.append(len(article.body))

    def spider_closed(self, spider, reason=None):
        stats = self.crawler.stats
        ledger = getattr(spider, "ledger", None)
        if ledger is not None:
            ledger.write_stats(stats)
        stats.set_value(STATS_PREFIX + "missing", dict(self.missing))
        stats.set_value(STATS_PREFIX + "access", dict(self.access))
        stats.set_value(STATS_PREFIX + "body_median",
                        round(statistics.median(self.body_lengths)) if self.body_lengths else None)


def site_record(site: str, stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl_sites row of `site` (all columns but crawl_id; JSON columns as Python values), plus `skips`:
    [(url, reason, detail)] for crawl_skips: the budget skips, at most MAX_SKIP_URLS (crawler/spiders/ledger.py)
    of them; `skipped["budget"]` counts them all."""
    value = lambda name, default=0: stats.get(STATS_PREFIX + name, default)  # noqa: E731
    counted = value("skipped", {})
    skipped = {reason: counted.get(reason, 0) for reason in SKIP_REASONS}
    return {
        "site": site,
        "discovered": value("discovered"), "requested": value("requested"), "fetched": value("fetched"),
        "articles": stats.get("item_scraped_count", 0), "not_articles": value("not_articles"),
        "http_errors": value("http_errors"), "login_redirects": value("login_redirects"),
        "skipped": skipped, "discovery": dict(value("discovery", {})),
        "missing": dict(value("missing", {name: 0 for name in FIELDS})),
        "body_median": value("body_median", None), "access": dict(value("access", {})),
        "skips": list(value("skip_urls", [])),
    }

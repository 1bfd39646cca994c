"""A live progress line on a terminal: pages, articles, page requisites, errors and rate for every crawler in
the process, counted as the crawl's summary counts them (crawler/run.py).

Enabled by NEWSARCHIVE_PROGRESS (the CLI turns it on when stderr is a terminal and --quiet is not given);
otherwise Scrapy's periodic LogStats lines serve cron and log files.
"""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from archive.index import SKIP_REASONS

_crawlers: list = []
_loop: task.LoopingCall | None = None
_started = 0.0


def _errors(stats: dict) -> int:
    # Off-site URLs and robots.txt exclusions are skips, not errors (archive.index.SKIP_REASONS).
    return sum(v for k, v in stats.items()
               if k.startswith("newsarchive/failed/") and k.rsplit("/", 1)[-1] not in SKIP_REASONS) + \
        stats.get("warc/write_errors", 0) + stats.get("index/write_errors", 0)


def _render() -> None:
    elapsed = max(time.monotonic() - _started, 1e-6)
    parts, total = [], 0
    for crawler in _crawlers:
        stats = crawler.stats.get_stats()
        requisites = stats.get("newsarchive/requisites", 0)
        pages = stats.get("response_received_count", 0) - requisites
        total += pages
        parts.append(f"{crawler.spidercls.name}: {pages} pages, {stats.get('item_scraped_count', 0)} articles, "
                     f"{requisites} requisites, {_errors(stats)} errors")
    sys.stderr.write("\r\033[K" + " | ".join(parts) + f" | {total / elapsed:.0f} pages/s")
    sys.stderr.flush()


class ProgressLine:
    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSARCHIVE_PROGRESS"):
            raise NotConfigured
        ext = cls()
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        ext.crawler = crawler
        return ext

    def opened(self, spider):
        global _loop, _started
        _crawlers.append(self.crawler)
        if _loop is None:
            _started = time.monotonic()
            _loop = task.LoopingCall(_render)
            _loop.start(0.5, now=False)

    def closed(self, spider, reason):
        global _loop
        _render()
        _crawlers.remove(self.crawler)
        if not _crawlers and _loop is not None:
            _loop.stop()
            _loop = None
            sys.stderr.write("\n")
            sys.stderr.flush()

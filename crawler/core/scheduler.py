"""`--max-pages N` (setting NEWSARCHIVE_MAX_PAGES): a scheduler that hands out at most N page requests.

Scrapy's own CLOSESPIDER_PAGECOUNT closes the spider after N responses, but every request already handed to
the downloader (up to CONCURRENT_REQUESTS) is fetched all the same: `--max-pages 12` fetched 27 pages of the
mirror. Bounding the requests that leave the queue fetches N pages (robots.txt, which Scrapy's robots
middleware fetches outside the queue, aside; retries and redirects count, as they are fetches too). Then the
queue reports nothing pending, and the crawl ends as finished with the rest of its queue unfetched.

Page requisites (request.meta REQUISITE_META_KEY: a stylesheet, an image a fetched page needs) are outside
the budget: a page counted is archived with what it needs to be shown. Once the budget is spent, the queue
still hands out requisites, and drops the pages it holds (they would never leave it).

Article URLs dropped so, or left queued when the crawl ends, are the crawl's `budget` skips
(crawler/spiders/ledger.py): discovered, asked for, never fetched because of the bound.
"""

from __future__ import annotations

import logging

from scrapy.core.scheduler import Scheduler

from crawler.meta import ACCOUNTED_META_KEY, REQUISITE_META_KEY

logger = logging.getLogger(__name__)


class PageBudgetScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.budget = crawler.settings.getint("NEWSARCHIVE_MAX_PAGES", 0) or None
        scheduler.handed_out = 0
        scheduler.requisites_queued = 0
        scheduler.crawler_ref = crawler  # whose spider's ledger hears of the article URLs left unfetched
        return scheduler

    def spent(self) -> bool:
        return self.budget is not None and self.handed_out >= self.budget

    def enqueue_request(self, request) -> bool:
        queued = super().enqueue_request(request)
        if queued and REQUISITE_META_KEY in request.meta:
            self.requisites_queued += 1
        return queued

    def next_request(self):
        while True:
            request = super().next_request()
            if request is None:
                return None
            if REQUISITE_META_KEY in request.meta:
                self.requisites_queued -= 1
                return request
            if not self.spent():
                break
            # A page past the budget: dropped, as it would stay queued until the end of the crawl.
            self._unfetched(request)
        self.handed_out += 1
        if self.spent():
            left = len(self) - self.requisites_queued
            self.stats.set_value("newsarchive/max_pages_left_queued", left)
            logger.info("max pages (%d) reached: %d queued requests are left unfetched", self.budget, left)
        return request

    def close(self, reason: str):
        if self.spent():  # what is still queued is never fetched: the budget's too
            while (request := super().next_request()) is not None:
                self._unfetched(request)
        return super().close(reason)

    def _unfetched(self, request) -> None:
        url = request.meta.get(ACCOUNTED_META_KEY)
        ledger = getattr(getattr(self.crawler_ref, "spider", None), "ledger", None)
        if url and ledger is not None:
            ledger.unrequest(url, "budget", f"--max-pages {self.budget} reached")

    def has_pending_requests(self) -> bool:
        if self.spent():
            return self.requisites_queued > 0
        return super().has_pending_requests()

"""`--max-pages N` (setting NEWSARCHIVE_MAX_PAGES): a scheduler that hands out at most N requests.

Scrapy's own CLOSESPIDER_PAGECOUNT closes the spider after N responses, but every request already handed to
the downloader (up to CONCURRENT_REQUESTS) is fetched all the same: `--max-pages 12` fetched 27 pages of the
mirror. Bounding the requests that leave the queue fetches N pages (robots.txt, which Scrapy's robots
middleware fetches outside the queue, aside; retries and redirects count, as they are fetches too). Then the
queue reports nothing pending, and the crawl ends as finished with the rest of its queue unfetched.
"""

from __future__ import annotations

import logging

from scrapy.core.scheduler import Scheduler

logger = logging.getLogger(__name__)


class PageBudgetScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.budget = crawler.settings.getint("NEWSARCHIVE_MAX_PAGES", 0) or None
        scheduler.handed_out = 0
        return scheduler

    def spent(self) -> bool:
        return self.budget is not None and self.handed_out >= self.budget

    def next_request(self):
        if self.spent():
            return None
        request = super().next_request()
        if request is not None:
            self.handed_out += 1
            if self.spent():
                self.stats.set_value("newsarchive/max_pages_left_queued", len(self))
                logger.info("max pages (%d) reached: %d queued requests are left unfetched", self.budget, len(self))
        return request

    def has_pending_requests(self) -> bool:
        return not self.spent() and super().has_pending_requests()

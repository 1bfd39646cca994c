"""What every newsarchive spider shares: base-URL override, article bound, page -> item."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
import scrapy
from scrapy.http import Response

from archive.index import Capture
from archive.warc import warc_date_to_datetime
from crawler.middlewares import CAPTURE_META_KEY
from crawler import signals as na_signals
from crawler.failures import classify_failure
from crawler.parsers import Article, parse_page
from crawler.sites import get_site
from crawler.urls import canonicalize, same_origin

logger = logging.getLogger(__name__)


class ArchiveSpider(scrapy.Spider):
    """Base for site spiders. Arguments (`-a`): base_url, max_articles.

    The base URL comes from `-a base_url=...`, else the NEWSARCHIVE_BASE_URLS setting, else the real
    site (crawler/sites.py): the only way tests and the demo point a spider at the mirror.
    """

    site_name = ""

    def __init__(self, *args, base_url: str | None = None, max_articles: int | str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._base_url_arg = base_url
        self.max_articles = int(max_articles) if max_articles not in (None, "", "0", 0) else None
        self.article_requests = 0

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        overrides = crawler.settings.getdict("NEWSARCHIVE_BASE_URLS")
        base = spider._base_url_arg or overrides.get(cls.site_name) or get_site(cls.site_name).base_url
        spider.base_url = base.rstrip("/")
        spider.allowed_domains = [spider.base_url.split("://", 1)[-1].split("/", 1)[0].split(":")[0]]
        return spider

    # -- helpers for subclasses ------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return canonicalize(path, self.base_url + "/")

    def is_same_site(self, url: str) -> bool:
        return same_origin(url, self.base_url)

    def may_request_article(self) -> bool:
        return self.max_articles is None or self.article_requests < self.max_articles

    def count_article_request(self) -> None:
        self.article_requests += 1

    # -- failures --------------------------------------------------------------------------------------

    def record_failure(self, url: str, reason: str, status: int | None = None, detail: str | None = None) -> None:
        self.crawler.stats.inc_value(f"newsarchive/failed/{reason}")
        self.crawler.signals.send_catch_log(na_signals.fetch_failed, url=url, reason=reason, status=status,
                                            detail=detail, spider=self)

    def on_error(self, failure):
        """Errback for every request: why a URL could not be fetched, in words an archivist can act on."""
        request = failure.request
        reason, detail = classify_failure(failure)
        logger.info("failed %s: %s (%s)", request.url, reason, detail)
        self.record_failure(request.url, reason, detail=detail)

    # -- page -> item ----------------------------------------------------------------------------------

    def extract(self, response: Response):
        """Run the site parser on a fetched page; yields one item when it is an archived article.

        Only archived pages are indexed (an index row must point at its WARC record). With capture off
        (WARC_ENABLED=False, benchmarks only) pages are still parsed, so the cost of capture can be measured.
        """
        if response.status != 200:
            self.crawler.stats.inc_value(f"newsarchive/http_{response.status}")
            if response.status >= 400:
                self.record_failure(response.url, "http", status=response.status,
                                    detail=f"HTTP {response.status}")
            return
        capture: Capture | None = response.meta.get(CAPTURE_META_KEY)
        fetched_at = warc_date_to_datetime(capture.fetched_at) if capture else datetime.now(timezone.utc)
        result = parse_page(response.body, response.url, fetched_at, site=self.site_name)
        if not isinstance(result, Article):
            self.crawler.stats.inc_value("newsarchive/not_article")
            logger.debug("not an article: %s (%s)", response.url, result.reason)
            return
        if capture is None:
            self.crawler.stats.inc_value("newsarchive/unarchived_articles")
            if self.crawler.settings.getbool("WARC_ENABLED", True):
                logger.warning("not indexing %s: it was not archived to WARC", response.url)
            return
        for warning in result.warnings:
            logger.info("%s: %s", response.url, warning)
        yield {"article": result.to_dict(), "warnings": list(result.warnings), "capture": capture}

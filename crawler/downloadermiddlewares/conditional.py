"""Conditional requests for the pages every run fetches again: listings, feeds, sitemaps.

A request whose meta says `conditional` carries If-None-Match / If-Modified-Since from the last full (200)
capture of its URL in the archive, read once when the request goes out. A 304 answer is archived as it came
(the capture middleware sits closer to the downloader), then handed on as that earlier 200 response: the
spider reads the page as it was, so an article that a previous run failed to fetch is still found on an
unchanged listing. A page whose last capture cannot be read is fetched without conditions. A 304 page is
never indexed (spiders.base.ArchiveSpider.extract): an index row must point at the record holding the text.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from archive.index import default_db_path
from archive.lookups import LastFullCaptures
from archive.records import StoredResponse, read_response
from crawler.core.bodylimit import max_body_bytes
from crawler.meta import CONDITIONAL_META_KEY, CONDITIONAL_ORIGINAL_META_KEY, NOT_MODIFIED_FLAG
from crawler.runinfo import data_dir

logger = logging.getLogger(__name__)



class ConditionalRequests:
    def __init__(self, crawler):
        self.crawler = crawler
        data = Path(data_dir(crawler.settings))
        self.db_path = default_db_path(data)
        self.warc_dir = data / "warc"
        self.max_body_bytes = max_body_bytes(crawler.settings)
        self._last_captures = LastFullCaptures(self.db_path)

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def _last_full_capture(self, url: str) -> tuple[Path, int] | None:
        found = self._last_captures.find(url)
        return (self.warc_dir / found[0], found[1]) if found else None

    def process_request(self, request):
        if not request.meta.get(CONDITIONAL_META_KEY) or CONDITIONAL_ORIGINAL_META_KEY in request.meta:
            return None
        original = self._last_full_capture(request.url)
        if original is None:
            return None
        try:
            stored = read_response(*original, self.max_body_bytes)
        except (OSError, ValueError) as exc:  # BodyTooLarge too: a bomb archived last time is fetched afresh
            logger.info("no conditions for %s: its last capture is unreadable (%s)", request.url, exc)
            return None
        validators = {name.lower(): value for name, value in stored.headers}
        if validators.get("etag"):
            request.headers[b"If-None-Match"] = validators["etag"]
        if validators.get("last-modified"):
            request.headers[b"If-Modified-Since"] = validators["last-modified"]
        if validators.get("etag") or validators.get("last-modified"):
            request.meta[CONDITIONAL_ORIGINAL_META_KEY] = stored
        return None

    def process_response(self, request, response):
        stored = request.meta.get(CONDITIONAL_ORIGINAL_META_KEY)
        if response.status != 304 or stored is None:
            return response
        self.crawler.stats.inc_value("newsarchive/not_modified")
        return _as_stored(response, stored)

    def close(self) -> None:
        self._last_captures.close()


def _as_stored(response, stored: StoredResponse):
    """The 304 answer as the 200 it confirmed: that capture's headers and body, still Content-Encoded."""
    headers = Headers()
    for name, value in stored.headers:
        headers.appendlist(name, value)
    # A new response of the class those headers call for: the 304's (a bodiless plain Response, or a text one
    # with an encoding of its own) would not do.
    cls = responsetypes.from_args(headers=headers, url=response.url, body=stored.raw_body)
    return cls(url=response.url, status=200, headers=headers, body=stored.raw_body, request=response.request,
               flags=[*response.flags, NOT_MODIFIED_FLAG], certificate=response.certificate,
               ip_address=response.ip_address, protocol=response.protocol)


"""Page requisites in a crawl: the requests for what a fetched page needs to be shown (its stylesheets and what
they load, scripts, images, icons, og:image), the callback that reads what comes back, and their counts.

An archive of HTML alone replays as unstyled text with broken images. Which requisites a page has is read in
the parser process with the page itself (crawler/workers/parsing.py, crawler/parsers/requisites.py); this
module turns them into requests, for the spiders (a mixin of ArchiveSpider):

- one request per URL per crawl, however many pages use it: a set here, and Scrapy's duplicate filter
  behind it (never `dont_filter`); across crawls each request is conditional (the validators of the URL's
  last capture, downloadermiddlewares/conditional.py), and an unchanged payload is written as a revisit;
- in scope = the site's origins and its asset origins (crawler/sites.py); anything else is third-party, never
  fetched, recorded once as `offsite` (a skip, not an error); robots.txt of every host is obeyed by Scrapy's
  robots middleware (a refusal is recorded as `robots`);
- a priority above every page's, so a page's requisites follow it as a browser's would, and outside the page
  budget (crawler/core/scheduler.py) and --max-articles: they are never parsed as pages nor followed as links;
- a stylesheet is read for its @import rules and url() values (fonts, images), an imported one too, to
  MAX_CSS_DEPTH; a requisite that fails (404, timeout, reset) is recorded and the crawl goes on.
"""

from __future__ import annotations

import scrapy

from crawler import signals as na_signals
from crawler.meta import (CONDITIONAL_META_KEY, DISCOVERY_META_KEY, MAXSIZE_FLAG, PARSER_DECODES_META_KEY,
                          REQUISITE_META_KEY, content_encoding, truncated)
from crawler.sites import REQUISITE_MODES
from crawler.workers.parsing import Oversized, in_parser

# Above every page (default 0): with Scrapy's priority queue, a page's requisites are fetched as soon as the
# page is read, not after every page the crawl has queued.
REQUISITE_PRIORITY = 100
# How many stylesheets deep what a stylesheet loads is followed: page -> stylesheet (0) -> @import (1) ->
# @import (2) -> @import (3). Real sites nest one or two; the bound stops an @import loop on a site whose
# URLs differ each time (a cache-busting query), which the duplicate filter alone would not.
MAX_CSS_DEPTH = 3
CSS_KINDS = ("stylesheet", "css-import")
# What a browser sends for each kind: a CDN that picks the format by Accept serves what readers got.
ACCEPT = {
    "stylesheet": "text/css,*/*;q=0.1",
    "css-import": "text/css,*/*;q=0.1",
    "image": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
    "icon": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
    "og:image": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
    "css-image": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
    "script": "*/*",
    "font": "*/*",
}


class RequisiteRequests:
    """Mixin for ArchiveSpider: `start_requisites` in from_crawler, then `requisite_requests` for what a page
    or stylesheet needs. Stats: newsarchive/requisites (captured, any status), newsarchive/requisite_bytes
    (their WARC records' bytes), newsarchive/requisites_requested, newsarchive/requisites_offsite."""

    requisite_mode = "none"

    def start_requisites(self, crawler) -> None:
        mode = str(crawler.settings.get("NEWSARCHIVE_REQUISITES") or "pages").strip()
        if mode not in REQUISITE_MODES:  # `scrapy crawl -s` reaches here unchecked: say it in one line
            raise ValueError(f"NEWSARCHIVE_REQUISITES={mode}: takes one of {', '.join(REQUISITE_MODES)}")
        self.requisite_mode = mode
        self._requisites_seen: set[str] = set()
        crawler.signals.connect(self._requisite_captured, signal=na_signals.capture_written)

    def requisite_requests(self, page_url: str, requisites, depth: int = 0,
                           found_in: str | None = None) -> list[scrapy.Request]:
        """Requests for the requisites of `page_url` not yet asked for in this crawl (`found_in`: the
        stylesheet that named them, `depth` stylesheets down); third-party ones recorded instead."""
        requests = []
        for requisite in requisites:
            url = requisite.url
            if url in self._requisites_seen:
                continue
            self._requisites_seen.add(url)
            if not self.in_scope(url):
                self.crawler.stats.inc_value("newsarchive/requisites_offsite")
                self.record_failure(url, "offsite", detail=f"third-party {requisite.kind} of {page_url}; not fetched")
                continue
            discovery = {"source": "requisite", "via": page_url}
            if found_in:
                discovery["foundIn"] = found_in  # the stylesheet that loads it, for the metadata record
            requests.append(scrapy.Request(
                url, callback=self.parse_requisite, errback=self.on_error, priority=REQUISITE_PRIORITY,
                headers={"Accept": ACCEPT.get(requisite.kind, "*/*")}, cb_kwargs={"depth": depth},
                meta={REQUISITE_META_KEY: {"of": page_url, "kind": requisite.kind},
                      DISCOVERY_META_KEY: discovery, CONDITIONAL_META_KEY: True,
                      # never decoded on the reactor thread: a stylesheet is read in the parser process
                      PARSER_DECODES_META_KEY: True}))
        self.crawler.stats.inc_value("newsarchive/requisites_requested", len(requests))
        return requests

    async def parse_requisite(self, response, depth: int = 0):
        """A requisite's answer: archived already (the capture middleware); here a failure is recorded, and a
        stylesheet is read for what it loads."""
        info = response.meta.get(REQUISITE_META_KEY) or {}
        kind, page = info.get("kind", "requisite"), info.get("of") or response.url
        if response.status != 200:
            if response.status >= 400:
                self.record_failure(response.url, "http", status=response.status,
                                    detail=f"HTTP {response.status} ({kind} of {page})")
            return
        if truncated(response):
            reason = "too_large" if MAXSIZE_FLAG in response.flags else "connection"
            self.record_failure(response.url, reason, detail=f"{kind} of {page} cut short at "
                                                             f"{len(response.body):,} bytes; archived as it came")
            return
        if kind not in CSS_KINDS or depth >= MAX_CSS_DEPTH or self.requisite_mode == "none":
            return
        try:
            found = await in_parser("css", response.body, content_encoding(response), response.url, self.max_body_bytes,
                                    processes=self.crawler.settings.getint("PARSER_PROCESSES", 0))
        except Exception as exc:  # undecodable body, dead worker: the stylesheet stays archived
            self.record_failure(response.url, "parse", detail=f"stylesheet unreadable: {type(exc).__name__}: {exc}")
            return
        if isinstance(found, Oversized):
            self.record_failure(response.url, "too_large", detail=found.detail)
            return
        for request in self.requisite_requests(page, found, depth + 1, found_in=response.url):
            yield request

    async def stored_page_requisites(self, response, page: str):
        """Requests for the requisites of a page confirmed by a 304 (its earlier body, not parsed again):
        asked for conditionally in their turn, so an unchanged site costs a few small records."""
        if self.requisite_mode == "none":
            return
        try:
            found = await in_parser("requisites", response.body, content_encoding(response), response.url, page,
                                    self.requisite_mode, self.max_body_bytes,
                                    processes=self.crawler.settings.getint("PARSER_PROCESSES", 0))
        except Exception as exc:  # the page was read once already; its requisites are not worth failing over
            self.crawler.stats.inc_value("newsarchive/requisites_unread")
            self.logger.info("requisites of %s not read: %s: %s", response.url, type(exc).__name__, exc)
            return
        if isinstance(found, Oversized):
            return
        for request in self.requisite_requests(response.url, found):
            yield request

    def _requisite_captured(self, capture, request, response, spider) -> None:
        if spider is self and REQUISITE_META_KEY in request.meta:
            self.crawler.stats.inc_value("newsarchive/requisites")
            self.crawler.stats.inc_value("newsarchive/requisite_bytes", capture.warc_length or 0)

"""What every newsarchive spider shares: base-URL override, article bound, page -> item."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap

from archive.access import TEXT_STATES
from archive.index import Capture, default_db_path
from archive.times import warc_date_to_datetime
from crawler import signals as na_signals
from crawler.core.bodylimit import derive_size_settings, max_body_bytes
from crawler.spiders.failures import classify_failure
from crawler.spiders.requisites import RequisiteRequests
from crawler.core.halt import halted
from crawler.items import ArchivedArticle
from crawler.meta import (ACCOUNTED_META_KEY, CAPTURE_META_KEY, DISCOVERY_META_KEY, EXPECT_ARTICLE_META_KEY,
                          MAXSIZE_FLAG, NOT_MODIFIED_FLAG, content_encoding, truncated)
from crawler.parsers import NotArticle
from crawler.workers.parsing import Oversized, parse_async
from crawler.runinfo import crawl_id_for, data_dir, derive_user_agent
from crawler.sites import get_site, is_login_redirect
from crawler.spiders.ledger import FETCH_ERROR_REASONS, Ledger, discovery_source
from crawler.spiders.state import Held, Window, load_held, previous_crawl_unfinished
from crawler.urls import as_linked, canonicalize, origin, same_origin

logger = logging.getLogger(__name__)


class ArchiveSpider(RequisiteRequests, scrapy.Spider):
    """Base for site spiders. Arguments (`-a NAME=VALUE`, or `newsarchive crawl` options):

    base_url       crawl this origin instead of the real site (a mirror): the only way tests and the demo
                   point a spider elsewhere. Else the NEWSARCHIVE_BASE_URLS setting, else crawler/sites.py.
    max_articles   stop requesting articles after this many
    since, until   only articles dated in this window (YYYY-MM-DD, inclusive); listings stop paginating
                   once they are past it
    refresh        fetch articles again even when the index holds them
    retry_gated    fetch again articles held only as gated/expired (Kyodo paywall states)
    seeds          extra URLs (comma-separated) to archive, with the same-site links they carry

    Page requisites (NEWSARCHIVE_REQUISITES, crawler/spiders/requisites.py) are asked for with each page.
    walk_all       paginate every listing to its end (fetching only articles not held); automatic when
                   the site's previous crawl did not finish, so a killed run's unvisited pages are reached
    """

    site_name = ""

    def __init__(self, *args, base_url: str | None = None, max_articles: int | str | None = None,
                 since: str | None = None, until: str | None = None, refresh: str | bool = False,
                 retry_gated: str | bool = False, seeds: str | None = None, walk_all: str | bool = False,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self._base_url_arg = base_url
        self.max_articles = int(max_articles) if max_articles not in (None, "", "0", 0) else None
        self.window = Window.parse(since, until)
        self.refresh = _truthy(refresh)
        self.retry_gated = _truthy(retry_gated)
        self.walk_all = _truthy(walk_all)
        self.seeds = [u.strip() for u in (seeds or "").split(",") if u.strip()]
        self.article_requests = 0
        self.requested_articles: set[str] = set()  # asked for in this run: listings repeat articles
        self.held: dict[str, Held] = {}
        self.ledger = Ledger()  # what was discovered, fetched and skipped: the crawl's accounting

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        derive_user_agent(settings)
        derive_size_settings(settings)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        overrides = crawler.settings.getdict("NEWSARCHIVE_BASE_URLS")
        base = spider._base_url_arg or overrides.get(cls.site_name) or get_site(cls.site_name).base_url
        spider.base_url = base.rstrip("/")
        asset_urls = crawler.settings.getdict("NEWSARCHIVE_ASSET_URLS").get(cls.site_name)
        # crawler/downloadermiddlewares/scope.py enforces them
        spider.origins = get_site(cls.site_name).origins(spider.base_url, asset_urls)
        spider.max_body_bytes = max_body_bytes(crawler.settings)
        db_path = default_db_path(data_dir(crawler.settings))
        spider.held = load_held(db_path, cls.site_name)
        previous = previous_crawl_unfinished(db_path, cls.site_name, crawl_id_for(crawler.settings))
        if previous and spider.held and not spider.walk_all:
            spider.walk_all = True
            logger.warning("%s: the previous crawl %s did not finish (%s): walking every listing to its end "
                           "to reach what it missed", cls.site_name, *previous)
        crawler.signals.connect(spider.on_request_dropped, signal=signals.request_dropped)
        spider.start_requisites(crawler)
        return spider

    # -- helpers for subclasses ------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return canonicalize(path, self.base_url + "/")

    def is_same_site(self, url: str) -> bool:
        """Whether discovery follows a link to `url`: the origin being crawled, not the site's other hosts."""
        return same_origin(url, self.base_url)

    def in_scope(self, url: str) -> bool:
        """Whether `url` may be fetched at all: one of the site's origins (crawler/downloadermiddlewares/scope.py asks)."""
        return origin(url) in self.origins

    def may_request_article(self) -> bool:
        return self.max_articles is None or self.article_requests < self.max_articles

    def budget_detail(self) -> str:
        return f"--max-articles {self.max_articles} reached"

    def account_request(self, url: str, meta: dict) -> dict:
        """`meta` for a request of article URL `url`, marked for the accounting, which counts it requested."""
        self.ledger.request(url)
        return {**meta, ACCOUNTED_META_KEY: url}

    def account_page(self, response) -> str | None:
        """Count a discovery page's answer (crawler/spiders/ledger.py); its source, or None for other pages."""
        source = discovery_source(request_meta(response))
        self.ledger.answered(source, response.status, NOT_MODIFIED_FLAG in response.flags)
        return source

    def count_article_request(self) -> None:
        self.article_requests += 1

    def wants_article(self, url: str, changed_at: datetime | None = None) -> bool:
        """Incremental rule: fetch an article unless the index already holds it and nothing says it
        changed since (a sitemap lastmod or feed date later than our capture), or we were asked to."""
        held = self.held.get(url)
        if held is None or self.refresh:
            return True
        if held.access not in TEXT_STATES:
            if self.retry_gated:
                return True
        elif changed_at is not None and held.fetched_at is not None and changed_at > held.fetched_at:
            return True
        self.crawler.stats.inc_value("newsarchive/skipped_held")
        self.ledger.skip(url, "held", "in the index, unchanged")
        return False

    def seed_requests(self):
        for url in self.seeds:
            yield scrapy.Request(as_linked(url, self.base_url + "/"), callback=self.parse_seed,
                                 errback=self.on_error, meta={DISCOVERY_META_KEY: {"source": "seed"}}, dont_filter=True)

    async def parse_seed(self, response, follow: bool = True):
        async for item in self.extract(response):
            yield item
        if not follow or not hasattr(response, "text"):
            return
        for href in response.css("a::attr(href)").getall():
            url = as_linked(href, response.url)
            if self.is_same_site(url):
                yield scrapy.Request(url, callback=self.parse_seed, errback=self.on_error,
                                     cb_kwargs={"follow": False}, meta={DISCOVERY_META_KEY: {"source": "seed-link"}})
            elif url.startswith(("http://", "https://")):
                self.record_offsite(url, response.url)

    def read_sitemap(self, response) -> "Sitemap | None":
        """The sitemap (urlset or sitemapindex) in a 200 response, or None (recorded when unreadable)."""
        if response.status != 200:
            return None
        body = response.body
        if gzip_magic_number(response):  # a .xml.gz file (not a Content-Encoding, which Scrapy undoes)
            limit = max_body_bytes(self.crawler.settings)  # the one limit every decoder holds to
            try:
                body = gunzip(body, max_size=limit)
            except _DecompressionMaxSizeExceeded:
                self.record_failure(response.url, "too_large", detail=f"gzip sitemap larger than {limit:,} bytes "
                                    "(NEWSARCHIVE_MAX_BODY_BYTES) unpacked")
                return None
            except Exception as exc:  # not gzip after all, or damaged (zlib.error, BadGzipFile, EOFError)
                self.record_failure(response.url, "parse", detail=f"unreadable gzip sitemap: {exc}")
                return None
        try:
            return Sitemap(body)
        except Exception as exc:  # lxml refuses the document: record it, don't crash the crawl
            self.record_failure(response.url, "parse", detail=f"unreadable sitemap: {exc}")
            return None

    # -- failures --------------------------------------------------------------------------------------

    def record_offsite(self, url: str, found_on: str, how: str = "linked from") -> None:
        """An off-site link or redirect is not followed; each URL is recorded once per crawl, for the record."""
        self.crawler.stats.inc_value("newsarchive/offsite_links")
        seen = self.__dict__.setdefault("_offsite_seen", set())
        if url not in seen:
            seen.add(url)
            self.record_failure(url, "offsite", detail=f"{how} {found_on}; not fetched")

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
        self.ledger.failed(discovery_source(request.meta))
        accounted = request.meta.get(ACCOUNTED_META_KEY)
        if accounted and is_login_redirect(request.meta.get("redirect_urls") or [], request.url):
            self.ledger.login_redirect(accounted)  # the login page itself failed (robots.txt forbids /auth/...)
        elif accounted and reason in FETCH_ERROR_REASONS:  # never sent: skipped, and a fetch_errors row says why
            self.ledger.unrequest(accounted, reason, detail)

    def on_request_dropped(self, request, spider):
        """Scrapy's duplicate filter drops a redirect's target without a word when this crawl asked for it
        already. Back to a URL of its own chain it is a loop (reason `other`); elsewhere the URL first asked
        for is a `duplicate`. Either way it is recorded against the URL first asked for. (A plain repeat of a
        URL, such as an article on several listings, is not a failure: the URL itself is fetched.)"""
        chain = request.meta.get("redirect_urls") or []
        if spider is not self or not chain:
            return
        if request.meta.get(ACCOUNTED_META_KEY) and is_login_redirect(chain, request.url):
            # every article sent to one login page: only the first request gets there
            self.ledger.login_redirect(request.meta[ACCOUNTED_META_KEY])
        if request.url in chain:
            self.record_failure(chain[0], "other", detail="redirect loop: " + " -> ".join([*chain, request.url]))
        else:
            self.record_failure(chain[0], "duplicate", detail=f"redirects to {request.url}, already requested "
                                                              "in this crawl: " + " -> ".join([*chain, request.url]))

    # -- page -> item ----------------------------------------------------------------------------------

    async def extract(self, response: Response, other_page: str = "listing"):
        """Run the site parser on a fetched page; yields one item when it is an archived article, and the
        requests for the page's requisites: an article's, or an `other_page`'s ("home", "listing") when the
        page is not an article.

        Only archived pages are indexed (an index row must point at its WARC record). With capture off
        (WARC_ENABLED=False, benchmarks only) pages are still parsed, so the cost of capture can be measured.
        Parsing runs in PARSER_PROCESSES worker processes (crawler/workers/parsing.py).
        """
        accounted = request_meta(response).get(ACCOUNTED_META_KEY)
        login = bool(accounted) and is_login_redirect(response.meta.get("redirect_urls") or [], response.url)
        if accounted:
            self.ledger.response(accounted, response.status)
            if login:
                self.ledger.login_redirect(accounted)
        if response.status != 200:
            self.crawler.stats.inc_value(f"newsarchive/http_{response.status}")
            if response.status >= 400:
                self.record_failure(response.url, "http", status=response.status,
                                    detail=f"HTTP {response.status}")
            return
        if truncated(response):  # archived with WARC-Truncated, never indexed as if it were whole
            if MAXSIZE_FLAG in response.flags:  # ParserDecodedCompression stops these, unless it is off
                self.record_failure(response.url, "too_large",
                                    detail=f"body cut at {len(response.body):,} bytes (DOWNLOAD_MAXSIZE)")
            else:
                self.record_failure(response.url, "connection", detail=(
                    f"connection closed after {len(response.body):,} bytes of a body of "
                    f"{(response.headers.get(b'Content-Length') or b'?').decode('latin-1')}"))
            return
        if NOT_MODIFIED_FLAG in response.flags:  # its text is in an earlier record: an index row must point there
            self.crawler.stats.inc_value("newsarchive/not_modified_not_parsed")
            async for request in self.stored_page_requisites(response, other_page):
                yield request
            return
        capture: Capture | None = response.meta.get(CAPTURE_META_KEY)
        if capture is None and halted() is not None:  # the crawl is stopping on a full disk: parse only what it
            return  # archived before then, so that it is stopped the sooner
        fetched_at = warc_date_to_datetime(capture.fetched_at) if capture else datetime.now(timezone.utc)
        processes = self.crawler.settings.getint("PARSER_PROCESSES", 0)
        try:
            result, requisites = await parse_async(
                response.body, content_encoding(response), response.url, fetched_at, self.site_name, processes,
                self.max_body_bytes, self.requisite_mode, other_page)
        except Exception as exc:  # undecodable body, dead worker: the page stays archived, the reason recorded
            self.record_failure(response.url, "parse", detail=f"parser failed: {type(exc).__name__}: {exc}")
            return
        for request in self.requisite_requests(response.url, requisites):
            yield request
        if isinstance(result, Oversized):
            self.record_failure(response.url, "too_large", detail=result.detail)
            return
        if isinstance(result, NotArticle):
            self.crawler.stats.inc_value("newsarchive/not_article")
            logger.debug("not an article: %s (%s)", response.url, result.reason)
            if response.meta.get(EXPECT_ARTICLE_META_KEY):  # a URL the site's own article pattern promised
                self.record_failure(response.url, "parse", detail=f"not an article: {result.reason}")
                if not login:  # counted once, as the login redirect it is
                    self.ledger.not_article()
            return
        if capture is None:
            self.crawler.stats.inc_value("newsarchive/unarchived_articles")
            if self.crawler.settings.getbool("WARC_ENABLED", True):
                logger.warning("not indexing %s: it was not archived to WARC", response.url)
            return
        for warning in result.warnings:
            logger.info("%s: %s", response.url, warning)
        yield ArchivedArticle(result, capture)


def request_meta(response) -> dict:
    """The response's request meta; none for a response made without a request (unit tests make them)."""
    try:
        return response.meta
    except AttributeError:
        return {}


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")

"""Kyodo News English ("Japan Wire by Kyodo News"): the front page, and discovery through the RSS feed, the paginated
section and partner listings, and the yearly sitemaps (backfill).

Site specifics for crawling live here; markup knowledge lives in crawler/parsers/kyodo.py.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import scrapy

from archive.times import parse_time as iso_time
from crawler.meta import (CONDITIONAL_META_KEY, DISCOVERY_META_KEY, EXPECT_ARTICLE_META_KEY, PARSER_DECODES_META_KEY,
                          content_encoding)
from crawler.workers.parsing import Oversized, in_parser
from crawler.sites import DISCOVERY_MODES, get_site
from crawler.spiders.base import ArchiveSpider
from crawler.spiders.state import parse_time

JST = ZoneInfo(get_site("kyodo").timezone)
ARTICLE_PATH = re.compile(r"^/articles/-/\d+$")
FEED_PATH = "/list/feed/rss4kyodonews-fzone"
SITEMAP_PATH = "/sitemap.xml"
SITEMAP_YEAR = re.compile(r"sitemap-(\d{4})\.xml$")
LISTING_PATHS = (
    "/list/news",  # "Latest": every story, newest first
    *(f"/list/news/{section}" for section in
      ("japan", "world", "travel-tourism", "asian-games", "sumo", "feature", "arts", "podcast")),
    *(f"/list/partners/{partner}" for partner in
      ("kyodo_news", "apnews", "reuters", "yonhap", "animate", "spotlightjapan")),
)


def article_url(url: str) -> str | None:
    """The article URL without query or fragment (feed links may carry utm_* tracking), or None."""
    parts = urlsplit(url)
    if not ARTICLE_PATH.match(parts.path):
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class KyodoSpider(ArchiveSpider):
    """Arguments beyond ArchiveSpider's: `discover` = comma-separated feed,listings,sitemap
    (default feed,listings; add sitemap for backfill)."""

    name = "kyodo"
    site_name = "kyodo"

    def __init__(self, *args, discover: str = "feed,listings", **kwargs):
        super().__init__(*args, **kwargs)
        self.discover = [m.strip() for m in discover.split(",") if m.strip()]
        unknown = set(self.discover) - set(DISCOVERY_MODES)
        if unknown:
            raise ValueError(f"unknown discovery mode(s) {sorted(unknown)}; choose from {', '.join(DISCOVERY_MODES)}")

    async def start(self):
        for request in self.seed_requests():
            yield request
        # The front page as readers saw it, with its requisites. Discovery stays with the feed, listings and
        # sitemaps: the front page links to nothing they do not.
        yield scrapy.Request(self.url("/"), callback=self.parse_home, errback=self.on_error,
                             meta={DISCOVERY_META_KEY: {"source": "home"}, CONDITIONAL_META_KEY: True})
        if "feed" in self.discover:
            yield scrapy.Request(self.url(FEED_PATH), callback=self.parse_feed, errback=self.on_error,
                                 meta={DISCOVERY_META_KEY: {"source": "feed-index"}, CONDITIONAL_META_KEY: True})
        if "listings" in self.discover:
            for path in LISTING_PATHS:
                yield scrapy.Request(self.url(path), callback=self.parse_listing, errback=self.on_error,
                                     cb_kwargs={"page": 1}, meta={DISCOVERY_META_KEY: {"source": "listing-index"},
                                                                  CONDITIONAL_META_KEY: True,
                                                                  PARSER_DECODES_META_KEY: True})
        if "sitemap" in self.discover:
            yield scrapy.Request(self.url(SITEMAP_PATH), callback=self.parse_sitemap, errback=self.on_error,
                                 meta={DISCOVERY_META_KEY: {"source": "sitemap-index"}, CONDITIONAL_META_KEY: True})

    def article_request(self, url: str, discovery: dict, published: datetime | None = None,
                        changed_at: datetime | None = None):
        """A request for an article page, or None when the window, the bound or the index says no (each
        reason recorded for the crawl's accounting)."""
        self.ledger.found(url, discovery.get("source"))
        if url in self.requested_articles:  # a feed, a sitemap and listings name the same articles
            return None
        if not self.in_scope(url):  # recorded here, before it counts against --max-articles
            self.record_offsite(url, discovery.get("via") or self.base_url)
            self.ledger.skip(url, "offsite")
            return None
        # A change date (sitemap lastmod) comes on or after publication: it can show an article is older than
        # --since, never that it is newer than --until (an article of the window may have been edited since).
        if not self.window.contains(published) or self.window.older_than_window(changed_at):
            self.ledger.skip(url, "window", f"dated {(published or changed_at).isoformat()}")
            return None
        if not self.wants_article(url, changed_at):  # held: not fetched, bound or no bound
            return None
        if not self.may_request_article():
            self.ledger.skip(url, "budget", self.budget_detail())
            return None
        self.requested_articles.add(url)
        self.count_article_request()
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                              meta=self.account_request(url, {
                                  DISCOVERY_META_KEY: {k: v for k, v in discovery.items() if v},
                                  EXPECT_ARTICLE_META_KEY: True, PARSER_DECODES_META_KEY: True}))

    # -- discovery ---------------------------------------------------------------------------------------

    async def parse_home(self, response):
        self.account_page(response)  # links: none, by design (see start)
        async for item in self.extract(response, "home"):  # requests for its requisites; never an article
            yield item

    def parse_feed(self, response):
        source = self.account_page(response)
        if response.status != 200:
            return
        try:
            items = scrapy.Selector(response, type="xml").xpath("//item")
        except Exception:  # not XML at all (a moved feed answered with a page): nothing to read
            items = []
        links = 0
        for item in items:
            url = article_url(self.url(item.xpath("link/text()").get("").strip()))
            if not url:
                continue
            links += 1
            pub = item.xpath("pubDate/text()").get()
            request = self.article_request(url, {
                "source": "feed", "via": response.url, "feedItemDate": pub,
                "feedItemTitle": (item.xpath("title/text()").get() or "").strip(),
                "feedItemGuid": item.xpath("guid/text()").get()}, published=parse_time(pub))
            if request is not None:
                yield request
        if not links:
            self.ledger.unparseable(source)

    async def parse_listing(self, response, page: int):
        source = self.account_page(response)
        if response.status != 200:
            return
        try:
            listing, requisites = await in_parser(
                "kyodo-listing", response.body, content_encoding(response), self.max_body_bytes, response.url,
                self.requisite_mode, processes=self.crawler.settings.getint("PARSER_PROCESSES", 0))
        except Exception as exc:  # undecodable body, dead worker: recorded, the crawl goes on
            self.record_failure(response.url, "parse", detail=f"listing unreadable: {type(exc).__name__}: {exc}")
            self.ledger.unparseable(source)
            return
        for request in self.requisite_requests(response.url, requisites):
            yield request
        if isinstance(listing, Oversized):
            self.record_failure(response.url, "too_large", detail=listing.detail)
            return
        new, dated, older, newer, links = 0, 0, 0, 0, 0
        for entry in listing.entries:
            url = article_url(self.url(urljoin(response.url, entry.href)))
            if not url:
                continue
            links += 1
            self.ledger.found(url, source)
            published = _jst(entry.datetime)
            dated += published is not None
            if self.window.older_than_window(published) or self.window.newer_than_window(published):
                self.ledger.skip(url, "window", f"listed as {published.isoformat()}")
            if self.window.older_than_window(published):
                older += 1
                continue
            if self.window.newer_than_window(published):  # --until is further down the listing
                newer += 1
                continue
            if url in self.requested_articles:  # on another section's listing too: new to the index all the same
                new += 1
                continue
            request = self.article_request(url, {"source": "listing", "via": response.url, "listingPage": page,
                                                 "listingDate": published.isoformat() if published else None},
                                           published=published)
            if request is not None:
                new += 1
                yield request
        if not links and page == 1:  # an empty first page: a listing that lists nothing, or markup we no longer read
            self.ledger.unparseable(source)
        # Stop paginating once a page held nothing new (incremental runs), or is wholly past --since; a page
        # wholly after --until leads on to the window.
        if new == 0 and not newer and not (self.refresh or self.walk_all):
            return
        if dated and older == dated:
            return
        next_href = listing.next_href
        if next_href is None or not self.may_request_article():
            return
        next_url = self.url(urljoin(response.url, next_href.strip())) if next_href.strip() else ""
        if not next_url or next_url == self.url(response.url):
            next_url = self.url(f"{response.url.split('?')[0]}?page={page + 1}")
        yield scrapy.Request(next_url, callback=self.parse_listing, errback=self.on_error,
                             cb_kwargs={"page": page + 1}, meta={DISCOVERY_META_KEY: {"source": "pagination"},
                                                                 CONDITIONAL_META_KEY: True,
                                                                 PARSER_DECODES_META_KEY: True})

    def parse_sitemap(self, response):
        source = self.account_page(response)
        sitemap = self.read_sitemap(response)
        if sitemap is None:
            if response.status == 200:
                self.ledger.unparseable(source)
            return
        entries = 0  # none at all: unparseable (a static pages' sitemap lists no article, and is not)
        for entry in sitemap:
            loc = (entry.get("loc") or "").strip()
            lastmod = parse_time(entry.get("lastmod"))
            entries += bool(loc)
            if sitemap.type == "sitemapindex":
                year = SITEMAP_YEAR.search(loc)
                if year and not self._year_in_window(int(year.group(1))):
                    continue
                yield scrapy.Request(self.url(loc), callback=self.parse_sitemap, errback=self.on_error,
                                     meta={DISCOVERY_META_KEY: {"source": "sitemap-index", "via": response.url},
                                           CONDITIONAL_META_KEY: True})
                continue
            url = article_url(self.url(loc))
            if not url:
                continue
            if self.window.older_than_window(lastmod):
                self.ledger.found(url, source)
                self.ledger.skip(url, "window", f"sitemap lastmod {lastmod.isoformat()}")
                continue
            request = self.article_request(url, {"source": "sitemap", "via": response.url,
                                                 "sitemapLastmod": entry.get("lastmod")}, changed_at=lastmod)
            if request is not None:
                yield request
        if not entries:
            self.ledger.unparseable(source)

    def _year_in_window(self, year: int) -> bool:
        since, until = self.window.since, self.window.until
        return (since is None or year >= since.year) and (until is None or year <= until.year)

    async def parse_article(self, response):
        async for item in self.extract(response):
            yield item


def _jst(value: str | None) -> datetime | None:
    """A listing's `<time datetime>`: Kyodo writes JST without an offset."""
    return iso_time(value.strip(), JST) if value else None

"""Inakoran (inakoran.com): discovery by following same-site links from the home page.

Inakoran's URL scheme is unknown, so nothing here depends on a guessed article pattern: every same-site
HTML page within MAX_HOPS link hops is fetched and the parser decides what is an article. Pagination
links do not count as a hop, so deep section archives stay reachable. Requests are conditional
(crawler/downloadermiddlewares/conditional.py) only where the URL says what the page is: the home page, sitemaps, feeds and
pagination. A page reached by a plain link may be an article that an earlier run archived but did not
index (a killed crawl): answered with a 304, it would never be parsed.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

import feedparser
import scrapy
from scrapy.linkextractors import LinkExtractor

from crawler.items import ArchivedArticle
from crawler.meta import ACCOUNTED_META_KEY, CONDITIONAL_META_KEY, DISCOVERY_META_KEY
from crawler.spiders.base import ArchiveSpider, request_meta
from crawler.spiders.state import parse_time

START_PATHS = ("/",)
# Pages that are never articles nor lead to any (the admin/upload areas, assets).
SKIP_PATHS = re.compile(r"^/(ina|uploads|assets|static|wp-admin|wp-content|cdn-cgi)/", re.I)
PAGINATION = re.compile(r"([?&]page=\d+|/page/\d+/?$)", re.I)
SITEMAP = re.compile(r"sitemap[^/]*\.xml(\.gz)?$", re.I)  # a page's link to a sitemap (footers have one)


class InakoranSpider(ArchiveSpider):
    name = "inakoran"
    site_name = "inakoran"

    link_extractor = LinkExtractor(unique=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reserved: dict[str, scrapy.Request] = {}  # candidates the bound held back, in the order found

    async def start(self):
        for request in self.seed_requests():
            yield request
        # robots.txt is fetched (and archived) once more here: Scrapy's robots middleware keeps the Sitemap
        # lines to itself, and they are how a site announces its sitemaps and feeds.
        yield scrapy.Request(self.url("/robots.txt"), callback=self.parse_robots, errback=self.on_error,
                             meta={DISCOVERY_META_KEY: {"source": "robots"}}, dont_filter=True)
        for path in START_PATHS:
            yield scrapy.Request(self.url(path), callback=self.parse_page, errback=self.on_error,
                                 cb_kwargs={"hops": 0},
                                 meta={DISCOVERY_META_KEY: {"source": "home"}, CONDITIONAL_META_KEY: True})

    def parse_robots(self, response):
        if response.status != 200:
            return
        for line in response.text.splitlines():
            name, _, value = line.partition(":")
            if name.strip().lower() == "sitemap" and value.strip():
                url = self.url(value.strip())
                if self.is_same_site(url):
                    yield self.sitemap_request(url, response.url)

    def bounded(self, url: str, request: scrapy.Request) -> scrapy.Request | None:
        """A candidate article request, if --max-articles leaves room for it; else None, and it waits in reserve.

        A candidate takes its share of the bound when it is requested, as Kyodo's article requests do: the
        sitemap names every story at once, and counting parsed articles only let a `--max-articles 20` crawl
        request all 300 of the mirror's. Inakoran has no article URL pattern, so a candidate that parses as no
        article gives its share back, to the first request in reserve (parse_page); what is still in reserve
        when the crawl closes was left by the bound (a budget skip)."""
        if url in self.requested_articles or url in self.reserved:
            return None  # named by several pages: one request
        if not self.may_request_article():
            self.reserved[url] = request
            return None
        self.requested_articles.add(url)
        self.count_article_request()
        return request.replace(meta=self.account_request(url, request.meta))

    def from_reserve(self) -> scrapy.Request | None:
        if not self.reserved or not self.may_request_article():
            return None
        url = next(iter(self.reserved))
        return self.bounded(url, self.reserved.pop(url))

    def closed(self, reason: str) -> None:
        for url in self.reserved:  # before the accounting writes the ledger: the spider's handler runs first
            self.ledger.skip(url, "budget", self.budget_detail())
        self.reserved.clear()

    def sitemap_request(self, url: str, via: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_error,
                              meta={DISCOVERY_META_KEY: {"source": "sitemap-index", "via": via},
                                    CONDITIONAL_META_KEY: True})

    def parse_sitemap(self, response):
        source = self.account_page(response)
        sitemap = self.read_sitemap(response)
        if sitemap is None:
            if response.status == 200:
                self.ledger.unparseable(source)
            return
        entries = 0
        for entry in sitemap:
            url = self.url((entry.get("loc") or "").strip())
            if not self.is_same_site(url):
                continue
            entries += 1
            if sitemap.type == "sitemapindex":
                yield self.sitemap_request(url, response.url)
                continue
            lastmod = parse_time(entry.get("lastmod"))
            candidate = is_candidate(url)  # the home page and listing pages are listed too
            if candidate:
                self.ledger.found(url, source)
            if self.window.older_than_window(lastmod):
                if candidate:
                    self.ledger.skip(url, "window", f"sitemap lastmod {lastmod.isoformat()}")
                continue
            if url in self.held and not self.wants_article(url, changed_at=lastmod):
                continue
            request = scrapy.Request(url, callback=self.parse_page, errback=self.on_error, cb_kwargs={"hops": 1},
                                     meta={DISCOVERY_META_KEY: {"source": "sitemap", "via": response.url,
                                                                "sitemapLastmod": entry.get("lastmod")}})
            if candidate:
                request = self.bounded(url, request)
            elif not self.may_request_article():
                continue
            if request is not None:
                yield request
        if not entries:
            self.ledger.unparseable(source)

    def feed_links(self, response) -> list[str]:
        return response.xpath('//link[@rel="alternate"][contains(@type, "rss") or contains(@type, "atom")]'
                              '/@href').getall()

    async def parse_page(self, response, hops: int):
        page = "home" if urlsplit(response.url).path in ("", "/") else "listing"  # when it is not an article
        source = self.account_page(response)  # home, pagination; None for a page a link named
        found = [item async for item in self.extract(response, page)]  # an article, requisites' requests
        articles = sum(isinstance(item, ArchivedArticle) for item in found)
        for item in found:
            yield item
        if request_meta(response).get(ACCOUNTED_META_KEY):
            if not articles:
                self.article_requests -= 1  # a candidate that was no article gives back its share of the bound
                request = self.from_reserve()
                if request is not None:
                    yield request
        else:
            self.article_requests += articles  # a page no link promised as an article (a seed, a section) was one
        if articles or not hasattr(response, "text"):
            return  # articles are leaves: their links are the sidebar's, found on listings too
        links_source = source or "listing"  # a page a link named that is no article: a section, a tag
        links = 0
        stopped = False  # the article bound was reached: the page's other links are counted, not followed
        max_hops = self.crawler.settings.getint("INAKORAN_MAX_HOPS", 3)
        for href in self.feed_links(response):
            url = self.url(response.urljoin(href))
            if self.is_same_site(url):
                yield scrapy.Request(url, callback=self.parse_feed, errback=self.on_error,
                                     meta={DISCOVERY_META_KEY: {"source": "feed-index", "via": response.url},
                                           CONDITIONAL_META_KEY: True})
        for link in self.link_extractor.extract_links(response):
            url = self.url(link.url)
            path = urlsplit(url).path
            if not self.is_same_site(url):
                if not stopped:
                    self.record_offsite(url, response.url)
                continue
            if SKIP_PATHS.match(path):
                continue
            if SITEMAP.search(path):
                # Read as the sitemap it is, as when robots.txt names it: whichever request comes first is the
                # one the duplicate filter keeps, and a plain page request would read it as a page, unconditionally.
                if not stopped:
                    yield self.sitemap_request(url, response.url)
                continue
            paginated = bool(PAGINATION.search(url))
            next_hops = hops if paginated else hops + 1
            if next_hops > max_hops:
                continue
            candidate = is_candidate(url)
            if candidate:
                links += 1
                self.ledger.found(url, links_source)
            if url in self.held and not self.wants_article(url):
                continue
            request = scrapy.Request(url, callback=self.parse_page, errback=self.on_error, cb_kwargs={"hops": next_hops},
                                     meta={DISCOVERY_META_KEY: {"source": "pagination" if paginated else "link",
                                                                "hops": next_hops}, CONDITIONAL_META_KEY: paginated})
            if candidate:
                request = self.bounded(url, request)
            elif stopped or not self.may_request_article():
                stopped = True  # the bound is reached: sections and further pages are not followed
                continue
            if request is not None:
                yield request
        if not links and source == "home":  # a home page naming no page of its own site
            self.ledger.unparseable(source)

    def parse_feed(self, response):
        """Any feed the site announces, whatever its shape (RSS 0.9x/2.0, RSS 1.0/RDF, Atom): feedparser reads
        them all, with each entry's article link (Atom's rel=alternate, not its comments feed) and date."""
        source = self.account_page(response)
        if response.status != 200:
            return
        feed = feedparser.parse(response.body, response_headers={
            "content-location": response.url,
            "content-type": (response.headers.get(b"Content-Type") or b"application/xml").decode("latin-1")})
        links = 0
        for entry in feed.entries:
            url = self.url(response.urljoin((entry.get("link") or "").strip()))
            date_text = entry.get("published") or entry.get("updated")
            published = parse_time(date_text) or _feed_time(entry.get("published_parsed")
                                                             or entry.get("updated_parsed"))
            if not self.is_same_site(url):
                continue
            links += 1
            self.ledger.found(url, source)
            if not self.window.contains(published):
                self.ledger.skip(url, "window", f"feed date {date_text}")
                continue
            if url in self.held and not self.wants_article(url):
                continue
            request = self.bounded(url, scrapy.Request(
                url, callback=self.parse_page, errback=self.on_error, cb_kwargs={"hops": 1},
                meta={DISCOVERY_META_KEY: {"source": "feed", "via": response.url, "feedItemDate": date_text,
                                           "feedItemTitle": (entry.get("title") or "").strip(),
                                           "feedItemGuid": entry.get("id")}}))
            if request is not None:
                yield request
        if not links:
            self.ledger.unparseable(source)


def is_candidate(url: str) -> bool:
    """Whether a same-site page may be an article, for the crawl's accounting (crawler/spiders/ledger.py): not
    the home page, not a listing's page N."""
    return urlsplit(url).path not in ("", "/") and not PAGINATION.search(url)


def _feed_time(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's reading of a date it understood (always UTC), for formats parse_time does not know."""
    return datetime(*parsed[:6], tzinfo=timezone.utc) if parsed else None

"""Kyodo News English ("Japan Wire by Kyodo News"): discovery through the paginated listings.

Site specifics for crawling live here; markup knowledge lives in crawler/parsers/kyodo.py.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import scrapy

from crawler.spiders.base import ArchiveSpider

ARTICLE_PATH = re.compile(r"^/articles/-/\d+$")
LISTING_PATHS = ("/list/news",)  # "Latest": every story, newest first


class KyodoSpider(ArchiveSpider):
    name = "kyodo"
    site_name = "kyodo"

    async def start(self):
        for path in LISTING_PATHS:
            yield scrapy.Request(self.url(path), callback=self.parse_listing, errback=self.on_error, cb_kwargs={"page": 1})

    def parse_listing(self, response, page: int):
        found = 0
        for href in response.css("article.m-article-item a.m-article-item-ttl__link::attr(href), "
                                 "article.m-article-item a.m-article-item__link::attr(href)").getall():
            url = self.url(response.urljoin(href.strip()))
            if not ARTICLE_PATH.match(urlsplit(url).path):
                continue
            found += 1
            if not self.may_request_article():
                return
            self.count_article_request()
            yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                                 meta={"discovery": {"source": "listing", "listingPage": page}})
        # "--next" is not a valid CSS identifier, hence XPath.
        next_href = response.xpath('//ol[contains(@class, "m-pagination")]//a[contains(concat(" ", @class, " "),'
                                   ' " --next ")]/@href').get()
        if found and next_href is not None:
            next_url = self.url(response.urljoin(next_href.strip())) if next_href.strip() else None
            if not next_url or next_url == self.url(response.url):
                next_url = self.url(f"{response.url.split('?')[0]}?page={page + 1}")
            yield scrapy.Request(next_url, callback=self.parse_listing, errback=self.on_error, cb_kwargs={"page": page + 1},
                                 meta={"discovery": {"source": "pagination"}})

    def parse_article(self, response):
        yield from self.extract(response)

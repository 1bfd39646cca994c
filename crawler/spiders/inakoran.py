"""Inakoran (inakoran.com): discovery by following same-site links from the home page.

Inakoran's URL scheme is unknown, so nothing here depends on a guessed article pattern: every same-site
HTML page within MAX_HOPS link hops is fetched and the parser decides what is an article. Pagination
links do not count as a hop, so deep section archives stay reachable.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import scrapy
from scrapy.linkextractors import LinkExtractor

from crawler.spiders.base import ArchiveSpider

START_PATHS = ("/",)
# Pages that are never articles nor lead to any (the admin/upload areas, assets).
SKIP_PATHS = re.compile(r"^/(ina|uploads|assets|static|wp-admin|wp-content|cdn-cgi)/", re.I)
PAGINATION = re.compile(r"([?&]page=\d+|/page/\d+/?$)", re.I)


class InakoranSpider(ArchiveSpider):
    name = "inakoran"
    site_name = "inakoran"
    custom_settings = {"INAKORAN_MAX_HOPS": 3}

    link_extractor = LinkExtractor(unique=True)

    async def start(self):
        for path in START_PATHS:
            yield scrapy.Request(self.url(path), callback=self.parse_page, errback=self.on_error, cb_kwargs={"hops": 0})

    def parse_page(self, response, hops: int):
        items = list(self.extract(response))
        yield from items
        self.article_requests += len(items)
        if items or not hasattr(response, "text"):
            return  # articles are leaves: their links are the sidebar's, found on listings too
        max_hops = self.crawler.settings.getint("INAKORAN_MAX_HOPS", 3)
        for link in self.link_extractor.extract_links(response):
            url = self.url(link.url)
            path = urlsplit(url).path
            if not self.is_same_site(url) or SKIP_PATHS.match(path):
                continue
            next_hops = hops if PAGINATION.search(url) else hops + 1
            if next_hops > max_hops:
                continue
            if not self.may_request_article():
                return
            yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error, cb_kwargs={"hops": next_hops},
                                 meta={"discovery": {"source": "pagination" if next_hops == hops else "link",
                                                     "hops": next_hops}})

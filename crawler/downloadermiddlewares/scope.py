"""Only the site's own origins are fetched: scheme, host and port (crawler/sites.py, `Site.origins`).

Scrapy's OffsiteMiddleware compares host names only, and lets subdomains through: with the site on
127.0.0.1:8421, a link or a redirect to 127.0.0.1:<any port> (standing in for an internal service) was
fetched and archived. This middleware takes its place. It judges every request when it is scheduled, before
the duplicate filter, robots.txt or the page budget see it, so a redirect's Location (RedirectMiddleware
schedules a new request) or a link is dropped without a byte leaving the machine; `dont_filter` does not
exempt a request, as it does from Scrapy's. Each URL dropped is recorded by the spider as `offsite`
(`ArchiveSpider.record_offsite`), which is not counted as an error.
"""

from __future__ import annotations

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest

from crawler.meta import ACCOUNTED_META_KEY, DISCOVERY_META_KEY


def found_on(request: Request) -> tuple[str, str]:
    """(how, where): how the crawl came to this URL, for the record."""
    redirects = request.meta.get("redirect_urls") or []
    if redirects:
        return "redirected from", redirects[-1]
    referer = (request.headers.get(b"Referer") or b"").decode("latin-1")
    via = (request.meta.get(DISCOVERY_META_KEY) or {}).get("via") or referer
    return ("linked from", via) if via else ("asked for", "the start of the crawl")


class ScopeMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.request_scheduled, signal=signals.request_scheduled)
        return middleware

    def request_scheduled(self, request: Request, spider) -> None:
        self._check(request, spider)  # IgnoreRequest here: the engine drops the request unqueued

    def process_request(self, request: Request, spider=None) -> None:
        # Requests that were never scheduled (robots.txt, conditional re-reads) pass through here only.
        self._check(request, self.crawler.spider)

    def _check(self, request: Request, spider) -> None:
        in_scope = getattr(spider, "in_scope", None)
        if in_scope is None or in_scope(request.url):
            return
        how, where = found_on(request)
        spider.record_offsite(request.url, where, how=how)
        ledger, accounted = getattr(spider, "ledger", None), request.meta.get(ACCOUNTED_META_KEY)
        if ledger is not None and accounted:  # an article request redirected off-site: skipped, never fetched
            ledger.unrequest(accounted, "offsite", f"redirected to {request.url}")
        self.crawler.stats.inc_value("offsite/filtered")
        raise IgnoreRequest(f"off-site: {request.url} is not an origin of {spider.name}'s site")

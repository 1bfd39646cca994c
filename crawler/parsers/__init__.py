"""Site parsers: pure functions of (HTML bytes, URL, capture time) -> Article | NotArticle.

`parse_page` dispatches to the site's module. Each module exposes `NAME`, `VERSION` and
`parse(html: bytes, url: str, fetched_at: datetime) -> Article | NotArticle`.
"""

from __future__ import annotations

from datetime import datetime
from types import ModuleType

from crawler.parsers import inakoran, kyodo
from crawler.parsers.model import Article, Image, NotArticle, ParseResult
from crawler.sites import site_for_url

PARSERS: dict[str, ModuleType] = {"kyodo": kyodo, "inakoran": inakoran}

__all__ = ["Article", "Image", "NotArticle", "ParseResult", "PARSERS", "parse_page", "infer_site"]


def infer_site(url: str) -> str | None:
    """Site name from the URL's host, else from a path only one site uses (a page saved from a mirror)."""
    site = site_for_url(url)
    if site:
        return site.name
    for name, module in PARSERS.items():
        if module.claims_url(url):
            return name
    return None


def parse_page(html: bytes, url: str, fetched_at: datetime, site: str | None = None) -> ParseResult:
    """Parse one captured page. Never raises on bad input: a page it cannot use is a NotArticle."""
    name = site or infer_site(url)
    if name not in PARSERS:
        return NotArticle(url=url, reason=f"no parser for this URL (site {name!r})")
    return PARSERS[name].parse(html, url, fetched_at)

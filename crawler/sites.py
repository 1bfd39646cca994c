"""The site registry: where each site lives (hosts, base URL), its language and the time zone it prints local
times in. The only place any of these is written down.

Everything that targets a site (spiders, the parsers and their dispatcher, `newsarchive parse`, the demo) looks
it up here, and tests/demo point spiders elsewhere only through a base-URL override, never by editing hosts in
code. Free of Scrapy and archive, so the parsers may import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.urls import Origin, origin


@dataclass(frozen=True)
class Site:
    name: str
    base_url: str  # scheme://host, no trailing slash
    language: str  # BCP 47
    timezone: str  # IANA zone the site prints its local times in
    hosts: tuple[str, ...]
    # Origins ("https://img.example.net") the site's pages load images, stylesheets, scripts and fonts from:
    # in scope like the site itself, for page requisites (crawler/spiders/requisites.py).
    asset_origins: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def origins(self, base_url: str | None = None, asset_urls: Iterable[str] | str | None = None
                ) -> frozenset[Origin]:
        """Where a crawl of this site may send requests: each of its hosts with the scheme and port of its
        base URL, its asset origins, and `asset_urls` (the NEWSARCHIVE_ASSET_URLS of the site). A base-URL
        override elsewhere (a mirror, a proxy) stands in for all of the site's own: only its origin and
        `asset_urls` are in scope, so a crawl pointed at 127.0.0.1 never reaches out."""
        extra = {origin(url) for url in ([asset_urls] if isinstance(asset_urls, str) else asset_urls or ())}
        if base_url and origin(base_url) != origin(self.base_url):
            found = {origin(base_url)}
        else:
            scheme, _, port = origin(self.base_url)
            found = {(scheme, host, port) for host in self.hosts}
            found |= {origin(self.base_url), *(origin(url) for url in self.asset_origins)}
        return frozenset(o for o in found | extra if o is not None)


SITES: dict[str, Site] = {
    "kyodo": Site(
        name="kyodo",
        base_url="https://english.kyodonews.net",
        language="en",
        timezone="Asia/Tokyo",
        hosts=("english.kyodonews.net",),
        asset_origins=("https://english-kyodo.ismcdn.jp",),  # images, CSS and JS: the CDN the pages name
    ),
    "inakoran": Site(
        name="inakoran",
        base_url="https://inakoran.com",
        language="id",
        timezone="Asia/Jakarta",
        hosts=("inakoran.com", "www.inakoran.com"),
    ),
}


# How the Kyodo spider finds articles (`--discover`): here rather than in the spider, so the command line can
# check a value without importing Scrapy. Likewise the requisite modes.
DISCOVERY_MODES = ("feed", "listings", "sitemap")
# Which page requisites a crawl fetches (`--requisites`, NEWSARCHIVE_REQUISITES; crawler/spiders/requisites.py).
REQUISITE_MODES = ("none", "pages", "all")


# Where a site sends a reader it will not show an article to: a login, sign-in, consent or subscription page.
# Judged on the path of each URL an article request was redirected through and of the one it ended at
# (crawler/spiders/ledger.py counts them as `login_redirects`; a redesign that puts everything behind a login
# shows as a jump). Path segments only: an article whose slug merely contains "login" is not one.
LOGIN_PATH = re.compile(r"(^|/)(log-?in|sign-?in|sign_in|signon|logon|auth|sso|account/login|consent|cookie-consent|"
                        r"gdpr|subscribe|subscription|paywall|register|membership)(/|\.\w+$|$)", re.I)


def is_login_url(url: str) -> bool:
    """Whether `url`'s path is a login / sign-in / consent / subscribe page (LOGIN_PATH)."""
    return bool(LOGIN_PATH.search(urlsplit(url).path))


def is_login_redirect(chain: Iterable[str], final_url: str) -> bool:
    """Whether a request redirected through `chain` (Scrapy's `redirect_urls`: the URL asked for first) to
    `final_url` was sent to a login, consent or subscribe page: any URL after the first one asked for."""
    hops = list(chain)
    return bool(hops) and any(is_login_url(url) for url in [*hops[1:], final_url])


def site_for_url(url: str) -> Site | None:
    """The site a URL belongs to by its host, or None (mirror URLs on 127.0.0.1 have no site by host)."""
    host = (urlsplit(url.strip()).hostname or "").lower()
    for site in SITES.values():
        if host in site.hosts:
            return site
    return None


def get_site(name: str) -> Site:
    try:
        return SITES[name]
    except KeyError:
        raise KeyError(f"unknown site {name!r}; known sites: {', '.join(sorted(SITES))}") from None

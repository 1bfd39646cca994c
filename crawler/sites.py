"""Where each site lives. The only place a real site host is written down.

Everything that targets a site (spiders, the parser dispatcher, `newsarchive parse`) looks it up here, and
tests/demo point spiders elsewhere only through a base-URL override, never by editing hosts in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Site:
    name: str
    base_url: str  # scheme://host, no trailing slash
    language: str  # BCP 47
    timezone: str  # IANA zone the site prints its local times in
    hosts: tuple[str, ...]

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""


SITES: dict[str, Site] = {
    "kyodo": Site(
        name="kyodo",
        base_url="https://english.kyodonews.net",
        language="en",
        timezone="Asia/Tokyo",
        hosts=("english.kyodonews.net",),
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
# check a value without importing Scrapy.
DISCOVERY_MODES = ("feed", "listings", "sitemap")


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

"""Discovery pages as data: what a Kyodo listing page links to, as a pure function of the page bytes.

Runs in the parser processes beside the article parsers (crawler/workers/parsing.py), so listing pages, which are
as heavy as articles, are neither decompressed nor parsed on the reactor thread. The spider decides what to
fetch from the result (window, bounds, what the index already holds).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.parsers.common import page_selector

_ITEMS = '//article[contains(concat(" ", normalize-space(@class), " "), " m-article-item ")]'
_ITEM_LINK = ('(.//a[contains(concat(" ", normalize-space(@class), " "), " m-article-item-ttl__link ")'
              ' or contains(concat(" ", normalize-space(@class), " "), " m-article-item__link ")]/@href)[1]')
_ITEM_TIME = "(.//time/@datetime)[1]"
# "--next" is not a valid CSS identifier, hence XPath.
_NEXT = '//ol[contains(@class, "m-pagination")]//a[contains(concat(" ", @class, " "), " --next ")]/@href'


@dataclass
class ListingEntry:
    href: str  # as written in the page, stripped; not yet joined to the page URL
    datetime: str | None  # the <time datetime> value as written (Kyodo gives JST without an offset)


@dataclass
class Listing:
    entries: list[ListingEntry] = field(default_factory=list)
    next_href: str | None = None


def kyodo_listing(html: bytes) -> Listing:
    """Entries of a Kyodo `/list/...` page (`article.m-article-item`, first article link and first <time>
    of each) and its "next" pagination link."""
    if not html.strip():
        return Listing()
    root = page_selector(html).root
    entries = []
    for item in root.xpath(_ITEMS):
        hrefs = item.xpath(_ITEM_LINK)
        if not hrefs or not hrefs[0].strip():
            continue
        times = item.xpath(_ITEM_TIME)
        entries.append(ListingEntry(str(hrefs[0]).strip(), str(times[0]) if times else None))
    next_hrefs = root.xpath(_NEXT)
    return Listing(entries, str(next_hrefs[0]) if next_hrefs else None)

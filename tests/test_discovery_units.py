"""Discovery parsing without a crawl: feeds of any shape (RSS 2.0, Atom, RDF) through feedparser, gzip
sitemaps, and what the parsers warn about dates."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest
from scrapy.http import Request, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.inakoran import InakoranSpider
from crawler.spiders.kyodo import KyodoSpider

BASE = "http://127.0.0.1:9"


def spider(cls, tmp_path, **kwargs):
    crawler = get_crawler(cls, {"NEWSARCHIVE_DATA": str(tmp_path)})
    return cls.from_crawler(crawler, base_url=BASE, **kwargs)


RSS = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Inakoran</title>
<item><title>Satu</title><link>{BASE}/read/1/satu</link><pubDate>Tue, 02 Jan 2024 10:00:00 +0700</pubDate>
<guid>{BASE}/?p=1</guid></item>
<item><title>Lama</title><link>{BASE}/read/2/lama</link><pubDate>Mon, 02 Jan 2023 10:00:00 +0700</pubDate></item>
</channel></rss>"""

# Atom: the first <link> of an entry is its comments feed; the article is rel=alternate.
ATOM = f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Inakoran</title>
<entry><title>Satu</title><link rel="replies" type="application/atom+xml" href="{BASE}/read/1/satu/feed"/>
<link rel="alternate" type="text/html" href="{BASE}/read/1/satu"/><id>tag:inakoran,1</id>
<updated>2024-01-02T03:00:00Z</updated></entry>
<entry><title>Lama</title><link rel="alternate" href="{BASE}/read/2/lama"/><id>tag:inakoran,2</id>
<updated>2023-01-02T03:00:00Z</updated></entry></feed>"""

# RSS 1.0 (RDF): items beside the channel, dates in Dublin Core.
RDF = f"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{BASE}/"><title>Inakoran</title><link>{BASE}/</link></channel>
<item rdf:about="{BASE}/read/1/satu"><title>Satu</title><link>{BASE}/read/1/satu</link>
<dc:date>2024-01-02T10:00:00+07:00</dc:date></item>
<item rdf:about="{BASE}/read/2/lama"><title>Lama</title><link>{BASE}/read/2/lama</link>
<dc:date>2023-01-02T10:00:00+07:00</dc:date></item></rdf:RDF>"""


@pytest.mark.parametrize("body", [RSS, ATOM, RDF], ids=["rss", "atom", "rdf"])
def test_inakoran_reads_feeds_of_every_shape_with_their_dates(tmp_path, body):
    ina = spider(InakoranSpider, tmp_path, since="2023-06-01")
    response = XmlResponse(f"{BASE}/feed/", body=body.encode())
    requests = list(ina.parse_feed(response))
    # The 2023 item is before --since: only a feed's dates can say so.
    assert [r.url for r in requests] == [f"{BASE}/read/1/satu"]
    discovery = requests[0].meta["discovery"]
    assert discovery["source"] == "feed" and discovery["feedItemTitle"] == "Satu" and discovery["feedItemDate"]


def test_a_feed_that_is_not_xml_yields_nothing_and_does_not_raise(tmp_path):
    ina = spider(InakoranSpider, tmp_path)
    response = TextResponse(f"{BASE}/feed/", body=b"<html><body>maintenance</body></html>")
    assert list(ina.parse_feed(response)) == []


def urlset(*paths: str) -> bytes:
    rows = "".join(f"<url><loc>{BASE}{p}</loc><lastmod>2024-01-02T10:00:00+09:00</lastmod></url>" for p in paths)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{rows}</urlset>").encode()


def gz_response(url: str, xml: bytes) -> Response:
    # As servers send .xml.gz files: the gzip bytes are the file, not a Content-Encoding.
    return Response(url, body=gzip.compress(xml), headers={"Content-Type": "application/x-gzip"},
                    request=Request(url))


def test_gzip_sitemaps_are_read_by_both_spiders(tmp_path):
    kyodo = spider(KyodoSpider, tmp_path / "k", discover="sitemap")
    got = list(kyodo.parse_sitemap(gz_response(f"{BASE}/sitemap-2024.xml.gz", urlset("/articles/-/101"))))
    assert [r.url for r in got] == [f"{BASE}/articles/-/101"]
    ina = spider(InakoranSpider, tmp_path / "i")
    got = list(ina.parse_sitemap(gz_response(f"{BASE}/sitemap.xml.gz", urlset("/read/7/tujuh"))))
    assert [r.url for r in got] == [f"{BASE}/read/7/tujuh"]


def test_a_gzip_sitemap_larger_than_the_body_limit_is_refused(tmp_path):
    """Unpacked, as every other body, it holds to NEWSARCHIVE_MAX_BODY_BYTES, whatever DOWNLOAD_MAXSIZE says."""
    crawler = get_crawler(InakoranSpider, {"NEWSARCHIVE_DATA": str(tmp_path), "NEWSARCHIVE_MAX_BODY_BYTES": 10_000,
                                           "DOWNLOAD_MAXSIZE": 10**9})
    ina = InakoranSpider.from_crawler(crawler, base_url=BASE)
    recorded = []
    ina.record_failure = lambda url, reason, status=None, detail=None: recorded.append((url, reason))
    big = urlset(*(f"/read/{i}/x" for i in range(2000)))
    assert list(ina.parse_sitemap(gz_response(f"{BASE}/sitemap.xml.gz", big))) == []
    assert recorded == [(f"{BASE}/sitemap.xml.gz", "too_large")]


def test_an_unreadable_text_date_is_quoted_in_the_warning_not_as_a_match_object():
    from crawler.parsers import inakoran

    match = inakoran._DATE_RE.search("Rabu, 31 Februari 2024 10:00 WIB")
    assert match is not None
    warnings: list[str] = []
    inakoran._dates({}, None, [], match, datetime(2024, 3, 1, tzinfo=timezone.utc), warnings)
    assert warnings and not any("re.Match" in w for w in warnings)
    assert "published: unreadable or out-of-range text date 'Rabu, 31 Februari 2024 10:00 WIB'" in warnings, warnings


def test_a_pages_link_to_a_sitemap_is_read_as_a_sitemap_conditionally(tmp_path):
    """Inakoran's footer links /sitemap.xml, and robots.txt names it too: whichever request comes first is the
    one the duplicate filter keeps, so both must ask for it as a sitemap, conditionally (a plain page request
    read it as a page, with no If-None-Match: the second run's 304 then depended on timing)."""
    import asyncio

    from scrapy.http import HtmlResponse

    from crawler.meta import CONDITIONAL_META_KEY

    ina = spider(InakoranSpider, tmp_path)

    async def no_article(response, page="listing"):
        return
        yield

    ina.extract = no_article
    page = HtmlResponse(f"{BASE}/", body=b'<html><body><a href="/read/3/tiga">Tiga</a> '
                                         b'<a href="/sitemap.xml">Sitemap</a></body></html>')

    async def requests():
        return [r async for r in ina.parse_page(page, hops=0)]

    by_url = {r.url: r for r in asyncio.run(requests())}
    sitemap = by_url[f"{BASE}/sitemap.xml"]
    assert sitemap.callback == ina.parse_sitemap and sitemap.meta[CONDITIONAL_META_KEY] is True
    robots = TextResponse(f"{BASE}/robots.txt", body=f"Sitemap: {BASE}/sitemap.xml\n".encode())
    (announced,) = ina.parse_robots(robots)
    assert (announced.url, announced.callback, announced.meta[CONDITIONAL_META_KEY]) == \
        (sitemap.url, sitemap.callback, True), "the same request, whichever comes first"
    assert by_url[f"{BASE}/read/3/tiga"].callback == ina.parse_page

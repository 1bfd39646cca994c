"""The offline mirror: HTTP behaviour, site structure, determinism and ground truth."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import urllib.robotparser
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from mirror import Mirror
from crawler.parsers.common import clean_text
from crawler.parsers.model import ARTICLE_KEYS

NOW = datetime(2026, 9, 28, 9, 0, tzinfo=timezone.utc)
COUNT = 45
TRUTH_KEYS = set(ARTICLE_KEYS) - {"parser", "parser_version", "word_count", "date_source", "canonical_url",
                                  "language"}
OFFSET = {"kyodo": "+09:00", "inakoran": "+07:00"}
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def mirror():
    with Mirror(articles=COUNT, seed=3, now=NOW) as m:
        yield m


def fetch(url: str, headers: dict | None = None, method: str = "GET"):
    """(status, headers, body) without raising on 4xx/3xx."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, resp.headers, body


def get_text(url: str) -> str:
    status, _, body = fetch(url)
    assert status == 200, url
    return body.decode("utf-8")


# --- robots, home, lists -----------------------------------------------------------------------------

def test_robots_txt(mirror):
    for site, rule in (("kyodo", "Disallow: /articles/photo/"), ("inakoran", "Disallow: /ina/")):
        base = mirror.base_urls[site]
        status, headers, body = fetch(base + "/robots.txt")
        text = body.decode()
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert "User-agent: *" in text and rule in text and f"Sitemap: {base}/sitemap.xml" in text


def test_kyodo_home(mirror):
    base = mirror.base_urls["kyodo"]
    status, headers, body = fetch(base + "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    sel = Selector(text=body.decode())
    assert sel.css("article.top-news-main a.top-news-main__link::attr(href)").get().startswith("/articles/-/")
    stamps = sel.css("time.top-news-sub-info__time::attr(datetime)").getall()
    assert stamps and all(s.endswith("+09:00") for s in stamps)
    assert sel.css("section.m-article-wrap article.m-article-item")
    assert 'href="/list/news/\tasian-games"' in body.decode()  # the real nav quirk


def _list_items(html: str) -> list[tuple[str, str]]:
    sel = Selector(text=html)
    return [(a.attrib["href"], t) for a, t in zip(sel.css("a.m-article-item-ttl__link"),
                                                  sel.css("time.m-article-info__time::attr(datetime)").getall())]


def test_kyodo_list_pagination(mirror):
    base = mirror.base_urls["kyodo"]
    seen, page = [], 1
    while True:
        html = get_text(f"{base}/list/news?page={page}")
        items = _list_items(html)
        sel = Selector(text=html)
        next_link = sel.css('a.m-pagination__link[class~="--next"]::attr(href)').get()
        if next_link:
            assert len(items) == 20 and next_link == f"/list/news?page={page + 1}"
        seen += items
        if not next_link:
            break
        page += 1
    assert len(seen) == COUNT and len({h for h, _ in seen}) == COUNT
    stamps = [t for _, t in seen]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", t) for t in stamps)
    assert fetch(f"{base}/list/news?page={page + 1}")[0] == 404
    assert get_text(f"{base}/list/news?page=1") == get_text(f"{base}/list/news")
    texts = Selector(text=get_text(f"{base}/list/news")).css("time.m-article-info__time::text").getall()
    assert any(t.endswith("ago") for t in texts) and any(re.fullmatch(r"[A-Z][a-z]{2} \d\d, \d{4}", t) for t in texts)


def test_kyodo_sections_partners_feed_sitemaps(mirror):
    base = mirror.base_urls["kyodo"]
    truth = {t["url"]: t for t in mirror.truth("kyodo")}
    world = _list_items(get_text(base + "/list/news/world"))
    assert world and all("World" in truth[base + h]["categories"] for h, _ in world)
    ap = _list_items(get_text(base + "/list/partners/apnews"))
    assert ap and all(truth[base + h]["credit"] == "AP News" for h, _ in ap)
    status, headers, body = fetch(base + "/list/feed/rss4kyodonews-fzone")
    assert status == 200 and "xml" in headers["Content-Type"]
    links = re.findall(r"<link>(.*?)</link>", body.decode())[1:]
    assert len(links) == 25 and all(link in truth for link in links)
    index = get_text(base + "/sitemap.xml")
    assert "<sitemapindex" in index and f"{base}/sitemap-static.xml" in index
    locs = []
    for child in re.findall(r"<loc>(.*?)</loc>", index):
        locs += re.findall(r"<loc>(.*?)</loc>", get_text(child))
    assert set(truth) <= set(locs)
    assert any("/articles/photo/" in loc for loc in locs)


def test_inakoran_lists(mirror):
    base = mirror.base_urls["inakoran"]
    truth = {t["url"] for t in mirror.truth("inakoran")}
    seen, page = [], 1
    while True:
        sel = Selector(text=get_text(f"{base}/indeks" + (f"/page/{page}" if page > 1 else "")))
        seen += [base + h for h in sel.css("h2.berita-judul a::attr(href)").getall()]
        if not sel.css("a.next::attr(href)").get():
            break
        page += 1
    assert set(seen) == truth and len(seen) == COUNT
    sel = Selector(text=get_text(f"{base}/kategori/nasional"))
    assert sel.css("h1.judul-kategori::text").get() == "Nasional"
    home = get_text(base + "/")
    assert "Terpopuler" in home and 'href="/ina/login"' in home


# --- article pages ----------------------------------------------------------------------------------

def _visible(sel: Selector, css: str) -> str:
    parts = sel.css(css).xpath(".//text()[not(ancestor::div[contains(@class, 'login-signage')])]").getall()
    return clean_text(" ".join(parts))


def test_kyodo_article_markup_and_truth_agree(mirror):
    base = mirror.base_urls["kyodo"]
    robots = urllib.robotparser.RobotFileParser(base + "/robots.txt")
    robots.read()
    kinds = set()
    for t in mirror.truth("kyodo"):
        html = get_text(t["url"])
        sel = Selector(text=html)
        assert sel.css('link[rel="canonical"]::attr(href)').get() == t["url"]
        assert sel.css('meta[name="author"]::attr(content)').get() == ""
        ld = json.loads(sel.css('script[type="application/ld+json"]::text').get())
        assert [x["@type"] for x in ld] == ["WebSite", "NewsArticle", "BreadcrumbList"]
        assert isinstance(ld[2]["itemListElement"][0], list)
        assert ld[1]["datePublished"] == t["published"] and ld[1]["dateModified"] == t["modified"]
        assert ("isAccessibleForFree" in ld[1]) == (t["credit"] != "AP News")
        assert clean_text(sel.css("h1.article-ttl::text").get()) == t["title"]
        assert sel.css("time.article-header-info__time::attr(datetime)").get() == t["published"][:16]
        inner = _visible(sel, "div.article-body__inner")
        for paragraph in (t["body"] or "").split("\n\n"):
            assert paragraph in inner, t["url"]
        if t["dateline"]:
            assert inner.startswith(f"{t['dateline']} - ") or t["access"] == "open"
        for image in t["images"]:
            assert image["src"] in html and image["credit"] and f"({image['credit']})" in html
        gallery = sel.css('a[href^="/articles/photo/"]::attr(href)').get()
        if t["images"] and t["credit"] == "KYODO NEWS":
            assert gallery and not robots.can_fetch("*", base + gallery)
            assert fetch(base + gallery)[0] == 200
        kinds.add(t["access"])
        if t["access"] == "gated":
            assert "Log in or create a Free Membership<br>Account" in html and 'class="--blur"' in html
        elif t["access"] == "expired":
            assert "Sorry. This article is no longer available." in html
        elif t["access"] == "full":
            assert "paywalled-content" in html
        if t["title"].startswith("BREAKING NEWS:"):
            kinds.add("breaking")
            assert t["categories"] == [] and t["body"] == t["title"] and '<img src=""' in html
        if t["credit"] == "Spotlight Japan":  # partner copy: link lists and a promotion inside the body container
            kinds.add("spotlight")
            assert t["access"] == "open" and t["categories"][-1] == "Spotlight"
            assert "&gt;&gt;Read the full article" in html and "<hr>" in html and "article-body-bottom" not in html
            assert t["body"].endswith("This article was submitted by a contributing writer for publication on Japan Wire.")
            assert ">>Read" not in t["body"] and "Related coverage" not in t["body"]
    assert kinds == {"full", "gated", "expired", "open", "breaking", "spotlight"}
    assert any(t["authors"] and t["credit"] == "AP News" for t in mirror.truth("kyodo"))


def test_inakoran_both_templates(mirror):
    base = mirror.base_urls["inakoran"]
    templates = set()
    for t in mirror.truth("inakoran"):
        html = get_text(t["url"])
        sel = Selector(text=html)
        classic = urlsplit(t["url"]).path.startswith("/read/")
        templates.add("a" if classic else "b")
        if classic:
            assert not sel.css('script[type="application/ld+json"]') and t["modified"] is None
            assert sel.css("a.label-kategori::text").get() == t["categories"][0]
            assert re.fullmatch(r"\w+, \d\d-\d\d-\d{4} \| \d\d:\d\d [ap]m", sel.css("div.tanggal::text").get())
            body = _visible(sel, "div.isi")
        else:
            graph = json.loads(sel.css('script[type="application/ld+json"]::text').get())["@graph"]
            article = next(x for x in graph if x["@type"] == "NewsArticle")
            assert article["articleSection"] == t["categories"] and article["datePublished"] == t["published"]
            assert sel.css('meta[property="article:section"]::attr(content)').get() == t["categories"][0]
            body = _visible(sel, "div.entry-content")
        assert f"{t['dateline']}, Inakoran" in body and "KOMENTAR" in html
        for paragraph in t["body"].split("\n\n"):
            assert paragraph in body
        for image in t["images"]:
            assert image["credit"] == "ist" and f"{image['caption']} [ist]" in html
            assert urlsplit(image["src"]).path in html and image["src"].startswith(base)
    assert templates == {"a", "b"}


# --- HTTP behaviour ---------------------------------------------------------------------------------

def test_gzip_only_when_accepted(mirror):
    url = mirror.truth("kyodo")[0]["url"]
    status, plain_headers, plain = fetch(url)
    assert status == 200 and "Content-Encoding" not in plain_headers
    assert int(plain_headers["Content-Length"]) == len(plain)
    status, headers, packed = fetch(url, {"Accept-Encoding": "gzip, deflate"})
    assert headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding"
    assert int(headers["Content-Length"]) == len(packed) and gzip.decompress(packed) == plain
    assert "Content-Encoding" not in fetch(url, {"Accept-Encoding": "gzip;q=0, identity"})[1]


def test_conditional_requests(mirror):
    base = mirror.base_urls["kyodo"]
    for path in ("/list/news", "/sitemap.xml", "/list/feed/rss4kyodonews-fzone"):
        status, headers, _ = fetch(base + path)
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert status == 200 and etag and modified
        assert fetch(base + path, {"If-None-Match": etag})[0] == 304
        assert fetch(base + path, {"If-Modified-Since": modified})[0] == 304
        assert fetch(base + path, {"If-None-Match": '"stale"'})[0] == 200


def test_not_found_uses_site_template(mirror):
    status, _, body = fetch(mirror.base_urls["kyodo"] + "/no/such/page")
    assert status == 404 and b"g-header" in body
    assert fetch(mirror.base_urls["kyodo"] + "/list/news/%09asian-games")[0] == 404
    status, _, body = fetch(mirror.base_urls["inakoran"] + "/tidak-ada")
    assert status == 404 and b"Halaman tidak ditemukan" in body


def test_keep_alive_and_head(mirror):
    parts = urlsplit(mirror.base_urls["inakoran"])
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    for path in ("/", "/robots.txt", "/sitemap.xml"):
        conn.request("GET", path)
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() and not resp.will_close
    conn.request("HEAD", "/")
    resp = conn.getresponse()
    assert resp.status == 200 and resp.read() == b"" and int(resp.headers["Content-Length"]) > 0
    conn.close()


def test_truth_endpoint(mirror):
    for site in ("kyodo", "inakoran"):
        status, headers, body = fetch(mirror.base_urls[site] + "/_mirror/truth.json")
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        assert json.loads(body) == mirror.truth(site)


def test_truth_shape(mirror):
    for site in ("kyodo", "inakoran"):
        truth = mirror.truth(site)
        assert len(truth) == COUNT and len({t["url"] for t in truth}) == COUNT
        for t in truth:
            assert set(t) == TRUTH_KEYS and t["site"] == site
            assert t["url"].startswith(mirror.base_urls[site] + "/")
            published = datetime.fromisoformat(t["published"])
            assert t["published"].endswith(OFFSET[site]) and published < NOW
            if t["modified"] is not None:
                assert t["modified"].endswith(OFFSET[site])
                assert published <= datetime.fromisoformat(t["modified"]) < NOW
            assert t["title"] == clean_text(t["title"]) and t["categories"] is not None
            if t["body"] is not None:
                assert t["body"].startswith(t["lead"])
                assert all(p == clean_text(p) and p for p in t["body"].split("\n\n"))
            else:
                assert t["lead"] is None and t["access"] == "expired"
            assert t["access"] in ({"full", "gated", "expired", "open"} if site == "kyodo" else {"open"})
            assert all(set(i) == {"src", "caption", "credit"} and i["src"].startswith("http") for i in t["images"])
            assert (t["credit"] in ("KYODO NEWS", "AP News", "Spotlight Japan")) if site == "kyodo" else t["credit"] is None


# --- determinism and changes ------------------------------------------------------------------------

def _snapshot(m: Mirror) -> dict:
    out = {}
    for site, base in m.base_urls.items():
        truth = m.truth(site)
        paths = ["/", "/robots.txt", "/sitemap.xml", "/_mirror/truth.json"] + [urlsplit(t["url"]).path
                                                                               for t in truth[:8]]
        out[site] = (truth, [fetch(base + p, {"Accept-Encoding": "gzip"})[2] for p in paths])
    return out


def _strip(m: Mirror, site: str) -> list[str]:
    return [json.dumps(t).replace(m.base_urls[site], "BASE").replace(m.asset_urls["kyodo"], "ASSETS")
            for t in m.truth(site)]


def test_deterministic():
    with Mirror(articles=12, seed=5, now=NOW) as one:
        first_snapshot = _snapshot(one)
        ports = {site: urlsplit(url).port for site, url in one.base_urls.items()}
        ports["kyodo-assets"] = urlsplit(one.asset_urls["kyodo"]).port
        first = {site: _strip(one, site) for site in ("kyodo", "inakoran")}
    with Mirror(articles=12, seed=5, now=NOW, ports=ports) as two:  # same ports: byte-identical
        assert _snapshot(two) == first_snapshot
    with Mirror(articles=12, seed=6, now=NOW) as other:
        assert _strip(other, "kyodo") != first["kyodo"]
    with Mirror(articles=20, seed=5, now=NOW) as bigger:
        for site in ("kyodo", "inakoran"):  # story i does not depend on the catalogue size
            assert _strip(bigger, site)[:12] == first[site]


def test_add_and_edit_articles():
    with Mirror(articles=10, seed=9, now=NOW) as m:
        base = m.base_urls["kyodo"]
        _, headers, _ = fetch(base + "/list/news")
        m.add_articles(3)
        assert len(m.truth("kyodo")) == 13 and len(m.truth("inakoran")) == 13
        newest = m.truth("kyodo")[-3:]
        top = [base + h for h, _ in _list_items(get_text(base + "/list/news"))[:3]]
        assert set(top) == {t["url"] for t in newest}
        assert fetch(base + "/list/news", {"If-None-Match": headers["ETag"]})[0] == 200
        for site in ("kyodo", "inakoran"):
            before = m.truth(site)[1]
            page_before = fetch(before["url"])[1]
            after = m.edit_article(site, before["url"])
            assert after["title"] != before["title"] and after["body"] != before["body"]
            assert after == m.truth(site)[1]
            if before["modified"] is not None:
                edited = datetime.fromisoformat(after["modified"])
                # edits are stamped with the wall clock (content.Catalogue.edit), not the mirror's `now`
                assert datetime.fromisoformat(before["modified"]) < edited <= datetime.now(timezone.utc) + timedelta(seconds=5)
            status, headers, body = fetch(after["url"], {"If-None-Match": page_before["ETag"]})
            assert status == 200 and after["title"].encode() in body
            assert headers["Last-Modified"] != page_before["Last-Modified"]
            assert m.edit_article(site, 0)["url"] == m.truth(site)[0]["url"]
        sitemap = get_text(base + "/sitemap-2026.xml")
        edited = m.truth("kyodo")[1]
        assert f"<loc>{edited['url']}</loc><lastmod>{edited['modified']}</lastmod>" in sitemap


def test_large_catalogue_constructs_fast():
    start = time.perf_counter()
    Mirror(articles=10000, seed=1, now=NOW)
    assert time.perf_counter() - start < 15


def test_cli_prints_urls_and_stops_on_sigterm():
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from mirror import main; "
                             "sys.exit(main(['--articles', '5', '--seed', '2']))"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        lines = [proc.stdout.readline().split() for _ in range(3)]
        assert [name for name, _ in lines] == ["kyodo", "inakoran", "kyodo-assets"]
        for _, url in lines:
            assert urllib.request.urlopen(url + "/robots.txt", timeout=10).status == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()

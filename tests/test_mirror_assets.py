"""The mirror's assets: every in-scope URL a page references is served with real bytes in the real shapes,
Kyodo's from its CDN stand-in, and the fixed cases (missing, slow, robots-excluded) behave as stated."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html
from PIL import Image

from mirror import Mirror
from mirror.assets import DISALLOWED, MISSING, SLOW
from test_mirror import fetch

NOW = datetime(2026, 9, 28, 9, 0, tzinfo=timezone.utc)
REAL_CDN = "english-kyodo.ismcdn.jp"
_SKIP_LINKS = {"canonical", "alternate", "preconnect", "dns-prefetch", "https://api.w.org/", "EditURI"}


@pytest.fixture(scope="module")
def mirror():
    with Mirror(articles=14, seed=4, now=NOW) as m:
        yield m


def references(body: bytes, url: str) -> set[str]:
    """Every URL a browser (or a crawl with requisites `all`) would load for the page."""
    doc = lxml_html.fromstring(body)
    found = set()
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("img", "script", "iframe") and el.get("src"):
            found.add(el.get("src"))
        if el.tag == "img" and el.get("data-original"):
            found.add(el.get("data-original"))
        if el.get("srcset"):
            found |= {c.split()[0] for c in el.get("srcset").split(",")}
        if el.tag == "link" and el.get("href") and el.get("rel") not in _SKIP_LINKS:
            found.add(el.get("href"))
        if el.tag == "meta" and el.get("property") == "og:image":
            found.add(el.get("content"))
    return {urljoin(url, u.strip()) for u in found if u.strip()}


def css_references(text: str, url: str) -> set[str]:
    return {urljoin(url, u) for u in re.findall(r"""url\(\s*["']?([^"')]+)""", text) if not u.startswith("data:")}


def page_urls(m: Mirror) -> list[str]:
    kyodo, ina = m.base_urls["kyodo"], m.base_urls["inakoran"]
    return ([kyodo + "/", kyodo + "/list/news", kyodo + "/list/news/japan"] + [t["url"] for t in m.truth("kyodo")[:10]]
            + [ina + "/", ina + "/kategori/nasional", ina + "/indeks/page/1"] + [t["url"] for t in m.truth("inakoran")[:4]])


def test_every_in_scope_reference_is_served(mirror):
    scope = {urlsplit(u).netloc for u in (*mirror.base_urls.values(), mirror.asset_urls["kyodo"])}
    todo, third_party = set(), set()
    for url in page_urls(mirror):
        status, _, body = fetch(url)
        assert status == 200, url
        assert REAL_CDN.encode() not in body  # the real CDN is never referenced, only its stand-in
        todo |= references(body, url)
    answers: dict[str, int] = {}
    while todo:
        url = todo.pop()
        parts = urlsplit(url)
        if parts.netloc not in scope:
            third_party.add(parts.hostname)
            continue
        if url in answers or parts.path.startswith(("/articles/", "/list/")):
            continue
        status, headers, body = fetch(url)
        answers[url] = status
        if status == 200 and headers["Content-Type"].startswith("text/css"):
            todo |= css_references(body.decode("utf-8"), url)
    missing = [u for u, status in answers.items() if status != 200]
    assert missing == [mirror.asset_url("kyodo", "missing")]
    cdn = mirror.asset_urls["kyodo"]
    on_cdn = {urlsplit(u).path for u in answers if u.startswith(cdn + "/")}
    for path in ("/resources/kyodonews/css/pc/leafs.css", "/resources/kyodonews/css/pc/common.css",
                 "/resources/kyodonews/fonts/Aileron-Regular.ttf", "/resources/prod/kyodonews/js/pc/leafs.prod.js",
                 "/common/images/favicon.ico", "/common/images/bg_header.webp", SLOW, DISALLOWED):
        assert path in on_cdn
    sizes = {p.split("/")[4] for p in on_cdn if p.startswith("/mwimgs/") and p.endswith(".jpg")}
    assert {"635m", "1270m", "1200x", "255m", "160m"} <= sizes
    ina = {urlsplit(u).path for u in answers if u.startswith(mirror.base_urls["inakoran"] + "/")}
    assert {"/assets/css/style.css", "/assets/css/fonts.css", "/assets/fonts/aileron-regular.ttf",
            "/assets/img/bg-pattern.webp", "/wp-content/themes/inakoran/style.css"} <= ina
    assert any(re.fullmatch(r"/uploads/\d{4}/\d{2}/\d{2}/\d{10}-p[0-9a-f]{32}_800\.jpg", p) for p in ina)
    assert {"www.googletagmanager.com", "cdn01.stright.bizris.com", "www.youtube.com"} <= third_party


def _image(url: str) -> tuple[Image.Image, bytes]:
    status, headers, body = fetch(url, {"Accept-Encoding": "gzip"})
    assert status == 200 and "Content-Encoding" not in headers  # images are never gzipped
    img = Image.open(io.BytesIO(body))
    img.load()
    return img, body


def test_photos_decode_at_their_sizes(mirror):
    truth = next(t for t in mirror.truth("kyodo") if t["images"] and "/635m/" in t["images"][0]["src"])
    src = truth["images"][0]["src"]
    assert src.startswith(mirror.asset_urls["kyodo"] + "/mwimgs/")
    page = fetch(truth["url"])[2].decode("utf-8")
    assert f'srcset="{src} 1x,{src.replace("/635m/", "/1270m/")} 2x"' in page
    small, small_bytes = _image(src)
    assert (small.format, small.size) == ("JPEG", (635, 423)) and 20_000 <= len(small_bytes) <= 150_000
    big, big_bytes = _image(src.replace("/635m/", "/1270m/"))
    assert (big.format, big.size) == ("JPEG", (1270, 846)) and 20_000 <= len(big_bytes) <= 150_000
    assert _image(src.replace("/635m/", "/1200x/"))[0].size == (1200, 800)
    ina = next(i["src"] for t in mirror.truth("inakoran") for i in t["images"] if "/uploads/" in i["src"])
    photo, photo_bytes = _image(ina)
    assert (photo.format, photo.size) == ("JPEG", (800, 533)) and 20_000 <= len(photo_bytes) <= 150_000
    other = next(i["src"] for t in mirror.truth("inakoran") for i in t["images"] if "/uploads/" in i["src"]
                 and i["src"] != ina)
    assert _image(other)[1] != photo_bytes  # each photo its own payload
    cdn = mirror.asset_urls["kyodo"]
    assert _image(cdn + "/common/images/bg_header.webp")[0].format == "WEBP"
    assert _image(cdn + "/common/images/favicon.ico")[0].format == "ICO"
    assert _image(mirror.base_urls["kyodo"] + "/mwimgs/7/2/-/img_727acdf405521b5840c6a46ca2e266d649734.png")[0].size \
        == (60, 60)
    status, headers, font = fetch(cdn + "/resources/kyodonews/fonts/Aileron-Regular.ttf")
    assert (status, headers["Content-Type"], font[:4], len(font)) == (200, "font/ttf", b"\x00\x01\x00\x00", 12676)


def test_stylesheets_import_fonts_and_backgrounds(mirror):
    cdn = mirror.asset_urls["kyodo"]
    status, headers, body = fetch(cdn + "/resources/kyodonews/css/pc/leafs.css?rd=202609031611",
                                  {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and headers["Content-Type"].startswith("text/css")
    status, _, common = fetch(cdn + "/resources/kyodonews/css/pc/common.css?rd=202609031611")
    text = common.decode("utf-8")
    assert 'src:url("../../fonts/Aileron-Regular.ttf") format("truetype")' in text
    assert 'url("/common/images/bg_header.webp")' in text and "width:1120px" in text
    status, _, leafs = fetch(cdn + "/resources/kyodonews/css/pc/leafs.css")
    assert leafs.startswith(b'@charset "UTF-8";\n@import url("common.css?rd=202609031611");')
    style = fetch(mirror.base_urls["inakoran"] + "/assets/css/style.css")[2].decode("utf-8")
    assert style.startswith('@import url("fonts.css");') and 'url("/assets/img/bg-pattern.webp")' in style


def test_missing_slow_and_robots_cases(mirror):
    cdn = mirror.asset_urls["kyodo"]
    status, headers, body = fetch(cdn + "/robots.txt")
    assert (status, body) == (200, b"User-agent: *\nAllow: /\nDisallow: /common/images/tracking/\n")
    assert DISALLOWED.startswith("/common/images/tracking/")
    assert fetch(mirror.asset_url("kyodo", "missing"))[0] == 404
    assert fetch(cdn + "/mwimgs/0/0/635m/img_1234567890abcdef1234567890.jpg")[0] == 404  # h0/h1 not the hash's
    assert fetch(cdn + "/articles/-/1")[0] == 404  # the CDN serves no pages
    status, headers, gif = fetch(mirror.asset_url("kyodo", "disallowed"))
    assert (status, headers["Content-Type"], gif[:6]) == (200, "image/gif", b"GIF89a")
    article = next(t["url"] for t in mirror.truth("kyodo"))
    page = fetch(article)[2].decode("utf-8")
    for case in ("missing", "slow", "disallowed"):
        assert mirror.asset_url("kyodo", case) in page
    start = time.perf_counter()
    status, _, svg = fetch(mirror.asset_url("kyodo", "slow"))
    assert status == 200 and svg.startswith(b"<svg") and time.perf_counter() - start >= 1.4


def test_asset_bytes_are_deterministic(mirror):
    paths = ["/mwimgs/a/b/635m/img_ab0123456789abcdef0123456789abcdef0123.jpg", "/common/images/favicon.ico",
             "/common/images/bg_header.webp", "/resources/kyodonews/css/pc/top.css"]
    first = [fetch(mirror.asset_urls["kyodo"] + p)[2] for p in paths]
    with Mirror(articles=3, seed=9, now=NOW) as other:
        assert [fetch(other.asset_urls["kyodo"] + p)[2] for p in paths] == first

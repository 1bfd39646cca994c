"""The crawl fetches page requisites: exactly the expected ones per page kind and mode, each once per crawl,
third-party ones recorded and left, failures recorded without failing the crawl, a second crawl storing next to
nothing again, the page budget leaving them alone, and each origin keeping its own politeness slot.

A small site of our own (Inakoran's spider: the home page, then linked pages) and an asset host on a second
loopback port, standing in for a CDN; the mirror's own assets are covered by a crawl of it at the end."""

from __future__ import annotations

import hashlib
from collections import Counter
import socket
import sqlite3
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support import NO_DELAY, newsarchive

PHOTO = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(2_000))  # 64 KB, incompressible
GTM = "https://www.googletagmanager.com/gtm.js?id=GTM-TEST"


def home_html(assets: str) -> str:
    return f"""<html><head><title>Home</title>
<link rel="stylesheet" href="{assets}/css/style.css">
<link rel="icon" href="/favicon.ico">
<meta property="og:image" content="{assets}/img/og.jpg">
<script src="{assets}/js/app.js"></script>
<script src="{GTM}"></script>
</head><body>
<img src="{assets}/img/lead.jpg" srcset="{assets}/img/lead-1x.jpg 1x, {assets}/img/lead-2x.jpg 2x">
<img src="{assets}/img/missing.jpg"><img src="{assets}/blocked/secret.jpg">
<a href="/list-1">one</a> <a href="/list-2">two</a> <a href="/list-3">three</a>
</body></html>"""


def listing_html(assets: str, n: int) -> str:
    extra = f'<script src="{assets}/js/slow.js"></script><script src="{assets}/js/reset.js"></script>' \
        if n == 1 else ""
    return f"""<html><head><title>List {n}</title>
<link rel="stylesheet" href="{assets}/css/style.css"><script src="{assets}/js/app.js"></script>{extra}
<script src="{assets}/js/list-{n}.js"></script>
</head><body><img src="{assets}/img/thumb-{n}.jpg"><p>Listing {n}</p></body></html>"""


ASSET_FILES = {
    "/css/style.css": ("text/css", b'@import "more.css";\n@font-face { font-family: T; src: url("../fonts/t.woff2") '
                                   b'format("woff2"); }\nbody { background: url(/img/bg.png) }\n'
                                   b'.x { background: url(data:image/png;base64,AAAA) }'),
    "/css/more.css": ("text/css", b'@import url("style.css");\nh1 { background-image: url("/img/deep.png") }'),
    "/fonts/t.woff2": ("font/woff2", PHOTO[:3000]),
    "/js/app.js": ("text/javascript", b"console.log('app');"),
    **{f"/js/list-{n}.js": ("text/javascript", b"console.log(%d);" % n) for n in (1, 2, 3)},
    "/js/slow.js": ("text/javascript", b"console.log('slow');"),
    **{f"/img/{name}": ("image/jpeg", PHOTO) for name in
       ("og.jpg", "lead.jpg", "lead-1x.jpg", "lead-2x.jpg", "bg.png", "deep.png",
        "thumb-1.jpg", "thumb-2.jpg", "thumb-3.jpg")},
    "/blocked/secret.jpg": ("image/jpeg", PHOTO),
}


class Host:
    """A loopback origin: robots.txt as given, `files` {path: (type, body)}, or pages made by `pages(path)`.
    Honours If-None-Match when `validators`; records (arrival time, path, If-None-Match) of every request."""

    def __init__(self, robots: str, files: dict | None = None, pages=None, validators: bool = True,
                 slow_seconds: float = 3.0):
        self.requests: list[tuple[float, str, str | None]] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                host.requests.append((time.monotonic(), self.path, self.headers.get("If-None-Match")))
                path = self.path
                if path == "/robots.txt":
                    return self._send(200, "text/plain", robots.encode())
                if path == "/js/reset.js":  # a TCP reset: SO_LINGER 0, then close
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                if path == "/js/slow.js":
                    time.sleep(slow_seconds)
                found = (files or {}).get(path) or (pages(path) if pages else None)
                if found is None:
                    return self._send(404, "text/plain", b"not here")
                content_type, body = found
                etag = '"%s"' % hashlib.md5(body).hexdigest()
                if validators and self.headers.get("If-None-Match") == etag:
                    return self._send(304, None, b"", etag)
                self._send(200, content_type, body, etag if validators else None)

            def _send(self, status, content_type, body, etag=None):
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            request_queue_size = 64  # socketserver's 5 drops connections a crawl opens at once: SYN retries

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.requests if path != "/robots.txt"]


def sites(site_robots="User-agent: *\nAllow: /\n", asset_robots="User-agent: *\nDisallow: /blocked/\n",
          validators=True, slow_seconds=3.0):
    assets = Host(asset_robots, ASSET_FILES, validators=validators, slow_seconds=slow_seconds)

    def page(path):
        if path == "/":
            return "text/html", home_html(assets.url).encode()
        if path in ("/list-1", "/list-2", "/list-3"):
            return "text/html", listing_html(assets.url, int(path[-1])).encode()
        if path == "/favicon.ico":
            return "image/x-icon", PHOTO[:500]
        return None

    return Host(site_robots, pages=page, validators=validators), assets


def crawl(data, site, assets, *options):
    done = newsarchive("crawl", "inakoran", "--data", str(data), "--base-url", f"inakoran={site.url}",
                       "--asset-url", f"inakoran={assets.url}", "-s", "DOWNLOAD_TIMEOUT=1.5", "-s", "RETRY_TIMES=0",
                       *NO_DELAY, *options)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done


def rows(data, sql, *args):
    with sqlite3.connect(data / "index.db") as db:
        return db.execute(sql, args).fetchall()


def requisite_captures(data) -> dict[str, tuple[int, str]]:
    """{path on its host: (status, needed_by path)} of the last crawl's requisite captures."""
    found = rows(data, "SELECT url, status, needed_by FROM captures WHERE role = 'requisite' AND crawl_id = "
                       "(SELECT id FROM crawls ORDER BY started DESC, rowid DESC LIMIT 1)")
    paths = {url.split("/", 3)[3]: (status, "/" + needed.split("/", 3)[3]) for url, status, needed in found}
    assert len(paths) == len(found), "a requisite captured twice in one crawl"
    return paths


PAGES_MODE = {  # what a desktop browser loads: the home page like an article, listings' CSS and JS
    "css/style.css": (200, "/"), "css/more.css": (200, "/"), "fonts/t.woff2": (200, "/"), "img/bg.png": (200, "/"),
    "img/deep.png": (200, "/"), "js/app.js": (200, "/"), "img/og.jpg": (200, "/"), "img/lead.jpg": (200, "/"),
    "img/lead-1x.jpg": (200, "/"), "img/missing.jpg": (404, "/"), "favicon.ico": (200, "/"),
    "js/list-1.js": (200, "/list-1"), "js/list-2.js": (200, "/list-2"), "js/list-3.js": (200, "/list-3"),
}
ALL_MODE = {**PAGES_MODE, "img/lead-2x.jpg": (200, "/"),
            **{f"img/thumb-{n}.jpg": (200, f"/list-{n}") for n in (1, 2, 3)}}


@pytest.mark.parametrize("mode, expected", [("none", {}), ("pages", PAGES_MODE), ("all", ALL_MODE)])
def test_each_mode_fetches_exactly_its_requisites_once(tmp_path, mode, expected):
    site, assets = sites()
    with site, assets:
        done = crawl(tmp_path, site, assets, "--requisites", mode)
    assert requisite_captures(tmp_path) == expected
    # Each URL asked for once, however many pages use it (style.css and app.js are on all four pages).
    # slow.js and reset.js fail (timeout, reset); Scrapy does not retry them (RETRY_TIMES=0), though Twisted's
    # connection pool may send a request again once when a kept-alive connection dies under it.
    asked = Counter(assets.paths() + [p for p in site.paths() if p == "/favicon.ico"])
    failing = {"/js/slow.js", "/js/reset.js"} if mode != "none" else set()
    assert set(asked) == {"/" + p for p in expected} | failing
    assert all(asked[path] == 1 for path in set(asked) - failing), asked
    errors = {url.split("/", 3)[3]: (reason, detail) for url, reason, detail in rows(
        tmp_path, "SELECT url, reason, detail FROM fetch_errors WHERE url NOT LIKE '%/robots.txt'")}
    if mode == "none":
        assert errors == {} and "requisites:" not in done.stdout
        return
    assert errors[GTM.split("/", 3)[3]] == ("offsite", f"third-party script of {site.url}/; not fetched")
    assert errors["img/missing.jpg"] == ("http", f"HTTP 404 (image of {site.url}/)")
    assert errors["blocked/secret.jpg"] == ("robots", "forbidden by robots.txt")
    assert errors["js/slow.js"][0] == "timeout" and errors["js/reset.js"][0] == "connection"
    assert len(errors) == 5
    captured = len(expected)
    stored = rows(tmp_path, "SELECT sum(warc_length) FROM captures WHERE role = 'requisite'")[0][0]
    assert f"requisites: {captured} captured ({stored:,} bytes), 1 skipped third-party" in done.stdout
    table = done.stdout.splitlines()
    assert table[0].split() == ["site", "pages", "articles", "requisites", "errors", "warc", "files", "warc", "bytes"]
    # pages: robots.txt of the site twice (Scrapy's robots middleware; the spider, for its Sitemap lines) and
    # of the asset host, the home page, three listings. Errors: 404, timeout, reset (skips aside).
    assert table[1].split()[:5] == ["inakoran", "7", "0", str(captured), "3"]


@pytest.mark.parametrize("validators", [True, False], ids=["conditional", "revisit"])
def test_a_second_crawl_stores_requisites_again_in_under_5_percent_of_their_bytes(tmp_path, validators):
    site, assets = sites(validators=validators, slow_seconds=0)
    with site, assets:
        crawl(tmp_path, site, assets, "--requisites", "all")
        first = len(assets.requests)
        crawl(tmp_path, site, assets, "--requisites", "all")
        second = assets.requests[first:]
    per_crawl = rows(tmp_path, "SELECT crawl_id, count(*), sum(warc_length), sum(record_type = 'revisit'), "
                               "sum(status = 304) FROM captures WHERE role = 'requisite' GROUP BY crawl_id "
                               "ORDER BY crawl_id")
    (_, n1, bytes1, _, _), (_, n2, bytes2, revisits, not_modified) = per_crawl
    assert n1 == n2 == len(ALL_MODE) + 1  # slow.js answers this time
    assert bytes2 <= 0.05 * bytes1, (bytes1, bytes2)
    if validators:  # every requisite asked with the validator of its last capture, answered 304
        assert all(etag for _, path, etag in second if path != "/robots.txt" and path != "/js/reset.js"
                   and path != "/img/missing.jpg")
        assert not_modified == n2 - 1  # the 404 has no validators
    else:  # unchanged payloads written as revisits
        assert revisits == n2 - 1


def test_requisites_are_outside_the_page_budget(tmp_path):
    site, assets = sites(slow_seconds=0)
    with site, assets:
        crawl(tmp_path, site, assets, "--max-pages", "3")
    # Three pages out of the queue: the spider's robots.txt, the home page, one listing (not the other two).
    pages = rows(tmp_path, "SELECT url FROM captures WHERE role = 'page' AND url NOT LIKE '%/robots.txt'")
    assert len(pages) == 2, pages
    got = requisite_captures(tmp_path)
    assert {path for path, (_, page) in got.items() if page == "/"} == \
        {path for path, (_, page) in PAGES_MODE.items() if page == "/"}
    assert len([path for path, (_, page) in got.items() if page != "/"]) == 1  # the one listing's own script


@pytest.mark.parametrize("slow_host", ["site", "assets"])
def test_each_host_keeps_its_own_crawl_delay(tmp_path, slow_host):
    delay = "User-agent: *\nCrawl-delay: 0.5\n"
    site, assets = sites(site_robots=delay if slow_host == "site" else "User-agent: *\nAllow: /\n",
                         asset_robots=delay if slow_host == "assets" else "User-agent: *\nAllow: /\n",
                         slow_seconds=0)
    with site, assets:
        crawl(tmp_path, site, assets)

    def gaps(host):  # between first requests of each path: Twisted's own resend of reset.js is not a new one
        first = {}
        for at, path, _ in host.requests:
            first.setdefault(path, at)
        times = sorted(at for path, at in first.items() if path != "/robots.txt")
        return [b - a for a, b in zip(times, times[1:])]

    slow, fast = (gaps(site), gaps(assets)) if slow_host == "site" else (gaps(assets), gaps(site))
    assert min(slow) >= 0.45, slow  # the Crawl-delay of its own robots.txt
    # The other host is not held to it: most of its requests come together, right after the page needing them.
    assert sum(gap < 0.2 for gap in fast) >= len(fast) // 2, fast


# -- the mirror: both sites, Kyodo's assets on their own origin -----------------------------------------------

def crawl_mirror(mirror, data, mode):
    args = ["crawl", "kyodo", "inakoran", "--data", str(data), "--requisites", mode, "--max-articles", "4",
            *NO_DELAY]
    for site, url in mirror.base_urls.items():
        args += ["--base-url", f"{site}={url}"]
    for site, url in mirror.asset_urls.items():
        args += ["--asset-url", f"{site}={url}"]
    done = newsarchive(*args)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done


def expected_requisites(data, mode, in_scope):
    """({url: pages needing it} in scope, the same for third-party URLs), read back from the archive: every
    archived page's requisites for its kind (an indexed article, the home page, else a listing), then what
    the archived stylesheets load (needed by the page that needed the stylesheet)."""
    from archive.records import read_response
    from crawler.parsers.requisites import css_requisites, page_requisites

    articles = {url for (url,) in rows(data, "SELECT c.url FROM articles a JOIN captures c ON c.id = a.capture_id")}
    needed, third_party = {}, {}

    def note(requisite, page):
        (needed if in_scope(requisite.url) else third_party).setdefault(requisite.url, set()).add(page)

    pages = rows(data, "SELECT url, warc_file, warc_offset FROM captures WHERE role = 'page' AND status = 200 "
                       "AND content_type LIKE 'text/html%' ORDER BY id")
    for url, warc, offset in pages:
        body = read_response(data / "warc" / warc, offset).body
        kind = "article" if url in articles else "home" if url.rstrip("/").count("/") == 2 else "listing"
        for requisite in page_requisites(body, url, kind, mode):
            note(requisite, url)
    sheets = rows(data, "SELECT url, needed_by, warc_file, warc_offset FROM captures WHERE role = 'requisite' "
                        "AND status = 200 AND content_type LIKE 'text/css%'")
    for url, page, warc, offset in sheets:
        for requisite in css_requisites(read_response(data / "warc" / warc, offset).body, url):
            note(requisite, page)
    return needed, third_party


@pytest.mark.parametrize("mode", ["none", "pages", "all"])
def test_a_mirror_crawl_fetches_each_pages_requisites_once(tmp_path, mode):
    from crawler.urls import origin
    from mirror import Mirror

    with Mirror(articles=6, seed=3) as mirror:
        done = crawl_mirror(mirror, tmp_path, mode)
        truth = {site: mirror.truth(site) for site in mirror.base_urls}
        scope = {origin(url) for url in [*mirror.base_urls.values(), *mirror.asset_urls.values()]}
    captured = rows(tmp_path, "SELECT url, status, needed_by FROM captures WHERE role = 'requisite'")
    urls = [url for url, _, _ in captured]
    assert len(urls) == len(set(urls)), "a requisite fetched twice in one crawl"
    skipped = dict(rows(tmp_path, "SELECT url, detail FROM fetch_errors WHERE reason = 'offsite' "
                                  "AND detail LIKE 'third-party %'"))
    refused = {url for (url,) in rows(tmp_path, "SELECT url FROM fetch_errors WHERE reason IN "
                                                "('robots', 'connection', 'timeout')")}
    if mode == "none":
        assert captured == [] and skipped == {}
        return
    needed, third_party = expected_requisites(tmp_path, mode, lambda url: origin(url) in scope)
    # Each in-scope requisite was fetched once (or refused by robots.txt, or failed on the wire), and nothing else.
    assert set(urls) | (refused & set(needed)) == set(needed)
    # needed_by: the page whose parse named it first (pages are parsed side by side: not always the first fetched)
    assert all(page in needed[url] for url, _, page in captured)
    assert set(skipped) == set(third_party)
    for url, detail in skipped.items():
        assert detail.startswith("third-party ") and detail.endswith("; not fetched")
        assert detail.removesuffix("; not fetched").rsplit(" of ", 1)[1] in third_party[url]
    assert any("googletagmanager.com" in url for url in skipped), "the Kyodo article's off-site embed"
    # Every photo of every archived article is captured, Kyodo's on the asset origin; Inakoran's robots.txt
    # keeps crawlers out of /ina/ (older photos live there), and that is recorded.
    held = {url for (url,) in rows(tmp_path, "SELECT url FROM articles")}
    photos = {image["src"] for site in truth for article in truth[site] if article["url"] in held
              for image in article["images"]}
    robots = {url for (url,) in rows(tmp_path, "SELECT url FROM fetch_errors WHERE reason = 'robots'")}
    assert photos and {url for url in photos if "/ina/" not in url} <= set(urls)
    assert {url for url in photos if "/ina/" in url} <= robots
    assert any(url.startswith(mirror.asset_urls["kyodo"] + "/mwimgs/") for url in photos)
    assert f"requisites: {len(urls)} captured" in done.stdout

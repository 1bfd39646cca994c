"""A page whose text cannot be stored does not poison the archive (GitHub issue #13, item 4).

JSON-LD's `\\ud800` escape reads as a lone surrogate, which no UTF-8 text holds: such a headline once failed the
article's index row, so the crawl exited 1, the article was fetched again on every run, and `reindex` aborted.
Here both sites serve such a page from a small local server; the crawl indexes each article with U+FFFD in
place of the bad character and a warning naming the field, a second crawl does not fetch it again, and
`reindex` keeps it. The index's own guard (archive/storable.py) is tried with a parser that does not clean up.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.reindex import rebuild
from crawler.parsers import Article
from crawler.reindex import parse_for_index

from support import NO_DELAY, ROOT, ArticleFields, newsarchive

FIXTURES = ROOT / "tests" / "fixtures"
KYODO_PATH = "/articles/-/90101"
INAKORAN_PATH = "/ekonomi/pemerintah-tetapkan-harga-eceran-tertinggi-beras-yang-baru/"
KYODO_TITLE = "Coastal town \ufffd opens solar-powered ferry link to outlying isles"
INAKORAN_TITLE = "Pemerintah \ufffd Tetapkan Harga Eceran Tertinggi Beras yang Baru"
TITLE_WARNING = "title: unstorable lone surrogate replaced with U+FFFD"


class Site:
    """One site's pages (path -> bytes) on 127.0.0.1; anything else is a 404."""

    def __init__(self, pages):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = site.pages.get(self.path)
                site.requests.append(self.path)
                self.send_response(200 if body is not None else 404)
                kind = "application/rss+xml" if self.path.startswith("/list/feed/") else "text/html; charset=utf-8"
                self.send_header("Content-Type", kind)
                body = body if body is not None else b"<html><body><h1>404 Not Found</h1></body></html>"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.pages = {path: make(self.base) for path, make in pages.items()}
        self.requests: list[str] = []
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def kyodo_article(base: str) -> bytes:
    html = (FIXTURES / "kyodo" / "full_caption_author.html").read_bytes()
    return (html.replace(b"https://english.kyodonews.net", base.encode())
            .replace(b'class="article-ttl"', b'class="ttl"')  # the headline comes from JSON-LD
            .replace(b'"headline":"Coastal town opens', b'"headline":"Coastal town \\ud800 opens'))


def kyodo_feed(base: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Kyodo</title><item>'
            f"<title>Coastal town</title><link>{base}{KYODO_PATH}</link><guid>90101</guid>"
            f"<pubDate>Sun, 27 Sep 2026 05:01:00 GMT</pubDate></item></channel></rss>").encode()


def inakoran_article(base: str) -> bytes:
    html = (FIXTURES / "inakoran" / "wp-harga-beras.html").read_bytes()
    return (html.replace(b"https://inakoran.com", base.encode())
            .replace(b'"headline":"Pemerintah Tetapkan', b'"headline":"Pemerintah \\ud800 Tetapkan'))


def inakoran_home(base: str) -> bytes:
    return f'<html lang="id"><body><h1>Inakoran</h1><a href="{INAKORAN_PATH}">Harga beras</a></body></html>'.encode()


def crawl(data: Path, kyodo: Site, inakoran: Site):
    return newsarchive("crawl", "kyodo", "inakoran", "--data", str(data), "--discover", "feed",
                       "--base-url", f"kyodo={kyodo.base}", "--base-url", f"inakoran={inakoran.base}", *NO_DELAY)


def articles(db_path: Path) -> dict[str, tuple[str, list[str]]]:
    with sqlite3.connect(db_path) as db:
        return {url: (title, json.loads(warnings))
                for url, title, warnings in db.execute("SELECT url, title, warnings FROM articles")}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data = tmp_path_factory.mktemp("unstorable")
    kyodo = Site({KYODO_PATH: kyodo_article, "/list/feed/rss4kyodonews-fzone": kyodo_feed})
    inakoran = Site({INAKORAN_PATH: inakoran_article, "/": inakoran_home})
    try:
        first = crawl(data, kyodo, inakoran)
        fetched_once = (kyodo.requests.count(KYODO_PATH), inakoran.requests.count(INAKORAN_PATH))
        second = crawl(data, kyodo, inakoran)
        fetched_twice = (kyodo.requests.count(KYODO_PATH), inakoran.requests.count(INAKORAN_PATH))
    finally:
        kyodo.close()
        inakoran.close()
    return {"data": data, "first": first, "second": second, "fetched": (fetched_once, fetched_twice),
            "kyodo": kyodo.base + KYODO_PATH, "inakoran": inakoran.base + INAKORAN_PATH}


def test_the_crawl_indexes_the_articles_with_replacement_characters_and_exits_0(crawled):
    first = crawled["first"]
    assert first.returncode == 0, first.stdout + first.stderr[-4000:]
    assert "index write failed" not in first.stderr
    held = articles(crawled["data"] / "index.db")
    assert set(held) == {crawled["kyodo"], crawled["inakoran"]}
    assert held[crawled["kyodo"]][0] == KYODO_TITLE
    assert held[crawled["inakoran"]][0] == INAKORAN_TITLE
    assert all(TITLE_WARNING in warnings for _, warnings in held.values())


def test_an_indexed_article_is_not_fetched_again(crawled):
    assert crawled["second"].returncode == 0, crawled["second"].stderr[-4000:]
    assert crawled["fetched"] == ((1, 1), (1, 1))


def test_reindex_keeps_the_articles(crawled, tmp_path):
    before = articles(crawled["data"] / "index.db")
    result = newsarchive("reindex", "--data", str(crawled["data"]))
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    assert articles(crawled["data"] / "index.db") == before


def parse_leaving_surrogates(body: bytes, url: str, fetched_at: datetime, site: str | None) -> Article | None:
    """The parser as an older version was: the bad character left in the title, no warning."""
    article = parse_for_index(body, url, fetched_at, site)
    if article is not None:
        article.title = article.title.replace("\ufffd", "\ud800")
        article.warnings = [w for w in article.warnings if w != TITLE_WARNING]
    return article


def parse_losing_the_url(body: bytes, url: str, fetched_at: datetime,
                         site: str | None) -> Article | ArticleFields | None:
    """A broken parser for one page (its article has no URL), a working one for the others."""
    article = parse_for_index(body, url, fetched_at, site)
    if article is not None and site == "kyodo":
        article = ArticleFields(article.all_fields())
        del article["url"], article["canonical_url"]
    return article


def test_the_index_guards_itself_when_a_parser_leaves_unstorable_text(crawled, tmp_path):
    report = rebuild(crawled["data"] / "warc", tmp_path / "index.db", parse_leaving_surrogates, workers=1)
    held = articles(tmp_path / "index.db")
    assert report.articles == 2 and {title for title, _ in held.values()} == {KYODO_TITLE, INAKORAN_TITLE}
    assert all("title: unstorable text replaced with U+FFFD by the index" in warnings for _, warnings in held.values())


def test_one_page_the_index_cannot_take_does_not_abort_a_reindex(crawled, tmp_path):
    report = rebuild(crawled["data"] / "warc", tmp_path / "index.db", parse_losing_the_url, workers=1)
    assert set(articles(tmp_path / "index.db")) == {crawled["inakoran"]}
    (problem,) = report.problems
    assert problem.startswith(f"could not index {crawled['kyodo']}: KeyError")


def test_the_warc_record_keeps_the_page_as_served(crawled):
    # The archive is of the bytes as they came: the JSON escape is there, only the index holds U+FFFD.
    bodies = []
    for path in (crawled["data"] / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == crawled["kyodo"]:
                    bodies.append(record.content_stream().read())
    assert len(bodies) == 1 and b'"headline":"Coastal town \\ud800 opens' in bodies[0]

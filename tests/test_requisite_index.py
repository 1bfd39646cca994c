"""The index knows requisites: captures tell pages from requisites and the page that needed each; reindex
rebuilds both from the WARC metadata records; `show` links each image to its capture or says why there is
none; `verify` warns of a missing requisite; `stats` counts captures by role.

The archive is written directly (archive.warc.WarcFileWriter, archive.index), with the capture middleware's
own `provenance` and role, so no crawl is needed.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.http import Request, Response

from archive.bulk import add_page
from archive.index import Capture, Index
from archive.reindex import rebuild
from archive.requisites import (NOT_CAPTURED, NOT_CAPTURED_DETAIL, captures_by_role, captured_requisites,
                                requisite_crawls, requisite_role)
from archive.schema import SCHEMA_VERSION
from archive.stats import format_stats, stats
from archive.verify import verify_archive
from archive.warc import HttpExchange, WarcFileWriter
from crawler.downloadermiddlewares.capture import _role, provenance
from crawler.meta import DISCOVERY_META_KEY, REQUISITE_META_KEY
from support import ArticleFields, newsarchive

CRAWL = "20261120T010000Z-req"
SITE = "https://english.kyodonews.net"
CDN = "https://english-kyodo.ismcdn.jp"
PAGE = f"{SITE}/articles/-/4242"
CSS = f"{CDN}/resources/kyodonews/css/pc/common.css"
FONT = f"{CDN}/resources/kyodonews/fonts/sans.woff2"
PHOTO = f"{CDN}/mwimgs/a/b/635m/img_ab01.jpg"  # captured, 200
GONE = f"{CDN}/mwimgs/c/d/635m/img_cd02.jpg"  # captured, 404
TIMED_OUT = f"{CDN}/mwimgs/e/f/635m/img_ef03.jpg"  # no capture: a fetch_errors row (timeout)
EMBED = "https://video.example.org/thumb/77.jpg"  # third party: a fetch_errors row (offsite)
UNSEEN = f"{CDN}/mwimgs/0/1/635m/img_0104.jpg"  # neither: the missing requisite
IMAGES = [PHOTO, GONE, TIMED_OUT, EMBED, UNSEEN]
HTML = (b"<html><head><link rel=stylesheet href='" + CSS.encode() + b"'></head><body><h1>Harbour lights</h1>"
        + b"".join(b"<img src='" + src.encode() + b"'>" for src in IMAGES) + b"<p>Body text.</p></body></html>")
START = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)


def article(url: str) -> ArticleFields:
    return ArticleFields({"url": url, "canonical_url": url, "site": "kyodo", "title": "Harbour lights",
                          "published": "2026-11-20T09:00:00+09:00", "lead": "Lead.", "body": "Lead.\n\nBody text.",
                          "images": [{"src": src, "caption": f"Photo {n}", "credit": None}
                                     for n, src in enumerate(IMAGES, 1)],
                          "access": "full", "word_count": 3, "parser": "stand-in", "parser_version": "1"})


def parse(body: bytes, url: str, fetched_at, site) -> ArticleFields | None:
    """The stand-in parser reindex runs: the article page is an article; anything else handed to it is a
    failure of the test (requisites must never be parsed)."""
    assert url == PAGE, f"reindex parsed {url}"
    return article(url)


def fetch(url: str, status: int, content_type: str, body: bytes, requisite: dict | None, discovery: dict,
          n: int) -> tuple[HttpExchange, Request]:
    meta = {DISCOVERY_META_KEY: discovery, "download_latency": 0.012}
    if requisite:
        meta[REQUISITE_META_KEY] = requisite
    request = Request(url, meta=meta)
    exchange = HttpExchange(url=url, method="GET", request_headers=[("Host", url.split("/")[2])], protocol="HTTP/1.1",
                            status=status, response_headers=[("Content-Type", content_type),
                                                             ("Content-Length", str(len(body)))],
                            body=body, fetched_at=START + timedelta(seconds=n))
    return exchange, request


def exchanges() -> list[tuple[HttpExchange, Request]]:
    of = lambda kind: {"of": PAGE, "kind": kind}  # noqa: E731
    by_page = {"source": "requisite", "via": PAGE}
    return [
        fetch(PAGE, 200, "text/html; charset=utf-8", HTML, None, {"source": "feed", "via": f"{SITE}/rss"}, 0),
        fetch(CSS, 200, "text/css", b"@font-face{src:url(../fonts/sans.woff2)} body{color:#222}", of("stylesheet"),
              by_page, 1),
        # Found through the stylesheet: `via` names the stylesheet, the page that needed it is still PAGE.
        fetch(FONT, 200, "font/woff2", b"wOF2 synthetic font", of("font"), {"source": "requisite", "via": CSS}, 2),
        fetch(PHOTO, 200, "image/jpeg", b"\xff\xd8\xff\xe0 synthetic jpeg", of("image"), by_page, 3),
        fetch(GONE, 404, "text/html", b"<h1>Not found</h1>", of("image"), by_page, 4),
    ]


def write_archive(data: Path) -> dict[str, Capture]:
    """A crawl that fetched the page and four requisites, as the capture middleware and the index writer
    record them; the timeout and the third-party image are fetch_errors rows."""
    index = Index(data / "index.db")
    index.start_crawl(CRAWL, ["kyodo"], {"requisites": "pages"}, START.isoformat(timespec="seconds"))
    writer = WarcFileWriter(data / "warc", prefix="newsarchive-kyodo", cdxj=True,
                            warcinfo={"isPartOf": CRAWL, "description": f"newsarchive crawl {CRAWL} of site kyodo"})
    captures = {}
    for exchange, request in exchanges():
        where = writer.write_exchange(exchange, provenance(request, Response(exchange.url)))
        captures[exchange.url] = capture = Capture(
            url=exchange.url, site="kyodo", status=exchange.status, content_type=exchange.response_headers[0][1],
            fetched_at=where.warc_date, payload_digest=where.payload_digest, warc_file=where.warc_file,
            warc_offset=where.offset, warc_length=where.length, record_id=where.record_id, crawl_id=CRAWL,
            **_role(request))
        index.add_capture(capture)
        if exchange.url == PAGE:
            add_page(index, article(PAGE), capture)
    writer.close()
    index.add_fetch_error(TIMED_OUT, "timeout", "kyodo", CRAWL, detail="no answer in 30 s", at="2026-11-20T01:00:09Z")
    index.add_fetch_error(EMBED, "offsite", "kyodo", CRAWL, detail=f"third-party image of {PAGE}; not fetched",
                          at="2026-11-20T01:00:09Z")
    index.finish_crawl(CRAWL, status="finished", ended="2026-11-20T01:00:10+00:00")
    index.close()
    return captures


@pytest.fixture
def data(tmp_path) -> Path:
    write_archive(tmp_path / "data")
    return tmp_path / "data"


def rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute("SELECT url, status, content_type, fetched_at, payload_digest, warc_file, "
                                   "warc_offset, warc_length, record_id, crawl_id, record_type, revisit_of, "
                                   "role, needed_by, site FROM captures"))
    finally:
        conn.close()


def test_captures_tell_pages_from_requisites_and_the_page_that_needed_them(data):
    roles = {row[0]: (row[12], row[13]) for row in rows(data / "index.db")}
    assert roles == {PAGE: ("page", None), CSS: ("requisite", PAGE), FONT: ("requisite", PAGE),
                     PHOTO: ("requisite", PAGE), GONE: ("requisite", PAGE)}


def test_the_metadata_record_names_the_requisite_and_its_page():
    (_, page), (_, css), (_, font), *_ = exchanges()
    assert provenance(css, Response(CSS)) == {"via": PAGE, "discoveredBy": "requisite", "fetchTimeMs": "12",
                                              "requisiteKind": "stylesheet"}
    assert provenance(font, Response(FONT)) == {"via": CSS, "discoveredBy": "requisite", "fetchTimeMs": "12",
                                                "requisiteKind": "font", "requisiteOf": PAGE}
    assert "requisiteKind" not in provenance(page, Response(PAGE))
    # A requisite request whose discovery meta says nothing still gets its fields from the requisite key.
    bare = Request(PHOTO, meta={REQUISITE_META_KEY: {"of": PAGE, "kind": "og:image"}})
    assert provenance(bare, Response(PHOTO)) == {"via": PAGE, "discoveredBy": "requisite",
                                                 "requisiteKind": "og:image"}
    assert requisite_role(provenance(font, Response(FONT))) == ("requisite", PAGE)
    assert requisite_role({"discoveredBy": "feed", "via": f"{SITE}/rss"}) == ("page", None)


@pytest.mark.parametrize("workers", [1, 2])
def test_reindex_rebuilds_role_and_needed_by_row_for_row(data, tmp_path, workers):
    rebuilt = tmp_path / f"rebuilt{workers}"
    shutil.copytree(data, rebuilt)
    report = rebuild(rebuilt / "warc", rebuilt / "index.db", parse, workers=workers)
    assert report.replaced and report.captures == 5 and report.parsed == 1 and report.problems == []
    assert rows(rebuilt / "index.db") == rows(data / "index.db")
    # Without an old index too: nothing of the roles comes from the old rows.
    (rebuilt / "index.db").unlink()
    rebuild(rebuilt / "warc", rebuilt / "index.db", parse, workers=workers)
    assert rows(rebuilt / "index.db") == rows(data / "index.db")


def test_catch_up_reads_roles_from_the_metadata_records(data, tmp_path):
    from archive.catchup import catch_up

    live = rows(data / "index.db")
    conn = sqlite3.connect(data / "index.db")  # the state a killed crawl leaves: no capture row committed
    conn.execute("DELETE FROM articles")
    conn.execute("DELETE FROM captures")
    conn.commit()
    conn.close()
    result = catch_up(data / "warc", data / "index.db", parse)
    assert result.captures_added == 5 and result.articles_added == 1
    assert rows(data / "index.db") == live


def test_show_links_each_image_to_its_capture_or_says_why_there_is_none(data):
    from archive.articles import format_show, show

    captures = {row[0]: row for row in rows(data / "index.db")}
    result = show(data / "index.db", PAGE)
    images = {image["src"]: image for image in result["article"]["images"]}
    photo = images[PHOTO]["capture"]
    assert (photo["status"], photo["warc_file"], photo["record_id"], photo["role"], photo["needed_by"]) == \
        (200, captures[PHOTO][5], captures[PHOTO][8], "requisite", PAGE)
    assert images[GONE]["capture"]["status"] == 404
    assert images[TIMED_OUT]["missing"] == {"reason": "timeout", "status": None, "detail": "no answer in 30 s",
                                            "at": "2026-11-20T01:00:09Z", "crawl_id": CRAWL}
    assert images[EMBED]["missing"]["reason"] == "offsite"
    assert images[UNSEEN]["missing"] == {"reason": NOT_CAPTURED, "status": None, "detail": NOT_CAPTURED_DETAIL,
                                         "at": None, "crawl_id": None}
    assert [r["url"] for r in result["requisites"]] == [CSS, FONT]  # the images are listed with the images
    text = format_show(result)
    assert f"  {PHOTO}  (Photo 1)\n      captured: HTTP 200, image/jpeg, {captures[PHOTO][5]} record " \
           f"{captures[PHOTO][8]}\n" in text
    assert f"  {GONE}  (Photo 2)\n      captured: HTTP 404, text/html, " in text
    assert f"  {TIMED_OUT}  (Photo 3)\n      not captured: timeout: no answer in 30 s\n" in text
    assert f"      not captured: offsite: third-party image of {PAGE}; not fetched\n" in text
    assert f"  {UNSEEN}  (Photo 5)\n      not captured (crawled with --requisites none, or before requisites " \
           "were captured)\n" in text
    assert f"requisites:    2 more captured for this page\n  {CSS}\n      HTTP 200, text/css, " in text


def test_show_requisites_on_the_command_line(data):
    listed = newsarchive("show", PAGE, "--requisites", "--format", "json", "--data", str(data))
    assert listed.returncode == 0, listed.stderr
    result = json.loads(listed.stdout)
    assert [("capture" in i, i.get("missing", {}).get("reason")) for i in result["images"]] == \
        [(True, None), (True, None), (False, "timeout"), (False, "offsite"), (False, NOT_CAPTURED)]
    assert [r["url"] for r in result["requisites"]] == [CSS, FONT]
    text = newsarchive("show", PAGE, "--requisites", "--data", str(data))
    assert text.returncode == 0 and text.stdout.startswith(f"requisites of article 1 ({PAGE})\nimages:        5\n")
    assert "Body text." not in text.stdout
    html = newsarchive("show", PAGE, "--html", "--data", str(data))
    assert html.returncode == 0 and html.stdout.encode() == HTML
    both = newsarchive("show", PAGE, "--html", "--requisites", "--data", str(data))
    assert both.returncode == 2 and "choose one" in both.stderr


def test_verify_warns_of_a_missing_requisite_and_still_passes(data):
    report = verify_archive(data)
    assert report.ok, report.faults
    assert report.index_rows == {"articles": 1, "captures": 5}
    assert report.missing_requisites == {"pages": 1, "images": 1, "examples": [f"{PAGE} needs {UNSEEN}"],
                                         "not_expected": 0}
    summary = report.summary()
    assert f"  requisites   4 captured, {report.roles['requisite']['bytes']:,} bytes; missing requisite: " \
           "1 article page(s) (warnings below)\n" in summary
    assert f"  warning: missing requisite: 1 article page(s) have 1 image(s) with neither a capture nor a " \
           f"fetch_errors row (e.g. {PAGE} needs {UNSEEN})\n" in summary
    assert summary.endswith("OK: archive verified")


def test_verify_counts_no_missing_requisite_for_a_crawl_without_requisites(data):
    conn = sqlite3.connect(data / "index.db")
    conn.execute("UPDATE captures SET role = 'page', needed_by = NULL")  # as if crawled with --requisites none
    conn.commit()
    conn.close()
    report = verify_archive(data)
    assert report.missing_requisites == {"pages": 0, "images": 0, "examples": [], "not_expected": 1}
    assert "missing requisite" not in report.summary()


def test_a_requisite_record_without_its_capture_row_is_a_fault(data):
    conn = sqlite3.connect(data / "index.db")
    conn.execute("DELETE FROM captures WHERE url = ?", [FONT])
    conn.commit()
    conn.close()
    report = verify_archive(data)
    assert len(report.faults) == 1 and "1 of its 5 response and revisit records have no captures row" \
        in report.faults[0] and FONT in report.faults[0]


def test_stats_count_captures_by_role(data):
    lengths = {row[0]: row[7] for row in rows(data / "index.db")}
    result = stats(data / "index.db", days=1, end=datetime(2026, 11, 20).date())
    assert result["captures_by_role"] == {
        "page": {"captures": 1, "bytes": lengths[PAGE]},
        "requisite": {"captures": 4, "bytes": sum(lengths.values()) - lengths[PAGE]}}
    assert format_stats(result).startswith(
        f"1 articles, 5 captures\ncaptures by role: pages 1 ({lengths[PAGE]:,} bytes), requisites 4 "
        f"({sum(lengths.values()) - lengths[PAGE]:,} bytes)\n\n")


def test_an_index_from_before_requisites_is_migrated_and_read(tmp_path):
    """An index file written by the previous schema gains both columns, every old capture a page."""
    db = tmp_path / "index.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE captures (id INTEGER PRIMARY KEY, url TEXT NOT NULL, site TEXT, status INTEGER, "
                 "content_type TEXT, fetched_at TEXT NOT NULL, payload_digest TEXT, warc_file TEXT NOT NULL, "
                 "warc_offset INTEGER NOT NULL, warc_length INTEGER, record_id TEXT NOT NULL UNIQUE, crawl_id TEXT, "
                 "record_type TEXT NOT NULL DEFAULT 'response', revisit_of TEXT)")
    conn.execute("INSERT INTO captures (url, fetched_at, warc_file, warc_offset, warc_length, record_id) "
                 "VALUES (?, '2026-11-20T01:00:00Z', 'a.warc.gz', 0, 10, '<urn:uuid:1>')", [PAGE])
    conn.commit()
    conn.close()
    reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # as readers open it: unmigrated
    assert captures_by_role(reader) == {"page": {"captures": 1, "bytes": 10}, "requisite": {"captures": 0, "bytes": 0}}
    assert captured_requisites(reader, [PAGE]) == [] and requisite_crawls(reader) == set()
    reader.close()
    Index(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT role, needed_by FROM captures").fetchall() == [("page", None)]
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    plan = " ".join(r[3] for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM captures WHERE role = 'requisite' AND (needed_by = ? OR needed_by = ?)",
        [PAGE, PAGE]))
    assert "captures_needed_by" in plan
    conn.close()

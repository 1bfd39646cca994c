"""Replay with pywb, a tool nobody here wrote: `id_` returns the archived bytes exactly, `mp_` the page.

pywb lives in a virtualenv of its own, made on first use (tests/replay_support.py). The test is skipped only
when that cannot be installed for lack of network; `NEWSARCHIVE_REQUIRE_PYWB=1` makes even that a failure.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from archive.cdxj import cdxj_path, write_cdxj
from archive.index import Index
from archive.records import read_response

from replay_support import PYWB_VERSION, VENV, Wayback, ensure_pywb, fetch, wayback_timestamp, wb_manager
from test_verify import crawl_mirror

pytestmark = pytest.mark.timeout(1200)  # the first test's setup may install pywb


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    seconds = ensure_pywb()
    if seconds:
        print(f"\npywb {PYWB_VERSION} virtualenv made in {seconds:.1f} s at {VENV}")
    root = tmp_path_factory.mktemp("pywb")
    data = root / "data"
    crawl_mirror(data, articles=5, times=2)  # the second crawl writes revisit records
    warcs = sorted(str(p) for p in (data / "warc").glob("*.warc.gz"))
    for step in (["init", "coll"], ["add", "coll", *warcs], ["init", "ours"]):
        wb_manager(root, *step)
    # "ours": the same WARC files, indexed by our CDXJ files instead of pywb's own indexer
    lines = []
    for warc in warcs:
        shutil.copy(warc, root / "collections" / "ours" / "archive")
        cdxj = cdxj_path(warc) if cdxj_path(warc).exists() else write_cdxj(warc)
        lines += cdxj.read_text().splitlines(keepends=True)
    (root / "collections" / "ours" / "indexes" / "index.cdxj").write_text("".join(sorted(lines)))
    server = Wayback(root)
    try:
        yield server, data
    finally:
        server.stop()


def pages_to_check(data: Path) -> list[dict]:
    """robots.txt, a list page and an article of each site, as first archived (response records)."""
    index = Index(data / "index.db", readonly=True)
    conn = index.conn
    article_urls = {row[0] for row in conn.execute("SELECT url FROM articles")}
    chosen = []
    for (site,) in conn.execute("SELECT DISTINCT site FROM captures ORDER BY site"):
        rows = [dict(r) for r in conn.execute(
            "SELECT url, status, content_type, fetched_at, warc_file, warc_offset FROM captures "
            "WHERE site = ? AND record_type = 'response' AND status = 200 ORDER BY id", [site])]
        robots = next(r for r in rows if r["url"].endswith("/robots.txt"))
        article = next(r for r in rows if r["url"] in article_urls)
        listing = next(r for r in rows if r["url"] not in article_urls and "html" in (r["content_type"] or "")
                       and not r["url"].endswith(("/robots.txt", ".xml")))
        chosen += [dict(r, kind=kind, site=site) for kind, r in
                   (("robots", robots), ("list", listing), ("article", article))]
    index.conn.close()
    assert len(chosen) == 6
    return chosen


@pytest.mark.parametrize("collection", ["coll", "ours"])
def test_id_replay_returns_the_archived_payload_byte_for_byte(replay, collection):
    server, data = replay
    encodings = set()
    for page in pages_to_check(data):
        stored = read_response(data / "warc" / page["warc_file"], page["warc_offset"])
        encodings.add(dict((k.lower(), v) for k, v in stored.headers).get("content-encoding"))
        url = f"{server.base}/{collection}/{wayback_timestamp(page['fetched_at'])}id_/{page['url']}"
        status, headers, body = fetch(url, {"Accept-Encoding": "gzip"})
        assert status == stored.status == 200, (page, server.log_text())
        assert body == stored.raw_body, f"{page['kind']} {page['url']}: {len(body)} bytes replayed, " \
                                        f"{len(stored.raw_body)} archived"
    assert "gzip" in encodings  # so the bytes compared include bodies stored Content-Encoded


def test_revisit_replays_the_original_payload(replay):
    server, data = replay
    index = Index(data / "index.db", readonly=True)
    rows = [dict(r) for r in index.conn.execute(
        "SELECT c.url, c.fetched_at, o.warc_file, o.warc_offset, o.fetched_at AS original_at "
        "FROM captures c JOIN captures o ON o.record_id = c.revisit_of "
        "WHERE c.record_type = 'revisit' AND c.status = 200 AND c.crawl_id != o.crawl_id "
        "ORDER BY c.url IN (SELECT url FROM articles) DESC, c.id LIMIT 3")]
    index.conn.close()
    assert rows, "the second crawl wrote no revisit of a record of the first"
    for row in rows:
        assert wayback_timestamp(row["fetched_at"]) != wayback_timestamp(row["original_at"])
        stored = read_response(data / "warc" / row["warc_file"], row["warc_offset"])
        status, headers, body = fetch(f"{server.base}/coll/{wayback_timestamp(row['fetched_at'])}id_/{row['url']}",
                                      {"Accept-Encoding": "gzip"})
        assert status == 200 and body == stored.raw_body
        memento = headers.get("Memento-Datetime", "")
        assert time.strftime("%d %b %Y %H:%M:%S", time.strptime(wayback_timestamp(row["fetched_at"]),
                                                                "%Y%m%d%H%M%S")) in memento


def test_mp_replay_of_an_article_shows_its_title(replay):
    server, data = replay
    for page in [p for p in pages_to_check(data) if p["kind"] == "article"]:
        stored = read_response(data / "warc" / page["warc_file"], page["warc_offset"])
        archived_title = re.search(rb"<title[^>]*>(.*?)</title>", stored.body, re.S).group(1)
        status, _, body = fetch(f"{server.base}/coll/mp_/{page['url']}")
        assert status == 200, server.log_text()
        replayed = re.search(rb"<title[^>]*>(.*?)</title>", body, re.S)
        assert replayed, body[:500]
        assert html.unescape(replayed.group(1).decode()).strip() == \
            html.unescape(archived_title.decode()).strip()


def test_pywb_indexes_what_our_cdxj_indexes(replay):
    """pywb's own index of the WARC files and ours list the same records (offsets and lengths), except the
    304 answers to the second crawl's conditional requests, which ours leaves out: pywb would replay them
    as empty 304s instead of the captures they confirmed."""
    server, data = replay
    root = Path(server.log.name).parent

    def entries(path: Path) -> dict[tuple, str]:
        found = {}
        for line in path.read_text().splitlines():
            key, ts, fields = line.split(" ", 2)
            fields = json.loads(fields)
            found[(key, ts, fields["filename"], int(fields["offset"]), int(fields["length"]))] = fields.get("status")
        return found

    pywb = entries(root / "collections" / "coll" / "indexes" / "index.cdxj")
    ours = entries(root / "collections" / "ours" / "indexes" / "index.cdxj")
    assert set(ours) == {entry for entry, status in pywb.items() if status != "304"}
    assert "304" in pywb.values() and "304" not in ours.values()

"""Catch-up after a killed crawl: a page whose capture row the index committed but whose article row the
kill lost is parsed from its WARC record, once, so the next crawl holds it instead of fetching it again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from archive import crawllock
from archive.bulk import add_pages
from archive.catchup import catch_up
from archive.index import Capture, Index
from archive.verify import verify_archive
from archive.warc import HttpExchange, WarcFileWriter
from crawler.reindex import parse_for_index
from crawler.spiders.state import load_held
from support import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "kyodo"
CRAWL = "20260928T030000Z-killed"
KILLED_PID = 999_999


def page(name: str) -> tuple[HttpExchange, datetime]:
    spec = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    fetched_at = datetime.fromisoformat(spec["fetched_at"])
    return HttpExchange(url=spec["url"], method="GET", request_headers=[], protocol="HTTP/1.1", status=200,
                        response_headers=[("Content-Type", "text/html; charset=utf-8")],
                        body=(FIXTURES / f"{name}.html").read_bytes(), fetched_at=fetched_at), fetched_at


def killed_crawl(data: Path, parsed: list[str], unparsed: list[str]) -> None:
    """The state a kill leaves: a crawl row still `running`, a (recovered) WARC file, a capture row for every
    page, and article rows only for the pages in `parsed`."""
    index = Index(data / "index.db")
    index.start_crawl(CRAWL, ["kyodo"], {}, "2026-09-28T03:00:00+00:00")
    writer = WarcFileWriter(data / "warc", prefix="newsarchive-kyodo", pid=KILLED_PID, cdxj=True,
                            warcinfo={"isPartOf": CRAWL, "description": f"newsarchive crawl {CRAWL} of site kyodo"})
    for name in parsed + unparsed:
        exchange, fetched_at = page(name)
        where = writer.write_exchange(exchange)
        capture = Capture(url=exchange.url, site="kyodo", status=200, content_type="text/html; charset=utf-8",
                          fetched_at=where.warc_date, payload_digest=where.payload_digest,
                          warc_file=where.warc_file, warc_offset=where.offset, warc_length=where.length,
                          record_id=where.record_id, crawl_id=CRAWL)
        index.add_capture(capture)
        if name in parsed:
            add_pages(index, [(parse_for_index(exchange.body, exchange.url, fetched_at, "kyodo"), capture)])
    writer.close()
    index.close()


def counting(calls: list[str]):
    def parse(body, url, fetched_at, site):
        calls.append(url)
        return parse_for_index(body, url, fetched_at, site)
    return parse


def rows(data: Path, sql: str) -> list:
    index = Index(data / "index.db")
    try:
        return [tuple(r) for r in index.conn.execute(sql)]
    finally:
        index.close()


def test_a_captured_page_the_kill_left_unparsed_is_parsed_once(tmp_path):
    killed_crawl(tmp_path, parsed=["gated"], unparsed=["full_caption_author", "list_page"])
    unparsed_article = page("full_caption_author")[0].url
    assert unparsed_article not in load_held(tmp_path / "index.db", "kyodo"), "the spider would fetch it again"

    calls: list[str] = []
    result = catch_up(tmp_path / "warc", tmp_path / "index.db", counting(calls))
    assert sorted(calls) == sorted([unparsed_article, page("list_page")[0].url]), "only pages without an article row"
    assert result.pages_reparsed == 2 and result.captures_added == 0 and result.articles_added == 1
    assert rows(tmp_path, "SELECT count(*) FROM captures") == [(3,)], "no capture added twice"
    assert rows(tmp_path, "SELECT count(*), count(DISTINCT url) FROM articles") == [(2, 2)]
    assert rows(tmp_path, "SELECT count(*) FROM article_versions") == [(2,)]
    assert unparsed_article in load_held(tmp_path / "index.db", "kyodo"), "the next crawl holds it"
    assert rows(tmp_path, f"SELECT status FROM crawls WHERE id = '{CRAWL}'") == [("interrupted",)]
    assert verify_archive(tmp_path).faults == []

    again: list[str] = []
    result = catch_up(tmp_path / "warc", tmp_path / "index.db", counting(again))
    assert again == [] and result.pages_reparsed == 0, "a page that is no article is not parsed at every start"
    assert rows(tmp_path, "SELECT count(*) FROM articles") == [(2,)]


def test_a_live_crawls_captured_pages_are_left_to_it(tmp_path):
    """Alive is decided by the crawl's own lock (archive/crawllock.py), held for its whole run: here the crawl
    is between two WARC files, so no `.open` file of its own would say it is alive."""
    killed_crawl(tmp_path, parsed=[], unparsed=["full_caption_author"])
    crawllock.hold(tmp_path, CRAWL)
    try:
        calls: list[str] = []
        result = catch_up(tmp_path / "warc", tmp_path / "index.db", counting(calls))
    finally:
        crawllock.release(tmp_path, CRAWL)
    assert calls == [] and result.pages_reparsed == 0
    assert rows(tmp_path, f"SELECT status FROM crawls WHERE id = '{CRAWL}'") == [("running",)]
    assert not crawllock.lock_path(tmp_path, CRAWL).exists(), "a finished run leaves no lock file behind"


def test_a_crawl_whose_lock_holder_was_killed_is_dead_even_unreaped(tmp_path):
    killed_crawl(tmp_path, parsed=[], unparsed=["full_caption_author"])
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from archive import crawllock; "
                               f"crawllock.hold(sys.argv[1], {CRAWL!r}); print('held', flush=True); time.sleep(60)",
                               str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert crawllock.alive(tmp_path, CRAWL)
        os.kill(holder.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while crawllock.alive(tmp_path, CRAWL) and time.monotonic() < deadline:  # not reaped: a zombie
            time.sleep(0.01)
        assert not crawllock.alive(tmp_path, CRAWL)
        result = catch_up(tmp_path / "warc", tmp_path / "index.db", parse_for_index)
    finally:
        holder.kill()
        holder.wait()
    assert result.pages_reparsed == 1
    assert rows(tmp_path, f"SELECT status FROM crawls WHERE id = '{CRAWL}'") == [("interrupted",)]
    assert not crawllock.lock_path(tmp_path, CRAWL).exists(), "the killed crawl's lock file is cleared away"

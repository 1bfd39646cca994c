"""Crawls against the mirror's fault modes (GitHub issue #6, item 5): the crawl completes and exits 0, archives
whatever it received, and records every failure with its reason in `fetch_errors`.

Decisions these tests pin down:
- A fetch that fails and then succeeds on a retry (flaky 500, 429, a FaultPlan fault) leaves no fetch_errors
  row: `fetch_errors` lists URLs the crawl ended up without. Every failed attempt that got an HTTP answer is
  still archived (the 500s and the 429 are response records and `captures` rows).
- A body shorter than its Content-Length, or cut at DOWNLOAD_MAXSIZE, is archived as far as it came with
  `WARC-Truncated: length` and never indexed; a cut short body is retried (RETRY_TIMES), a too-large one not.
- A redirect loop ends when Scrapy's duplicate filter drops the request back to the start; it is recorded
  (reason `other`, detail "redirect loop: ...") against the URL first asked for.

Timeouts are shortened (`DOWNLOAD_TIMEOUT=2`, hangs of 2.6 s) so the module runs in about 20 s.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse
from warcio.archiveiterator import ArchiveIterator

from archive.verify import verify_archive
from mirror import FaultPlan, Mirror
from mirror import zoo
from crawler.parsers import Article, parse_page

from support import ROOT
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=2"]
HANG_MS = 2600  # above DOWNLOAD_TIMEOUT
MAXSIZE = 5 * 1024 * 1024
HUGE_MB = 30
RETRY_AFTER = 2  # seconds, for the 429 seeded on its own


def newsarchive(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def stat(stderr: str, name: str) -> int | None:
    """A value from the Scrapy stats dump at the end of the crawl log."""
    found = re.findall(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(found[-1]) if found else None


def responses(warc_dir: Path) -> list[tuple[object, object, bytes]]:
    """(WARC headers, HTTP headers, stored payload) of every response record."""
    out = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    out.append((record.rec_headers, record.http_headers, record.raw_stream.read()))
    return out


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory):
    data = tmp_path_factory.mktemp("faults")
    with Mirror(articles=4, seed=21) as mirror:
        base = mirror.base_urls["kyodo"]
        seeds = [mirror.zoo_url("kyodo", f"faults?ms={HANG_MS}&mb={HUGE_MB}"),  # its links, one hop
                 mirror.zoo_url("kyodo", "offsite"),  # seeded itself, so its links are read
                 mirror.zoo_url("kyodo", f"429?key=alone&retry_after={RETRY_AFTER}")]
        args = ["crawl", "kyodo", "--data", str(data), "--base-url", f"kyodo={base}", "--discover", "feed",
                "--max-articles", "2", *FAST, "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}"]
        for seed in seeds:
            args += ["--seed", f"kyodo={seed}"]
        started = time.monotonic()
        result = newsarchive(*args)
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    db = sqlite3.connect(data / "index.db")
    captures = [dict(zip(("url", "status", "fetched_at", "record_type"), row)) for row in db.execute(
        "SELECT url, status, fetched_at, record_type FROM captures ORDER BY fetched_at")]
    errors = {}
    for url, reason, status, detail in db.execute("SELECT url, reason, status, detail FROM fetch_errors"):
        errors.setdefault(url, []).append((reason, status, detail))
    articles = [row[0] for row in db.execute("SELECT url FROM articles")]
    return {"data": data, "base": base, "result": result, "elapsed": elapsed, "captures": captures,
            "errors": errors, "articles": articles, "responses": responses(data / "warc")}


def captured(crawl, path: str) -> list[dict]:
    return [c for c in crawl["captures"] if c["url"] == crawl["base"] + path]


def test_the_crawl_completes_and_its_archive_verifies(fault_crawl):
    # About 13 s alone; a CI machine under load once took 53 s. A hang would hit the 120 s subprocess timeout:
    # this bound catches a crawl that waits out one DOWNLOAD_TIMEOUT after another instead of in parallel.
    assert fault_crawl["elapsed"] < 100
    report = verify_archive(fault_crawl["data"])
    assert report.faults == [], report.faults
    assert "Traceback" not in fault_crawl["result"].stderr
    assert stat(fault_crawl["result"].stderr, "spider_exceptions/count") is None, "no callback crashed"
    assert len(fault_crawl["articles"]) == 2, "the normal articles are indexed besides the faults"


def test_timeouts_and_resets_are_recorded_with_their_reason(fault_crawl):
    errors = fault_crawl["errors"]
    base = fault_crawl["base"]
    ((reason, _, detail),) = errors[f"{base}/_zoo/slow?ms={HANG_MS}"]
    assert reason == "timeout" and "took longer than 2.0 seconds" in detail
    ((reason, _, detail),) = errors[f"{base}/_zoo/reset"]
    assert reason == "connection" and "ConnectionLost" in detail
    assert not captured(fault_crawl, f"/_zoo/slow?ms={HANG_MS}") and not captured(fault_crawl, "/_zoo/reset")


def test_flaky_500_is_retried_until_it_succeeds_and_every_attempt_is_archived(fault_crawl):
    attempts = captured(fault_crawl, "/_zoo/flaky-500?key=index&fails=2")
    assert [c["status"] for c in attempts] == [500, 500, 200]
    assert f"{fault_crawl['base']}/_zoo/flaky-500?key=index&fails=2" not in fault_crawl["errors"]


@pytest.mark.parametrize("path,wait", [("/_zoo/429?key=index&retry_after=1", 1),
                                       (f"/_zoo/429?key=alone&retry_after={RETRY_AFTER}", RETRY_AFTER)])
def test_429_retry_waits_at_least_retry_after(fault_crawl, path, wait):
    attempts = captured(fault_crawl, path)
    assert [c["status"] for c in attempts] == [429, 200]
    gap = (when(attempts[1]["fetched_at"]) - when(attempts[0]["fetched_at"])).total_seconds()
    assert gap >= wait, f"retried {gap:.3f}s after a 429 with Retry-After: {wait}"
    assert fault_crawl["base"] + path not in fault_crawl["errors"]
    assert stat(fault_crawl["result"].stderr, "politeness/retry_after") == 2


def test_redirect_chain_is_followed_and_every_hop_archived(fault_crawl):
    hops = [captured(fault_crawl, f"/_zoo/redirect-chain?n={n}") for n in range(5, -1, -1)]
    assert [[c["status"] for c in hop] for hop in hops] == [[301], [308], [307], [303], [302], [200]]
    by_url = {h.get_header("WARC-Target-URI"): http for h, http, _ in fault_crawl["responses"]}
    base = fault_crawl["base"]
    for n in range(5, 0, -1):
        location = [v for k, v in by_url[f"{base}/_zoo/redirect-chain?n={n}"].headers if k == "Location"]
        assert location == [f"{base}/_zoo/redirect-chain?n={n - 1}"]
    assert not [url for url in fault_crawl["errors"] if "redirect-chain" in url]


def test_redirect_loop_is_recorded_not_followed_forever(fault_crawl):
    base = fault_crawl["base"]
    assert [c["status"] for c in captured(fault_crawl, "/_zoo/redirect-loop")] == [302]
    assert [c["status"] for c in captured(fault_crawl, "/_zoo/redirect-loop-b")] == [302]
    ((reason, _, detail),) = fault_crawl["errors"][f"{base}/_zoo/redirect-loop"]
    assert reason == "other"
    loop, loop_b = f"{base}/_zoo/redirect-loop", f"{base}/_zoo/redirect-loop-b"
    assert detail == f"redirect loop: {loop} -> {loop_b} -> {loop}"


def test_truncated_body_is_archived_as_truncated_retried_and_recorded(fault_crawl):
    url = fault_crawl["base"] + "/_zoo/truncated"
    records = [(h, http, body) for h, http, body in fault_crawl["responses"] if h.get_header("WARC-Target-URI") == url]
    assert len(records) == 4, "the first attempt and RETRY_TIMES=3 retries, each archived"
    for headers, http, body in records:
        assert headers.get_header("WARC-Truncated") == "length"
        assert body == zoo.truncated_body() and len(body) == zoo.TRUNCATED_SENT
        assert [v for k, v in http.headers if k == "Content-Length"] == [str(zoo.TRUNCATED_LENGTH)], "as received"
    ((reason, _, detail),) = fault_crawl["errors"][url]
    assert reason == "connection" and "4,000 bytes" in detail and "10000" in detail
    assert stat(fault_crawl["result"].stderr, "warc/truncated_records") == 5  # with the huge page's record


def test_huge_page_is_cut_at_the_size_limit_archived_truncated_and_recorded_too_large(fault_crawl):
    url = f"{fault_crawl['base']}/_zoo/huge?mb={HUGE_MB}"
    ((headers, http, body),) = [r for r in fault_crawl["responses"] if r[0].get_header("WARC-Target-URI") == url]
    assert headers.get_header("WARC-Truncated") == "length"
    assert MAXSIZE <= len(body) < MAXSIZE + 256 * 1024 and body.startswith(zoo.HUGE_HEAD)
    assert [v for k, v in http.headers if k == "Content-Length"] == [str(HUGE_MB * 1024 * 1024)]
    ((reason, _, detail),) = fault_crawl["errors"][url]
    assert reason == "too_large" and "DOWNLOAD_MAXSIZE" in detail
    assert url not in fault_crawl["articles"]


def test_wrong_charset_page_is_archived_and_parses(fault_crawl):
    url = fault_crawl["base"] + "/_zoo/wrong-charset"
    ((_, http, body),) = [r for r in fault_crawl["responses"] if r[0].get_header("WARC-Target-URI") == url]
    assert body == zoo.WRONG_CHARSET, "the bytes as sent, not re-encoded"
    assert url not in fault_crawl["errors"]
    page = HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    assert page.css("h1::text").get() == "Wrong charset" and "\ufffd" in page.text, "decoded with replacements"
    result = parse_page(body, url, datetime.now().astimezone(), site="kyodo")
    assert not isinstance(result, Article)


def test_non_html_content_is_archived_not_indexed(fault_crawl):
    url = fault_crawl["base"] + "/_zoo/not-html"
    ((_, http, body),) = [r for r in fault_crawl["responses"] if r[0].get_header("WARC-Target-URI") == url]
    assert body == zoo.pdf_body() and http.get_header("Content-Type") == "application/pdf"
    assert url not in fault_crawl["articles"] and url not in fault_crawl["errors"]


def test_offsite_links_are_never_requested_but_counted(fault_crawl):
    mirror_host = urlsplit(fault_crawl["base"]).netloc
    assert {urlsplit(c["url"]).netloc for c in fault_crawl["captures"]} == {mirror_host}
    assert {urlsplit(h.get_header("WARC-Target-URI")).netloc for h, _, _ in fault_crawl["responses"]} == {mirror_host}
    offsite = [href for href, _ in zoo.OFFSITE_LINKS if not href.startswith(("/_zoo/", "mailto:"))]
    assert stat(fault_crawl["result"].stderr, "newsarchive/offsite_links") == len(offsite) == 5
    assert [c["status"] for c in captured(fault_crawl, "/_zoo/landing")] == [200], "the one same-site link"


def test_fault_plan_on_normal_pages_ends_with_every_article_indexed(tmp_path):
    plan = FaultPlan(rate=0.2, seed=1, kinds=("timeout", "reset", "500", "truncated"), times=1, hang_ms=HANG_MS)
    with Mirror(articles=30, seed=5, faults=plan) as mirror:
        planned = mirror.planned_faults()
        # default RETRY_TIMES (3); pages only: the faults are planned on article pages
        args = ["crawl", "kyodo", "inakoran", "--data", str(tmp_path), "--requisites", "none", *FAST]
        for site in ("kyodo", "inakoran"):
            args += ["--base-url", f"{site}={mirror.base_urls[site]}"]
        result = newsarchive(*args)
        injected = list(mirror.fault_log)
        truth = {story["url"] for site in ("kyodo", "inakoran") for story in mirror.truth(site)}
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    assert {f["kind"] for f in injected} == {"timeout", "reset", "500", "truncated"}
    assert {f["url"] for f in injected} == set(planned), "every planned fault was met once"
    db = sqlite3.connect(tmp_path / "index.db")
    assert {row[0] for row in db.execute("SELECT url FROM articles")} == truth, "retries recovered every article"
    assert not db.execute("SELECT url, reason FROM fetch_errors WHERE reason != 'offsite'").fetchall()
    statuses = {}
    for url, status in db.execute("SELECT url, status FROM captures"):
        statuses.setdefault(url, []).append(status)
    for fault in injected:
        if fault["kind"] == "500":
            assert statuses[fault["url"]] == [500, 200], "the failed attempt is archived too"
    truncated = [h.get_header("WARC-Target-URI") for h, _, _ in responses(tmp_path / "warc")
                 if h.get_header("WARC-Truncated") == "length"]
    assert sorted(truncated) == sorted(f["url"] for f in injected if f["kind"] == "truncated")
    assert verify_archive(tmp_path).faults == []


def test_site_wide_outage_exits_non_zero_quickly(tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    result = newsarchive("crawl", "kyodo", "--data", str(tmp_path), "--base-url", f"kyodo=http://127.0.0.1:{port}",
                         *FAST, timeout=90)
    elapsed = time.monotonic() - started
    assert result.returncode != 0 and elapsed < 60, (result.returncode, elapsed)
    assert "kyodo: the site did not answer" in result.stderr  # (Scrapy's robots.txt middleware logs one traceback)
    db = sqlite3.connect(tmp_path / "index.db")
    reasons = dict(db.execute("SELECT reason, count(*) FROM fetch_errors GROUP BY reason").fetchall())
    assert reasons and set(reasons) <= {"connection", "circuit"}, reasons
    assert db.execute("SELECT status FROM crawls").fetchone()[0] == "failed"


def kyodo_spider_recording_failures():
    """A Kyodo spider outside a crawl, and the (url, reason, detail) of each failure it records."""
    from scrapy.utils.test import get_crawler

    from crawler import signals as na_signals
    from crawler.spiders.kyodo import KyodoSpider

    crawler = get_crawler(KyodoSpider)
    spider = KyodoSpider.from_crawler(crawler, base_url="http://127.0.0.1:9")
    recorded = []
    crawler.signals.connect(lambda **kw: recorded.append((kw["url"], kw["reason"], kw["detail"])),
                            signal=na_signals.fetch_failed, weak=False)
    return spider, recorded


def test_a_redirect_to_a_page_already_fetched_is_recorded_as_duplicate():
    from scrapy import Request

    spider, recorded = kyodo_spider_recording_failures()
    first, second, landing = ("http://127.0.0.1:9/a", "http://127.0.0.1:9/b", "http://127.0.0.1:9/landing")
    spider.on_request_dropped(Request(landing, meta={"redirect_urls": [first, second]}), spider)
    spider.on_request_dropped(Request(first, meta={"redirect_urls": [first, second]}), spider)
    spider.on_request_dropped(Request(landing), spider)  # a plain repeat: fetched already, nothing lost
    assert recorded == [
        (first, "duplicate", f"redirects to {landing}, already requested in this crawl: {first} -> {second} -> {landing}"),
        (first, "other", f"redirect loop: {first} -> {second} -> {first}"),
    ]


def test_an_undecodable_listing_is_recorded_and_the_crawl_goes_on():
    import asyncio

    spider, recorded = kyodo_spider_recording_failures()
    url = "http://127.0.0.1:9/list/news"
    response = HtmlResponse(url, body=b"not gzip at all", headers={"Content-Encoding": "gzip"})

    async def requests():
        return [r async for r in spider.parse_listing(response, page=1)]

    assert asyncio.run(requests()) == []
    ((where, reason, detail),) = recorded
    assert (where, reason) == (url, "parse") and detail.startswith("listing unreadable: error:")

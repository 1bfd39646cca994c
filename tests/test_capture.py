"""WARC capture during real crawls of the mirror: provenance, revisits, crash recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.index import Index
from archive.verify import verify_index_links, verify_warc
from mirror import Mirror

ROOT = Path(__file__).resolve().parent.parent
NO_DELAY = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def crawl_command(mirror: Mirror, data: Path, *sites: str) -> list[str]:
    args = [sys.executable, "-m", "crawler.cli", "crawl", *sites, "--data", str(data), *NO_DELAY]
    for site in sites:
        args += ["--base-url", f"{site}={mirror.base_urls[site]}"]
    return args


def run_crawl(mirror: Mirror, data: Path, *sites: str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    result = subprocess.run(crawl_command(mirror, data, *sites) + list(extra), cwd=ROOT, capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return result


def records(path: Path):
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            body = record.raw_stream.read()
            if record.rec_type == "revisit":  # warcio has parsed the HTTP headers: body is what follows them
                assert body == b"", "a revisit stores the HTTP headers only, no payload"
                body = record.http_headers.to_bytes() if record.http_headers else b""
            yield record.rec_type, record.rec_headers, body


def test_each_response_has_a_concurrent_metadata_record_with_provenance(tmp_path):
    with Mirror(articles=5, seed=2) as mirror:
        run_crawl(mirror, tmp_path, "kyodo")
    (path,) = (tmp_path / "warc").glob("*.warc.gz")
    responses, metadata = {}, {}
    for rec_type, headers, body in records(path):
        if rec_type == "response":
            responses[headers.get_header("WARC-Record-ID")] = headers.get_header("WARC-Target-URI")
        elif rec_type == "metadata":
            metadata[headers.get_header("WARC-Concurrent-To")] = body.decode()
    assert responses and set(metadata) == set(responses)
    article = next(rid for rid, url in responses.items() if "/articles/-/" in url)
    fields = metadata[article]  # the feed is requested first, so it discovers the newest articles
    assert "discoveredBy: feed" in fields and "/list/feed/rss4kyodonews-fzone" in fields
    assert "feedItemDate: " in fields and "feedItemTitle: " in fields and "fetchTimeMs: " in fields
    robots = next(rid for rid, url in responses.items() if url.endswith("/robots.txt"))
    assert "discoveredBy: robots" in metadata[robots]


def test_second_crawl_of_unchanged_pages_writes_revisits_not_payloads(tmp_path):
    with Mirror(articles=6, seed=3) as mirror:
        run_crawl(mirror, tmp_path, "kyodo")
        first_files = set((tmp_path / "warc").glob("*.warc.gz"))
        before = {row["url"]: (row["warc_file"], row["warc_offset"]) for row in Index(tmp_path / "index.db").articles()}
        run_crawl(mirror, tmp_path, "kyodo", extra=("--refresh",))  # incremental runs would not refetch them
    (second,) = set((tmp_path / "warc").glob("*.warc.gz")) - first_files
    originals = {h.get_header("WARC-Record-ID"): h.get_header("WARC-Target-URI")
                 for f in first_files for t, h, _ in records(f) if t == "response"}
    revisits = [(h, body) for t, h, body in records(second) if t == "revisit"]
    article_revisits = [h for h, _ in revisits if "/articles/-/" in h.get_header("WARC-Target-URI")]
    assert len(article_revisits) == 6
    for headers, body in revisits:
        assert headers.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
        assert originals[headers.get_header("WARC-Refers-To")] == headers.get_header("WARC-Target-URI")
        assert headers.get_header("WARC-Refers-To-Date") and body.startswith(b"HTTP/1.1 200")
        assert int(headers.get_header("Content-Length")) < 2000, "headers only: far smaller than any page"
    assert not [h for t, h, _ in records(second) if t == "response" and "/articles/-/" in h.get_header("WARC-Target-URI")]
    assert verify_warc(second).problems == []
    index = Index(tmp_path / "index.db")
    after = {row["url"]: (row["warc_file"], row["warc_offset"]) for row in index.articles()}
    assert after == before, "articles keep pointing at the records that hold their bytes"
    assert verify_index_links(index, tmp_path / "warc") == []
    revisit_rows = index.conn.execute("SELECT count(*) FROM captures WHERE record_type = 'revisit'").fetchone()[0]
    assert revisit_rows == len(revisits)


def test_killed_crawl_leaves_an_open_file_that_the_next_run_repairs(tmp_path):
    with Mirror(articles=400, seed=4) as mirror:
        proc = subprocess.Popen(crawl_command(mirror, tmp_path, "kyodo") + ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        open_files: list[Path] = []
        while time.monotonic() < deadline:
            open_files = list((tmp_path / "warc").glob("*.open")) if (tmp_path / "warc").exists() else []
            if open_files and open_files[0].stat().st_size > 300_000:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert open_files, "the crawl never got going"
        killed = open_files[0]
        size_at_kill = killed.stat().st_size
        result = run_crawl(mirror, tmp_path, "kyodo")
    assert not list((tmp_path / "warc").glob("*.open"))
    repaired = killed.with_name(killed.name[: -len(".open")])
    assert repaired.exists() and repaired.stat().st_size <= size_at_kill
    report = verify_warc(repaired)
    assert report.problems == [] and report.by_type["response"] > 10
    assert "recovered" in result.stderr
    for path in (tmp_path / "warc").glob("*.warc.gz"):
        assert verify_warc(path).problems == [], path.name

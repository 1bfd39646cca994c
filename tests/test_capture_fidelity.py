"""WARC fidelity of a real crawl of the mirror's zoo (GitHub issue #4, item 6): every HTTP oddity in
`/_zoo/index` is archived as it crossed the wire, and an archive that cannot be written stops the crawl loudly.

One crawl (`--seed kyodo=<zoo index>` plus normal Kyodo discovery bounded by `--max-articles 3`) feeds every
test of the module; records are read with warcio, raw record bytes from the gzip members themselves.
"""

from __future__ import annotations

import gzip
import http.client
import re
import sqlite3
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.verify import verify_archive
from archive.records import read_response
from mirror import Mirror
from mirror import zoo

ROOT = Path(__file__).resolve().parent.parent
NO_DELAY = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
MICROSECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def newsarchive(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@dataclass
class Record:
    type: str
    headers: object  # warcio StatusAndHeaders of the WARC header block
    http: object | None  # warcio StatusAndHeaders of the HTTP head, or None
    payload: bytes  # as stored (Content-Encoding kept)
    raw: bytes  # the whole record, gzip member decompressed: header bytes exactly as written
    path: Path
    offset: int

    @property
    def uri(self) -> str:
        return self.headers.get_header("WARC-Target-URI")

    @property
    def id(self) -> str:
        return self.headers.get_header("WARC-Record-ID")

    def http_values(self, name: str) -> list[str]:
        return [v for k, v in self.http.headers if k.lower() == name.lower()] if self.http else []


def read_records(warc_dir: Path) -> list[Record]:
    out = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        data = path.read_bytes()
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                payload = record.raw_stream.read()
                offset, length = records.get_record_offset(), records.get_record_length()
                raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[offset:offset + length])
                out.append(Record(record.rec_type, record.rec_headers, record.http_headers, payload, raw, path,
                                  offset))
    return out


@pytest.fixture(scope="module")
def zoo_crawl(tmp_path_factory):
    data = tmp_path_factory.mktemp("fidelity")
    with Mirror(articles=5, seed=11) as mirror:
        base = mirror.base_urls["kyodo"]
        result = newsarchive("crawl", "kyodo", "--data", str(data), "--base-url", f"kyodo={base}",
                             "--seed", f"kyodo={mirror.zoo_url('kyodo', 'index')}", "--max-articles", "3", *NO_DELAY)
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
        # What the server sends for the same request, read without any decoding (http.client never decodes).
        records = read_records(data / "warc")
        sent = {}
        for kind in ("gzip", "deflate", "brotli"):
            request = one(records, "request", f"{base}/_zoo/{kind}")
            accept = request.http_values("Accept-Encoding")
            assert accept, "the request record carries the Accept-Encoding really sent"
            sent[kind] = fetch_raw(base, f"/_zoo/{kind}", {"Accept-Encoding": accept[0]})
    return data, base, records, sent


def fetch_raw(base: str, path: str, headers: dict) -> tuple[int, dict, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def all_of(records: list[Record], rec_type: str, uri: str) -> list[Record]:
    return [r for r in records if r.type == rec_type and r.uri == uri]


def one(records: list[Record], rec_type: str, uri: str) -> Record:
    found = all_of(records, rec_type, uri)
    assert len(found) == 1, f"{len(found)} {rec_type} records for {uri}"
    return found[0]


def test_every_record_verifies(zoo_crawl):
    data, _, records, _ = zoo_crawl
    report = verify_archive(data)
    assert report.faults == [], report.faults
    assert not [w for f in report.files for w in f.warnings]
    assert report.by_type["response"] > 20 and report.by_type["request"] == report.by_type["metadata"]
    # `warcio check` semantics, in process: every block and payload digest present is computed and matches.
    # (The `warcio check` command itself crashes on `Content-Encoding: br` records with brotli >= 1.2: warcio
    # 1.8.1 sets an attribute on brotli.Decompressor, which that C type no longer allows.)
    for path in (data / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh, check_digests=True):
                record.raw_stream.read()
                assert record.digest_checker.passed is not False, record.digest_checker.problems
                if record.rec_type in ("response", "request", "metadata"):
                    assert record.digest_checker.passed is True, record.rec_headers  # had digests, all checked
    assert sum(r.type == "response" and "/_zoo/" in r.uri for r in records) >= 14


@pytest.mark.parametrize("kind,coding", [("gzip", "gzip"), ("deflate", "deflate"), ("brotli", "br")])
def test_compressed_bodies_are_stored_as_sent(zoo_crawl, kind, coding):
    _, base, records, sent = zoo_crawl
    record = one(records, "response", f"{base}/_zoo/{kind}")
    status, headers, wire_body = sent[kind]
    assert status == 200 and headers.get("content-encoding") == coding, "the mirror encodes for this Accept-Encoding"
    assert record.http_values("Content-Encoding") == [coding]
    assert record.payload == wire_body, "payload bytes are the encoded bytes the server sent"
    assert record.http_values("Content-Length") == [str(len(record.payload))]
    plain = zoo.compressible(kind)[0]
    decoded = {"gzip": gzip.decompress, "deflate": zlib.decompress, "br": brotli.decompress}[coding](record.payload)
    assert decoded == plain
    assert read_response(record.path, record.offset).body == plain, "archive.warc decodes it for readers"


def test_chunked_body_is_stored_dechunked_without_a_chunked_header(zoo_crawl):
    _, base, records, _ = zoo_crawl
    record = one(records, "response", f"{base}/_zoo/chunked")
    assert record.payload == zoo.CHUNKED, "the body, transfer coding removed"
    assert record.http_values("Transfer-Encoding") == [], "no Transfer-Encoding: chunked over a de-chunked body"
    assert b"\r\ntransfer-encoding:" not in record.raw.lower().split(b"\r\n\r\n", 2)[1] + b"\r\n"
    # Renamed per the StormCrawler/Browsertrix convention, or dropped: either way any length given is true.
    assert record.http_values("X-Crawler-Transfer-Encoding") in ([], ["chunked"])
    assert set(record.http_values("Content-Length")) <= {str(len(record.payload))}


def test_repeated_and_latin1_headers_are_kept_byte_for_byte(zoo_crawl):
    _, base, records, _ = zoo_crawl
    cookies = one(records, "response", f"{base}/_zoo/cookies")
    assert cookies.http_values("Set-Cookie") == ["zoo_session=abc123; Path=/; HttpOnly",
                                                 "zoo_pref=lang%3Den; Path=/_zoo/; Max-Age=3600; SameSite=Lax"]
    assert cookies.raw.count(b"\r\nSet-Cookie: ") == 2
    latin1 = one(records, "response", f"{base}/_zoo/latin1-header")
    assert b"\r\nX-Zoo-Note: caf\xe9\r\n" in latin1.raw, "one raw 0xE9 byte, as received"
    assert b"caf\xc3\xa9" not in latin1.raw and b"caf%C3%A9" not in latin1.raw


def test_request_record_has_the_query_string_and_host_and_pairs_with_its_response(zoo_crawl):
    _, base, records, _ = zoo_crawl
    uri = f"{base}/_zoo/query?a=1&b=x%20y"
    request, response = one(records, "request", uri), one(records, "response", uri)
    assert request.raw.split(b"\r\n\r\n", 1)[1].startswith(b"GET /_zoo/query?a=1&b=x%20y HTTP/1.1\r\n")
    assert request.http_values("Host") == [urlsplit(base).netloc]
    assert request.headers.get_header("WARC-Concurrent-To") == response.id
    assert b'id="raw-query">a=1&amp;b=x%20y<' in response.payload, "the server saw the query as linked"


def test_redirect_hops_and_landing_are_each_archived(zoo_crawl):
    _, base, records, _ = zoo_crawl
    first = one(records, "response", f"{base}/_zoo/redirect")
    second = one(records, "response", f"{base}/_zoo/redirect-2")
    landing = one(records, "response", f"{base}/_zoo/landing")
    assert first.http.get_statuscode() == "301" and first.http_values("Location") == [f"{base}/_zoo/redirect-2"]
    assert second.http.get_statuscode() == "302" and second.http_values("Location") == ["/_zoo/landing"]
    assert landing.http.get_statuscode() == "200" and landing.payload == zoo.LANDING
    (metadata,) = [r for r in records
                   if r.type == "metadata" and r.headers.get_header("WARC-Concurrent-To") == landing.id]
    fields = metadata.payload.decode()
    assert f"redirectedFrom: {base}/_zoo/redirect {base}/_zoo/redirect-2\r\n" in fields
    assert f"via: {base}/_zoo/redirect-2\r\n" in fields


def test_error_responses_are_archived_and_recorded(zoo_crawl):
    data, base, records, _ = zoo_crawl
    missing = one(records, "response", f"{base}/_zoo/missing")
    assert missing.http.get_statuscode() == "404" and missing.payload == zoo.MISSING
    errors = all_of(records, "response", f"{base}/_zoo/error")
    assert errors and all(r.http.get_statuscode() == "500" and r.payload == zoo.ERROR for r in errors)
    assert len(errors) == 4, "RETRY_TIMES=3: the first answer and three retries, each archived"
    db = sqlite3.connect(data / "index.db")
    rows = set(db.execute("SELECT url, reason, status FROM fetch_errors"))
    assert (f"{base}/_zoo/missing", "http", 404) in rows and (f"{base}/_zoo/error", "http", 500) in rows


def test_reason_phrase_ip_address_and_microsecond_dates(zoo_crawl):
    _, base, records, _ = zoo_crawl
    reason = one(records, "response", f"{base}/_zoo/reason")
    assert reason.raw.split(b"\r\n\r\n", 1)[1].startswith(b"HTTP/1.1 200 Fine Thanks\r\n")
    assert reason.http.statusline == "200 Fine Thanks"
    for record in records:
        if record.type == "warcinfo":
            continue
        assert MICROSECONDS.match(record.headers.get_header("WARC-Date")), record.headers.get_header("WARC-Date")
        if record.type in ("response", "revisit"):
            assert record.headers.get_header("WARC-IP-Address") == "127.0.0.1", record.uri


def test_a_warc_directory_that_cannot_be_written_fails_the_crawl_loudly(tmp_path):
    (tmp_path / "warc").write_text("a file where the WARC directory should be\n")
    with Mirror(articles=3, seed=12) as mirror:
        started = time.monotonic()
        result = newsarchive("crawl", "kyodo", "--data", str(tmp_path), "--base-url",
                             f"kyodo={mirror.base_urls['kyodo']}", *NO_DELAY, timeout=60)
        elapsed = time.monotonic() - started
    assert result.returncode != 0
    assert f"cannot archive to {tmp_path / 'warc'}" in result.stderr
    assert "Traceback" not in result.stderr and "Unhandled error" not in result.stderr
    assert "could not be written" in result.stderr
    assert elapsed < 30
    db = sqlite3.connect(tmp_path / "index.db")
    assert db.execute("SELECT count(*) FROM captures").fetchone()[0] == 0, "nothing fetched for nothing"
    assert db.execute("SELECT status FROM crawls").fetchone()[0] == "failed"

"""The mirror's zoo (`/_zoo/...`), its fault endpoints and the FaultPlan for normal pages, checked on the wire
with raw sockets and http.client. Also: page weight and that the added chrome never reaches parser output."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
import statistics
import sys
import threading
import time
import zlib
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlsplit

import brotli
import pytest
from parsel import Selector

from mirror import FaultPlan, Mirror
from mirror.faults import KINDS
from crawler.parsers import Article, parse_page

NOW = datetime(2026, 9, 28, 9, 0, tzinfo=timezone.utc)
SITES = ("kyodo", "inakoran")
FIDELITY = {"/_zoo/gzip", "/_zoo/deflate", "/_zoo/brotli", "/_zoo/chunked", "/_zoo/cookies", "/_zoo/latin1-header",
            "/_zoo/query?a=1&b=x%20y", "/_zoo/redirect", "/_zoo/missing", "/_zoo/error", "/_zoo/reason"}
COMPARED = ("title", "authors", "published", "modified", "body", "lead", "dateline", "credit", "categories",
            "access", "images")


@pytest.fixture(scope="module")
def mirror():
    with Mirror(articles=40, seed=4, now=NOW) as m:
        yield m


def hostport(m: Mirror, site: str = "kyodo") -> tuple[str, int]:
    parts = urlsplit(m.base_urls[site])
    return parts.hostname, parts.port


def fetch(m: Mirror, path: str, site: str = "kyodo", headers: dict | None = None, timeout: float = 10,
          method: str = "GET"):
    """(response, body) over http.client (no redirects followed)."""
    conn = http.client.HTTPConnection(*hostport(m, site), timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp, resp.read()
    finally:
        conn.close()


def raw(m: Mirror, path: str, site: str = "kyodo", extra: bytes = b"", version: bytes = b"HTTP/1.1",
        timeout: float = 10) -> tuple[bytes, bytes]:
    """(head bytes, body bytes) exactly as sent, read until the server closes."""
    host, port = hostport(m, site)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(b"GET " + path.encode() + b" " + version + b"\r\nHost: " + f"{host}:{port}".encode()
                     + b"\r\nConnection: close\r\n" + extra + b"\r\n")
        data = bytearray()
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    return head, body


def header_lines(head: bytes, name: bytes) -> list[bytes]:
    return [line for line in head.split(b"\r\n")[1:] if line.lower().startswith(name.lower() + b":")]


# --- fidelity zoo -----------------------------------------------------------------------------------------

def test_index_links_every_fidelity_url_and_bodies_are_deterministic(mirror):
    resp, body = fetch(mirror, "/_zoo/index")
    assert resp.status == 200 and resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert set(Selector(text=body.decode()).css("a::attr(href)").getall()) - {"/_zoo/index"} == FIDELITY
    for path in sorted(FIDELITY) + ["/_zoo/index", "/_zoo/faults", "/_zoo/offsite", "/_zoo/wrong-charset"]:
        first = fetch(mirror, path, "kyodo", {"Accept-Encoding": "gzip, deflate, br"})[1]
        assert first == fetch(mirror, path, "inakoran", {"Accept-Encoding": "gzip, deflate, br"})[1] == \
            fetch(mirror, path, "kyodo", {"Accept-Encoding": "gzip, deflate, br"})[1], path
    assert mirror.zoo_url("inakoran", "index") == mirror.base_urls["inakoran"] + "/_zoo/index"


def test_fidelity_index_never_leads_to_fault_endpoints(mirror):
    """A spider seeded with /_zoo/index reaches every fidelity page (redirects included) and no fault page."""
    seen, queue = set(), ["/_zoo/index"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        resp, body = fetch(mirror, path)
        location = resp.headers["Location"]
        links = [location] if location else Selector(text=body.decode()).css("a::attr(href)").getall()
        for href in links:
            href = href.removeprefix(mirror.base_urls["kyodo"])
            if href.startswith("/_zoo/"):
                queue.append(href)
    assert seen == FIDELITY | {"/_zoo/index", "/_zoo/redirect-2", "/_zoo/landing"}


def test_zoo_is_not_linked_from_normal_pages(mirror):
    for site, paths in (("kyodo", ["/", "/list/news", urlsplit(mirror.truth("kyodo")[0]["url"]).path]),
                        ("inakoran", ["/", "/indeks", urlsplit(mirror.truth("inakoran")[0]["url"]).path])):
        for path in paths:
            assert b"/_zoo/" not in fetch(mirror, path, site)[1]


@pytest.mark.parametrize("kind, coding, decode", [("gzip", "gzip", gzip.decompress),
                                                  ("deflate", "deflate", zlib.decompress),
                                                  ("brotli", "br", brotli.decompress)])
def test_content_encoding_only_when_accepted(mirror, kind, coding, decode):
    path = f"/_zoo/{kind}"
    resp, plain = fetch(mirror, path)
    assert resp.status == 200 and resp.headers["Content-Encoding"] is None and resp.headers["Vary"] == "Accept-Encoding"
    assert int(resp.headers["Content-Length"]) == len(plain) and plain.startswith(b"<!DOCTYPE html>")
    resp, packed = fetch(mirror, path, headers={"Accept-Encoding": f"identity, {coding}"})
    assert resp.headers["Content-Encoding"] == coding and int(resp.headers["Content-Length"]) == len(packed)
    assert packed != plain and decode(packed) == plain
    if kind == "deflate":
        assert packed[0] == 0x78  # zlib-wrapped, not raw deflate
    other = "br" if coding != "br" else "gzip"
    assert fetch(mirror, path, headers={"Accept-Encoding": other})[1] == plain
    assert fetch(mirror, path, headers={"Accept-Encoding": f"{coding};q=0"})[1] == plain


def test_chunked_framing_on_the_wire(mirror):
    head, body = raw(mirror, "/_zoo/chunked")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert header_lines(head, b"Transfer-Encoding") == [b"Transfer-Encoding: chunked"]
    assert not header_lines(head, b"Content-Length")
    chunks, rest = [], body
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        chunk, crlf, rest = rest[:size], rest[size:size + 2], rest[size + 2:]
        assert crlf == b"\r\n"
        if size == 0:
            break
        chunks.append(chunk)
    assert rest == b"" and len(chunks) >= 4 and len({len(c) for c in chunks}) >= 4
    decoded = b"".join(chunks)
    assert decoded == fetch(mirror, "/_zoo/chunked")[1] and decoded.rstrip().endswith(b"</html>")
    head10, body10 = raw(mirror, "/_zoo/chunked", version=b"HTTP/1.0")  # 1.0 has no chunked coding
    assert not header_lines(head10, b"Transfer-Encoding") and body10 == decoded


def test_two_separate_set_cookie_headers(mirror):
    head, _ = raw(mirror, "/_zoo/cookies")
    cookies = header_lines(head, b"Set-Cookie")
    assert len(cookies) == 2 and cookies[0] != cookies[1]
    resp, _ = fetch(mirror, "/_zoo/cookies")
    assert len(resp.headers.get_all("Set-Cookie")) == 2


def test_latin1_header_byte_is_raw(mirror):
    head, body = raw(mirror, "/_zoo/latin1-header")
    assert b"\r\nX-Zoo-Note: caf\xe9\r\n" in head and b"caf\xc3\xa9" not in head
    assert fetch(mirror, "/_zoo/latin1-header")[0].headers["X-Zoo-Note"] == "caf\u00e9"  # http.client: latin-1


def test_query_string_is_echoed(mirror):
    _, body = fetch(mirror, "/_zoo/query?a=1&b=x%20y")
    sel = Selector(text=body.decode())
    assert sel.css("#raw-query::text").get() == "a=1&b=x%20y"
    assert [clean.strip() for clean in sel.css("#pairs li").xpath("string()").getall()] == ["a = 1", "b = x y"]


def test_redirect_301_then_302_then_landing(mirror):
    base = mirror.base_urls["kyodo"]
    resp, _ = fetch(mirror, "/_zoo/redirect")
    assert (resp.status, resp.reason, resp.headers["Location"]) == (301, "Moved Permanently", base + "/_zoo/redirect-2")
    resp, _ = fetch(mirror, "/_zoo/redirect-2")
    assert (resp.status, resp.reason, resp.headers["Location"]) == (302, "Found", "/_zoo/landing")
    resp, body = fetch(mirror, "/_zoo/landing")
    assert resp.status == 200 and b"Landing" in body


def test_missing_error_and_reason_phrase(mirror):
    for path, status in (("/_zoo/missing", 404), ("/_zoo/error", 500), ("/_zoo/no-such-animal", 404)):
        resp, body = fetch(mirror, path)
        assert resp.status == status and resp.headers["Content-Type"].startswith("text/html") and b"<h1>" in body
    head, body = raw(mirror, "/_zoo/reason")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 200 Fine Thanks" and b"Fine Thanks" in body
    assert fetch(mirror, "/_zoo/reason")[0].reason == "Fine Thanks"


def test_head_requests_get_headers_only(mirror):
    for path in ("/_zoo/gzip", "/_zoo/huge?mb=5", "/_zoo/not-html"):
        resp, body = fetch(mirror, path, method="HEAD")
        assert resp.status == 200 and body == b"" and int(resp.headers["Content-Length"]) > 0


def test_zoo_disabled():
    with Mirror(articles=3, seed=1, now=NOW, zoo=False) as m:
        resp, body = fetch(m, "/_zoo/index")
        assert resp.status == 404 and b"g-header" in body  # the site's own 404
        with pytest.raises(RuntimeError):
            m.zoo_url()


def test_zoo_pages_are_never_articles(mirror):
    fetched_at = NOW + timedelta(minutes=1)
    paths = sorted(FIDELITY) + ["/_zoo/index", "/_zoo/landing", "/_zoo/faults", "/_zoo/offsite", "/_zoo/wrong-charset",
                                "/_zoo/truncated", "/_zoo/slow?ms=0", "/_zoo/huge?mb=0.5", "/_zoo/redirect-chain?n=0"]
    for site in SITES:
        for path in paths:
            _, body = fetch(mirror, path, site) if path != "/_zoo/truncated" else raw(mirror, path, site)
            result = parse_page(body, mirror.base_urls[site] + path, fetched_at, site=site)
            assert not isinstance(result, Article), (site, path)


# --- fault endpoints -----------------------------------------------------------------------------------

def test_fault_index_links(mirror):
    _, body = fetch(mirror, "/_zoo/faults?ms=50&mb=1")
    hrefs = Selector(text=body.decode()).css("a::attr(href)").getall()
    for expected in ("/_zoo/slow?ms=50", "/_zoo/reset", "/_zoo/truncated", "/_zoo/huge?mb=1", "/_zoo/offsite",
                     "/_zoo/redirect-loop", "/_zoo/not-html", "/_zoo/wrong-charset"):
        assert expected in hrefs
    assert any(h.startswith("/_zoo/flaky-500?") for h in hrefs) and any(h.startswith("/_zoo/429?") for h in hrefs)


def test_slow_answers_after_the_delay_and_times_out_a_short_client(mirror):
    start = time.perf_counter()
    resp, _ = fetch(mirror, "/_zoo/slow?ms=150")
    assert resp.status == 200 and time.perf_counter() - start >= 0.15
    with pytest.raises(TimeoutError):
        fetch(mirror, "/_zoo/slow?ms=3000", timeout=0.1)


def test_stop_wakes_slow_requests():
    m = Mirror(articles=3, seed=1, now=NOW).start()
    outcome = {}

    def client():
        try:
            outcome["status"] = fetch(m, "/_zoo/slow?ms=60000", timeout=20)[0].status
        except (ConnectionError, http.client.HTTPException) as exc:
            outcome["error"] = exc
    thread = threading.Thread(target=client)
    thread.start()
    time.sleep(0.1)
    start = time.perf_counter()
    m.stop()
    thread.join(timeout=5)
    assert not thread.is_alive() and "error" in outcome and time.perf_counter() - start < 5


@pytest.mark.skipif(sys.platform != "linux", reason="RST delivery checked on Linux")
def test_reset_sends_rst(mirror):
    with pytest.raises(ConnectionResetError):
        raw(mirror, "/_zoo/reset")
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        fetch(mirror, "/_zoo/reset")


def test_flaky_500_then_200_per_key():
    with Mirror(articles=3, seed=1, now=NOW) as m:
        statuses = [fetch(m, "/_zoo/flaky-500?key=a&fails=2")[0].status for _ in range(4)]
        assert statuses == [500, 500, 200, 200]
        assert fetch(m, "/_zoo/flaky-500?key=b&fails=1")[0].status == 500  # its own counter
        assert fetch(m, "/_zoo/flaky-500?key=a&fails=2", "inakoran")[0].status == 500  # per site
        resp, body = fetch(m, "/_zoo/flaky-500?key=c")  # default: one failure
        assert resp.status == 500 and resp.headers["Cache-Control"] == "no-store" and b"<h1>" in body
    with Mirror(articles=3, seed=1, now=NOW) as fresh:  # state belongs to the Mirror instance
        assert fetch(fresh, "/_zoo/flaky-500?key=a&fails=2")[0].status == 500


def test_429_with_retry_after_then_200(mirror):
    resp, body = fetch(mirror, "/_zoo/429?key=t429&retry_after=3")
    assert (resp.status, resp.reason, resp.headers["Retry-After"]) == (429, "Too Many Requests", "3") and body
    assert fetch(mirror, "/_zoo/429?key=t429&retry_after=3")[0].status == 200
    assert fetch(mirror, "/_zoo/429?key=other")[0].headers["Retry-After"] == "1"


def test_redirect_chain_and_loop(mirror):
    base = mirror.base_urls["kyodo"]
    path, hops = "/_zoo/redirect-chain?n=6", []
    while True:
        resp, _ = fetch(mirror, path)
        if resp.status == 200:
            break
        hops.append(resp.status)
        assert resp.headers["Location"].startswith(base)
        path = resp.headers["Location"][len(base):]
        assert len(hops) < 20
    assert len(hops) == 6 and set(hops) == {301, 302, 303, 307, 308} and path == "/_zoo/redirect-chain?n=0"
    seen = []
    path = "/_zoo/redirect-loop"
    for _ in range(4):
        resp, _ = fetch(mirror, path)
        assert resp.status == 302
        path = resp.headers["Location"][len(base):]
        seen.append(path)
    assert seen == ["/_zoo/redirect-loop-b", "/_zoo/redirect-loop"] * 2


def test_truncated_body_closes_early(mirror):
    head, body = raw(mirror, "/_zoo/truncated")
    assert header_lines(head, b"Content-Length") == [b"Content-Length: 10000"] and len(body) == 4000
    with pytest.raises(http.client.IncompleteRead):
        fetch(mirror, "/_zoo/truncated")


def test_wrong_charset(mirror):
    resp, body = fetch(mirror, "/_zoo/wrong-charset")
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8" and b'<meta charset="utf-8">' in body
    assert b"\x93" in body and b"caf\xe9" in body and b"\x80" in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "caf\u00e9" in body.decode("cp1252")


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        return int(re.search(r"VmRSS:\s+(\d+) kB", fh.read()).group(1))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_huge_streams_30_mib_without_buffering(mirror):
    total = 30 * 1024 * 1024
    baseline, peak, done = _rss_kb(), [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_kb())
            time.sleep(0.002)
    sampler = threading.Thread(target=sample)
    sampler.start()
    conn = http.client.HTTPConnection(*hostport(mirror), timeout=30)
    try:
        conn.request("GET", "/_zoo/huge?mb=30")
        resp = conn.getresponse()
        assert resp.status == 200 and int(resp.headers["Content-Length"]) == total
        received, first, last = 0, b"", b""
        while chunk := resp.read(1 << 16):
            first = first or chunk
            received += len(chunk)
            last = (last + chunk)[-64:]
    finally:
        conn.close()
        done.set()
        sampler.join()
    assert received == total and first.startswith(b"<!DOCTYPE html>") and last.endswith(b"</html>\n")
    assert (peak[0] - baseline) < 50 * 1024, f"RSS grew by {(peak[0] - baseline) // 1024} MiB"


def test_not_html_and_offsite(mirror):
    resp, body = fetch(mirror, "/_zoo/not-html")
    assert resp.headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF-1.4")
    assert body.rstrip().endswith(b"%%EOF") and any(b >= 0x80 for b in body[:20])
    _, body = fetch(mirror, "/_zoo/offsite")
    hrefs = [h for h in Selector(text=body.decode()).css("a::attr(href)").getall() if h != "/_zoo/index"]
    same_site = [h for h in hrefs if h.startswith("/") and not h.startswith("//")]
    assert same_site == ["/_zoo/landing"]
    assert "http://example.invalid/x" in hrefs and "http://127.0.0.2:9/y" in hrefs


# --- fault plan for normal pages -------------------------------------------------------------------------

def test_fault_plan_is_deterministic_and_validated():
    paths = [f"/articles/-/{n}" for n in range(2000)]
    plan = FaultPlan(rate=0.05, seed=7)
    picked = {p: plan.pick("kyodo", p) for p in paths if plan.pick("kyodo", p)}
    assert picked == {p: FaultPlan(rate=0.05, seed=7).pick("kyodo", p) for p in picked}
    assert 50 <= len(picked) <= 150 and set(picked.values()) == {"timeout", "reset", "500", "truncated"}
    assert picked != {p: k for p in paths if (k := FaultPlan(rate=0.05, seed=8).pick("kyodo", p))}
    assert not any(FaultPlan(rate=0).pick("kyodo", p) for p in paths)
    assert all(FaultPlan(rate=1).pick("inakoran", p) for p in paths[:50])
    assert FaultPlan(rate=1, sites=("kyodo",)).pick("inakoran", "/x") is None
    for bad in ({"kinds": ("explode",)}, {"rate": 1.5}, {"times": 0}, {"kinds": ()}):
        with pytest.raises(ValueError):
            FaultPlan(**bad)


def _portless(m: Mirror, site: str, body: bytes) -> bytes:
    base, assets = m.base_urls[site], m.asset_urls["kyodo"]
    return body.replace(base.encode(), b"BASE").replace(quote(base, safe="").encode(), b"BASE") \
        .replace(assets.encode(), b"ASSETS")


def _first_request_outcome(m: Mirror, site: str, path: str) -> str:
    try:
        resp, body = fetch(m, path, site, timeout=5)
    except http.client.IncompleteRead:
        return "truncated"
    except http.client.RemoteDisconnected:  # a subclass of ConnectionResetError: clean close, no answer
        return "closed"
    except ConnectionResetError:
        return "reset"
    return str(resp.status)


def test_fault_plan_fails_first_request_then_serves():
    plan = FaultPlan(rate=1.0, seed=3, kinds=KINDS, hang_ms=100)
    with Mirror(articles=12, seed=2, now=NOW, faults=plan) as m, \
            Mirror(articles=12, seed=2, now=NOW) as clean:
        planned = m.planned_faults()
        assert len(planned) == 24 and set(planned.values()) == set(KINDS)
        assert clean.planned_faults() == {} and clean.fault_log == []
        for site in SITES:
            for t in m.truth(site):
                path = urlsplit(t["url"]).path
                kind = planned[t["url"]]
                start = time.perf_counter()
                outcome = _first_request_outcome(m, site, path)
                if kind == "timeout":
                    assert outcome == "closed" and time.perf_counter() - start >= 0.1
                elif kind == "reset" and sys.platform == "linux":
                    assert outcome == "reset"
                elif kind != "reset":
                    assert outcome == kind, (t["url"], kind, outcome)
                resp, body = fetch(m, path, site)  # the retry succeeds with the real page
                assert resp.status == 200 and _portless(m, site, body) == _portless(clean, site, fetch(clean, path, site)[1])
        assert [(e["url"], e["kind"], e["attempt"]) for e in m.fault_log] == \
            [(t["url"], planned[t["url"]], 1) for site in SITES for t in m.truth(site)]
        for site, path in (("kyodo", "/"), ("kyodo", "/list/news"), ("kyodo", "/robots.txt"), ("inakoran", "/indeks")):
            assert fetch(m, path, site)[0].status == 200  # only article pages ever fail
        served = json.loads(fetch(m, "/_mirror/faults.json")[1])
        assert served["plan"]["rate"] == 1.0 and len(served["log"]) == 24


def test_fault_plan_times_and_rate():
    plan = FaultPlan(rate=0.3, seed=5, kinds=("500",), times=2)
    with Mirror(articles=30, seed=6, now=NOW, faults=plan) as m:
        planned = m.planned_faults("inakoran")
        assert 0 < len(planned) < 30
        url = next(iter(planned))
        path = urlsplit(url).path
        assert [fetch(m, path, "inakoran")[0].status for _ in range(3)] == [500, 500, 200]
        others = [t["url"] for t in m.truth("inakoran") if t["url"] not in planned]
        assert fetch(m, urlsplit(others[0]).path, "inakoran")[0].status == 200
        assert [e["attempt"] for e in m.fault_log] == [1, 2]


# --- page weight --------------------------------------------------------------------------------------

def test_page_weight_and_chrome_never_leaks_into_parser_output(mirror):
    fetched_at = NOW + timedelta(minutes=1)
    sizes: dict[str, list[int]] = {site: [] for site in SITES}
    for site in SITES:
        for t in mirror.truth(site):
            _, body = fetch(mirror, urlsplit(t["url"]).path, site)
            sizes[site].append(len(body))
            article = parse_page(body, t["url"], fetched_at, site=site)
            assert isinstance(article, Article), t["url"]
            got = article.to_dict()
            for field in COMPARED:
                assert got[field] == t[field], (t["url"], field)
    kb = {site: [n / 1024 for n in values] for site, values in sizes.items()}
    assert 60 <= min(kb["kyodo"]) and max(kb["kyodo"]) <= 125 and statistics.pstdev(kb["kyodo"]) > 3
    assert 35 <= min(kb["inakoran"]) and max(kb["inakoran"]) <= 75 and statistics.pstdev(kb["inakoran"]) > 3
    for site, path in (("kyodo", "/list/news"), ("kyodo", "/"), ("inakoran", "/indeks"), ("inakoran", "/redaksi"),
                       ("inakoran", "/kategori/nasional")):
        resp, body = fetch(mirror, path, site)
        assert resp.status == 200 and len(body) > 30 * 1024
        assert not isinstance(parse_page(body, mirror.base_urls[site] + path, fetched_at, site=site), Article)

"""Replay with pywb, a tool nobody here wrote: `id_` returns the archived bytes exactly, `mp_` the page.

pywb pins old werkzeug, redis, fakeredis and pyOpenSSL, so it lives in its own virtual environment, made
on first use in `.cache/pywb-venv` (`NEWSARCHIVE_PYWB_VENV` to put it elsewhere). The test is skipped only
when that cannot be installed for lack of network; `NEWSARCHIVE_REQUIRE_PYWB=1` makes even that a failure.
"""

from __future__ import annotations

import fcntl
import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from archive.cdxj import cdxj_path, write_cdxj
from archive.index import Index
from archive.records import read_response

from test_verify import crawl_mirror

pytestmark = pytest.mark.timeout(1200)  # the first test's setup may install pywb

ROOT = Path(__file__).resolve().parent.parent
PYWB_VERSION = "2.10.0"
VENV = Path(os.environ.get("NEWSARCHIVE_PYWB_VENV") or ROOT / ".cache" / "pywb-venv")
NETWORK_ERRORS = ("Failed to establish a new connection", "Temporary failure in name resolution",
                  "Network is unreachable", "Name or service not known", "Connection refused", "timed out",
                  "No matching distribution found", "Could not find a version that satisfies",
                  "ProxyError", "SSLError", "ConnectionError", "HTTPSConnectionPool")


def _bin(name: str) -> Path:
    return VENV / "bin" / name


def ensure_pywb() -> float:
    """Make the pywb virtualenv if missing; returns the seconds it took (0 when it was there)."""
    marker = VENV / f".pywb-{PYWB_VERSION}"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / f"{VENV.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time (parallel test runs)
        if marker.exists() and _bin("wayback").exists():
            return 0.0
        shutil.rmtree(VENV, ignore_errors=True)  # a half-made one from an interrupted run
        started = time.monotonic()
        steps = [[sys.executable, "-m", "venv", str(VENV)],
                 [str(_bin("python")), "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
                  "--quiet", f"pywb=={PYWB_VERSION}"]]
        for step in steps:
            try:
                done = subprocess.run(step, capture_output=True, text=True, timeout=900)
            except subprocess.TimeoutExpired:
                _unavailable(f"`{' '.join(step[:4])} ...` timed out", network=True)
            if done.returncode != 0:
                output = done.stdout + done.stderr
                _unavailable(f"`{' '.join(step[:4])} ...` failed:\n{output[-2000:]}",
                             network=any(e in output for e in NETWORK_ERRORS))
        marker.write_text(f"pywb {PYWB_VERSION}\n")
        return time.monotonic() - started


def _unavailable(message: str, network: bool) -> None:
    shutil.rmtree(VENV, ignore_errors=True)
    if network and os.environ.get("NEWSARCHIVE_REQUIRE_PYWB") != "1":
        pytest.skip(f"pywb {PYWB_VERSION} could not be installed (no network?): {message}")
    pytest.fail(f"pywb {PYWB_VERSION} could not be installed: {message}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class Wayback:
    """`wayback` serving the collections under `root`, on loopback only."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(root / "wayback.log", "w")
        self.process = subprocess.Popen([str(_bin("wayback")), "-b", "127.0.0.1", "-p", str(self.port)],
                                        cwd=root, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"wayback exited {self.process.returncode}: {self.log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if fetch(self.base + "/")[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"wayback not ready after 60 s: {self.log_text()}")
            time.sleep(0.2)

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()[-3000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


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
        done = subprocess.run([str(_bin("wb-manager")), *step], cwd=root, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
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


def wayback_timestamp(warc_date: str) -> str:
    return re.sub(r"\D", "", warc_date)[:14]


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

"""What the reading room tests share: a small real archive crawled from the mirror (both sites, Kyodo's
asset host in scope so its images are captured), with a planted hostile title and a planted second version,
served by a plain `datasette serve -i index.db` subprocess (no `newsarchive serve`: the plugin alone)."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from mirror import Mirror

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts" / "readingroom"
HOSTILE_TITLE = "<script>alert('owned')</script> Council & <b>bold</b> plans"
NO_DELAY = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


@dataclass
class Room:
    base: str  # http://127.0.0.1:PORT
    data: Path
    db: Path
    mirror: Mirror
    hostile_id: int  # the article whose title was replaced by HOSTILE_TITLE
    edited_id: int  # the article given a second version

    def conn(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        return conn


def crawl(mirror: Mirror, data: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DATA"}
    args = [sys.executable, "-m", "crawler.cli", "crawl", "kyodo", "inakoran", "--data", str(data), "--quiet", *NO_DELAY]
    for site in ("kyodo", "inakoran"):
        args += ["--base-url", f"{site}={mirror.base_urls[site]}"]
    for site, url in mirror.asset_urls.items():
        args += ["--asset-url", f"{site}={url}"]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]


def plant(db: Path) -> tuple[int, int]:
    """A hostile title on one Inakoran article and a second version of one Kyodo article (synthetic text)."""
    conn = sqlite3.connect(db)
    with conn:
        hostile = conn.execute("SELECT min(id) FROM articles WHERE site = 'inakoran'").fetchone()[0]
        conn.execute("UPDATE articles SET title = ? WHERE id = ?", [HOSTILE_TITLE, hostile])
        edited, capture, fetched = conn.execute(
            "SELECT id, capture_id, fetched_at FROM articles WHERE site = 'kyodo' ORDER BY id LIMIT 1").fetchone()
        conn.execute("INSERT INTO article_versions (article_id, capture_id, fetched_at, title, body, content_hash) "
                     "VALUES (?, ?, ?, 'An earlier headline', 'An earlier body.', 'planted')",
                     [edited, capture, fetched[:10] + "T00:00:00Z"])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return hostile, edited


def start_datasette(data: Path, port: int, log: Path, env: dict | None = None) -> subprocess.Popen:
    """A plain `datasette serve -i index.db` in the data directory, as a researcher would start it."""
    env = {**{k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_REPLAY_URL"}, **(env or {})}
    datasette = Path(sys.executable).with_name("datasette")
    process = subprocess.Popen([str(datasette), "serve", "-i", "index.db", "--port", str(port)], cwd=data, env=env,
                               stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log.read_text()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2).close()
            return process
        except OSError:
            assert time.monotonic() < deadline, "datasette did not start"
            time.sleep(0.2)


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def get_json(url: str):
    status, _, body = fetch(url)
    return status, json.loads(body)


class Page(HTMLParser):
    """A page as a reader sees it: its text by CSS class, and its links and images."""

    def __init__(self, html: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []
        self.by_class: dict[str, list[str]] = {}
        self.body_paragraphs: list[str] = []
        self._open: list[tuple[str, list[str]]] = []  # (tag, classes) of open elements
        self._text: list[list[str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs.get("src"))
            return
        if tag in ("br", "input", "link", "meta", "hr"):
            return
        self._open.append((tag, (attrs.get("class") or "").split()))
        self._text.append([])

    def handle_endtag(self, tag):
        while self._open:
            open_tag, classes = self._open.pop()
            text = re.sub(r"\s+", " ", "".join(self._text.pop())).strip()
            if self._text:
                self._text[-1].append(text if open_tag not in ("p", "li", "div") else f" {text} ")
            for name in classes:
                self.by_class.setdefault(name, []).append(text)
            if open_tag == "p" and self._open and "rr-body" in self._open[-1][1] and not classes:
                self.body_paragraphs.append(text)
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._text:
            self._text[-1].append(data)

    def text(self, name: str) -> list[str]:
        return self.by_class.get(name, [])


@contextmanager
def serving_room(data: Path, articles: int = 8, seed: int = 3):
    """A Room: the mirror crawled into `data`, plants made, a plain datasette serving it (and the mirror kept
    running, so the article page's live links resolve)."""
    with Mirror(articles=articles, seed=seed) as mirror:
        crawl(mirror, data)
        hostile, edited = plant(data / "index.db")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        process = start_datasette(data, port, data / "datasette.log")
        try:
            yield Room(f"http://127.0.0.1:{port}", data, data / "index.db", mirror, hostile, edited)
        finally:
            process.terminate()
            process.wait(timeout=20)

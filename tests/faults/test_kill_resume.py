"""Crash-safe resume: SIGKILL a crawl at a random moment, run it again, lose nothing, fetch nothing twice."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.verify import verify_archive
from mirror import Mirror

from support import ROOT


def command(mirror: Mirror, data: Path) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "kyodo", "inakoran", "--data", str(data),
            "--base-url", f"kyodo={mirror.base_urls['kyodo']}", "--base-url", f"inakoran={mirror.base_urls['inakoran']}",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4"]


def indexed_articles(data: Path) -> int:
    try:
        with sqlite3.connect(data / "index.db", timeout=30) as db:
            return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:  # not created yet, or its tables not yet
        return 0


def article_responses(data: Path) -> Counter:
    seen: Counter = Counter()
    for path in (data / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                if record.rec_type == "response" and ("/articles/-/" in url or "/read/" in url):
                    seen[url] += 1
    return seen


def test_sigkill_then_rerun_loses_nothing_and_fetches_nothing_twice(tmp_path):
    rng = random.Random(int(os.environ.get("RESUME_SEED", "11")))
    with Mirror(articles=200, seed=12) as mirror:
        proc = subprocess.Popen(command(mirror, tmp_path), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        target = rng.randint(10, 150)  # articles in the index before the kill: a random moment
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if (tmp_path / "index.db").exists() and indexed_articles(tmp_path) >= target:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the crawl finished before it could be killed: make the mirror bigger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = indexed_articles(tmp_path)

        rerun = subprocess.run(command(mirror, tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-3000:]
        truth = {t["url"] for site in ("kyodo", "inakoran") for t in mirror.truth(site)}

    report = verify_archive(tmp_path)
    assert report.ok, report.faults if hasattr(report, "faults") else report
    with sqlite3.connect(tmp_path / "index.db") as db:
        indexed = [u for (u,) in db.execute("SELECT url FROM articles")]
    assert sorted(indexed) == sorted(truth), "every mirror article is in the index exactly once"
    twice = {url: n for url, n in article_responses(tmp_path).items() if n > 1}
    assert not twice, f"archived articles fetched again after the kill: {sorted(twice)[:5]}"
    assert "caught up the index" in rerun.stderr or killed_at == len(truth)

"""What page requisites cost: requests and WARC bytes per article in each `--requisites` mode, the requisite
bytes a second crawl stores again, and crawl throughput with requisites on vs off.

Both sites of a mirror in its own process (Kyodo's assets on the CDN stand-in), each mode crawled into an
archive of its own by `newsarchive crawl`, as a user would. The throughput rows compare whole crawls of the
same pages, articles per second, in rounds that alternate the modes' order; each mode's fastest run counts.
The second crawl runs over the unchanged mirror into the `pages` archive: its requisites should answer 304 or
be written as revisits, and the share of the first crawl's requisite bytes it stores again is reported."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.common import Row

ROOT = Path(__file__).resolve().parent.parent
MODES = ("none", "pages", "all")
NO_DELAY = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=32",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "RETRY_TIMES=1")


@contextmanager
def mirror(articles: int):
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "mirror", "--articles", str(articles)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        yield dict(proc.stdout.readline().split() for _ in range(3))  # kyodo, inakoran, kyodo-assets
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def crawl(urls: dict[str, str], data: Path, mode: str) -> float:
    """One crawl of both sites; its wall time in seconds."""
    args = [sys.executable, "-m", "crawler.cli", "crawl", "kyodo", "inakoran", "--data", str(data), "--quiet",
            "--requisites", mode, "--base-url", f"kyodo={urls['kyodo']}", "--base-url",
            f"inakoran={urls['inakoran']}", "--asset-url", f"kyodo={urls['kyodo-assets']}", *NO_DELAY]
    start = time.perf_counter()
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"benchmark crawl ({mode}) failed: {out.stdout[-1500:]} {out.stderr[-1500:]}")
    return elapsed


def totals(data: Path, crawl_rank: int = 0) -> dict[str, float]:
    """Requests (archived responses), WARC record bytes, requisite record bytes and articles of the crawl
    `crawl_rank` (0 = the first) of an archive."""
    with sqlite3.connect(data / "index.db") as db:
        (crawl_id,) = db.execute("SELECT id FROM crawls ORDER BY started, rowid LIMIT 1 OFFSET ?",
                                 [crawl_rank]).fetchone()
        requests, stored = db.execute("SELECT count(*), coalesce(sum(warc_length), 0) FROM captures "
                                      "WHERE crawl_id = ?", [crawl_id]).fetchone()
        requisite_bytes = db.execute("SELECT coalesce(sum(warc_length), 0) FROM captures WHERE crawl_id = ? "
                                     "AND role = 'requisite'", [crawl_id]).fetchone()[0]
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    return {"requests": requests, "bytes": stored, "requisite_bytes": requisite_bytes, "articles": articles}


def run(quick: bool) -> list[Row]:
    articles = 60 if quick else 300
    rounds = 1 if quick else 2
    with mirror(articles) as urls, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
        crawl(urls, tmp / "warm-up", "all")  # the mirror draws and caches every page and asset once; not timed
        for attempt in range(rounds):
            for mode in MODES if attempt % 2 == 0 else reversed(MODES):
                seconds[mode].append(crawl(urls, tmp / f"{mode}-{attempt}", mode))
        first = {mode: totals(tmp / f"{mode}-0") for mode in MODES}
        crawl(urls, tmp / "pages-0", "pages")  # the second crawl over the unchanged mirror
        again = totals(tmp / "pages-0", crawl_rank=1)
    per_article = {mode: {key: value / max(1, first[mode]["articles"]) for key, value in first[mode].items()}
                   for mode in MODES}
    rate = {mode: first[mode]["articles"] / min(seconds[mode]) for mode in MODES}
    label = f"requisites, {first['none']['articles']} articles"
    rows = []
    for mode in ("pages", "all"):
        rows.append(Row(f"{label}: {mode}", "requests per article", per_article[mode]["requests"], "",
                        "--requisites none", per_article["none"]["requests"]))
        rows.append(Row(f"{label}: {mode}", "WARC KB per article", per_article[mode]["bytes"] / 1000, "KB",
                        "--requisites none", per_article["none"]["bytes"] / 1000))
    stored_again = again["requisite_bytes"] / max(1, first["pages"]["requisite_bytes"])
    rows.append(Row("requisites, second crawl (unchanged)", "requisite bytes stored again",
                    again["requisite_bytes"] / 1000, "KB", "first crawl's requisite bytes",
                    first["pages"]["requisite_bytes"] / 1000, f"ratio <= 0.05 ({1 - stored_again:.1%} not stored)"))
    rows.append(Row(f"{label}: pages", "crawl throughput", rate["pages"], "articles/s", "--requisites none",
                    rate["none"]))
    rows.append(Row(f"{label}: all", "crawl throughput", rate["all"], "articles/s", "--requisites none",
                    rate["none"]))
    return rows

"""Incremental crawls: a second run fetches only what is new or changed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from mirror import FaultPlan, Mirror

ROOT = Path(__file__).resolve().parent.parent
NO_DELAY = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def crawl(mirror: Mirror, data: Path, *extra: str, sites=("kyodo", "inakoran")) -> None:
    args = [sys.executable, "-m", "crawler.cli", "crawl", *sites, "--data", str(data), *NO_DELAY, *extra]
    for site in sites:
        args += ["--base-url", f"{site}={mirror.base_urls[site]}"]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]


def last_crawl_urls(data: Path) -> list[str]:
    return [url for url, _ in captures(data)]


def is_article(url: str) -> bool:
    return "/articles/-/" in url or "/read/" in url or url.count("/") == 4 and not url.endswith("/") \
        and "/kategori/" not in url and "/indeks" not in url and not url.endswith((".txt", ".xml"))


def test_second_run_over_unchanged_mirror_fetches_only_listings_and_feeds(tmp_path):
    with Mirror(articles=30, seed=5) as mirror:
        crawl(mirror, tmp_path)
        truth_urls = {t["url"] for site in ("kyodo", "inakoran") for t in mirror.truth(site)}
        crawl(mirror, tmp_path)
    second = last_crawl_urls(tmp_path)
    assert second, "the second run fetched nothing at all"
    assert not set(second) & truth_urls, "articles already held were fetched again"
    # Listings, feeds and sitemaps were asked for conditionally, and answered 304: all of Kyodo's (robots.txt
    # aside), and Inakoran's home page, sitemap and pagination (its pages reached by plain links are not
    # conditional: one may be an article a killed run archived but did not index).
    again = [(url, status) for url, status in captures(tmp_path) if not url.endswith("/robots.txt")]
    kyodo = [status for url, status in again if url.startswith(mirror.base_urls["kyodo"])]
    inakoran = [(url[len(mirror.base_urls["inakoran"]):], status) for url, status in again
                if url.startswith(mirror.base_urls["inakoran"])]
    assert kyodo and set(kyodo) == {304}
    listings = [(path, status) for path, status in inakoran if path in ("/", "/sitemap.xml") or "page" in path]
    assert len(listings) >= 3 and {status for _, status in listings} == {304}, inakoran


def test_new_and_edited_articles_are_fetched_and_the_edit_becomes_a_version(tmp_path):
    with Mirror(articles=20, seed=6) as mirror:
        crawl(mirror, tmp_path, "--discover", "feed,listings,sitemap", sites=("kyodo",))
        before = {t["url"] for t in mirror.truth("kyodo")}
        mirror.add_articles(2)
        with_text = next(i for i, t in enumerate(mirror.truth("kyodo")) if t["access"] in ("full", "open"))
        edited = mirror.edit_article("kyodo", with_text)  # gated ones are retried only when asked
        crawl(mirror, tmp_path, "--discover", "feed,listings,sitemap", sites=("kyodo",))
        after = {t["url"] for t in mirror.truth("kyodo")}
    fetched = {u for u in last_crawl_urls(tmp_path) if "/articles/-/" in u}
    assert fetched == (after - before) | {edited["url"]}
    with sqlite3.connect(tmp_path / "index.db") as db:
        title, versions = db.execute(
            "SELECT a.title, count(v.id) FROM articles a JOIN article_versions v ON v.article_id = a.id "
            "WHERE a.url = ? GROUP BY a.id", [edited["url"]]).fetchone()
    assert title == edited["title"] and versions == 2


def test_gated_articles_are_retried_only_when_asked(tmp_path):
    with Mirror(articles=12, seed=8) as mirror:
        crawl(mirror, tmp_path, sites=("kyodo",))
        gated = {t["url"] for t in mirror.truth("kyodo") if t["access"] in ("gated", "expired")}
        assert gated
        crawl(mirror, tmp_path, sites=("kyodo",))
        assert not {u for u in last_crawl_urls(tmp_path) if "/articles/-/" in u}
        crawl(mirror, tmp_path, "--retry-gated", sites=("kyodo",))
        assert {u for u in last_crawl_urls(tmp_path) if "/articles/-/" in u} == gated


def test_unchanged_listings_answer_304_and_are_read_again_from_the_archive(tmp_path):
    faults = FaultPlan(rate=0.2, seed=3, kinds=("500",), times=1, sites=("kyodo",))
    with Mirror(articles=20, seed=8, faults=faults) as mirror:
        failing = set(mirror.planned_faults("kyodo"))
        crawl(mirror, tmp_path, "-s", "RETRY_TIMES=0", sites=("kyodo",))  # those articles fail this run
        first = {u for u, s in captures(tmp_path) if s == 200}
        crawl(mirror, tmp_path, "-s", "RETRY_TIMES=0", sites=("kyodo",))
        truth = {t["url"] for t in mirror.truth("kyodo")}
    second = captures(tmp_path)
    listings = [(u, s) for u, s in second if "/list/" in u]
    assert failing and not failing & first
    assert listings and all(status == 304 for _, status in listings), listings
    # Read again from the first run's records, the unchanged listings still lead to what that run missed.
    assert {u for u, s in second if "/articles/-/" in u} == failing
    with sqlite3.connect(tmp_path / "index.db") as db:
        assert {u for (u,) in db.execute("SELECT url FROM articles")} == truth
    requests = conditions_sent(tmp_path)
    assert {u for u, _ in listings} <= set(requests) and all(requests[u].startswith('"') for u, _ in listings)


def captures(data: Path) -> list[tuple[str, int]]:
    """(URL, status) of every page the latest crawl into `data` fetched."""
    with sqlite3.connect(data / "index.db") as db:
        crawl_id = db.execute("SELECT id FROM crawls ORDER BY started DESC, rowid DESC LIMIT 1").fetchone()[0]
        return db.execute("SELECT url, status FROM captures WHERE crawl_id = ? ORDER BY id", [crawl_id]).fetchall()


def conditions_sent(data: Path) -> dict[str, str]:
    """URL -> the If-None-Match its archived request record carries."""
    sent = {}
    for path in (data / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "request" and record.http_headers.get_header("If-None-Match"):
                    sent[record.rec_headers.get_header("WARC-Target-URI")] = \
                        record.http_headers.get_header("If-None-Match")
    return sent

"""Discovery bounds on the mirror: --since/--until through Kyodo's listings and sitemaps, --max-articles,
--max-pages, and sitemap lastmod kept as provenance."""

from __future__ import annotations

import re
import sqlite3
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from mirror import Mirror
from tests.support import NO_DELAY, newsarchive


def crawl_kyodo(mirror: Mirror, data: Path, *options: str) -> None:
    result = newsarchive("crawl", "kyodo", "--data", str(data), "--base-url", f"kyodo={mirror.base_urls['kyodo']}",
                         "--quiet", *NO_DELAY, *options)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


def utc_day(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(timezone.utc).date().isoformat()


def window_of(truth: list[dict]) -> tuple[str, str, set[str]]:
    """A window of the mirror's dates (UTC days, as --since/--until read them) with a quarter of its articles
    after it and half before, and the articles published inside it."""
    days = sorted(utc_day(t["published"]) for t in truth)
    since, until = days[len(days) // 2], days[len(days) * 3 // 4]
    return since, until, {t["url"] for t in truth if since <= utc_day(t["published"]) <= until}


def fetched(data: Path) -> tuple[set[str], list[str]]:
    """(article URLs fetched, listing URLs fetched) by the crawls into `data`."""
    with sqlite3.connect(data / "index.db") as db:
        urls = [u for (u,) in db.execute("SELECT url FROM captures ORDER BY id")]
    return {u for u in urls if "/articles/-/" in u}, [u for u in urls if "/list/news" in u or "/list/partners" in u]


def indexed(data: Path) -> set[str]:
    with sqlite3.connect(data / "index.db") as db:
        return {u for (u,) in db.execute("SELECT url FROM articles")}


def test_a_window_through_the_listings_fetches_exactly_its_articles(tmp_path):
    with Mirror(articles=120, seed=11) as mirror:
        truth = mirror.truth("kyodo")
        since, until, inside = window_of(truth)
        older_half = {t["url"] for t in truth if utc_day(t["published"]) <= since}
        crawl_kyodo(mirror, tmp_path / "until", "--discover", "listings", "--until", since)
        crawl_kyodo(mirror, tmp_path / "window", "--discover", "listings", "--since", since, "--until", until)
        crawl_kyodo(mirror, tmp_path / "all", "--discover", "listings")
    # The listings are newest first. Pages wholly after --until lead on to the window (they once ended the
    # walk, as nothing on them was new; "Latest" alone lists some stories, such as breaking news)...
    assert fetched(tmp_path / "until")[0] == older_half == indexed(tmp_path / "until")
    articles, listings = fetched(tmp_path / "window")
    assert articles == inside == indexed(tmp_path / "window")
    # ... and the walk stops at a page wholly before --since.
    assert set(listings) < set(fetched(tmp_path / "all")[1])


def test_a_sitemap_backfill_keeps_window_articles_edited_after_it(tmp_path):
    with Mirror(articles=60, seed=12) as mirror:
        truth = mirror.truth("kyodo")
        since, until, inside = window_of(truth)
        edited = mirror.edit_article("kyodo", sorted(inside)[0])  # its lastmod is now, after --until
        sitemap = "".join(urllib.request.urlopen(f"{mirror.base_urls['kyodo']}/sitemap-{year}.xml").read().decode()
                          for year in sorted({t["published"][:4] for t in truth}))
        crawl_kyodo(mirror, tmp_path, "--discover", "sitemap", "--since", since, "--until", until)
    lastmod = dict(re.findall(r"<loc>([^<]+/articles/-/\d+)</loc><lastmod>([^<]+)</lastmod>", sitemap))
    articles, _ = fetched(tmp_path)
    assert inside <= indexed(tmp_path) and edited["url"] in articles
    # A lastmod before --since proves an article older than the window: those are never fetched.
    assert not {u for u in articles if utc_day(lastmod[u]) < since}
    provenance = metadata_of(tmp_path, edited["url"])
    assert "discoveredBy: sitemap" in provenance and f"sitemapLastmod: {lastmod[edited['url']]}\r\n" in provenance


def metadata_of(data: Path, url: str) -> str:
    for path in (data / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "metadata" and record.rec_headers.get_header("WARC-Target-URI") == url:
                    return record.content_stream().read().decode()
    raise AssertionError(f"no metadata record for {url}")


def test_max_articles_and_max_pages_bound_the_run(tmp_path):
    with Mirror(articles=60, seed=13) as mirror:
        crawl_kyodo(mirror, tmp_path / "articles", "--max-articles", "7")
        crawl_kyodo(mirror, tmp_path / "pages", "--max-pages", "12")
    articles, _ = fetched(tmp_path / "articles")
    assert len(articles) == 7 and len(indexed(tmp_path / "articles")) == 7
    with sqlite3.connect(tmp_path / "pages" / "index.db") as db:
        pages = [u for (u,) in db.execute("SELECT url FROM captures")]
        status = db.execute("SELECT status, pages FROM crawls").fetchone()
    # Twelve from the crawl's queue, however many were already on their way; and robots.txt, which Scrapy
    # fetches outside the queue.
    assert len(pages) == 13 and sum(u.endswith("/robots.txt") for u in pages) == 1
    assert status == ("finished", 13)

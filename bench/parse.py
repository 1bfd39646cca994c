"""Parse time per page: our site parsers vs `trafilatura.extract` on the same mirror pages."""

from __future__ import annotations

import urllib.request
from datetime import datetime, timezone

from bench.common import Row, best_of
from mirror import Mirror
from crawler.parsers import Article, parse_page


def fetch_pages(articles: int) -> dict[str, list[tuple[str, bytes]]]:
    pages: dict[str, list[tuple[str, bytes]]] = {}
    with Mirror(articles=articles, seed=3) as mirror:
        for site in ("kyodo", "inakoran"):
            pages[site] = [(t["url"], urllib.request.urlopen(t["url"], timeout=10).read())
                           for t in mirror.truth(site)]
    return pages


def run(quick: bool) -> list[Row]:
    import trafilatura

    pages = fetch_pages(20 if quick else 100)
    repeats = 2 if quick else 5
    fetched_at = datetime.now(timezone.utc)
    rows = []
    for site, site_pages in pages.items():
        ours_results = [parse_page(html, url, fetched_at, site=site) for url, html in site_pages]
        assert all(isinstance(r, Article) for r in ours_results), "benchmark pages must parse as articles"
        ours = best_of(repeats, lambda: [parse_page(h, u, fetched_at, site=site) for u, h in site_pages])
        theirs = best_of(repeats, lambda: [trafilatura.extract(h, url=u, with_metadata=True)
                                           for u, h in site_pages])
        n = len(site_pages)
        kb = sum(len(h) for _, h in site_pages) / n / 1024
        rows.append(Row(f"parse {site} ({kb:.0f} KB pages)", "time per page", ours / n * 1000, "ms",
                        "trafilatura.extract", theirs / n * 1000, "ratio <= 0.20 (5x faster)"))
        rows.append(Row(f"parse {site}", "pages/s per core", n / ours, "pages/s",
                        "trafilatura.extract", n / theirs, ""))
    return rows

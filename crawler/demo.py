"""`newsarchive demo`: the whole path offline, mirror -> crawl -> WARC -> index -> search."""

from __future__ import annotations

import time
from pathlib import Path

import click

from archive.index import default_db_path
from archive.search import search
from crawler.mirror import Mirror
from crawler.run import MIRROR_SETTINGS, run_crawl

SAMPLE_QUERY = "government"


def run_demo(data_dir: Path, articles: int = 25) -> int:
    started = time.monotonic()
    with Mirror(articles=articles, seed=1) as mirror:
        for site, url in mirror.base_urls.items():
            click.echo(f"mirror  {site:<9} {url}")
        click.echo(f"crawling both sites into {data_dir}/ ...")
        result = run_crawl(["kyodo", "inakoran"], data_dir, base_urls=mirror.base_urls,
                           settings={**MIRROR_SETTINGS, "LOG_LEVEL": "WARNING"})
    click.echo(result.summary_table())
    hits = search(default_db_path(data_dir), SAMPLE_QUERY, limit=3)
    click.echo(f'\nnewsarchive search "{SAMPLE_QUERY}" --limit 3')
    for hit in hits:
        click.echo(f"  {hit.title}\n    {hit.site} | {hit.published} | {hit.snippet}")
    click.echo(f"\ndone in {time.monotonic() - started:.1f}s. Try: newsarchive search \"...\" --data {data_dir}")
    return 0 if result.ok else 1

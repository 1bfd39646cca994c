"""`newsarchive demo`: the whole path offline, mirror -> crawl -> WARC -> index -> search, then an
incremental second pass after the mirror publishes new articles and edits one. Each crawl's summary says how
many page requisites (stylesheets, scripts, images, fonts) it archived and how many third-party ones it left."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import click

from archive.index import PAGE, Index, default_db_path
from archive.search import search
from crawler.sites import SITES
from mirror import Mirror

SAMPLE_QUERY = "government"
DEMO_PORTS = {"kyodo": 8421, "inakoran": 8422, "kyodo-assets": 8423}  # fixed when free: a second `make demo` is incremental


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _crawl(mirror: Mirror, data_dir: Path, *extra: str) -> int:
    """One crawl in a child process (Twisted's reactor runs once per process), its summary shown."""
    args = [sys.executable, "-m", "crawler.cli", "crawl", *SITES, "--data", str(data_dir), "--quiet",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
            *extra]
    for site in SITES:
        args += ["--base-url", f"{site}={mirror.base_urls[site]}"]
    for site, url in mirror.asset_urls.items():  # Kyodo's CDN stand-in: its images, CSS and JS are in scope
        args += ["--asset-url", f"{site}={url}"]
    result = subprocess.run(args, capture_output=True, text=True)
    click.echo("\n".join("  " + line for line in result.stdout.rstrip().splitlines()))
    if result.returncode != 0:
        click.echo(result.stderr[-2000:], err=True)
    return result.returncode


def _last_crawl_captures(data_dir: Path) -> list[tuple[str, int]]:
    """(url, status) of the pages the last crawl archived: its requisites are counted by the crawl's summary."""
    index = Index(default_db_path(data_dir), readonly=True)
    try:
        return [tuple(row) for row in index.conn.execute(
            "SELECT url, status FROM captures WHERE crawl_id = ? AND role = ?", [index.latest_crawl_id(), PAGE])]
    finally:
        index.close()


def run_demo(data_dir: Path, articles: int = 25) -> int:
    started = time.monotonic()
    ports = DEMO_PORTS if all(_free(p) for p in DEMO_PORTS.values()) else None
    with Mirror(articles=articles, seed=1, ports=ports) as mirror:
        for site, url in mirror.base_urls.items():
            click.echo(f"mirror  {site:<12} {url}")
        for site, url in mirror.asset_urls.items():
            click.echo(f"mirror  {site + '-assets':<12} {url}")
        click.echo(f"\n1. crawling both sites into {data_dir}/")
        status = _crawl(mirror, data_dir)

        mirror.add_articles(2)
        edited = {}
        for site in SITES:
            index = next(i for i, t in enumerate(mirror.truth(site)) if t["access"] in ("full", "open"))
            old = mirror.truth(site)[index]["title"]
            edited[site] = (old, mirror.edit_article(site, index))
        click.echo("\n2. the sites publish 2 new articles each and edit one; crawling again (incremental)")
        status = status or _crawl(mirror, data_dir, "--discover", "feed,listings,sitemap")
        truth = {t["url"] for site in SITES for t in mirror.truth(site)}

    captures = _last_crawl_captures(data_dir)
    fetched = [u for u, _ in captures]
    fetched_articles = [u for u in fetched if u in truth]
    changed = {e[1]["url"] for e in edited.values()}
    not_modified = sum(status == 304 for _, status in captures)
    unchanged = f" ({not_modified} unchanged: 304 Not Modified, read from the first pass's records)" \
        if not_modified else ""
    click.echo(f"   second pass fetched {len(fetched)} pages: {len(fetched) - len(fetched_articles)} listings, "
               f"feeds and sitemaps{unchanged}; {len(set(fetched_articles) - changed)} new articles; "
               f"{len(set(fetched_articles) & changed)} edited; every other article was already held")
    for site, (old, new) in edited.items():
        click.echo(f"   edit seen on {site}: {old!r}\n{'':>21}-> {new['title']!r}  "
                   f"(newsarchive history {new['url']} --data {data_dir})")

    hits = search(default_db_path(data_dir), SAMPLE_QUERY, limit=3)
    click.echo(f'\n3. newsarchive search "{SAMPLE_QUERY}" --limit 3')
    for hit in hits:
        click.echo(f"  {hit.title}\n    {hit.site} | {hit.published} | {hit.snippet}")
    click.echo(f"\ndone in {time.monotonic() - started:.1f}s. Try: newsarchive search \"...\" --data {data_dir}\n"
               f"Read it in the browser: newsarchive serve --data {data_dir} (the reading room: search, articles, "
               "edits, trends)")
    return status

"""`newsarchive crawl`, `mirror`, `parse` and `demo`: fetching and parsing pages. Thin shells over
`crawler.run.run_crawl`, `mirror.cli.serve`, `crawler.parsers.parse_page` and `crawler.demo.run_demo`."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from crawler.cli.errors import crawl_errors, fail

DEGRADED_EXIT = 3  # the crawl finished, but its sites' output looks wrong against their history (archive/health.py)
from crawler.cli.options import asset_url_option, data_option, requisites_option
from crawler.cli.params import DATE, SITE, DiscoveryModes, Fraction, Setting, SiteURL, by_site, check_window, count


@click.command()
@click.argument("sites", nargs=-1, required=True, type=SITE, metavar="SITE...")
@click.option("--base-url", "base_urls", multiple=True, metavar="SITE=URL", type=SiteURL(),
              help="Crawl SITE at URL instead of the real site (e.g. a mirror). Repeatable.")
@asset_url_option
@requisites_option
@click.option("--max-articles", type=count(), default=None, help="Stop after this many article pages per site.")
@click.option("--max-pages", type=count(), default=None, help="Stop after this many fetched pages per site.")
@click.option("--since", type=DATE, default=None, metavar="DATE",
              help="Only articles dated on or after DATE (YYYY-MM-DD).")
@click.option("--until", type=DATE, default=None, metavar="DATE", help="Only articles dated on or before DATE.")
@click.option("--discover", type=DiscoveryModes(), default=None, metavar="MODES",
              help="Kyodo discovery: comma-separated feed,listings,sitemap [default: feed,listings].")
@click.option("--refresh", is_flag=True, help="Fetch articles again even when the index holds them.")
@click.option("--retry-gated", is_flag=True, help="Fetch again articles held only as gated/expired.")
@click.option("--walk-all", is_flag=True,
              help="Paginate every listing to its end (only articles not held are fetched). Automatic after a "
                   "crawl that did not finish.")
@click.option("--seed", "seeds", multiple=True, metavar="SITE=URL", type=SiteURL(),
              help="Also archive URL (and the same-site links on it) in SITE's crawl. Repeatable.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line; warnings and the summary only.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", type=Setting(),
              help="Scrapy setting override (a known setting's value is checked against its type).")
@data_option
def crawl(sites, base_urls, asset_urls, requisites, max_articles, max_pages, since, until, discover, refresh, retry_gated, walk_all,
          seeds, quiet, settings, data_dir):
    """Crawl SITES (kyodo, inakoran) into the archive.

    Incremental by default: articles the index already holds are not fetched again unless their feed or
    sitemap says they changed, or --refresh is given. Listings, feeds and sitemaps are always fetched.
    """
    check_window(since, until)
    sites = list(dict.fromkeys(sites))
    stray = [site for site, _ in (*base_urls, *asset_urls, *seeds) if site not in sites]
    if stray:
        fail(f"--base-url/--asset-url/--seed for {', '.join(dict.fromkeys(stray))}, which this crawl does not "
             "include")
    spider_args = {"since": since, "until": until, "refresh": refresh, "retry_gated": retry_gated,
                   "walk_all": walk_all}
    if discover:
        spider_args["discover"] = discover
    seed_map = by_site(seeds)
    overrides = {"LOG_LEVEL": "WARNING"} if quiet or sys.stderr.isatty() else {}
    overrides["NEWSARCHIVE_PROGRESS"] = sys.stderr.isatty() and not quiet
    overrides.update(dict(settings))
    if max_pages:
        overrides["NEWSARCHIVE_MAX_PAGES"] = max_pages
    if requisites:
        overrides["NEWSARCHIVE_REQUISITES"] = requisites
    asset_map = by_site(asset_urls)
    from archive.index import check_writable
    from crawler.core.halt import EX_IOERR
    from crawler.operator_config import crawl_settings
    from crawler.run import run_crawl
    from crawler.scheduling.locks import site_locks

    check_writable(data_dir)  # an index or a disk the crawl cannot write: said before anything is created
    try:  # a broken DATA/newsarchive.toml, or a real site with the placeholder contact: before anything is written
        crawl_settings(data_dir, sites, dict(base_urls), overrides)
    except ValueError as exc:
        fail(exc)
    with crawl_errors(data_dir):
        # One crawl per site at a time, across processes (the scheduler hands its locks down to its crawls).
        with site_locks(data_dir, sites, owner="newsarchive crawl"):
            result = run_crawl(sites, data_dir, base_urls=dict(base_urls),
                               max_articles=max_articles, settings=overrides, spider_args=spider_args,
                               seeds={site: ",".join(urls) for site, urls in seed_map.items()},
                               schedule=os.environ.get("NEWSARCHIVE_SCHEDULE"), asset_urls=asset_map)
    click.echo(result.summary_table())
    if result.halt is not None:
        click.echo(result.halt.line(data_dir), err=True)
        sys.exit(EX_IOERR)
    if not result.ok:
        for site in result.sites:
            if not site.reachable:
                click.echo(f"{site.site}: the site did not answer (no HTTP response other than 5xx); "
                           "check the network or the --base-url", err=True)
            if site.write_errors:
                click.echo(f"{site.site}: {site.write_errors} records or index rows could not be written; "
                           "see the errors above and run `newsarchive verify`", err=True)
        click.echo("crawl finished with faults; exit status 1", err=True)
        sys.exit(1)
    if result.degraded:
        click.echo(f"crawl degraded: {len(result.findings)} health finding(s); exit status {DEGRADED_EXIT}", err=True)
        sys.exit(DEGRADED_EXIT)


def _mirror_options(command):
    """`newsarchive mirror` takes mirror/cli.py's options (one list, OPTIONS), as click options."""
    from mirror.cli import OPTIONS

    for opt in reversed(OPTIONS):
        if opt.kind is None:
            command = click.option(opt.flag, is_flag=True, help=opt.help)(command)
            continue
        kind = {str: str, int: count(int(opt.low), int(opt.high)) if opt.low is not None else int,
                float: Fraction(opt.low, opt.high) if opt.low is not None else float}[opt.kind]
        command = click.option(opt.flag, type=kind, default=opt.default, multiple=opt.repeat, help=opt.help,
                               show_default=opt.default not in (None, (), 0, ""))(command)
    return command


@click.command()
@_mirror_options
def mirror(**options):
    """Serve offline copies of both sites on loopback until interrupted (redesigned, edited, on fixed ports)."""
    from mirror.cli import UsageError, serve

    try:
        sys.exit(serve(options))
    except UsageError as exc:
        fail(exc)


@click.command()
@click.argument("file", type=click.File("rb"))
@click.option("--url", required=True, help="The URL the page was fetched from.")
@click.option("--site", type=SITE, default=None, help="Parser to use (default: inferred from the URL).")
@click.option("--fetched-at", type=DATE, default=None, help="Capture time, ISO 8601 (default: now).")
def parse(file, url, site, fetched_at):
    """Parse one saved HTML page and print the article as JSON (exit 3 when it is not an article)."""
    from archive.terminal import json_text, printable
    from archive.times import parse_time
    from crawler.parsers import PARSERS, Article, infer_site, parse_page

    site = site or infer_site(url)
    if site not in PARSERS:
        fail(f"cannot tell the site of {url!r}; pass --site ({', '.join(PARSERS)})")
    moment = parse_time(fetched_at) if fetched_at else datetime.now(timezone.utc)
    result = parse_page(file.read(), url, moment, site=site)
    click.echo(json_text(result.to_dict(), indent=2))
    if isinstance(result, Article):
        for warning in result.warnings:
            click.echo(f"warning: {printable(warning, keep='')}", err=True)
    else:
        sys.exit(3)


@click.command()
@click.option("--articles", type=count(1, 100_000), default=25, show_default=True, help="Mirror articles per site.")
@data_option
def demo(articles, data_dir):
    """Offline demo: start the mirror, crawl both sites into the archive, search it."""
    from crawler.demo import run_demo

    sys.exit(run_demo(Path(data_dir), articles=articles))


COMMANDS = (crawl, mirror, parse, demo)

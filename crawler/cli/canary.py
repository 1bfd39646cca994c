"""`newsarchive canary`: a few of each site's newest articles, parsed and checked against earlier canaries.
A thin shell over crawler.canary.run_canary."""

from __future__ import annotations

import os
import sys

import click

from crawler.cli.errors import crawl_errors, fail
from crawler.cli.options import asset_url_option, data_option
from crawler.cli.params import SITE, Setting, SiteURL, by_site, count


@click.command()
@click.argument("sites", nargs=-1, type=SITE, metavar="[SITE...]")
@click.option("--articles", type=count(1, 100), default=5, show_default=True, help="Newest articles per site.")
@click.option("--base-url", "base_urls", multiple=True, metavar="SITE=URL", type=SiteURL(),
              help="Check SITE at URL instead of the real site (e.g. a mirror). Repeatable.")
@asset_url_option
@click.option("-q", "--quiet", is_flag=True, help="Warnings and the table only (the default without a terminal).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", type=Setting(),
              help="Scrapy setting override (the project's politeness settings otherwise).")
@data_option
def canary(sites, articles, base_urls, asset_urls, quiet, settings, data_dir):
    """Fetch the newest articles of SITES (default: all) politely, parse them and run the health checks.

    Articles are fetched again even when held; Kyodo's come from its feed. A real crawl (kind `canary`,
    archived in the WARC files). Prints per site the articles, how many have authors, a published date, a
    body and images, the median body length, access states and findings. Exit 0 healthy, 3 on a finding, 1
    when the fetch failed, 75 when a site is being crawled already."""
    from crawler.operator_config import crawl_settings
    from crawler.scheduling.locks import site_locks
    from crawler.sites import SITES

    sites = list(dict.fromkeys(sites)) or sorted(SITES)
    stray = [site for site, _ in (*base_urls, *asset_urls) if site not in sites]
    if stray:
        fail(f"--base-url/--asset-url for {', '.join(dict.fromkeys(stray))}, which this canary does not include")
    overrides = {"LOG_LEVEL": "WARNING"} if quiet or not sys.stderr.isatty() else {}
    overrides.update(dict(settings))
    from archive.index import check_writable
    from crawler.canary import run_canary

    check_writable(data_dir)  # writes nothing; the index's own one-line error comes first, as for `crawl`
    try:
        crawl_settings(data_dir, sites, dict(base_urls), overrides)  # config and contact: before anything is written
    except ValueError as exc:
        fail(exc)
    with crawl_errors(data_dir), site_locks(data_dir, sites, owner="newsarchive canary"):
        result = run_canary(sites, data_dir, articles=articles, base_urls=dict(base_urls),
                            asset_urls=by_site(asset_urls), settings=overrides,
                            schedule=os.environ.get("NEWSARCHIVE_SCHEDULE"))
    click.echo(result.table())
    status = result.exit_status
    if result.crawl.halt is not None:
        click.echo(result.crawl.halt.line(data_dir), err=True)
    elif status == 1:
        unreachable = [s.site for s in result.crawl.sites if not s.reachable]
        click.echo(f"canary failed: {', '.join(unreachable) + ' did not answer' if unreachable else 'the fetch had faults'}"
                   "; exit status 1", err=True)
    elif status == 3:
        click.echo(f"canary: {len(result.findings)} health finding(s); exit status 3", err=True)
    sys.exit(status)


COMMANDS = (canary,)

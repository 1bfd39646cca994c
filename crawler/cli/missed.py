"""`newsarchive missed`: what a crawl discovered and did not fetch, and why. A thin shell over
`archive.accounting.read_missed`."""

from __future__ import annotations

import click

from archive.accounting import SKIP_REASONS
from archive.terminal import json_text, printable
from crawler.cli.errors import fail
from crawler.cli.options import data_option
from crawler.cli.params import SITE


@click.command()
@click.argument("crawl_id", required=False)
@click.option("--site", type=SITE, default=None, help="Only this site.")
@click.option("--reason", type=click.Choice(SKIP_REASONS), default=None,
              help="Only URLs skipped for this reason.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@data_option
def missed(crawl_id, site, reason, fmt, data_dir):
    """Article URLs CRAWL_ID (the latest crawl by default) discovered and did not fetch, per site and reason:
    budget (--max-articles, --max-pages), window (--since/--until), held (in the index, unchanged), robots,
    offsite and circuit (the host's circuit breaker was open).

    Budget skips are listed URL by URL (10,000 a crawl and site at most), window and held skips are counted;
    robots, offsite and circuit URLs are the crawl's fetch_errors rows of those reasons (page requisites too)."""
    from archive.accounting import UnknownCrawl, format_missed, read_missed
    from archive.index import default_db_path

    try:
        result = read_missed(default_db_path(data_dir), crawl_id, site, reason)
    except (UnknownCrawl, FileNotFoundError) as exc:
        fail(exc.args[0] if exc.args else exc, 2)
    if fmt == "json":
        click.echo(json_text(result.to_dict(), indent=2))
    else:
        click.echo(format_missed(result, lambda text: printable(text, keep="")))


COMMANDS = (missed,)

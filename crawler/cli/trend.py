"""`newsarchive trend`: articles matching a query per period and site, beside each site's articles in the
period. A thin shell over `archive.trend.trend_db`."""

from __future__ import annotations

import csv
import sys

import click

from archive.terminal import json_text, printable
from crawler.cli.errors import fail
from crawler.cli.options import data_option
from crawler.cli.params import DATE, SITE

TREND_HELP = """Attention over time: articles matching QUERY per period and site.

    QUERY is the same FTS5 query as `newsarchive search` takes. Each cell is matches / articles the site
    published in the period (share): a site that published twice as much is not twice as attentive.

    Periods follow each site's own calendar (the date it printed: Kyodo's day in Tokyo, Inakoran's in Jakarta);
    weeks are ISO weeks, Monday to Sunday; every period of the range is listed, zeros included. --since and
    --until are days of that calendar, both included (default: the archive's first and last dated article).
    Articles without a date are in no period: the last line counts them."""


@click.command(help=TREND_HELP)
@click.argument("query")
@click.option("--site", type=SITE, default=None, help="Only this site (kyodo, inakoran).")
@click.option("--by", type=click.Choice(["day", "week", "month"]), default="week", show_default=True)
@click.option("--since", type=DATE, default=None, metavar="DAY", help="First day counted (YYYY-MM-DD).")
@click.option("--until", type=DATE, default=None, metavar="DAY", help="Last day counted (YYYY-MM-DD), included.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@data_option
def trend(query, site, by, since, until, fmt, data_dir):
    from archive.index import default_db_path
    from archive.search import SearchError
    from archive.trend import trend_db

    try:
        result = trend_db(default_db_path(data_dir), query, site=site, by=by, since=since, until=until)
    except (SearchError, FileNotFoundError) as exc:
        fail(printable(str(exc), keep=""), 2)  # the message quotes the query as typed
    if fmt == "json":
        click.echo(json_text(result.as_dict(), indent=2))
    elif fmt == "csv":
        write_csv(result)
    else:
        click.echo(render_table(result))


def write_csv(result) -> None:
    """One row per period and site (the long form a spreadsheet or pandas pivots as it likes)."""
    writer = csv.writer(sys.stdout)
    writer.writerow(["period", "start", "end", "site", "matches", "articles", "share"])
    for period in result.periods:
        for site in result.sites:
            share = period.share(site)
            writer.writerow([period.label, period.start.isoformat(), period.end.isoformat(), printable(site, keep=""),
                             period.matches[site], period.totals[site], "" if share is None else f"{share:.6g}"])
    for site in result.sites:
        writer.writerow(["undated", "", "", printable(site, keep=""), result.undated[site], "", ""])


def cell(matches: int, total: int) -> str:
    share = f"{100 * matches / total:.1f}%" if total else "-"
    return f"{matches:,} / {total:,} ({share})"


def render_table(result) -> str:
    sites = [printable(site, keep="") for site in result.sites]
    header = ["period", *sites]
    rows = []
    for period in result.periods:
        label = period.label
        if result.by != "day":
            label += f" ({period.start.isoformat()}..{period.end.isoformat()})"
        rows.append([label, *(cell(period.matches[s], period.totals[s]) for s in result.sites)])
    rows.append(["total", *(cell(result.matches(s), sum(p.totals[s] for p in result.periods)) for s in result.sites)])
    rows.append(["undated", *(f"{result.undated[s]:,}" for s in result.sites)])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [f"{printable(result.query, keep='')!s}: matches / articles published (share), by {result.by}",
             "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


COMMANDS = (trend,)

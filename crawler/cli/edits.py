"""`newsarchive edits` and `newsarchive cite`: edited articles and citations. Thin shells over
`archive.edits.edited_articles_at` and `archive.cite.cite_at`."""

from __future__ import annotations

import click

from archive.terminal import json_text, printable
from crawler.cli.errors import fail
from crawler.cli.options import article_key, data_option
from crawler.cli.params import DATE, SITE, count


@click.command()
@click.option("--site", default=None, type=SITE, help="Only this site (kyodo, inakoran).")
@click.option("--since", default=None, type=DATE, metavar="DATE",
              help="Only edits captured on or after DATE: YYYY-MM-DD (a UTC day) or an ISO 8601 time.")
@click.option("--silent", is_flag=True, help="Only silent edits: the text changed, the page's modified date did not.")
@click.option("--limit", type=count(), default=None, help="At most this many articles.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@data_option
def edits(site, since, silent, limit, fmt, data_dir):
    """Edited articles, most recently edited first: one line per change between two consecutive versions,
    what changed (title, lead, body, authors, dates), words added and removed (title and body), and SILENT
    when the text changed while the page kept its modified date."""
    from archive.edits import edited_articles_at
    from archive.index import default_db_path
    from archive.search import SearchError

    try:
        found = edited_articles_at(default_db_path(data_dir), site=site, since=since, silent=True if silent else None,
                                   limit=limit)
    except (SearchError, FileNotFoundError) as exc:
        fail(exc, 2)
    if fmt == "json":
        click.echo(json_text([article.as_dict() for article in found], indent=2))
        return
    if not found:
        click.echo("no edited articles")
        return
    line = lambda value: printable("" if value is None else str(value), keep="")  # noqa: E731
    for article in found:
        for change in article.changes:
            click.echo(f"{article.id:>7}  v{change.from_version}->v{change.to_version}  {change.fetched_at}  "
                       f"{','.join(change.changed):<28} +{change.words_added}/-{change.words_removed}"
                       f"  {'SILENT' if change.silent else '':<6}  {line(article.site):<8}  {line(article.title)}")
    changes = sum(len(a.changes) for a in found)
    click.echo(f"{changes} change(s) in {len(found)} article(s)", err=True)


@click.command()
@article_key
@click.option("--version", "number", type=count(1), default=None,
              help="Cite this version (1 = the first captured; `newsarchive history` lists them).")
@click.option("--format", "fmt", type=click.Choice(["text", "csl-json"]), default="text", show_default=True)
@data_option
def cite(key, number, fmt, data_dir):
    """A citation of an article, or of one of its versions, naming the site, title, authors, published date,
    the capture time, its WARC-Record-ID and its replay URL (under `[replay] url` of DATA/newsarchive.toml):
    APA-style text, or CSL-JSON (for Zotero, Pandoc, citeproc)."""
    from archive.cite import CitationError, cite_at
    from archive.config import ConfigError
    from archive.index import default_db_path

    try:
        cited = cite_at(default_db_path(data_dir), key, number)
    except CitationError as exc:
        fail(exc, 1)
    except (ConfigError, FileNotFoundError) as exc:
        fail(exc, 2)
    if fmt == "csl-json":
        click.echo(json_text([cited["csl"]], indent=2))
    else:
        click.echo(printable(cited["text"], keep=""))


COMMANDS = (edits, cite)

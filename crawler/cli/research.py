"""`newsarchive search`, `show`, `history`, `stats`, `export`, `export wacz` and `export bagit`: reading the
archive. Thin shells over `archive.search.search_result`, `archive.articles.show` / `original_html` /
`history`, `archive.stats.stats`, `archive.export.export_articles`, `archive.wacz.export_wacz` and
`archive.bagit_export.export_bagit`."""

from __future__ import annotations

import csv
import dataclasses
import json
import sys

import click

from archive.search import CANDIDATES, IDF_BUDGET
from archive.terminal import json_text, printable
from crawler.cli.errors import OneLineGroup, fail
from crawler.cli.options import article_key, data_option, filter_options, max_body_option
from crawler.cli.params import DATE, SITE, check_window, count


# -- search ------------------------------------------------------------------------------------------

SEARCH_HELP = f"""Full-text search, best match first, with snippets.

    QUERY is SQLite FTS5 syntax: words (all must occur; English stemming: "elections" finds "election"),
    "quoted phrases", OR, NOT, NEAR(a b), prefix*, title:word. Indonesian articles match by word stem too
    (Sastrawi): "pelajaran" finds "mengajar" and "belajar"; search_stems:ajar names the stem itself.

    Ranking: bm25 over title, lead, body and authors (a title match weighs 4x a body match; the score
    printed by --format json/csv is bm25, lower is better), over every match, when each phrase of the query
    has a word found in fewer than {IDF_BUDGET:,} articles. A common query (bm25 would walk every article
    holding its words) ranks only its {CANDIDATES:,} most recently indexed matches (after the filters;
    highest article id), by where it matches: title and lead first, newest first among equals (score:
    minus those columns' weights); notes on stderr say so. Narrow the search (--since, --site, more words)
    or pass --rank-all to rank every match by bm25 (slower: ~0.2 s for a word found in 200,000 articles).
    """


@click.command(help=SEARCH_HELP)
@click.argument("query")
@filter_options
@click.option("--limit", type=count(), default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--rank-all", is_flag=True, help="Rank every match by bm25, however many.")
@data_option
def search(query, site, author, since, until, access, limit, fmt, rank_all, data_dir):
    from archive.index import default_db_path
    from archive.search import Filters, SearchError, search_result

    check_window(since, until)
    try:
        result = search_result(default_db_path(data_dir), query, Filters(site, author, since, until, access),
                               limit=limit, exhaustive=rank_all)
    except (SearchError, FileNotFoundError) as exc:
        fail(exc, 2)
    if result.ranking == "columns":
        click.echo("note: a common query: ranked by the columns it matches (title, lead), not bm25 "
                   "(use --rank-all for bm25)", err=True)
    if result.ranked_among:
        click.echo(f"note: more than {result.ranked_among:,} articles match; ranked the {result.ranked_among:,} "
                   "most recently indexed (narrow the search or use --rank-all)", err=True)
    hits = [dataclasses.asdict(hit) for hit in result.hits]
    if fmt == "json":
        click.echo(json_text(hits, indent=2))
        return
    # Table and CSV are for reading: page text with visible escapes for control characters, one line a field.
    line = lambda value: printable("" if value is None else str(value), keep="")  # noqa: E731
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["rank", "id", "url", "site", "published", "title", "authors", "access", "score", "snippet"])
        for rank, hit in enumerate(hits, 1):
            writer.writerow([rank, hit["id"], line(hit["url"]), line(hit["site"]), line(hit["published"]),
                             line(hit["title"]), line(json_text(hit["authors"])), line(hit["access"]),
                             f"{hit['score']:.6g}", line(" ".join(hit["snippet"].split()))])
    elif not hits:
        click.echo("no matches")
    else:
        for rank, hit in enumerate(hits, 1):
            authors = f" | {', '.join(map(line, hit['authors']))}" if hit["authors"] else ""
            click.echo(f"{rank:>2}. {line(hit['title'])}\n    {line(hit['site'])} | {line(hit['published'])}{authors}"
                       f" | id {hit['id']}\n    {line(hit['url'])}\n    {line(' '.join(hit['snippet'].split()))}\n")


# -- show, history -----------------------------------------------------------------------------------

@click.command()
@article_key
@click.option("--html", is_flag=True, help="Print the page as archived (from its WARC record) instead.")
@click.option("--requisites", is_flag=True,
              help="List the page's images and other requisites, each with its capture or why there is none, "
                   "instead.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@max_body_option
@data_option
def show(key, html, requisites, fmt, max_body_mb, data_dir):
    """One article, every field, and where it came from (WARC file, offset, record id, crawl, versions); each
    image with its capture (WARC file, record id, status) or why it has none."""
    from archive.articles import (ArticleNotFound, format_captured_requisites, format_show, original_html,
                                  captured_requisites, show as show_article)
    from archive.decoding import BodyTooLarge
    from archive.index import default_db_path

    if html and requisites:
        fail("--html prints the page, --requisites lists what it needs: choose one", 2)
    try:
        if requisites:
            listed = captured_requisites(default_db_path(data_dir), key)
            click.echo(json_text(listed, indent=2) if fmt == "json" else format_captured_requisites(listed))
            return
        if html:
            page = original_html(data_dir, key, max_body_mb << 20)
            stream = click.get_binary_stream("stdout")
            if stream.isatty():  # byte for byte into a pipe or file; to a terminal, no control codes
                page = printable(page.decode("utf-8", "backslashreplace")).encode("utf-8")
            stream.write(page)
            stream.flush()
            return
        result = show_article(default_db_path(data_dir), key)
    except ArticleNotFound as exc:
        fail(exc, 1)
    except BodyTooLarge as exc:
        fail(f"{exc}; not shown (--max-body-mb raises the limit)", 2)
    except (FileNotFoundError, ValueError) as exc:
        fail(exc, 2)
    click.echo(json_text(result, indent=2) if fmt == "json" else format_show(result))


@click.command()
@article_key
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@data_option
def history(key, fmt, data_dir):
    """Every version of an article seen (capture time, access, title) and what changed between them: a
    unified diff of the title and of the body, one paragraph per line."""
    from archive.articles import ArticleNotFound, format_history, history as article_history
    from archive.index import default_db_path

    try:
        result = article_history(default_db_path(data_dir), key)
    except ArticleNotFound as exc:
        fail(exc, 1)
    except FileNotFoundError as exc:
        fail(exc, 2)
    if fmt == "json":
        for version in result["versions"]:
            version.pop("body", None), version.pop("lead", None)
        click.echo(json_text(result, indent=2))
    else:
        click.echo(format_history(result))


# -- stats -------------------------------------------------------------------------------------------

@click.command()
@click.option("--days", type=count(1, 100_000), default=30, show_default=True,
              help="Days of per-day counts, ending today (UTC).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@data_option
def stats(days, fmt, data_dir):
    """Articles per site per day, access states, coverage gaps, the last crawls and fetch errors by reason."""
    from archive.index import default_db_path
    from archive.stats import format_stats, stats as archive_stats

    try:
        result = archive_stats(default_db_path(data_dir), days=days)
    except FileNotFoundError as exc:
        fail(exc, 2)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if fmt == "json" else format_stats(result))


# -- export, export wacz ----------------------------------------------------------------------------

@click.group(cls=OneLineGroup, invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl", show_default=True,
              help="Articles as JSON lines, CSV (list fields as JSON) or Parquet (needs -o).")
@filter_options
@click.option("--query", default=None, metavar="FTS", help="Only articles matching this full-text query.")
@click.option("--versions", is_flag=True,
              help="Every version of the articles instead: one row per version seen, with its capture's record id, "
                   "fetch time and replay URL.")
@click.option("-o", "--output", default="-", type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write (default: stdout).")
@data_option
@click.pass_context
def export(ctx, fmt, site, author, since, until, access, query, versions, output, data_dir):
    """Export articles (streaming, any size) as JSON lines, CSV or Parquet, each with its capture's record id
    and replay URL (under `[replay] url` of DATA/newsarchive.toml); Parquet times are typed timestamps (UTC),
    the site's own offset text in `published_local` and `modified_local`. `export wacz` packages the archive
    as a WACZ file."""
    if ctx.invoked_subcommand is not None:  # the group's options are for the articles, not for `wacz`
        return
    from archive.config import ConfigError
    from archive.export import ExportError, export_articles
    from archive.export_versions import export_versions
    from archive.index import default_db_path
    from archive.outfile import check_target
    from archive.search import SearchError

    check_window(since, until)
    out = output or "-"
    if out != "-":
        check_target(out)
    if out == "-" and fmt == "csv" and sys.stdout.isatty():  # JSON lines escape controls themselves
        out = _PrintableText(sys.stdout)
    if versions and query is not None:
        fail("--versions exports every version of the filtered articles: --query is for articles", 2)
    try:
        if versions:
            written = export_versions(default_db_path(data_dir), fmt, out, site=site, author=author, since=since,
                                      until=until, access=access)
        else:
            written = export_articles(default_db_path(data_dir), fmt, out, query=query, site=site,
                                      author=author, since=since, until=until, access=access)
    except (ExportError, SearchError, ConfigError, FileNotFoundError) as exc:
        fail(exc, 2)
    except BrokenPipeError:  # `| head`
        sys.stderr.close()
        sys.exit(0)
    if output and output != "-":
        click.echo(f"wrote {written:,} {'versions' if versions else 'articles'} to {output}", err=True)


class _PrintableText:
    """A text stream for a terminal: CSV fields of page text, with visible escapes for control characters."""

    def __init__(self, out):
        self.out = out

    def write(self, text: str) -> int:
        return self.out.write(printable(text))

    def isatty(self) -> bool:
        return True


@export.command("wacz")
@click.option("--crawl", "crawl_id", default=None, help="Only this crawl (an id from the crawls table).")
@click.option("--site", default=None, type=SITE, help="Only this site's articles (kyodo, inakoran).")
@click.option("--since", default=None, type=DATE, metavar="DATE",
              help="Only articles published on or after DATE: YYYY-MM-DD (a UTC day) or an ISO 8601 time.")
@click.option("--until", default=None, type=DATE, metavar="DATE",
              help="Only articles published on or before DATE: YYYY-MM-DD includes that whole UTC day.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .wacz file to write.")
@click.option("--title", default=None, help="Title of the package and its page list.")
@data_option
def export_wacz_command(crawl_id, site, since, until, output, title, data_dir):
    """Package WARC files and a page list of the articles as a WACZ file (the WARC files stay in place).
    With --site/--since/--until, only the WARC files holding those articles, the requisites they needed,
    the main page and the originals of revisits."""
    from archive.outfile import check_target
    from archive.wacz import ExportError, export_wacz

    check_window(since, until)
    check_target(output)  # before the WARC files are verified, which takes a while
    try:
        result = export_wacz(data_dir, output, crawl_id=crawl_id, title=title, site=site, since=since, until=until)
    except ExportError as exc:
        fail(exc)
    click.echo(f"wrote {result.path} ({result.path.stat().st_size:,} bytes): "
               f"{len(result.warc_files)} WARC file(s), {result.pages} page(s)")


@export.command("bagit")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="The bag's directory: new, or empty.")
@data_option
def export_bagit_command(output, data_dir):
    """Package the archive as a BagIt bag for transfer: the WARC files, their CDXJ, the fixity manifest and a
    consistent copy of index.db, with bag-info.txt (Source-Organization: [operator] name of
    DATA/newsarchive.toml, else $NEWSARCHIVE_OPERATOR). The archive is left as it is; a WARC file changed
    after it was closed stops the export."""
    from archive.bagit_export import BagExportError, check_bag_target, export_bagit
    from archive.config import ConfigError, load as load_config
    from crawler.settings import WARC_OPERATOR

    try:
        operator = load_config(data_dir).name or WARC_OPERATOR
    except ConfigError as exc:
        fail(exc)
    try:
        check_bag_target(output)
        result = export_bagit(data_dir, output, operator=operator or None,
                              progress=lambda line: click.echo(line, err=True))
    except BagExportError as exc:
        fail(exc)
    click.echo(f"wrote the bag {result.path}: {result.warc_files} WARC file(s), {result.payload_files} payload "
               f"file(s), {result.payload_bytes:,} bytes")
    if result.unlisted:
        click.echo(f"note: {len(result.unlisted)} WARC file(s) had no line in the fixity manifest "
                   "(`newsarchive verify --record-fixity`); the bag's own manifest covers them", err=True)


COMMANDS = (search, show, history, stats, export)

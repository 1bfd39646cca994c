"""`newsarchive reindex`, `newsarchive report`, `newsarchive serve`: rebuilding, summarising and publishing
the index. Thin shells over `crawler.reindex.reindex`, `archive.report.write_report`, `archive.serve.serve`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler import cli


def _register(command: click.Command) -> click.Command:
    if command.name not in cli.main.commands:
        cli.main.add_command(command)
    return command


@click.command()
@click.option("--warc", "warc_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="WARC directory to read (default: DATA/warc).")
@click.option("--workers", type=int, default=None, help="Parser processes (default: one per CPU).")
@cli.max_body_option
@cli.data_option
def reindex(warc_dir, workers, max_body_mb, data_dir):
    """Rebuild the index (DATA/index.db) from the WARC files alone, re-running the parsers.

    The new index is built beside the old one and replaces it in one rename. Crawl rows and fetch errors,
    which the WARC files do not (fully) record, are carried over from the old index.
    """
    from archive.reindex import ReindexError
    from crawler.reindex import reindex as run_reindex

    try:
        progress = (lambda line: click.echo(line, err=True)) if sys.stderr.isatty() else None
        report = run_reindex(data_dir, warc_dir=warc_dir, workers=workers, progress=progress,
                             max_body_bytes=max_body_mb << 20)
    except ReindexError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(report.summary())
    sys.exit(1 if report.problems else 0)


@click.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@cli.data_option
def report(output, data_dir):
    """Write a one-page HTML report of the index: articles per day per site (gaps highlighted), access
    states, crawl runs and fetch errors. Self-contained: no scripts, fonts or images from elsewhere."""
    from archive.index import default_db_path
    from archive.report import write_report

    try:
        path = write_report(default_db_path(data_dir), output)
    except FileNotFoundError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")


@click.command()
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default serves this machine only; 0.0.0.0 serves the network.")
@cli.data_option
def serve(port, host, data_dir):
    """Browse and query the index in Datasette (read-only), with facets, full-text search and canned queries."""
    from archive.index import default_db_path
    from archive.serve import serve as run_serve

    db_path = Path(default_db_path(data_dir))
    if not db_path.exists():
        click.echo(f"error: no index at {db_path}: run `newsarchive crawl` or `newsarchive demo` first", err=True)
        sys.exit(2)
    sys.exit(run_serve(db_path, port=port, host=host))


for _command in (reindex, report, serve):
    _register(_command)

"""`newsarchive reindex`, `report`, `serve` and `verify`: rebuilding, summarising, publishing and checking the
archive. Thin shells over `crawler.reindex.reindex`, `archive.report.write_report`, `archive.serve.serve` and
`archive.verify.verify_archive`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.errors import fail
from crawler.cli.options import data_option, max_body_option
from crawler.cli.params import count


@click.command()
@click.option("--warc", "warc_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="WARC directory to read (default: DATA/warc).")
@click.option("--workers", type=count(1, 1024), default=None, help="Parser processes (default: one per CPU).")
@click.option("--accept-loss", is_flag=True,
              help="Replace the old index even when the new one lacks articles or captures it holds.")
@max_body_option
@data_option
def reindex(warc_dir, workers, accept_loss, max_body_mb, data_dir):
    """Rebuild the index (DATA/index.db) from the WARC files alone, re-running the parsers.

    The new index is built beside the old one and replaces it in one rename, unless it lacks an article or
    capture the old one holds (damaged WARC records, a --warc directory with fewer files): then the old one
    is kept and the exit status is 1, unless --accept-loss. Damaged ranges of WARC files are skipped and
    listed. Crawl rows and fetch errors, which the WARC files do not (fully) record, are carried over from
    the old index. A crawl running stops it (exit 75); crawls started meanwhile stop.
    """
    from archive.indexlock import BUSY_EXIT
    from archive.reindex import ReindexBusy, ReindexError, ReindexLoss
    from crawler.reindex import reindex as run_reindex

    try:
        progress = (lambda line: click.echo(line, err=True)) if sys.stderr.isatty() else None
        report = run_reindex(data_dir, warc_dir=warc_dir, workers=workers, progress=progress,
                             accept_loss=accept_loss, max_body_bytes=max_body_mb << 20)
    except ReindexBusy as exc:
        fail(exc, BUSY_EXIT)
    except ReindexLoss as exc:
        click.echo(exc.report.summary())
        fail(f"{exc}; run again with --accept-loss to replace it anyway", 1)
    except ReindexError as exc:
        fail(exc)
    click.echo(report.summary())
    sys.exit(1 if report.problems or report.damaged else 0)


@click.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@data_option
def report(output, data_dir):
    """Write a one-page HTML report of the index: articles per day per site (gaps highlighted, the days
    crawls ran beneath), access states, crawl runs, crawl health (open alarms, latest findings), what recent
    crawls missed and fetch errors. Self-contained: no scripts, fonts or images from elsewhere."""
    from archive.index import default_db_path
    from archive.outfile import check_target
    from archive.report import write_report

    check_target(output)
    try:
        path = write_report(default_db_path(data_dir), output)
    except FileNotFoundError as exc:
        fail(exc)
    click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")


@click.command()
@click.option("--port", type=count(1, 65535), default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default serves this machine only; 0.0.0.0 serves the network.")
@click.option("--replay-port", type=count(1, 65535), default=8002, show_default=True,
              help="Port of pywb, replaying the archived pages (always on 127.0.0.1: this machine only).")
@click.option("--no-replay", is_flag=True, help="Do not start pywb.")
@data_option
def serve(port, host, replay_port, no_replay, data_dir):
    """Browse and query the index in Datasette (read-only), with facets, full-text search and canned queries.

    Beside it pywb (`newsarchive replay install`) replays the archived pages from the WARC files, each capture
    by its time. Without pywb Datasette runs anyway. Both read what was archived when serve started: rows and
    WARC files a crawl writes later are shown and replayed after a restart."""
    from archive import serve as serving
    from archive.index import Index, default_db_path
    from archive.replay import ReplayPortInUse

    db_path = Path(default_db_path(data_dir))
    if not db_path.exists():
        fail(f"no index at {db_path}: run `newsarchive crawl` or `newsarchive demo` first")
    if not no_replay and replay_port == port:
        fail(f"--replay-port {replay_port} is Datasette's --port: choose another")
    Index(db_path, readonly=True).close()  # a damaged or foreign file is said here, not in Datasette's pages
    try:
        status = serving.serve(db_path, port=port, host=host, replay=not no_replay, replay_port=replay_port)
    except ReplayPortInUse as exc:
        fail(exc)
    sys.exit(status)


@click.command()
@click.option("--record-fixity", is_flag=True,
              help="Add the missing lines of DATA/warc/manifest-sha256.txt (files closed before manifests were "
                   "kept) for the files whose records verify. It trusts each such file as it is now: only a "
                   "change made after this run is found later.")
@max_body_option
@data_option
def verify(record_fixity, max_body_mb, data_dir):
    """Check every WARC file (framing, digests, headers vs stored body, CDXJ, its SHA-256 against the fixity
    manifest taken when it closed), the index (SQLite and full-text integrity), every index row's link to
    its record, and that every archived response and article has its rows; exit 1 on any fault."""
    from archive.verify import verify_archive
    from crawler.reindex import parse_for_index

    try:
        report = verify_archive(data_dir, parse=parse_for_index, max_body_bytes=max_body_mb << 20,
                                record_fixity=record_fixity)
    except FileNotFoundError as exc:
        fail(exc)
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


COMMANDS = (reindex, report, serve, verify)

"""Articles out of the index as JSON lines, CSV or Parquet: the Python twin of `newsarchive export`.

Streaming: one cursor read in chunks of `chunk_size` rows, each chunk written before the next is read
(Parquet: one row group per chunk), so memory stays flat however large the archive. Rows come in id
order (the order articles were first indexed). With `query` only articles matching that FTS5 query are
exported (all of them, unranked).

Every row carries its capture's `replay_url` (archive.replay.replay_url under `[replay] url` of the archive's
newsarchive.toml) beside its `record_id`. `export_versions` (archive/export_versions.py) writes every version.
Parquet times are typed: each time column is a `timestamp(tz="UTC")` (milliseconds for the sites' dates, microseconds
for capture times); the site's own offset text of `published` and `modified` stays in Parquet-only string
columns `published_local` and `modified_local` (JSON lines and CSV keep the text as the index holds it).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import IO, Any, Iterator

from archive.index import Index, decode_row
from archive.replay import replay_url
from archive.outfile import atomic_output
from archive.fulltext import has_stems
from archive.search import Filters, SearchError, check_query, fts_error, fts_query
from archive.terminal import json_text
from archive.times import parse_time

FORMATS = ("jsonl", "csv", "parquet")

COLUMNS = ("id", "url", "canonical_url", "site", "language", "title", "authors", "credit", "published",
           "published_utc", "modified", "date_source", "categories", "dateline", "lead", "body", "images",
           "access", "word_count", "parser", "parser_version", "warnings", "fetched_at", "first_seen",
           "last_seen", "crawl_id", "capture_id", "warc_file", "warc_offset", "warc_length", "record_id",
           "replay_url")
SELECTED = COLUMNS[:-1]  # read from `articles`; replay_url is made from the capture's URL and time
INTEGER_COLUMNS = ("id", "word_count", "capture_id", "warc_offset", "warc_length", "version", "version_id",
                   "article_id")
STRING_LIST_COLUMNS = ("authors", "categories", "warnings")  # Parquet list<string>; other JSON columns: JSON text
# Parquet: time columns typed, with their unit; the sites' dates keep their offset text in a `_local` column.
# Parquet has no second unit (pyarrow stores timestamp("s") as milliseconds): the sites' dates, given to the
# second, are milliseconds; capture times (WARC-Date may carry microseconds) microseconds.
TIME_COLUMNS = {"published": "ms", "published_utc": "ms", "version_published": "ms", "modified": "ms",
                "fetched_at": "us", "first_seen": "us", "last_seen": "us"}
LOCAL_COLUMNS = ("published", "version_published", "modified")


def parquet_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The Parquet file's columns: `columns`, then `published_local` / `modified_local` for those it has."""
    return (*columns, *(f"{name}_local" for name in LOCAL_COLUMNS if name in columns))


PARQUET_COLUMNS = parquet_columns(COLUMNS)


class ExportError(ValueError):
    """An export that cannot run as asked; the message is one line."""


def export_articles(db_path: str | Path, fmt: str, out: str | Path | IO, query: str | None = None,
                    site: str | None = None, author: str | None = None, since: str | date | None = None,
                    until: str | date | None = None, access: str | None = None, chunk_size: int = 1000,
                    replay_base: str | None = None) -> int:
    """Write the articles passing the filters to `out` (a path, "-" for stdout, or an open file: text for
    jsonl/csv, binary for parquet); returns the number of rows written. List fields are JSON arrays in
    jsonl, JSON text in csv; in Parquet `authors`, `categories` and `warnings` are lists of strings,
    `images` and `date_source` JSON text. `replay_base`: default `[replay] url` of the archive's config."""
    check_format(fmt, out)
    filters = Filters(site=site, author=author, since=since, until=until, access=access)
    if query is not None:
        if not query.strip():
            raise SearchError("empty --query: leave it out to export every article")
        check_query(query)
    base = replay_base or default_replay_base(db_path)
    return write_export(db_path, fmt, out, COLUMNS,
                        lambda conn: with_replay_urls(iter_chunks(conn, filters, query, chunk_size), base))


def default_replay_base(db_path: str | Path) -> str:
    from archive.config import load

    return load(Path(db_path).parent).replay_url


def check_format(fmt: str, out: Any) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    if fmt == "parquet" and (out == "-" or (not isinstance(out, (str, Path)) and _is_tty(out))):
        raise ExportError("parquet is a binary format: give an output file with -o FILE")


def write_export(db_path: str | Path, fmt: str, out: str | Path | IO, columns: tuple[str, ...], read) -> int:
    """Open the index, `read(conn)` its chunks of records (dicts of `columns`) and write them in `fmt`."""
    index = Index(db_path, readonly=True)
    with ExitStack() as stack:
        stack.callback(index.close)
        chunks = read(index.conn)
        first = next(chunks, [])  # runs the query: a bad FTS query fails before any file is created
        if isinstance(out, (str, Path)) and str(out) != "-":  # the file appears whole or not at all
            binary = fmt == "parquet"
            out = stack.enter_context(atomic_output(out, "wb" if binary else "w", newline="" if fmt == "csv" else None,
                                                    encoding=None if binary else "utf-8"))
        elif out == "-":
            out = sys.stdout
        writer = {"jsonl": _write_jsonl, "csv": _write_csv, "parquet": _write_parquet}[fmt]
        return writer(_chain(first, chunks), out, columns)


def iter_chunks(conn: sqlite3.Connection, filters: Filters, query: str | None = None,
                chunk_size: int = 1000) -> Iterator[list[sqlite3.Row]]:
    """Rows of `articles` (SELECTED and the capture's URL as `capture_url`, JSON columns still as JSON text) in id
    order, `chunk_size` at a time."""
    conditions, params = filters.where(conn)
    columns = ", ".join(f"a.{c}" for c in SELECTED) + ", (SELECT c.url FROM captures c WHERE c.id = a.capture_id)"
    if query is not None and query.strip():
        sql = (f"SELECT {columns} FROM articles_fts f JOIN articles a ON a.id = f.rowid "
               f"WHERE articles_fts MATCH ?{''.join(' AND ' + c for c in conditions)} ORDER BY f.rowid")
        params = [fts_query(query, stems=has_stems(conn)), *params]
    elif query is not None:
        raise SearchError("empty --query: leave it out to export every article")
    else:
        sql = f"SELECT {columns} FROM articles a{' WHERE ' + ' AND '.join(conditions) if conditions else ''} ORDER BY a.id"
    try:
        cursor = conn.execute(sql, params)
        while True:
            rows = cursor.fetchmany(chunk_size)
            if not rows:
                return
            yield rows
    except sqlite3.OperationalError as exc:
        if query is None:
            raise
        raise fts_error(query, exc) from None


def with_replay_urls(chunks: Iterator[list], base: str) -> Iterator[list[dict[str, Any]]]:
    """Each row as a dict, `capture_url` (the last column) turned into `replay_url`."""
    for rows in chunks:
        records = []
        for row in rows:
            record = dict(zip(SELECTED, tuple(row)[:-1]))
            capture_url = tuple(row)[-1] or record["url"]
            record["replay_url"] = replay_url(base, capture_url, record["fetched_at"]) if record["fetched_at"] else None
            records.append(record)
        yield records


def _chain(first: list, rest: Iterator[list]) -> Iterator[list]:
    if first:
        yield first
        yield from rest


def _is_tty(stream: Any) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _write_jsonl(chunks: Iterator[list[dict]], out: IO[str], columns: tuple[str, ...]) -> int:
    written = 0
    for rows in chunks:
        out.write("".join(json_text(decode_row(row)) + "\n" for row in rows))
        written += len(rows)
    return written


def _write_csv(chunks: Iterator[list[dict]], out: IO[str], columns: tuple[str, ...]) -> int:
    writer = csv.writer(out)
    writer.writerow(columns)
    written = 0
    for rows in chunks:  # JSON columns are stored as JSON text: written as they are
        writer.writerows([row[name] for name in columns] for row in rows)
        written += len(rows)
    return written


def parquet_schema(columns: tuple[str, ...] = COLUMNS):
    import pyarrow as pa

    def kind(name: str):
        if name in INTEGER_COLUMNS:
            return pa.int64()
        if name in STRING_LIST_COLUMNS:
            return pa.list_(pa.string())
        if name in TIME_COLUMNS:
            return pa.timestamp(TIME_COLUMNS[name], tz="UTC")
        return pa.string()

    return pa.schema([(name, kind(name)) for name in parquet_columns(columns)])


def parquet_time(text: str | None, unit: str):
    """A stored time as an aware datetime for a Parquet timestamp; None when it is missing, unreadable or
    names no moment (no offset: published_utc is None for it too)."""
    moment = parse_time(text, default_zone=None)
    if moment is None or moment.tzinfo is None:
        return None
    return moment if unit == "us" else moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _write_parquet(chunks: Iterator[list[dict]], out: IO[bytes], columns: tuple[str, ...]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(columns)
    written = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for rows in chunks:
            values = {name: [] for name in schema.names}
            for row in rows:
                for name in columns:
                    value = row[name]
                    if name in STRING_LIST_COLUMNS and value is not None:
                        value = _string_list(json.loads(value))
                    elif name in TIME_COLUMNS:
                        value = parquet_time(value, TIME_COLUMNS[name])
                    values[name].append(value)
                for name in LOCAL_COLUMNS:
                    if name in columns:
                        values[f"{name}_local"].append(row[name])
            writer.write_batch(pa.record_batch([pa.array(values[n], type=schema.field(n).type) for n in schema.names],
                                               schema=schema))
            written += len(rows)
    return written


def _string_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in value]
    return [value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)]

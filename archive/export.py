"""Articles out of the index as JSON lines, CSV or Parquet: the Python twin of `newsarchive export`.

Streaming: one cursor read in chunks of `chunk_size` rows, each chunk written before the next is read
(Parquet: one row group per chunk), so memory stays flat however large the archive. Rows come in id
order (the order articles were first indexed). With `query` only articles matching that FTS5 query are
exported (all of them, unranked).
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
from archive.outfile import atomic_output
from archive.fulltext import has_stems
from archive.search import Filters, SearchError, check_query, fts_error, fts_query
from archive.terminal import json_text

FORMATS = ("jsonl", "csv", "parquet")

COLUMNS = ("id", "url", "canonical_url", "site", "language", "title", "authors", "credit", "published",
           "published_utc", "modified", "date_source", "categories", "dateline", "lead", "body", "images",
           "access", "word_count", "parser", "parser_version", "warnings", "fetched_at", "first_seen",
           "last_seen", "crawl_id", "capture_id", "warc_file", "warc_offset", "warc_length", "record_id")
INTEGER_COLUMNS = ("id", "word_count", "capture_id", "warc_offset", "warc_length")
STRING_LIST_COLUMNS = ("authors", "categories", "warnings")  # Parquet list<string>; other JSON columns: JSON text


class ExportError(ValueError):
    """An export that cannot run as asked; the message is one line."""


def export_articles(db_path: str | Path, fmt: str, out: str | Path | IO, query: str | None = None,
                    site: str | None = None, author: str | None = None, since: str | date | None = None,
                    until: str | date | None = None, access: str | None = None, chunk_size: int = 1000) -> int:
    """Write the articles passing the filters to `out` (a path, "-" for stdout, or an open file: text for
    jsonl/csv, binary for parquet); returns the number of rows written. List fields are JSON arrays in
    jsonl, JSON text in csv; in Parquet `authors`, `categories` and `warnings` are lists of strings,
    `images` and `date_source` JSON text."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    if fmt == "parquet" and (out == "-" or (not isinstance(out, (str, Path)) and _is_tty(out))):
        raise ExportError("parquet is a binary format: give an output file with -o FILE")
    filters = Filters(site=site, author=author, since=since, until=until, access=access)
    if query is not None:
        if not query.strip():
            raise SearchError("empty --query: leave it out to export every article")
        check_query(query)
    index = Index(db_path, readonly=True)
    with ExitStack() as stack:
        stack.callback(index.close)
        chunks = iter_chunks(index.conn, filters, query, chunk_size)
        first = next(chunks, [])  # runs the query: a bad FTS query fails before any file is created
        if isinstance(out, (str, Path)) and str(out) != "-":  # the file appears whole or not at all
            binary = fmt == "parquet"
            out = stack.enter_context(atomic_output(out, "wb" if binary else "w", newline="" if fmt == "csv" else None,
                                                    encoding=None if binary else "utf-8"))
        elif out == "-":
            out = sys.stdout
        writer = {"jsonl": _write_jsonl, "csv": _write_csv, "parquet": _write_parquet}[fmt]
        return writer(_chain(first, chunks), out)


def iter_chunks(conn: sqlite3.Connection, filters: Filters, query: str | None = None,
                chunk_size: int = 1000) -> Iterator[list[sqlite3.Row]]:
    """Rows of `articles` (COLUMNS, JSON columns still as JSON text) in id order, `chunk_size` at a time."""
    conditions, params = filters.where(conn)
    columns = ", ".join(f"a.{c}" for c in COLUMNS)
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


def _chain(first: list, rest: Iterator[list]) -> Iterator[list]:
    if first:
        yield first
        yield from rest


def _is_tty(stream: Any) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _write_jsonl(chunks: Iterator[list], out: IO[str]) -> int:
    written = 0
    for rows in chunks:
        out.write("".join(json_text(decode_row(row)) + "\n" for row in rows))
        written += len(rows)
    return written


def _write_csv(chunks: Iterator[list], out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    written = 0
    for rows in chunks:  # JSON columns are stored as JSON text: written as they are
        writer.writerows(tuple(row) for row in rows)
        written += len(rows)
    return written


def parquet_schema():
    import pyarrow as pa

    def kind(name: str):
        if name in INTEGER_COLUMNS:
            return pa.int64()
        if name in STRING_LIST_COLUMNS:
            return pa.list_(pa.string())
        return pa.string()

    return pa.schema([(name, kind(name)) for name in COLUMNS])


def _write_parquet(chunks: Iterator[list], out: IO[bytes]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    written = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for rows in chunks:
            columns = {name: [] for name in COLUMNS}
            for row in rows:
                for name in COLUMNS:
                    value = row[name]
                    if name in STRING_LIST_COLUMNS and value is not None:
                        value = _string_list(json.loads(value))
                    columns[name].append(value)
            writer.write_batch(pa.record_batch([pa.array(columns[n], type=schema.field(n).type) for n in COLUMNS],
                                               schema=schema))
            written += len(rows)
    return written


def _string_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in value]
    return [value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)]

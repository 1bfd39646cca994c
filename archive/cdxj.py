"""A sorted CDXJ index beside each closed WARC file: `NAME.warc.gz` -> `NAME.cdxj`.

Written with the cdxj-indexer library (the indexer pywb and py-wacz use), so the lines are what replay tools
expect: SURT url key, 14-digit timestamp, then JSON with url, mime, status, digest, and the offset and length
of the record's gzip member in the file.

Which records get a line: response, revisit, resource and metadata (a resource or metadata record of type
`application/warc-fields` excepted), the same set cdxj-indexer and pywb's `wb-manager add` index. Request
records get no line: a request line carries the same url key and timestamp as its response and sorts
before it, and pywb, given such an index, picks the request record and fails the replay (HTTP 500, checked
with pywb 2.10). The request is still reachable: it follows its response and names it in
`WARC-Concurrent-To`. A 304 response (the answer to a conditional request,
crawler/downloadermiddlewares/conditional.py) gets no line either: pywb replays such a record as an empty 304
rather than skipping to the capture it confirmed, and the Internet Archive's CDX-Writer leaves 304s out for
the same reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from cdxj_indexer.main import CDXJIndexer

INDEXED_TYPES = ("response", "revisit", "resource", "metadata")
SKIPPED_CONTENT_TYPE = "application/warc-fields"
NOT_MODIFIED = "304"


class _Indexer(CDXJIndexer):
    # Decided here, not by CDXJIndexer.DEFAULT_RECORDS: importing py-wacz appends "warcinfo" to that
    # class-level list, which would change this index depending on what else the process imported.
    def filter_record(self, record):
        status = record.http_headers.get_statuscode() if record.http_headers is not None else None
        return gets_a_line(record.rec_type, record.rec_headers.get_header("Content-Type"), status)


def gets_a_line(rec_type: str, content_type: str | None, status: str | None) -> bool:
    """Whether a record of this WARC type, WARC Content-Type and HTTP status gets a CDXJ line."""
    if rec_type not in INDEXED_TYPES:
        return False
    if rec_type in ("resource", "metadata"):
        return content_type != SKIPPED_CONTENT_TYPE
    return not (rec_type == "response" and status == NOT_MODIFIED)


def cdxj_path(warc_path: str | os.PathLike) -> Path:
    """`dir/NAME.warc.gz` (or `NAME.warc`) -> `dir/NAME.cdxj`."""
    path = Path(warc_path)
    name = path.name
    for suffix in (".warc.gz", ".warc"):
        if name.endswith(suffix):
            return path.with_name(name[: -len(suffix)] + ".cdxj")
    raise ValueError(f"not a WARC file name: {name}")


def write_cdxj(warc_path: str | os.PathLike) -> Path:
    """Index one WARC file into a sorted CDXJ file beside it (written to a temporary name, then renamed).

    The `filename` field of each line is the WARC's base name, so the pair can be copied anywhere together.
    The records are read through archive.records, so a damaged gzip member costs its own record's line only;
    cdxj-indexer reading the file itself stops at it, silently. The lines are cdxj-indexer's (`CdxjLines`).
    """
    from archive.records import WarcRecords

    warc_path = Path(warc_path)
    lines = CdxjLines()
    for at in WarcRecords(warc_path):
        lines.add(at.record, warc_path.name, at.offset, at.length)
    return lines.save(warc_path)


def _save(target: Path, write: Callable[[TextIO], None]) -> Path:
    partial = target.with_name(target.name + ".partial")
    try:
        with open(partial, "w", encoding="utf-8") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return target


@dataclass(frozen=True)
class _Position:
    """What cdxj-indexer asks its record iterator: where the record's gzip member starts, and its length."""

    offset: int
    length: int

    def get_record_offset(self) -> int:
        return self.offset

    def get_record_length(self) -> int:
        return self.length


class CdxjLines:
    """The CDXJ lines of a WARC file, gathered while it is written, so closing it needs no second pass.

    Each record is indexed by cdxj-indexer's own code (`_Indexer`) from the record object just written and
    its position in the file: the lines are those `write_cdxj` would read back (a test compares both on
    every kind of record the crawl writes). Re-reading took about a third of the writer's time, and on a
    1 GB rotation it stalled the crawl's WARC writes for seconds. Memory: one line (~350 bytes) per indexed
    record of the open file, bounded by the file's size limit.
    """

    def __init__(self) -> None:
        self._indexer = _Indexer(None, [], sort=True)
        self._lines: list[str] = []

    def add(self, record, filename: str, offset: int, length: int) -> None:
        """Index one record written at `offset` with `length` bytes, if cdxj-indexer would index it."""
        if self._indexer.filter_record(record):
            self._indexer.curr_filename = filename
            self._indexer.process_index_entry(_Position(offset, length), record, filename, self)

    def write(self, line: str) -> None:  # the indexer's output
        self._lines.append(line)

    def sorted_lines(self) -> list[str]:
        """The lines gathered so far, sorted as in the CDXJ file."""
        return sorted(self._lines)

    def save(self, warc_path: str | os.PathLike) -> Path:
        """Write the sorted lines beside the (closed) WARC file, as `write_cdxj` does; start afresh."""
        lines, self._lines = self.sorted_lines(), []
        return _save(cdxj_path(warc_path), lambda out: out.writelines(lines))


def read_cdxj(path: str | os.PathLike) -> list[tuple[str, str, dict]]:
    """(url key, timestamp, fields) for every line of a CDXJ file; offset and length as ints."""
    import json

    lines = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("!"):
                continue
            key, timestamp, data = line.rstrip("\n").split(" ", 2)
            fields = json.loads(data)
            for name in ("offset", "length"):
                if name in fields:
                    fields[name] = int(fields[name])
            lines.append((key, timestamp, fields))
    return lines

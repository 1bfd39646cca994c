"""Checks that the archive is sound: every WARC record frames and digests correctly, and every index row
points at the response record it claims. The Python twin of `newsarchive verify`.

`warcio check` alone passes a file cut inside its last record and records without digests, so framing
(every gzip member read to its end, the last one ending exactly at end of file) is checked here too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.index import Index
from archive.members import scan_members

DIGESTED_TYPES = {"response", "request", "resource", "metadata"}


@dataclass
class WarcReport:
    path: str
    records: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def verify_warc(path: str | os.PathLike) -> WarcReport:
    report = WarcReport(str(path))
    size = os.path.getsize(path)
    if str(path).endswith(".gz") or str(path).endswith(".gz.open"):
        problem = scan_members(path).problem
        if problem:
            report.problems.append(problem)
    try:
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh, check_digests=True)
            end = 0
            for record in records:
                offset = records.get_record_offset()
                rec_type = record.rec_type
                report.records += 1
                report.by_type[rec_type] = report.by_type.get(rec_type, 0) + 1
                if report.records == 1 and rec_type != "warcinfo":
                    report.problems.append("first record is not warcinfo")
                stream = record.content_stream()
                while stream.read(1 << 20):
                    pass
                if rec_type in DIGESTED_TYPES and not record.rec_headers.get_header("WARC-Block-Digest"):
                    report.problems.append(f"{rec_type} record at {offset} has no WARC-Block-Digest")
                if rec_type == "response" and not record.rec_headers.get_header("WARC-Payload-Digest"):
                    report.problems.append(f"response record at {offset} has no WARC-Payload-Digest")
                if record.digest_checker.passed is False:
                    report.problems.extend(f"record at {offset}: {p}" for p in record.digest_checker.problems)
                records.read_to_end(record)
                end = offset + records.get_record_length()
            if report.records and end != size:
                report.problems.append(f"file has {size - end} bytes after the last complete record (truncated?)")
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        report.problems.append(f"unreadable after {report.records} records: {type(exc).__name__}: {exc}")
    if report.records == 0:
        report.problems.append("no records")
    return report


def verify_index_links(index: Index, warc_dir: str | os.PathLike) -> list[str]:
    """Every article row's (file, offset) must hold the response record with the row's record id and URL."""
    problems: list[str] = []
    warc_dir = Path(warc_dir)
    handles: dict[str, object] = {}
    try:
        for row in index.conn.execute("SELECT id, url, warc_file, warc_offset, record_id FROM articles"):
            path = warc_dir / row["warc_file"]
            if not path.exists():
                problems.append(f"article {row['id']}: WARC file {row['warc_file']} is missing")
                continue
            fh = handles.get(row["warc_file"]) or handles.setdefault(row["warc_file"], open(path, "rb"))
            fh.seek(row["warc_offset"])
            try:
                record = next(iter(ArchiveIterator(fh)))
            except (StopIteration, ArchiveLoadFailed) as exc:
                problems.append(f"article {row['id']}: no record at {row['warc_file']}:{row['warc_offset']} ({exc})")
                continue
            headers = record.rec_headers
            if record.rec_type != "response":
                problems.append(f"article {row['id']}: record at offset is {record.rec_type}, not response")
            elif headers.get_header("WARC-Record-ID") != row["record_id"]:
                problems.append(f"article {row['id']}: record id differs at {row['warc_file']}:{row['warc_offset']}")
            elif headers.get_header("WARC-Target-URI") != row["url"]:
                problems.append(f"article {row['id']}: record is for {headers.get_header('WARC-Target-URI')}, "
                                f"row says {row['url']}")
    finally:
        for fh in handles.values():
            fh.close()
    return problems

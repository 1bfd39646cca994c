"""Checks that the archive is sound. `verify_archive` is the Python twin of `newsarchive verify`.

Per WARC file: framing to the last byte (every gzip member inflated and CRC-checked, the last one ending
exactly at end of file: `warcio check` alone passes a file cut inside its last record), block and payload
digests, HTTP headers that describe the stored payload (`archive.httpcheck`), a CDXJ index beside it that
matches it. Across the archive: no file left `.open`, every revisit refers to a response held in the
archive, and every index row (articles, captures) points at the record it names, for its URL, at its
offset and length (requisite captures like any other). An article page whose image has neither a capture
nor a `fetch_errors` row is a "missing requisite" warning, not a fault (archive/requisites.py). The index
itself: archive/verify_index.py (SQLite and FTS5 integrity, and every archived
response and article having its rows).

A damaged range of a WARC file (archive/members.py) is one fault, naming the file, the byte range, why, and
what the index and the CDXJ say it held; the records after it are read and checked like any others, and
rows or CDXJ lines pointing into it are not faults of their own.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from warcio.exceptions import ArchiveLoadFailed

from archive.decoding import MAX_BODY_BYTES
from archive.httpcheck import content_length_problem, encoding_problems
from archive import requisites
from archive.index import REQUISITE, Index, default_db_path
from archive.members import Damage
from archive.records import WarcRecords
from archive.sqlite_files import DatabaseUnreadable
from archive.verify_index import DamageMap, coverage_problems, integrity_problems

DIGESTED_TYPES = {"response", "request", "resource", "metadata"}
BODILESS_STATUSES = {204, 304}


@dataclass(frozen=True)
class RecordRef:
    """Where a record is, as found by reading the file (not as anyone claims)."""

    warc_file: str
    offset: int
    length: int
    rec_type: str
    url: str | None
    payload_digest: str | None
    content_type: str | None
    refers_to: str | None = None
    status: str | None = None  # HTTP status of a response or revisit record
    date: str | None = None  # WARC-Date
    truncated: bool = False  # WARC-Truncated: the crawler did not parse it


@dataclass
class WarcReport:
    path: str
    records: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # damaged ranges included, in words
    warnings: list[str] = field(default_factory=list)
    damaged: list[Damage] = field(default_factory=list)


def _ref(name: str, offset: int, length: int, record) -> RecordRef:
    headers = record.rec_headers
    return RecordRef(
        name, offset, length, record.rec_type, headers.get_header("WARC-Target-URI"),
        headers.get_header("WARC-Payload-Digest"), headers.get_header("Content-Type"),
        headers.get_header("WARC-Refers-To"),
        record.http_headers.get_statuscode() if record.http_headers else None,
        headers.get_header("WARC-Date"), bool(headers.get_header("WARC-Truncated")))


def verify_warc(path: str | os.PathLike, registry: dict[str, RecordRef] | None = None,
                max_body_bytes: int = MAX_BODY_BYTES) -> WarcReport:
    """Check one WARC file. With `registry`, every record read is added to it, keyed by WARC-Record-ID.
    A payload larger than `max_body_bytes`, or decoding to more, is digest- and length-checked only (a
    warning says so): a decompression bomb must not take the memory of the machine that verifies it."""
    report = WarcReport(str(path))
    name = Path(path).name
    pending_length: dict[str, str] = {}  # response record id -> Content-Length problem, unless it was HEAD
    records = WarcRecords(path, check_digests=True)
    try:
        for at in records:
            record = at.record
            payload, length = _read_payload(record, max_body_bytes)
            offset = at.offset
            rec_type = record.rec_type
            headers = record.rec_headers
            record_id = headers.get_header("WARC-Record-ID")
            report.records += 1
            report.by_type[rec_type] = report.by_type.get(rec_type, 0) + 1
            if offset == 0 and rec_type != "warcinfo":
                report.problems.append("first record is not warcinfo")
            if rec_type in DIGESTED_TYPES and not headers.get_header("WARC-Block-Digest"):
                report.problems.append(f"{rec_type} record at {offset} has no WARC-Block-Digest")
            if rec_type == "response" and not headers.get_header("WARC-Payload-Digest"):
                report.problems.append(f"response record at {offset} has no WARC-Payload-Digest")
            if record.digest_checker.passed is False:
                report.problems.extend(f"record at {offset}: {p}" for p in record.digest_checker.problems)
            if rec_type == "response" and record.http_headers and not headers.get_header("WARC-Truncated"):
                _check_http(record, payload, length, offset, report, pending_length, max_body_bytes)
            if rec_type == "request" and record.http_headers and record.http_headers.protocol == "HEAD":
                pending_length.pop(headers.get_header("WARC-Concurrent-To") or "", None)
            if registry is not None and record_id:
                registry[record_id] = _ref(name, offset, at.length, record)
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        report.problems.append(f"unreadable after {report.records} records: {type(exc).__name__}: {exc}")
    report.damaged = list(records.damaged)
    report.problems.extend(d.describe() for d in report.damaged)
    report.problems.extend(pending_length.values())
    if report.records == 0 and not report.damaged:
        report.problems.append("no records")
    return report


def _read_payload(record, max_size: int) -> tuple[bytes | None, int]:
    """The stored payload (None past `max_size`) and its length; reading it also runs the digest check."""
    chunks: list[bytes] | None = []
    length = 0
    while True:
        chunk = record.raw_stream.read(1 << 20)
        if not chunk:
            break
        length += len(chunk)
        if chunks is not None:
            chunks.append(chunk)
            if length > max_size:
                chunks = None
    return (b"".join(chunks) if chunks is not None else None), length


def _check_http(record, payload: bytes | None, length: int, offset: int, report: WarcReport,
                pending_length: dict[str, str], max_size: int) -> None:
    http = record.http_headers
    headers = list(http.headers)
    where = f"response at {offset} ({record.rec_headers.get_header('WARC-Target-URI')})"
    status = http.get_statuscode()
    status = int(status) if status and status.isdigit() else None
    problem = content_length_problem(headers, length)
    if problem and not (length == 0 and status is not None and (status < 200 or status in BODILESS_STATUSES)):
        if length == 0:  # a HEAD response carries the length of a body it does not send
            pending_length[record.rec_headers.get_header("WARC-Record-ID")] = f"{where}: {problem}"
        else:
            report.problems.append(f"{where}: {problem}")
    problems, warnings = encoding_problems(headers, payload, max_size)
    report.problems.extend(f"{where}: {p}" for p in problems)
    report.warnings.extend(f"{where}: {w}" for w in warnings)


# -- index rows --------------------------------------------------------------------------------------


def build_registry(warc_dir: str | os.PathLike, names: set[str] | None = None) -> dict[str, RecordRef]:
    """Record id -> where the record really is, for the WARC files of `warc_dir` (only `names` if given)."""
    registry: dict[str, RecordRef] = {}
    for path in sorted(Path(warc_dir).glob("*.warc.gz")):
        if names is not None and path.name not in names:
            continue
        for at in WarcRecords(path):
            record_id = at.record.rec_headers.get_header("WARC-Record-ID")
            registry[record_id] = _ref(path.name, at.offset, at.length, at.record)
    return registry


def _table_columns(index: Index, table: str) -> set[str]:
    return {row[1] for row in index.conn.execute(f"PRAGMA table_info({table})")}


def check_index_rows(index: Index, warc_dir: str | os.PathLike, registry: dict[str, RecordRef] | None = None,
                     damage: DamageMap | None = None) -> tuple[dict[str, int], list[str]]:
    """({table: rows checked}, problems): each articles and captures row must name a record that is, in the
    row's file at the row's offset and length, of the expected type, for the row's URL. A row whose record
    lies in a range of `damage` is not a problem of its own: it is noted on that range, as what it held."""
    warc_dir = Path(warc_dir)
    tables = [t for t in ("articles", "captures") if _table_columns(index, t)]
    if registry is None:
        names = {row[0] for t in tables for row in index.conn.execute(f"SELECT DISTINCT warc_file FROM {t}")}
        registry = build_registry(warc_dir, names)
    problems: list[str] = []
    counts: dict[str, int] = {}
    for table in tables:
        columns = _table_columns(index, table)
        wanted = ["id", "url", "warc_file", "warc_offset", "warc_length", "record_id"]
        wanted += [c for c in ("record_type", "revisit_of", "payload_digest") if c in columns]
        counts[table] = 0
        for row in index.conn.execute(f"SELECT {', '.join(wanted)} FROM {table} ORDER BY id"):
            counts[table] += 1
            row = dict(zip(wanted, row))
            label = f"{table} {row['id']}"
            if damage is not None and row["record_id"] not in registry:
                if damage.note(row["warc_file"], row["warc_offset"], f"{label} ({row['url']})"):
                    continue
            expected = (row.get("record_type") or "response") if table == "captures" else "response"
            problem = _row_problem(row, expected, registry, warc_dir)
            if problem and damage is not None and row.get("revisit_of") and row["revisit_of"] not in registry:
                if damage.note_record(index, row["revisit_of"], f"the original of {label} ({row['url']})"):
                    continue
            if problem:
                problems.append(f"{label}: {problem}")
    return counts, problems


def _row_problem(row: dict, expected_type: str, registry: dict[str, RecordRef], warc_dir: Path) -> str | None:
    if not (warc_dir / row["warc_file"]).exists():
        return f"WARC file {row['warc_file']} is missing"
    ref = registry.get(row["record_id"])
    claimed = f"{row['warc_file']}:{row['warc_offset']}+{row['warc_length']}"
    if ref is None:
        return f"record {row['record_id']} is in no WARC file (row says {claimed})"
    actual = f"{ref.warc_file}:{ref.offset}+{ref.length}"
    if actual != claimed:
        return f"row says {claimed}, but record {row['record_id']} is at {actual}"
    if ref.rec_type != expected_type:
        return f"record at {claimed} is {ref.rec_type}, expected {expected_type}"
    if ref.url != row["url"]:
        return f"record at {claimed} is for {ref.url}, row says {row['url']}"
    if row.get("payload_digest") and ref.payload_digest and row["payload_digest"] != ref.payload_digest:
        return f"payload digest {row['payload_digest']} differs from the record's {ref.payload_digest}"
    if row.get("revisit_of"):
        original = registry.get(row["revisit_of"])
        if original is None or original.rec_type != "response":
            return f"revisit_of {row['revisit_of']} is not a response record in the archive"
    return None


def verify_index_links(index: Index, warc_dir: str | os.PathLike) -> list[str]:
    """Problems with index rows (articles and captures) that do not point at their record."""
    return check_index_rows(index, warc_dir)[1]


# -- the whole archive -------------------------------------------------------------------------------


@dataclass
class ArchiveReport:
    data_dir: str
    files: list[WarcReport] = field(default_factory=list)
    open_files: list[str] = field(default_factory=list)
    bytes: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    cdxj_files: int = 0
    index_rows: dict[str, int] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # archive.requisites.captures_by_role and missing_requisites, when the index was read
    roles: dict[str, dict[str, int]] = field(default_factory=dict)
    missing_requisites: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.faults

    def summary(self) -> str:
        records = sum(self.by_type.values())
        lines = [f"archive {self.data_dir}",
                 f"  WARC files   {len(self.files)} ({self.bytes:,} bytes), CDXJ beside {self.cdxj_files}"
                 + (f", {len(self.open_files)} left open" if self.open_files else ""),
                 f"  records      {records:,}"
                 + (": " + ", ".join(f"{t} {n:,}" for t, n in sorted(self.by_type.items())) if records else ""),
                 f"  index rows   {sum(self.index_rows.values()):,} checked"
                 + (": " + ", ".join(f"{t} {n:,}" for t, n in self.index_rows.items()) if self.index_rows else "")]
        if self.roles.get(REQUISITE, {}).get("captures") or self.missing_requisites.get("pages"):
            missing = self.missing_requisites.get("pages", 0)
            lines.append(f"  requisites   {self.roles[REQUISITE]['captures']:,} captured, "
                         f"{self.roles[REQUISITE]['bytes']:,} bytes; missing requisite: {missing:,} article page(s)"
                         + (" (warnings below)" if missing else ""))
        lines += [f"  warning: {w}" for w in self.warnings]
        lines.append(f"  faults       {len(self.faults) or 'none'}")
        lines += [f"  FAULT {f}" for f in self.faults]
        lines.append("OK: archive verified" if self.ok else f"FAILED: {len(self.faults)} fault(s)")
        return "\n".join(lines)


def verify_archive(data_dir: str | os.PathLike, parse=None, max_body_bytes: int = MAX_BODY_BYTES) -> ArchiveReport:
    """Verify every WARC file in DATA/warc, their CDXJ files and the index DATA/index.db.

    `parse` (the parser reindex runs, `crawler.reindex.parse_for_index`; archive/ never imports it) lets the
    check that every archived article response has its articles row read the pages the index has no
    article for (archive/verify_index.py); without it, only the captures rows of the responses are checked.
    Bodies larger than `max_body_bytes` (or decoding to more) are not decoded: see `verify_warc`."""
    from archive.cdxj import cdxj_path, gets_a_line, read_cdxj

    data_dir = Path(data_dir)
    warc_dir = data_dir / "warc"
    db_path = default_db_path(data_dir)
    if not warc_dir.is_dir() and not db_path.exists():
        raise FileNotFoundError(f"no archive at {data_dir} (neither {warc_dir} nor {db_path})")
    report = ArchiveReport(str(data_dir))
    registry: dict[str, RecordRef] = {}
    damage = DamageMap()
    for path in sorted(warc_dir.glob("*.open")):
        report.open_files.append(path.name)
        report.faults.append(f"{path.name}: left open ({path.stat().st_size:,} bytes) by a crawl that was killed "
                             "or is still running; the next crawl recovers it")
    for path in sorted(warc_dir.glob("*.warc.gz")):
        refs: dict[str, RecordRef] = {}
        warc = verify_warc(path, refs, max_body_bytes)
        damage.add(warc.damaged)
        for record_id in refs.keys() & registry.keys():
            warc.problems.append(f"record {record_id} at {refs[record_id].offset} is also in "
                                 f"{registry[record_id].warc_file} at {registry[record_id].offset}")
        registry.update(refs)
        report.files.append(warc)
        report.bytes += path.stat().st_size
        for rec_type, count in warc.by_type.items():
            report.by_type[rec_type] = report.by_type.get(rec_type, 0) + count
        described = {d.describe() for d in warc.damaged}  # reported below, with what they held
        report.faults.extend(f"{path.name}: {p}" for p in warc.problems if p not in described)
        report.warnings.extend(f"{path.name}: {w}" for w in warc.warnings)
        cdxj = cdxj_path(path)
        if not cdxj.exists():
            report.warnings.append(f"{path.name}: no CDXJ index beside it (archive.cdxj.write_cdxj makes one)")
            continue
        report.cdxj_files += 1
        expected = {(ref.offset, ref.length, ref.url) for ref in refs.values()
                    if gets_a_line(ref.rec_type, ref.content_type, ref.status)}
        try:
            lines = {(f.get("offset"), f.get("length"), f.get("url")) for _, _, f in read_cdxj(cdxj)}
        except (ValueError, KeyError) as exc:
            report.faults.append(f"{cdxj.name}: unreadable: {exc}")
            continue
        lines = {line for line in lines if not damage.note(path.name, line[0], f"a CDXJ line ({line[2]})")}
        if lines != expected:
            report.faults.append(f"{cdxj.name}: does not match its WARC ({len(expected - lines)} records without "
                                 f"a line, {len(lines - expected)} lines pointing at no record)")
    index = None
    if db_path.exists():
        try:
            index = Index(db_path, readonly=True)
        except DatabaseUnreadable as exc:
            report.faults.append(str(exc))
    try:
        for record_id, ref in registry.items():
            if ref.rec_type == "revisit" and ref.refers_to:
                original = registry.get(ref.refers_to)
                if original is None and index is not None and damage.note_record(
                        index, ref.refers_to, f"the original of the revisit at {ref.offset} ({ref.url})"):
                    continue
                if original is None or original.rec_type != "response":
                    report.faults.append(f"{ref.warc_file}: revisit at {ref.offset} ({ref.url}) refers to "
                                         f"{ref.refers_to}, which is not a response record in the archive")
        if not report.files and not report.open_files:
            report.warnings.append(f"no WARC files in {warc_dir}")
        if index is not None:
            problems = integrity_problems(db_path)
            report.faults.extend(problems)
            if not problems or all(": full-text index" in p for p in problems):
                try:
                    report.index_rows, problems = check_index_rows(index, warc_dir, registry, damage)
                    report.faults.extend(problems)
                    report.faults.extend(_crawl_file_problems(index, warc_dir))
                    faults, warnings = coverage_problems(index, registry, warc_dir, parse, max_body_bytes)
                    report.faults.extend(faults)
                    report.warnings.extend(warnings)
                    report.roles = requisites.captures_by_role(index.conn)
                    report.missing_requisites = requisites.missing_requisites(index.conn)
                    report.warnings.extend(_missing_requisite_warnings(report.missing_requisites))
                except sqlite3.Error as exc:  # a database, but not an index of ours (tables missing)
                    report.faults.append(f"{db_path.name}: not an index this verify can read ({exc}): "
                                         "`newsarchive reindex` rebuilds it")
        elif db_path.exists():
            pass  # unreadable: said above
        elif any(ref.rec_type in ("response", "revisit") for ref in registry.values()):
            report.faults.append(f"no index at {db_path}, but the WARC files hold archived responses: "
                                 "`newsarchive reindex` builds it")
        else:
            report.warnings.append(f"no index at {db_path}")
    finally:
        if index is not None:
            index.conn.close()
    report.faults[:0] = damage.faults()
    return report


def _missing_requisite_warnings(missing: dict) -> list[str]:
    """A page whose image was neither captured nor recorded as failed or skipped: a warning, never a fault
    (the page itself is whole; a crawl that ran out of time or lost a fetch leaves such pages)."""
    if not missing.get("pages"):
        return []
    return [f"missing requisite: {missing['pages']:,} article page(s) have {missing['images']:,} image(s) with "
            f"neither a capture nor a fetch_errors row (e.g. {'; '.join(missing['examples'])})"]


def _crawl_file_problems(index: Index, warc_dir: Path) -> list[str]:
    problems = []
    if "warc_files" not in _table_columns(index, "crawls"):
        return problems
    for crawl_id, files in index.conn.execute("SELECT id, warc_files FROM crawls WHERE warc_files IS NOT NULL"):
        try:
            names = json.loads(files)
        except ValueError:
            problems.append(f"crawls {crawl_id}: warc_files is not a JSON list")
            continue
        problems.extend(f"crawls {crawl_id}: lists {name}, which is not in {warc_dir}"
                        for name in names if not (warc_dir / name).exists())
    return problems

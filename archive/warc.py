"""Writing and reading WARC 1.1 files: one gzip member per record, bodies as they came off the wire.

Usable without Scrapy: the crawler hands over an `HttpExchange` (plain bytes and strings) and gets back
the `RecordLocation` that the index stores, so every indexed row points at its exact response record.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator
from urllib.parse import urlsplit

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archive.decoding import MAX_BODY_BYTES, BodyTooLarge, decode_content  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from archive.dedupe import DigestIndex, Original

OPEN_SUFFIX = ".open"
DEFAULT_MAX_BYTES = 1_000_000_000  # Heritrix, Browsertrix and warcprox rotate at 1 GB


class GzipMembers:
    """The stream warcio writes records into: each record (warcio flushes after one) becomes one gzip member.

    ISA-L (python-isal) compresses at its default level in a sixth of the time zlib level 9 (warcio's) takes on
    the bodies a crawl meets, which mostly arrive gzip-compressed already; zlib spent a third of the capture
    writer's time recompressing them. The output is plain gzip that every WARC reader inflates."""

    def __init__(self, out):
        self.out = out
        self._compressor = None

    def write(self, data: bytes) -> None:
        if self._compressor is None:
            self._compressor = isal_zlib.compressobj(isal_zlib.ISAL_DEFAULT_COMPRESSION, isal_zlib.DEFLATED,
                                                     16 + isal_zlib.MAX_WBITS)
        self.out.write(self._compressor.compress(data))

    def flush(self) -> None:
        """Ends the member. The file itself is flushed once per exchange, by the caller, not per record."""
        if self._compressor is not None:
            self.out.write(self._compressor.flush())
            self._compressor = None


class WireHeaders(StatusAndHeaders):
    """HTTP headers serialised back to the bytes that crossed the wire.

    warcio percent-encodes any non-ASCII header value; HTTP header bytes are latin-1 (RFC 9110 §5.5), so
    decoding and re-encoding as latin-1 reproduces them exactly, and the block digest covers the real bytes.
    """

    def compute_headers_buffer(self, header_filter=None):
        self.headers_buff = self.to_str(header_filter).encode("latin-1") + b"\r\n"


@dataclass
class HttpExchange:
    """One request and its response, as fetched. Header names and values are latin-1 decoded strings."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    protocol: str  # "HTTP/1.1"
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes  # as received: still Content-Encoded, transfer coding removed
    fetched_at: datetime
    request_body: bytes = b""
    reason: str | None = None
    ip_address: str | None = None
    extra_warc_headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordLocation:
    """Where a response record lives: what the index stores and `show --html` seeks to."""

    warc_file: str  # final file name (without .open), relative to the WARC directory
    offset: int  # of the record's gzip member
    length: int  # compressed length of the member
    record_id: str
    warc_date: str
    payload_digest: str | None
    record_type: str = "response"  # or "revisit"
    refers_to: str | None = None  # a revisit's original record id


def warc_timestamp17(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _host_header(url: str) -> str:
    return urlsplit(url).netloc


class WarcFileWriter:
    """Appends exchanges to `{prefix}-{timestamp17}-{serial}-{pid}~{host}.warc.gz`, rotating by size.

    A file is written under a `.open` suffix and renamed when closed, so a reader never mistakes a file in
    progress (or left by a killed crawl) for a finished one. Thread-safe: one lock around each write.
    """

    def __init__(self, directory: str | os.PathLike, prefix: str = "newsarchive",
                 max_bytes: int = DEFAULT_MAX_BYTES, warcinfo: dict[str, str] | None = None,
                 on_close: Callable[[Path], None] | None = None, pid: int | None = None, cdxj: bool = False):
        self.directory = Path(directory)
        self.on_close = on_close  # called with each closed file's final path
        # With `cdxj`, each file's CDXJ index is gathered as records are written and saved when it closes.
        self._cdxj = None
        if cdxj:
            from archive.cdxj import CdxjLines

            self._cdxj = CdxjLines()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.warcinfo = dict(warcinfo or {})
        self.hostname = socket.gethostname()
        self.pid = pid or os.getpid()  # the crawl's, named in the file: recovery waits while it is alive
        self.closed_files: list[str] = []
        self.bytes_written = 0
        self._serial = 0
        self._lock = threading.Lock()
        self._fh = None
        self._name: str | None = None
        self._writer: WARCWriter | None = None

    # -- files ---------------------------------------------------------------------------------------

    @property
    def current_file(self) -> str | None:
        return self._name

    def _open_next(self) -> None:
        self._serial += 1
        stamp = warc_timestamp17(datetime.now(timezone.utc))
        self._name = f"{self.prefix}-{stamp}-{self._serial:05d}-{self.pid}~{self.hostname}.warc.gz"
        self._fh = open(self.directory / (self._name + OPEN_SUFFIX), "wb")
        self._writer = WARCWriter(GzipMembers(self._fh), gzip=False, warc_version="1.1")
        info = {"software": "newsarchive", "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "hostname": self.hostname, **self.warcinfo}
        self._write(self._writer.create_warcinfo_record(self._name, info))

    def _close_current(self) -> None:
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.bytes_written += self._fh.tell()
        self._fh.close()
        os.replace(self.directory / (self._name + OPEN_SUFFIX), self.directory / self._name)
        self.closed_files.append(self._name)
        closed = self.directory / self._name
        self._fh = self._writer = self._name = None
        if self._cdxj is not None:
            self._cdxj.save(closed)
        if self.on_close is not None:
            self.on_close(closed)

    def close(self) -> None:
        with self._lock:
            self._close_current()

    def flush(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.flush()

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return self.bytes_written + (self._fh.tell() if self._fh else 0)

    # -- records -------------------------------------------------------------------------------------

    def write_exchange(self, exchange: HttpExchange, metadata: dict[str, str] | None = None,
                       dedupe: "DigestIndex | None" = None) -> RecordLocation:
        """Write response (or revisit) + request + metadata records; flushed before returning, so a killed
        process loses at most the exchange being written.

        With `dedupe`, a 200 response whose payload this URL already has in the archive is written as a
        `revisit` record (profile identical-payload-digest) that refers to the original.
        """
        request, response, warc_date = self._build_records(exchange)
        digest = response.rec_headers.get_header("WARC-Payload-Digest")
        original = None
        if dedupe is not None and exchange.status == 200 and exchange.body and digest:
            original = dedupe.lookup(exchange.url, digest)
            if original is not None:
                response = self._revisit_record(exchange, response, original, warc_date)
        with self._lock:
            if self._fh is None or self._fh.tell() >= self.max_bytes:
                self._close_current()
                self._open_next()
            offset, end = self._write(response)
            record_id = response.rec_headers.get_header("WARC-Record-ID")
            request.rec_headers.add_header("WARC-Concurrent-To", record_id)
            self._write(request)
            if metadata:
                self._write(self._metadata_record(exchange.url, warc_date, record_id, metadata))
            self._fh.flush()
            location = RecordLocation(
                warc_file=self._name, offset=offset, length=end - offset, record_id=record_id,
                warc_date=warc_date, payload_digest=digest, record_type=response.rec_type,
                refers_to=original.record_id if original else None)
        if dedupe is not None and original is None and location.record_type == "response" and digest \
                and exchange.status == 200 and exchange.body:
            from archive.dedupe import Original

            dedupe.add(digest, Original(record_id, exchange.url, warc_date, location.warc_file, offset, end - offset))
        return location

    def _write(self, record) -> tuple[int, int]:
        """Append one record as a gzip member; where it starts and ends."""
        offset = self._fh.tell()
        self._writer.write_record(record)
        end = self._fh.tell()
        if self._cdxj is not None:
            self._cdxj.add(record, self._name, offset, end - offset)
        return offset, end

    def _revisit_record(self, exchange: HttpExchange, response, original: "Original", warc_date: str):
        builder = self._writer or WARCWriter(BytesIO(), gzip=True, warc_version="1.1")
        warc_headers = {"WARC-Date": warc_date, "WARC-Refers-To": original.record_id,
                        "WARC-Truncated": None}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        warc_headers = {k: v for k, v in warc_headers.items() if v}
        return builder.create_revisit_record(
            exchange.url, response.rec_headers.get_header("WARC-Payload-Digest"), original.url,
            original.warc_date, http_headers=response.http_headers, warc_headers_dict=warc_headers)

    def _metadata_record(self, url: str, warc_date: str, concurrent_to: str, fields: dict[str, str]):
        body = "".join(f"{name}: {value}\r\n" for name, value in fields.items() if value not in (None, ""))
        payload = body.encode("utf-8")
        return self._writer.create_warc_record(
            url, "metadata", payload=BytesIO(payload), length=len(payload),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": warc_date, "WARC-Concurrent-To": concurrent_to})

    def _build_records(self, exchange: HttpExchange):
        builder = self._writer or WARCWriter(BytesIO(), gzip=True, warc_version="1.1")
        warc_date = datetime_to_iso_date(exchange.fetched_at.astimezone(timezone.utc).replace(tzinfo=None),
                                         use_micros=True)
        reason = exchange.reason if exchange.reason is not None else _reason_phrase(exchange.status)
        response_headers = WireHeaders(f"{exchange.status} {reason}".rstrip(), list(exchange.response_headers),
                                       protocol=exchange.protocol)
        warc_headers = {"WARC-Date": warc_date, **exchange.extra_warc_headers}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        response = builder.create_warc_record(
            exchange.url, "response", payload=BytesIO(exchange.body), length=len(exchange.body),
            http_headers=response_headers, warc_headers_dict=warc_headers)

        request_headers = list(exchange.request_headers)
        if not any(name.lower() == "host" for name, _ in request_headers):
            request_headers.insert(0, ("Host", _host_header(exchange.url)))
        request_line = f"{exchange.method} {_request_target(exchange.url)} {exchange.protocol}"
        request = builder.create_warc_record(
            exchange.url, "request", payload=BytesIO(exchange.request_body), length=len(exchange.request_body),
            http_headers=WireHeaders(request_line, request_headers, is_http_request=True),
            warc_headers_dict={"WARC-Date": warc_date})
        return request, response, warc_date


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


# -- reading -----------------------------------------------------------------------------------------


@dataclass
class StoredResponse:
    url: str
    warc_date: str
    record_id: str
    status: int | None
    headers: list[tuple[str, str]]
    raw_body: bytes  # as stored (Content-Encoded)
    body: bytes  # Content-Encoding removed


def read_response(path: str | os.PathLike, offset: int, max_size: int = MAX_BODY_BYTES) -> StoredResponse:
    """The response record whose gzip member starts at `offset` (as stored in the index). Raises
    BodyTooLarge when its payload, as stored or decoded, is larger than `max_size`."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            return _stored(record, max_size)
    raise ValueError(f"no WARC record at offset {offset} of {path}")


def iter_responses(path: str | os.PathLike, max_size: int = MAX_BODY_BYTES) -> Iterator[tuple[int, StoredResponse]]:
    """(offset, response) for every response record of a WARC file, streaming; BodyTooLarge as
    `read_response` (and the iteration ends there)."""
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            if record.rec_type == "response":
                stored = _stored(record, max_size)  # before get_record_offset(), which reads the record to its end
                yield records.get_record_offset(), stored


def read_payload(record, max_size: int = MAX_BODY_BYTES) -> bytes:
    """A record's payload as stored, at most `max_size` bytes of it: BodyTooLarge beyond (nothing more is
    held in memory than the limit and one byte)."""
    raw = record.raw_stream.read(max_size + 1)
    if len(raw) > max_size:
        raise BodyTooLarge(max_size)
    return raw


def _stored(record, max_size: int) -> StoredResponse:
    raw = read_payload(record, max_size)
    headers = record.http_headers
    body = decode_content(raw, headers.get_header("Content-Encoding") if headers else None, max_size)
    status = headers.get_statuscode() if headers else None
    return StoredResponse(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        warc_date=record.rec_headers.get_header("WARC-Date"),
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
        status=int(status) if status and str(status).isdigit() else None,
        headers=list(headers.headers) if headers else [],
        raw_body=raw, body=body)


def warc_date_to_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# -- crash recovery ----------------------------------------------------------------------------------


@dataclass
class Recovered:
    open_file: str
    warc_file: str | None  # final name, or None when nothing complete was left (file removed)
    records_kept: int
    bytes_cut: int


def _writer_alive(name: str) -> bool:
    """Whether the process named in `…-{pid}~{host}.warc.gz.open` is still writing it (same host only)."""
    try:
        head, host = name[: -len(".warc.gz" + OPEN_SUFFIX)].rsplit("~", 1)
        pid = int(head.rsplit("-", 1)[1])
    except (ValueError, IndexError):
        return False
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_open_files(directory: str | os.PathLike) -> list[Recovered]:
    """Close WARC files left `.open` by a killed crawl: cut off a partial trailing record, keep every
    complete one, rename to the final name. Returns what was done, for the log and the crawl summary."""
    from archive.cdxj import write_cdxj
    from archive.members import scan_members

    results = []
    for path in sorted(Path(directory).glob(f"*.warc.gz{OPEN_SUFFIX}")):
        if _writer_alive(path.name):
            continue
        scan = scan_members(path)
        size = path.stat().st_size
        if scan.members == 0:
            path.unlink()
            results.append(Recovered(path.name, None, 0, size))
            continue
        if scan.complete_end < size:
            with open(path, "r+b") as fh:
                fh.truncate(scan.complete_end)
                os.fsync(fh.fileno())
        final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
        os.replace(path, final)
        write_cdxj(final)
        results.append(Recovered(path.name, final.name, scan.members, size - scan.complete_end))
    return results

"""Writing WARC 1.1 files: one gzip member per record, bodies as they came off the wire (archive/records.py
reads them back).

Usable without Scrapy: the crawler hands over an `HttpExchange` (plain bytes and strings) and gets back
the `RecordLocation` that the index stores, so every indexed row points at its exact response record.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from isal import isal_zlib
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archive.fixity import record_fixity
from archive.openfiles import OPEN_SUFFIX, create_locked

if TYPE_CHECKING:
    from archive.dedupe import DigestIndex, Original

DEFAULT_MAX_BYTES = 1_000_000_000  # Heritrix, Browsertrix and warcprox rotate at 1 GB


class GzipMembers:
    """The stream warcio writes records into: each record (warcio flushes after one) becomes one gzip member,
    gathered in memory until the writer hands the whole exchange to the file in one write.

    ISA-L (python-isal) compresses at its default level in a sixth of the time zlib level 9 (warcio's) takes on
    the bodies a crawl meets, which mostly arrive gzip-compressed already; zlib spent a third of the capture
    writer's time recompressing them. The output is plain gzip that every WARC reader inflates."""

    def __init__(self):
        self.pending = bytearray()
        self._compressor = None

    def write(self, data: bytes) -> None:
        if self._compressor is None:
            self._compressor = isal_zlib.compressobj(isal_zlib.ISAL_DEFAULT_COMPRESSION, isal_zlib.DEFLATED,
                                                     16 + isal_zlib.MAX_WBITS)
        self.pending += self._compressor.compress(data)

    def flush(self) -> None:
        """Ends the member."""
        # Forget the compressor before anything else can fail: a finished ISA-L compressor fed again raises
        # "Level buffer too small" on every later record, which is what a failed write used to turn into.
        compressor, self._compressor = self._compressor, None
        if compressor is not None:
            self.pending += compressor.flush()

    def discard(self) -> None:
        self._compressor = None
        self.pending = bytearray()  # a new one: a view of the old one may outlive a failed write


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
    progress (or left by a killed crawl) for a finished one. While it is written, the writer holds an
    `flock` on it (archive/openfiles.py). Thread-safe: one lock around each write.

    An exchange (response, request and metadata records) reaches the file in one write or not at all: when
    the write fails (a full disk), the file is cut back to where the exchange began, so it ends with a
    complete record, and the writer refuses every later write with the same error rather than writing
    records after a hole. `close()` then still leaves a sound file.

    Each file's SHA-256 is taken from the bytes as they are appended (only those that stay: a cut-back
    exchange never reaches the hash) and written to `manifest-sha256.txt` beside it when it closes
    (archive/fixity.py).

    The descriptor is not inheritable (as every `open()` in Python): a child started with exec never holds
    the lock. A bare `os.fork()` of the writing process would share it and keep the file "in use" after the
    writer dies, so the writer's process forks nothing (crawler/workers/capture.py).
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
        # The crawl's pid, named in the file by convention only: a pid says nothing of liveness once the
        # process is a zombie, or after a reboot. The lock held on the file does.
        self.pid = pid or os.getpid()
        self.closed_files: list[str] = []
        self.bytes_written = 0
        self._serial = 0
        self._lock = threading.Lock()
        self._fh = None  # unbuffered: whole exchanges are gathered in `_members` and written at once
        self._size = 0  # bytes of complete records in the open file, where the next exchange starts
        self._sha256 = hashlib.sha256()  # of those `_size` bytes: the manifest line when the file closes
        self._uncut = False  # a failed write that could not be cut back: the file must stay `.open`
        self._name: str | None = None
        self._members = GzipMembers()
        self._writer: WARCWriter | None = None
        self._failure: OSError | None = None

    # -- files ---------------------------------------------------------------------------------------

    @property
    def current_file(self) -> str | None:
        return self._name

    @property
    def failure(self) -> OSError | None:
        """The write error that stopped this writer, if one did."""
        return self._failure

    def _open_next(self) -> None:
        while self._fh is None:
            self._serial += 1
            stamp = warc_timestamp17(datetime.now(timezone.utc))
            self._name = f"{self.prefix}-{stamp}-{self._serial:05d}-{self.pid}~{self.hostname}.warc.gz"
            # Two writers of one pid and prefix in one millisecond would share a name: the next serial, rather
            # than writing over the other's file.
            if not (self.directory / self._name).exists():
                try:
                    self._fh = create_locked(self.directory / (self._name + OPEN_SUFFIX))
                except FileExistsError:
                    continue
        self._size = 0
        self._sha256 = hashlib.sha256()
        self._writer = WARCWriter(self._members, gzip=False, warc_version="1.1")
        info = {"software": "newsarchive", "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "hostname": self.hostname, **self.warcinfo}
        self._append([self._writer.create_warcinfo_record(self._name, info)])

    def _close_current(self) -> None:
        """Give the open file its final name, its CDXJ beside it and its line in the fixity manifest. If any
        step fails the file stays `.open`, for the next run's recovery to finish, and the error is raised."""
        if self._fh is None:
            return
        fh, name, size, uncut, sha256 = self._fh, self._name, self._size, self._uncut, self._sha256
        self._fh = self._writer = self._name = None
        self._size, self._uncut = 0, False
        open_path, final = self.directory / (name + OPEN_SUFFIX), self.directory / name
        try:
            if uncut:  # it ends inside a record: recovery cuts it, as for a killed crawl's file
                return
            if size == 0:  # not even its warcinfo record got written
                open_path.unlink()
                return
            os.fsync(fh.fileno())
            if self._cdxj is not None:
                # Before the rename, so a file whose CDXJ could not be written stays `.open` (recovery writes both).
                self._cdxj.save(final)
            # Its fixity line too, while the file is still `.open`: a kill or a full disk before the line is
            # whole leaves the file for recovery, which hashes it and writes the line (archive/fixity.py).
            record_fixity(self.directory, name, sha256.hexdigest())
            # Renamed before the close gives up the lock: a recoverer that finds the file unlocked under its
            # `.open` name would otherwise take a finished file for a killed crawl's.
            os.replace(open_path, final)
        finally:
            fh.close()
        self.bytes_written += size
        self.closed_files.append(name)
        if self.on_close is not None:
            self.on_close(final)

    def close(self) -> None:
        with self._lock:
            self._close_current()

    def flush(self) -> None:
        """Nothing to do: each exchange is in the operating system's hands when `write_exchange` returns."""

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return self.bytes_written + self._size

    # -- records -------------------------------------------------------------------------------------

    def write_exchange(self, exchange: HttpExchange, metadata: dict[str, str] | None = None,
                       dedupe: "DigestIndex | None" = None) -> RecordLocation:
        """Write response (or revisit) + request + metadata records, in the file before returning, so a killed
        process loses at most the exchange being written.

        With `dedupe`, a 200 response whose payload this URL already has in the archive is written as a
        `revisit` record (profile identical-payload-digest) that refers to the original, if that original
        is sure to stay where the digest index says (`_may_refer_to`); else the full response is written and
        replaces the entry. Raises OSError when the file cannot take the exchange, and from then on at every
        call.
        """
        request, response, warc_date = self._build_records(exchange)
        digest = response.rec_headers.get_header("WARC-Payload-Digest")
        original = stale = None
        if dedupe is not None and exchange.status == 200 and exchange.body and digest:
            original = dedupe.lookup(exchange.url, digest)
            if original is not None and not self._may_refer_to(original):
                original, stale = None, original
            if original is not None:
                response = self._revisit_record(exchange, response, original, warc_date)
        with self._lock:
            if self._failure is not None:
                raise OSError(self._failure.errno, self._failure.strerror, self._failure.filename)
            try:
                if self._fh is None or self._size >= self.max_bytes:
                    self._close_current()
                    self._open_next()
                record_id = response.rec_headers.get_header("WARC-Record-ID")
                request.rec_headers.add_header("WARC-Concurrent-To", record_id)
                records = [response, request]
                if metadata:
                    records.append(self._metadata_record(exchange.url, warc_date, record_id, metadata))
                (offset, end), *_ = self._append(records)
            except OSError as exc:
                self._failure = exc
                raise
            location = RecordLocation(
                warc_file=self._name, offset=offset, length=end - offset, record_id=record_id,
                warc_date=warc_date, payload_digest=digest, record_type=response.rec_type,
                refers_to=original.record_id if original else None)
        if dedupe is not None and original is None and location.record_type == "response" and digest \
                and exchange.status == 200 and exchange.body:
            from archive.dedupe import Original

            try:
                dedupe.add(digest, Original(record_id, exchange.url, warc_date, location.warc_file, offset,
                                            end - offset), replace=stale is not None)
            except sqlite3.Error:
                pass  # a cache of the WARC files: a row it missed only costs a full record instead of a revisit
        return location

    def _append(self, records: list) -> list[tuple[int, int]]:
        """Append records, one gzip member each, in a single write; where each starts and ends. The members
        wait in memory until then: about the size of the body, which this process holds anyway."""
        start = self._size
        spans = []
        try:
            for record in records:
                offset = start + len(self._members.pending)
                self._writer.write_record(record)
                spans.append((offset, start + len(self._members.pending)))
            self._write_out(self._members.pending)
        finally:
            self._members.discard()
        if self._cdxj is not None:  # only now: the lines of an exchange that failed must not be kept
            for record, (offset, end) in zip(records, spans):
                self._cdxj.add(record, self._name, offset, end - offset)
        return spans

    def _write_out(self, data: bytearray) -> None:
        path = str(self.directory / (self._name + OPEN_SUFFIX))
        with memoryview(data) as view:
            done = 0
            try:
                while done < len(view):
                    done += self._fh.write(view[done:])
            except OSError as exc:
                # The kernel may have taken part of it (a short write, then ENOSPC): cut that part off, so
                # the file ends with the last complete record and nothing after it.
                try:
                    os.ftruncate(self._fh.fileno(), self._size)
                    self._fh.seek(self._size)
                except OSError:
                    self._uncut = True
                raise OSError(exc.errno, exc.strerror, path) from exc
        # Only bytes that stay in the file: an exchange cut back off it above never reaches the hash.
        self._sha256.update(data)
        self._size += len(data)

    def _may_refer_to(self, original: "Original") -> bool:
        """Whether a revisit may name `original`. The digest index is a cache and can be wrong about it: a
        killed crawl's file is still `.open` until recovery, which may cut off its end; another crawl's file
        is `.open` while it writes; a file may have been removed. A closed file holding the whole record
        will do, and so will this writer's own file (the record precedes the revisit, and recovery keeps
        every complete record). A stat per lookup keeps it cheap."""
        end = original.offset + original.length
        with self._lock:
            if self._fh is not None and original.warc_file == self._name:
                return end <= self._size
        try:
            return end <= os.stat(self.directory / original.warc_file).st_size
        except OSError:
            return False

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

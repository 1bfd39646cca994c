"""Reading the records of a WARC file past damage: the reader reindex, verify and catch-up share.

    records = WarcRecords(path)                  # check_digests=True as verify does
    for at in records:                           # at.record (warcio), at.offset, at.length
        ...
    records.damaged                              # [Damage(file, start, end, reason)], each range once

A `.warc.gz` file is walked member by member (archive/members.py): a damaged member is skipped and reported,
and the records after it are read as usual, at their true offsets. warcio still parses each record (headers,
HTTP headers, digests) from the checked, inflated bytes of its member.

An uncompressed `.warc` (this project writes none, but reindex reads them) has no member boundaries to
resume at: it is read with warcio to the first record that cannot be parsed, and the rest of the file is
reported as one damaged range. A flipped byte inside a payload there parses fine and is caught only by
verify's digest check.
"""

from __future__ import annotations

import os
from io import BytesIO
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader

from archive.decoding import MAX_BODY_BYTES, BodyTooLarge, decode_content
from archive.members import Damage, Member, read_member, walk


class DamagedRecord(ValueError):
    """The record an index row names lies in a damaged part of its WARC file."""

    def __init__(self, damage: Damage):
        self.damage = damage
        super().__init__(f"{damage.file}: the record at {damage.start:,} cannot be read: its gzip member "
                         f"{damage.reason}")


class RecordAt:
    """A record and where it is: the offset of its gzip member (of the record, in an uncompressed file)."""

    def __init__(self, record: ArcWarcRecord, offset: int = 0, length: int = 0, records: ArchiveIterator = None):
        self.record = record
        self._where = (offset, length)
        self._records = records  # uncompressed: warcio knows the length once the record is read to its end

    @property
    def offset(self) -> int:
        return self._located()[0]

    @property
    def length(self) -> int:
        return self._located()[1]

    def _located(self) -> tuple[int, int]:
        if self._records is not None:
            self._where = (self._records.get_record_offset(), self._records.get_record_length())
            self._records = None
        return self._where


class WarcRecords:
    """Iterate over the readable records of one WARC file; `damaged` lists the ranges that were not."""

    def __init__(self, path: str | os.PathLike, check_digests: bool = False):
        self.path = Path(path)
        self.check_digests = check_digests
        self.damaged: list[Damage] = []
        self._loader = ArcWarcRecordLoader()

    def __iter__(self) -> Iterator[RecordAt]:
        self._large = None  # a second handle, for records too large to have been kept in memory
        try:
            with open(self.path, "rb") as fh:
                if self.path.name.endswith((".gz", ".gz.open")):
                    yield from self._members(fh)
                else:
                    yield from self._uncompressed(fh)
        finally:
            if self._large is not None:
                self._large.close()

    def _members(self, fh) -> Iterator[RecordAt]:
        for item in walk(fh, self.path.name):
            if isinstance(item, Damage):
                self.damaged.append(item)
                continue
            try:
                record = self._parse(item)
            except Exception as exc:  # a sound member whose bytes warcio cannot parse as a record (any of its errors)
                self.damaged.append(Damage(self.path.name, item.offset, item.offset + item.length,
                                           f"inflates, but not to a readable WARC record ({exc})"))
                continue
            yield RecordAt(record, item.offset, item.length)

    def _parse(self, member: Member) -> ArcWarcRecord:
        if member.data is not None:
            stream = BufferedReader(BytesIO(member.data))
            return self._loader.parse_record_stream(stream, check_digests=self.check_digests)
        # Too large to have been kept: checked already, so warcio may stream it from the file.
        if getattr(self, "_large", None) is None:
            self._large = open(self.path, "rb")
        self._large.seek(member.offset)
        return next(iter(ArchiveIterator(self._large, check_digests=self.check_digests)))

    def _uncompressed(self, fh) -> Iterator[RecordAt]:
        records = ArchiveIterator(fh, check_digests=self.check_digests)
        end = 0
        try:
            for record in records:
                at = RecordAt(record, records=records)
                yield at
                end = at.offset + at.length
        except (ArchiveLoadFailed, ValueError, EOFError) as exc:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(end)
            head = fh.read(16)
            end += len(head) - len(head.lstrip(b"\r\n"))  # the blank lines that end the last good record
            self.damaged.append(Damage(self.path.name, end, size, f"cannot be parsed ({exc}); an uncompressed "
                                       "WARC file has no gzip members to resume at, so the rest is unread"))


def read_record(path: str | os.PathLike, offset: int) -> ArcWarcRecord:
    """The record whose gzip member starts at `offset`, checked whole first: raises DamagedRecord when that
    member is damaged, rather than returning bytes that were altered."""
    path = Path(path)
    if offset >= path.stat().st_size:
        raise ValueError(f"no WARC record at offset {offset} of {path}")
    if not path.name.endswith(".gz"):
        fh = open(path, "rb")
        fh.seek(offset)
        return next(iter(ArchiveIterator(fh)))
    with open(path, "rb") as fh:
        member = read_member(fh, offset, path.name)
    if isinstance(member, Damage):
        raise DamagedRecord(member)
    return WarcRecords(path)._parse(member)


# -- responses, as the index and the readers use them ----------------------------------------------------


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
    archive.records.DamagedRecord (a ValueError) when that member is damaged, rather than altered bytes, and
    BodyTooLarge when its payload, as stored or decoded, is larger than `max_size`."""
    try:
        return _stored(read_record(path, offset), max_size)
    except StopIteration:
        raise ValueError(f"no WARC record at offset {offset} of {path}") from None


def iter_responses(path: str | os.PathLike, max_size: int = MAX_BODY_BYTES) -> Iterator[tuple[int, StoredResponse]]:
    """(offset, response) for every readable response record of a WARC file, streaming; damaged ranges are
    skipped (archive.records.WarcRecords lists them); BodyTooLarge as `read_response` (the iteration ends)."""
    for at in WarcRecords(path):
        if at.record.rec_type == "response":
            stored = _stored(at.record, max_size)  # before the offset: for a plain .warc, asking reads to the end
            yield at.offset, stored


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

"""Walking the gzip members of a .warc.gz file (one member per record), streaming, constant memory."""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass


@dataclass
class MemberScan:
    complete_end: int  # byte offset just after the last complete member
    members: int  # complete members
    problem: str | None  # None when the file is exactly a sequence of complete members
    truncated: bool = False  # the problem is only that the file ends inside its last member


def scan_members(path: str | os.PathLike, chunk_size: int = 1 << 20) -> MemberScan:
    """Find where the complete gzip members end. A member cut short or corrupt is reported, not raised."""
    members = 0
    complete_end = 0
    consumed = 0  # bytes of the file fed to decompressors so far
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    started = False
    with open(path, "rb") as fh:
        while True:
            data = fh.read(chunk_size)
            if not data:
                break
            while data:
                try:
                    decompressor.decompress(data)
                except zlib.error as exc:
                    return MemberScan(complete_end, members, f"gzip member {members + 1} at {complete_end} is corrupt: {exc}")
                started = True
                if not decompressor.eof:
                    consumed += len(data)
                    data = b""
                    continue
                rest = decompressor.unused_data
                consumed += len(data) - len(rest)
                members += 1
                complete_end = consumed
                started = False
                decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
                data = rest
    if started:
        return MemberScan(complete_end, members, f"file ends inside gzip member {members + 1} (truncated)", True)
    return MemberScan(complete_end, members, None)


GZIP_MAGIC = b"\x1f\x8b\x08"


def ends_with_complete_member(path: str | os.PathLike, window: int = 1 << 16) -> bool:
    """Whether the file ends exactly where a complete gzip member ends, judged from its last `window` bytes
    only. True is reliable (a member header from which a whole member inflates, CRC and length checked,
    up to the last byte); False means "not shown here", for `scan_members` to settle. Our files end
    with a metadata or request record of a few hundred bytes, so one read answers."""
    size = os.path.getsize(path)
    if size == 0:
        return False
    with open(path, "rb") as fh:
        fh.seek(max(0, size - window))
        tail = fh.read()
    at = tail.rfind(GZIP_MAGIC)
    while at >= 0:
        if _one_member_to_end(memoryview(tail)[at:]):
            return True
        at = tail.rfind(GZIP_MAGIC, 0, at)
    return False


def _one_member_to_end(data) -> bool:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        while data and not decompressor.eof:
            decompressor.decompress(data, 1 << 16)  # bounded output: a small tail may inflate a lot
            data = decompressor.unconsumed_tail
    except zlib.error:
        return False
    return decompressor.eof and not decompressor.unused_data

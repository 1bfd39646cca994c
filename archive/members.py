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
        return MemberScan(complete_end, members, f"file ends inside gzip member {members + 1} (truncated)")
    return MemberScan(complete_end, members, None)

"""Walking the gzip members of a .warc.gz file (one member per record), streaming, constant memory.

A damaged member (flipped or overwritten bytes, a cut) does not end the walk: it is reported once, as a
`Damage` with its byte range and the reason in words, and the walk resumes at the next intact member: the
next gzip header (`1f 8b 08`) from which a whole member inflates, its CRC-32 and length check pass, and its
bytes begin with `WARC/`. Those last two conditions keep the walk from resuming inside a record: a gzip
member stored inside one (a gzip-encoded HTTP body kept as it came) inflates to the page, not to `WARC/`.

Our own walker rather than warcio's reader, because warcio, meeting a member that does not inflate, prints
zlib's message ("Error -3 while decompressing data: ...") to stderr and ends the file there without a word to
its caller; and it hands out a record's bytes before the member's CRC-32 is checked, so a caller would index
bytes that were flipped. Here a member is inflated and checked whole before anyone sees it. It is kept in
memory when it inflates to at most KEEP_LIMIT bytes (a record is about that size anyway: the readers hold
its payload), else only checked and read again from the file by the caller (`Member.data` is None).
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

MAGIC = b"\x1f\x8b\x08"  # gzip ID1 ID2, deflate
BLOCK = 1 << 16  # compressed bytes read at a time
KEEP_LIMIT = 64 << 20  # a member inflating to more is checked but not kept (read it again from the file)
_OUT_MAX = 4 << 20  # inflated bytes per zlib call: a member of zeros must not take 1,000x its size at once
_WARC = b"WARC/"
CUT_SHORT = "is cut short"  # how a Damage says that the file ends inside the member


@dataclass(frozen=True)
class Member:
    offset: int  # of the gzip member in the file
    length: int  # compressed length
    data: bytes | None  # the inflated record; None when it inflates beyond KEEP_LIMIT


@dataclass(frozen=True)
class Damage:
    """A byte range of a WARC file that holds no readable record: [start, end)."""

    file: str
    start: int
    end: int
    reason: str  # why the member at `start` could not be read, in words

    def describe(self) -> str:
        what = "gzip member" if ".gz" in self.file else "record"
        return (f"bytes {self.start:,}-{self.end:,} ({self.end - self.start:,} bytes) are damaged: "
                f"the {what} at {self.start:,} {self.reason}")

    def __str__(self) -> str:
        return f"{self.file}: {self.describe()}"

    def holds(self, offset: int) -> bool:
        return self.start <= offset < self.end


def _why(exc: zlib.error) -> str:
    """zlib's message in words an archivist can act on (it is kept in brackets, for the record)."""
    text = str(exc).split(": ", 1)[-1]
    if "incorrect data check" in text:
        plain = "inflates, but its CRC-32 does not match (bytes were altered)"
    elif "incorrect length check" in text:
        plain = "inflates, but its length field does not match (bytes were altered)"
    elif "header check" in text or "unknown compression method" in text or "window size" in text:
        plain = "does not start with a valid gzip header"
    else:
        plain = "does not inflate (bytes were altered)"
    return f"{plain} [zlib: {text}]"


class _Source:
    """Compressed bytes from a file position, with what a member did not use handed back for the next."""

    def __init__(self, fh: BinaryIO, offset: int):
        self.fh = fh
        self.seek(offset)

    def seek(self, offset: int) -> None:
        self.fh.seek(offset)
        self.pos = offset  # file offset of the next byte `take` returns
        self.buf = b""

    def take(self) -> bytes:
        data = self.buf or self.fh.read(BLOCK)
        self.buf = b""
        self.pos += len(data)
        return data

    def give_back(self, data: bytes) -> None:
        self.buf = data
        self.pos -= len(data)


@dataclass
class _Inflated:
    end: int = 0  # file offset just after the member
    data: bytes | None = None
    error: str | None = None


def _inflate(src: _Source, keep_limit: int) -> _Inflated:
    """Inflate the member starting at `src.pos`, checking CRC-32 and length; leave `src` just after it."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    chunks: list[bytes] | None = []
    kept = 0
    head = b""
    while True:
        data = src.take()
        if not data:
            return _Inflated(error=CUT_SHORT + ": the file ends inside it (truncated)")
        while data:
            try:
                out = decompressor.decompress(data, _OUT_MAX)
            except zlib.error as exc:
                return _Inflated(error=_why(exc))
            if len(head) < len(_WARC):
                head += out[: len(_WARC) - len(head)]
                if len(head) == len(_WARC) and head != _WARC:
                    return _Inflated(error="inflates, but not to a WARC record")
            if chunks is not None:
                chunks.append(out)
                kept += len(out)
                if kept > keep_limit:
                    chunks = None
            if decompressor.eof:
                src.give_back(decompressor.unused_data)
                if head != _WARC:
                    return _Inflated(error="inflates, but not to a WARC record")
                return _Inflated(end=src.pos, data=b"".join(chunks) if chunks is not None else None)
            data = decompressor.unconsumed_tail


def _resume(fh: BinaryIO, start: int, size: int, keep_limit: int) -> tuple[int, _Inflated] | None:
    """The first offset at or after `start` where an intact member holding a WARC record begins."""
    pos = start
    while pos < size:
        fh.seek(pos)
        block = fh.read(BLOCK + len(MAGIC) - 1)  # overlap: a header split across blocks is still found
        at = block.find(MAGIC)
        if at < 0:
            pos += BLOCK
            continue
        candidate = pos + at
        inflated = _inflate(_Source(fh, candidate), keep_limit)
        if inflated.error is None:
            return candidate, inflated
        pos = candidate + 1
    return None


def walk(fh: BinaryIO, name: str, start: int = 0, keep_limit: int = KEEP_LIMIT) -> Iterator[Member | Damage]:
    """Every intact member of the file from `start` on, in order, and one `Damage` per unreadable range."""
    size = os.fstat(fh.fileno()).st_size
    src = _Source(fh, start)
    offset = start
    while offset < size:
        inflated = _inflate(src, keep_limit)
        if inflated.error is not None:
            resumed = _resume(fh, offset + 1, size, keep_limit)
            yield Damage(name, offset, resumed[0] if resumed else size, inflated.error)
            if resumed is None:
                return
            offset, inflated = resumed
            src.seek(inflated.end)
        yield Member(offset, inflated.end - offset, inflated.data)
        offset = inflated.end


def read_member(fh: BinaryIO, offset: int, name: str = "", keep_limit: int = KEEP_LIMIT) -> Member | Damage:
    """The one member at `offset` (as an index row names it), checked whole, or why it cannot be read."""
    inflated = _inflate(_Source(fh, offset), keep_limit)
    if inflated.error is not None:
        return Damage(name, offset, inflated.end or offset, inflated.error)
    return Member(offset, inflated.end - offset, inflated.data)


@dataclass
class MemberScan:
    complete_end: int  # byte offset just after the last intact member
    members: int  # intact members
    problem: str | None  # None when the file is exactly a sequence of intact members
    damaged: list[Damage] = field(default_factory=list)
    size: int = 0  # of the file when scanned

    @property
    def truncated(self) -> bool:
        """Whether the file merely ends inside its last member (a write cut short), which may be cut away."""
        last = self.damaged[-1] if self.damaged else None
        return last is not None and last.end == self.size and last.reason.startswith(CUT_SHORT)


def scan_members(path: str | os.PathLike) -> MemberScan:
    """Where the intact members end, and what is damaged. A damaged range in the middle of the file does not
    hide the members after it: a killed crawl's file is cut only after its last intact member."""
    members = complete_end = 0
    damaged: list[Damage] = []
    with open(path, "rb") as fh:
        for item in walk(fh, Path(path).name, keep_limit=0):
            if isinstance(item, Damage):
                damaged.append(item)
            else:
                members += 1
                complete_end = item.offset + item.length
    problem = "; ".join(d.describe() for d in damaged) or None
    return MemberScan(complete_end, members, problem, damaged, os.path.getsize(path))


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
    at = tail.rfind(MAGIC)
    while at >= 0:
        if _one_member_to_end(memoryview(tail)[at:]):
            return True
        at = tail.rfind(MAGIC, 0, at)
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

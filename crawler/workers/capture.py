"""The WARC writer process: owns the open WARC file, the digest index and the CDXJ of each closed file.

Runs in a child of the crawl (crawler/workers/process.py), so gzip, digests and warcio's record building never
hold the crawl's GIL. It imports neither Scrapy nor Twisted, and starts no process of its own: a child forked
from it would share the lock on the `.open` file and keep it "being written" after a kill (archive/warc.py).
Calls, in the order the crawl sends them:
`("write", HttpExchange, metadata, dedupe)` -> RecordLocation; `("close",)` -> WarcTotals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archive.dedupe import DigestIndex
from archive.warc import WarcFileWriter


@dataclass(frozen=True)
class WarcTotals:
    bytes_written: int
    closed_files: list[str]


class CaptureWriter:
    def __init__(self, warc_dir: str, prefix: str, max_bytes: int, warcinfo: dict[str, str],
                 digests_path: str | None, crawl_pid: int):
        self.writer = WarcFileWriter(warc_dir, prefix=prefix, max_bytes=max_bytes, warcinfo=warcinfo,
                                     cdxj=True, pid=crawl_pid)
        self.dedupe = DigestIndex(Path(digests_path)) if digests_path else None

    def handle(self, message: tuple):
        if message[0] == "write":
            _, exchange, metadata, dedupe = message
            return self.writer.write_exchange(exchange, metadata, self.dedupe if dedupe else None)
        if message[0] == "close":
            self.writer.close()
            if self.dedupe is not None:
                self.dedupe.close()
                self.dedupe = None
            return WarcTotals(self.writer.bytes_written, list(self.writer.closed_files))
        raise ValueError(f"unknown call {message[0]!r}")

    def abandon(self) -> None:
        """The crawl went away without closing: what is written stays in the `.open` file, flushed, for the
        next run's recovery (a killed crawl leaves the same)."""
        self.writer.flush()

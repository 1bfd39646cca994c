"""Stopping the whole crawl when the archive cannot be written (a full disk, an I/O error).

Every site of a crawl writes to the same data directory, so a full disk fails all their writes: fetching on
would only fetch what can be neither archived nor indexed, and the old behaviour (counting each failure and
carrying on) ended in a hang. The first storage failure, from the WARC writer or the index writer, closes
every spider of the process with the failure's reason ("disk_full", "storage_error"): no new requests go
out, those in flight are answered and dropped (at most DOWNLOAD_TIMEOUT), the WARC files are closed sound
and the index flushed as far as it can be. `newsarchive crawl` then prints `Halt.line()` and exits
EX_IOERR (74); the next run, given space, repairs and catches up (archive/recovery.py, archive/catchup.py).

One process runs one crawl (Twisted's reactor starts once), so the state is module-wide.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from scrapy.utils.defer import deferred_from_coro

from archive.storage import DISK_FULL, free_bytes

logger = logging.getLogger(__name__)

EX_IOERR = 74  # sysexits.h: "an error occurred while doing I/O on some file"


@dataclass(frozen=True)
class Halt:
    reason: str  # archive.storage.DISK_FULL or STORAGE_ERROR: the spiders' finish reason and the crawl's status
    writing: str | None  # what was being written (a WARC directory, the index); None: before the crawl began
    error: str  # the error as the operating system or SQLite put it

    def line(self, data_dir: str | Path) -> str:
        """The one line `newsarchive crawl` ends with: what happened, where, and what to do."""
        what = f"the crawl stopped while writing {self.writing}" if self.writing else "the crawl could not start"
        again = "then run the same command again (it repairs the WARC files and catches the index up)"
        if self.reason == DISK_FULL:
            free = free_bytes(data_dir)
            room = f" ({free:,} bytes free)" if free is not None else ""
            return (f"error: no space left on device for the archive in {data_dir}{room}: {what} ({self.error}); "
                    f"free some space there, {again}")
        return f"error: the archive in {data_dir} cannot be written: {what} ({self.error}); fix the storage, {again}"


_crawlers: list = []
_halt: Halt | None = None


def watch(crawler) -> None:
    """Have `crawler`'s spider closed when the crawl halts."""
    if crawler not in _crawlers:
        _crawlers.append(crawler)


def halted() -> Halt | None:
    return _halt


def halt(reason: str, writing: str, error: str) -> None:
    """Stop every watched spider (once; later calls are ignored). Call on the reactor's thread."""
    global _halt
    if _halt is not None:
        return
    _halt = Halt(reason, writing, error)
    # INFO: the reason is the crawl's last line on stderr; the log keeps the moment it happened.
    logger.info("stopping every spider: %s while writing %s", error, writing)
    for crawler in _crawlers:
        if crawler.engine is not None and crawler.engine.spider is not None:
            deferred_from_coro(_close(crawler.engine, reason))


async def _close(engine, reason: str) -> None:
    try:
        await engine.close_spider_async(reason=reason)
    except RuntimeError:  # not open yet, or closed meanwhile
        pass

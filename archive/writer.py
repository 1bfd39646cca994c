"""Index writes off the crawler's thread: a queue and one writer thread per index file.

SQLite releases the GIL while it works, so the crawl keeps fetching while rows land. Captures and
articles are written in the order they were queued (the captures of a run before its articles); a
transaction ends after `batch` rows or once its first row is `commit_seconds` old, so rows become visible
to readers within about that time while each commit (and the full-text segment it writes) carries many
rows, and the articles of a transaction go in together (archive/bulk.py).

A row that fails on its own (a bad value) is counted and skipped. A failure of the storage (a full disk:
"database or disk is full", an I/O error; archive/storage.py), or anything else the thread cannot go on
from, stops the writer: its open transaction is rolled back, `on_failure` is called once, and from then
on every call raises IndexWriteFailed at once, so nobody waits on a thread that is gone. The rows it had
not committed are in the WARC files, which the next crawl's catch-up reads (archive/catchup.py).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from archive.bulk import add_pages_each
from archive.index import Capture, Index, IndexableArticle
from archive.storage import storage_problem

logger = logging.getLogger(__name__)

_STOP = object()
POLL_SECONDS = 0.05  # how often a transaction that is gathering rows looks for more


class IndexWriteFailed(RuntimeError):
    """The index writer has stopped; `cause` is what stopped it."""

    def __init__(self, cause: BaseException):
        self.cause = cause
        super().__init__(f"the index writer stopped: {type(cause).__name__}: {cause}")


class IndexWriter:
    def __init__(self, path: str | Path, batch: int = 200, commit_seconds: float = 1.0,
                 on_failure: Callable[[BaseException], None] | None = None):
        self.path = Path(path)
        self.batch = batch
        self.commit_seconds = commit_seconds
        self.on_failure = on_failure  # called on the writer thread, once, with what stopped it
        self.failure: BaseException | None = None
        self._flushing: threading.Event | None = None  # the caller of the flush being committed
        self.outcomes: Counter[str] = Counter()  # article upserts: new / updated / kept; errors
        self.errors: list[str] = []
        self._queue: queue.Queue = queue.Queue(maxsize=10_000)  # back-pressure if the disk is slow
        self._ready = threading.Event()
        self._open_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="index-writer", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            raise self._open_error

    # -- called from the crawler's thread --------------------------------------------------------------

    def add_capture(self, capture: Capture) -> None:
        self._put(("capture", capture))

    def add_article(self, article: IndexableArticle, capture: Capture) -> None:
        self._put(("article", article, capture))

    def call(self, fn, *args) -> None:
        """Run `fn(index, *args)` on the writer thread, in order with the queued rows."""
        self._put(("call", fn, args))

    def flush(self) -> None:
        """Block until every queued row is committed; IndexWriteFailed if the writer stopped."""
        done = threading.Event()
        self._put(("flush", done))
        # The thread records its failure before it releases the flush it was committing and those queued;
        # the timeout is a second line of defence, so no slip can leave a caller waiting forever.
        while not done.wait(1.0):
            if self.failure is not None or not self._thread.is_alive():
                break
        if self.failure is not None:
            raise IndexWriteFailed(self.failure)

    def close(self) -> None:
        if self.failure is None:
            self._queue.put(_STOP)
        self._thread.join()

    def _put(self, job) -> None:
        if self.failure is not None:
            raise IndexWriteFailed(self.failure)
        self._queue.put(job)

    # -- the writer thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            index = Index(self.path)
        except BaseException as exc:  # reported to the constructor
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            self._serve(index)
            index.close()
        except BaseException as exc:
            self._stop(index, exc)

    def _serve(self, index: Index) -> None:
        pending = 0
        deadline = 0.0  # when the oldest uncommitted row must be committed
        job = None
        while True:
            if job is None:
                try:
                    job = self._queue.get(timeout=max(0.0, deadline - time.monotonic()) if pending else None)
                except queue.Empty:
                    index.commit()
                    pending = 0
                    continue
            if job is _STOP:
                break
            kind, following = job[0], None
            if kind == "flush":
                self._flushing = job[1]  # if the commit fails, _stop releases the caller once it knows why
                index.commit()
                self._flushing = None
                pending = 0
                job[1].set()
                job = None
                continue
            if not pending:
                deadline = time.monotonic() + self.commit_seconds
            if kind in ("capture", "article"):
                captures, pages, following = self._gather(job, deadline, self.batch - pending)
                for capture_job in captures:
                    self._apply(index, capture_job)
                if pages:
                    self._articles(index, pages)
                pending += len(captures) + len(pages)
            else:
                self._apply(index, job)
                pending += 1
            if pending >= self.batch or time.monotonic() >= deadline:
                index.commit()
                pending = 0
            job = following

    def _stop(self, index: Index, exc: BaseException) -> None:
        logger.debug("index writer stopped", exc_info=exc)
        try:  # SQLite asks for a rollback after SQLITE_FULL or an I/O error
            if index.conn.in_transaction:
                index.conn.execute("ROLLBACK")
            index.conn.close()
        except Exception:
            pass
        if self.on_failure is not None:
            try:
                self.on_failure(exc)
            except Exception:
                logger.exception("the index writer's on_failure callback failed")
        # Only now, so that whoever learns of the failure (a raising add_* or flush) finds on_failure called.
        self.failure = exc
        if self._flushing is not None:
            self._flushing.set()
        while True:  # release whoever waits on a flush; everything else queued is dropped
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not _STOP and job[0] == "flush":
                job[1].set()

    def _gather(self, job, deadline: float, room: int) -> tuple[list, list, Any]:
        """Captures and articles from this job on, waiting for more until the transaction is due to commit
        (its rows are invisible to readers until then anyway), so that many articles go into the index in
        one statement (archive/bulk.py). Ends when the transaction has no `room` left, at the deadline, or at
        any other job, which is returned to be handled next."""
        captures, pages = [], []
        while True:
            if job[0] == "capture":
                captures.append(job)
            else:
                pages.append((job[1], job[2]))
            if len(captures) + len(pages) >= room:
                return captures, pages, None
            job = self._next_by(deadline)
            if job is None:
                return captures, pages, None
            if job is _STOP or job[0] not in ("capture", "article"):
                return captures, pages, job

    def _next_by(self, deadline: float):
        """The next job, or None at the deadline. Polls rather than blocks: a blocked `get` would wake this
        thread, and take the GIL from the crawl, for every row queued (two per article page)."""
        while True:
            try:
                return self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                time.sleep(min(remaining, POLL_SECONDS))

    def _apply(self, index: Index, job) -> None:
        kind = job[0]
        try:
            if kind == "capture":
                index.add_capture(job[1])
            elif kind == "call":
                job[1](index, *job[2])
        except Exception as exc:  # one bad row must not stop the others; a full disk stops them all
            if storage_problem(exc):
                raise
            self._failed(kind, exc)

    def _articles(self, index: Index, pages: list) -> None:
        """A run of articles in one go; a page the index refuses is lost alone (archive/bulk.py)."""
        for outcome in add_pages_each(index, pages):
            if isinstance(outcome, Exception):
                self._failed("article", outcome)
            else:
                self.outcomes[outcome] += 1

    def _failed(self, kind: str, exc: Exception) -> None:
        self.outcomes["errors"] += 1
        message = f"{type(exc).__name__}: {exc}"
        self.errors.append(message)
        logger.error("index write failed (%s): %s", kind, message)

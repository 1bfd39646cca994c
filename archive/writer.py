"""Index writes off the crawler's thread: a queue and one writer thread per index file.

SQLite releases the GIL while it works, so the crawl keeps fetching while rows land. Captures and
articles are written in the order they were queued, in transactions of `batch` rows.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from archive.index import Capture, Index

logger = logging.getLogger(__name__)

_STOP = object()


class IndexWriter:
    def __init__(self, path: str | Path, batch: int = 200):
        self.path = Path(path)
        self.batch = batch
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
        self._queue.put(("capture", capture))

    def add_article(self, article: dict[str, Any], capture: Capture) -> None:
        self._queue.put(("article", article, capture))

    def call(self, fn, *args) -> None:
        """Run `fn(index, *args)` on the writer thread, in order with the queued rows."""
        self._queue.put(("call", fn, args))

    def flush(self) -> None:
        """Block until every queued row is committed."""
        done = threading.Event()
        self._queue.put(("flush", done))
        done.wait()

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()

    # -- the writer thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            index = Index(self.path)
        except BaseException as exc:  # reported to the constructor
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        pending = 0
        while True:
            try:
                job = self._queue.get(timeout=1.0)
            except queue.Empty:
                if pending:
                    index.commit()
                    pending = 0
                continue
            if job is _STOP:
                break
            kind = job[0]
            if kind == "flush":
                index.commit()
                pending = 0
                job[1].set()
                continue
            try:
                if kind == "capture":
                    index.add_capture(job[1])
                elif kind == "article":
                    self._article(index, job[1], job[2])
                elif kind == "call":
                    job[1](index, *job[2])
                pending += 1
            except Exception as exc:  # one bad row must not stop the others
                self.outcomes["errors"] += 1
                message = f"{type(exc).__name__}: {exc}"
                self.errors.append(message)
                logger.error("index write failed (%s): %s", kind, message)
            if pending >= self.batch or (pending and self._queue.empty()):
                index.commit()
                pending = 0
        index.close()

    def _article(self, index: Index, article: dict[str, Any], capture: Capture) -> None:
        capture_id = index.add_capture(capture)
        content_id, content = capture_id, capture
        if capture.record_type == "revisit" and capture.revisit_of:
            # The page is unchanged: the article keeps pointing at the record that holds its bytes.
            original = index.capture_by_record_id(capture.revisit_of)
            if original is not None:
                content_id, content = original
        outcome = index.upsert_article(article, content_id, content, seen_at=capture.fetched_at)
        self.outcomes[outcome] += 1

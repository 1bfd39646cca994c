"""Item pipeline that writes captures and articles into the SQLite index (on a writer thread)."""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals

from archive import crawllock, indexlock
from archive.index import Capture, Index, default_db_path
from archive.storage import storage_problem
from archive.writer import IndexWriteFailed, IndexWriter
from crawler import signals as na_signals
from crawler.core.halt import halt
from crawler.items import ArchivedArticle
from crawler.runinfo import crawl_id_for, data_dir

logger = logging.getLogger(__name__)


class _SharedWriter:
    """One writer per index file per process: two spiders in one run share it, because SQLite allows one
    writer at a time and two connections holding open transactions would lock each other out."""

    _open: dict[Path, tuple[IndexWriter, int]] = {}

    @classmethod
    def acquire(cls, path: Path, batch: int, commit_seconds: float, on_failure) -> IndexWriter:
        path = path.resolve()
        writer, users = cls._open.get(path, (None, 0))
        if writer is None:
            writer = IndexWriter(path, batch=batch, commit_seconds=commit_seconds, on_failure=on_failure)
        cls._open[path] = (writer, users + 1)
        return writer

    @classmethod
    def release(cls, writer: IndexWriter) -> None:
        path = writer.path.resolve()
        shared, users = cls._open[path]
        if users <= 1:
            del cls._open[path]
            shared.close()
        else:
            cls._open[path] = (shared, users - 1)


class IndexPipeline:
    """Captures arrive by signal (every archived response, robots.txt and error pages included); articles
    arrive as items, linked to their capture by WARC record id. Both are queued to the index writer
    thread in arrival order, committed every INDEX_COMMIT_EVERY rows or INDEX_COMMIT_SECONDS, and when the
    spider closes. If the writer stops (a full disk), the whole crawl stops (crawler/core/halt.py), rows that
    arrive meanwhile are dropped (their records are in the WARC files, for the next run's catch-up), and the
    `index/failed` stat tells run_crawl to leave the crawl's row `running` so that catch-up happens.
    """

    def __init__(self, crawler_obj):
        self.crawler = crawler_obj
        self.stats = crawler_obj.stats
        settings = crawler_obj.settings
        self.data_dir = data_dir(settings)
        self.db_path = default_db_path(self.data_dir)
        # Every way of crawling (`newsarchive crawl`, `scrapy crawl`, scrapyd) builds this pipeline before
        # its first request, so a crawl started during a reindex stops here, having written nothing; and a
        # reindex cannot start while the crawl writes. `newsarchive crawl` holds the lock already (run_crawl):
        # a second shared lock of the same process costs nothing.
        self.index_lock = indexlock.acquire(self.db_path, exclusive=False, owner="crawl")
        try:
            self.writer = _SharedWriter.acquire(self.db_path, settings.getint("INDEX_COMMIT_EVERY"),
                                                settings.getfloat("INDEX_COMMIT_SECONDS"), self._writer_stopped)
        except BaseException:
            self.index_lock.release()
            raise
        self.crawl_id = crawl_id_for(settings)
        self._owns_crawl_row = False
        crawler_obj.signals.connect(self.capture_written, signal=na_signals.capture_written)
        crawler_obj.signals.connect(self.fetch_failed, signal=na_signals.fetch_failed)
        # After WarcCaptureMiddleware's own spider_closed (connected earlier), so WARC totals are final.
        crawler_obj.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler_obj):
        return cls(crawler_obj)

    def _writer_stopped(self, exc: BaseException) -> None:
        """On the writer thread: stop the crawl, from the reactor's."""
        from twisted.internet import reactor

        reactor.callFromThread(halt, storage_problem(exc) or "index_failed", "the index",
                               f"{type(exc).__name__}: {exc}")

    def open_spider(self):
        spider = self.crawler.spider
        try:
            self.writer.flush()
        except IndexWriteFailed:
            return  # the crawl is stopping already
        index = Index(self.db_path)
        exists = index.has_crawl(self.crawl_id)
        index.close()
        if not exists:  # a plain `scrapy crawl`; `newsarchive crawl` creates and closes the row itself
            self._owns_crawl_row = True
            crawllock.hold(self.data_dir, self.crawl_id)  # alive for other crawls' catch-up (archive/crawllock.py)
            started = datetime.now(timezone.utc).isoformat(timespec="seconds")
            self.writer.call(lambda ix: ix.start_crawl(self.crawl_id, [spider.name], {"spider": spider.name}, started))

    def capture_written(self, capture: Capture, request, response, spider):
        with _unless_stopped():
            self.writer.add_capture(capture)

    def fetch_failed(self, url, reason, status, detail, spider):
        site, crawl_id = spider.name, self.crawl_id
        with _unless_stopped():
            self.writer.call(lambda ix: ix.add_fetch_error(url, reason, site=site, crawl_id=crawl_id,
                                                           status=status, detail=detail))

    def process_item(self, item: ArchivedArticle):
        with _unless_stopped():
            self.writer.add_article(item.article, item.capture)
        return item

    def spider_closed(self, spider, reason):
        if self._owns_crawl_row:
            stats = self.stats.get_stats()
            fields = dict(
                ended=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                status="finished" if reason == "finished" else str(reason),
                pages=stats.get("warc/responses", 0), articles=stats.get("item_scraped_count", 0),
                errors=stats.get("newsarchive/errors", 0), warc_bytes=stats.get("warc/bytes", 0),
                warc_files=json.dumps(stats.get("warc/file_names", [])))
            with _unless_stopped():
                self.writer.call(lambda ix: ix.finish_crawl(self.crawl_id, **fields))
        try:
            self.writer.flush()
        except IndexWriteFailed:
            self.stats.set_value("index/failed", 1)
        for outcome, count in self.writer.outcomes.items():
            self.stats.set_value(f"index/articles_{outcome}" if outcome != "errors" else "index/write_errors", count)
        if self.writer.outcomes["errors"]:
            logger.error("%d index writes failed; first: %s", self.writer.outcomes["errors"], self.writer.errors[0])
        _SharedWriter.release(self.writer)
        if self._owns_crawl_row:
            crawllock.release(self.data_dir, self.crawl_id)
        self.index_lock.release()


@contextmanager
def _unless_stopped():
    """Rows for a writer that has stopped are dropped: the crawl is stopping already (the writer said why)."""
    try:
        yield
    except IndexWriteFailed:
        pass

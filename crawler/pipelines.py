"""Item pipeline that writes captures and articles into the SQLite index."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals

from archive.index import Capture, Index, default_db_path
from crawler import signals as na_signals
from crawler.runinfo import crawl_id_for, data_dir

logger = logging.getLogger(__name__)


class _SharedIndex:
    """One writer connection per index file per process: two spiders in one run share it, because SQLite
    allows one writer at a time and each crawler holding its own open transaction would lock the other out."""

    _open: dict[Path, tuple[Index, int]] = {}

    @classmethod
    def acquire(cls, path: Path) -> Index:
        path = path.resolve()
        index, users = cls._open.get(path, (None, 0))
        if index is None:
            index = Index(path)
        cls._open[path] = (index, users + 1)
        return index

    @classmethod
    def release(cls, index: Index) -> None:
        path = index.path.resolve()
        shared, users = cls._open[path]
        if users <= 1:
            del cls._open[path]
            shared.close()
        else:
            shared.commit()
            cls._open[path] = (shared, users - 1)


class IndexPipeline:
    """One index writer per crawler. Captures arrive by signal (every archived response, robots.txt and
    error pages included); articles arrive as items and are linked to their capture by WARC record id.
    Writes are batched in transactions of INDEX_COMMIT_EVERY rows and committed when the spider closes.
    """

    def __init__(self, crawler_obj):
        self.crawler = crawler_obj
        self.stats = crawler_obj.stats
        settings = crawler_obj.settings
        self.index = _SharedIndex.acquire(default_db_path(data_dir(settings)))
        self.crawl_id = crawl_id_for(settings)
        self.commit_every = settings.getint("INDEX_COMMIT_EVERY", 200)
        self._pending = 0
        self._owns_crawl_row = False
        crawler_obj.signals.connect(self.capture_written, signal=na_signals.capture_written)
        # After WarcCaptureMiddleware's own spider_closed (connected earlier), so WARC totals are final.
        crawler_obj.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler_obj):
        return cls(crawler_obj)

    def open_spider(self):
        spider = self.crawler.spider
        exists = self.index.conn.execute("SELECT 1 FROM crawls WHERE id = ?", [self.crawl_id]).fetchone()
        if not exists:  # a plain `scrapy crawl`; `newsarchive crawl` creates and closes the row itself
            self._owns_crawl_row = True
            self.index.start_crawl(self.crawl_id, [spider.name], {"spider": spider.name},
                                   datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def capture_written(self, capture: Capture, request, response, spider):
        # Scrapy's signal dispatch swallows exceptions: count them so the run fails loudly instead.
        try:
            self.index.add_capture(capture)
        except Exception as exc:
            self.stats.inc_value("index/write_errors")
            logger.error("could not index capture of %s: %s: %s", capture.url, type(exc).__name__, exc)
            return
        self._tick()

    def process_item(self, item):
        capture: Capture = item["capture"]
        capture_id = self.index.add_capture(capture)
        content_id, content = capture_id, capture
        if capture.record_type == "revisit" and capture.revisit_of:
            # The page is unchanged: the article keeps pointing at the record that holds its bytes.
            original = self.index.capture_by_record_id(capture.revisit_of)
            if original is not None:
                content_id, content = original
        article = dict(item["article"], warnings=item.get("warnings", []))
        outcome = self.index.upsert_article(article, content_id, content, seen_at=capture.fetched_at)
        self.stats.inc_value(f"index/articles_{outcome}")
        self._tick()
        return item

    def _tick(self):
        self._pending += 1
        if self._pending >= self.commit_every:
            self.index.commit()
            self._pending = 0

    def close_spider(self):
        self.index.commit()

    def spider_closed(self, spider, reason):
        self.index.commit()
        if self._owns_crawl_row:
            stats = self.stats.get_stats()
            self.index.finish_crawl(
                self.crawl_id, ended=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                status="finished" if reason == "finished" else str(reason),
                pages=stats.get("warc/responses", 0), articles=stats.get("item_scraped_count", 0),
                errors=stats.get("newsarchive/errors", 0), warc_bytes=stats.get("warc/bytes", 0),
                warc_files=json.dumps(stats.get("warc/file_names", [])))
        _SharedIndex.release(self.index)

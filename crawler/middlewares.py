"""Downloader middleware that writes every HTTP exchange to WARC, bodies exactly as received."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

import crawler
from archive.index import Capture
from archive.warc import HttpExchange, WarcFileWriter, recover_open_files
from crawler import signals as na_signals
from crawler.runinfo import crawl_id_for, data_dir

logger = logging.getLogger(__name__)

CAPTURE_META_KEY = "warc_capture"  # the Capture of this response, for the spider


def _latin1_items(headers) -> list[tuple[str, str]]:
    items = []
    for name, values in headers.items():
        for value in values:
            items.append((name.decode("latin-1"), value.decode("latin-1")))
    return items


class WarcCaptureMiddleware:
    """Archives each response before decompression (order 950 > HttpCompressionMiddleware's 590).

    The capture (WARC file, offset, record id) is put in `request.meta["warc_capture"]` for the spider, and announced with the
    `capture_written` signal for the index. A response that cannot be archived is counted
    (`warc/write_errors`) and logged as an error; the crawl then exits non-zero.
    """

    def __init__(self, crawler_obj, writer: WarcFileWriter, crawl_id: str):
        self.crawler = crawler_obj
        self.writer = writer
        self.crawl_id = crawl_id
        self.stats = crawler_obj.stats

    @classmethod
    def from_crawler(cls, crawler_obj):
        settings = crawler_obj.settings
        if not settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC capture disabled by WARC_ENABLED=False")
        spider_name = crawler_obj.spidercls.name
        crawl_id = crawl_id_for(settings)
        warc_dir = Path(data_dir(settings)) / "warc"
        warc_dir.mkdir(parents=True, exist_ok=True)
        for fixed in recover_open_files(warc_dir):
            crawler_obj.stats.inc_value("warc/recovered_files")
            logger.warning("recovered %s left open by a killed crawl: kept %d records, cut %d bytes -> %s",
                           fixed.open_file, fixed.records_kept, fixed.bytes_cut, fixed.warc_file or "removed")
        writer = WarcFileWriter(
            warc_dir, prefix=f"{settings.get('WARC_PREFIX', 'newsarchive')}-{spider_name}",
            max_bytes=settings.getint("WARC_MAX_BYTES"),
            warcinfo={
                "software": f"newsarchive/{crawler.__version__} (Scrapy)",
                "operator": settings.get("WARC_OPERATOR") or None,
                "isPartOf": crawl_id,
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": settings.get("USER_AGENT"),
                "description": f"newsarchive crawl {crawl_id} of site {spider_name}",
                "note": "Captured with Scrapy: header names are title-cased and their order is not kept; "
                        "bodies are stored as received (Content-Encoding kept, transfer coding removed).",
            })
        middleware = cls(crawler_obj, writer, crawl_id)
        crawler_obj.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request):
        # A redirect or retry copies meta: never let a new response inherit an earlier response's capture.
        request.meta.pop(CAPTURE_META_KEY, None)
        return None

    def process_response(self, request: Request, response: Response):
        spider = self.crawler.spider
        if "cached" in response.flags:
            return response
        fetched_at = datetime.now(timezone.utc)
        try:
            location = self.writer.write_exchange(self._exchange(request, response, fetched_at))
        except Exception as exc:  # archiving must never fail silently, nor kill the crawl
            self.stats.inc_value("warc/write_errors")
            logger.error("could not archive %s: %s: %s", response.url, type(exc).__name__, exc)
            return response
        self.stats.inc_value("warc/records", 2)
        self.stats.inc_value("warc/responses")
        capture = Capture(
            url=response.url, site=spider.name, status=response.status,
            content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1") or None,
            fetched_at=location.warc_date, payload_digest=location.payload_digest,
            warc_file=location.warc_file, warc_offset=location.offset, warc_length=location.length,
            record_id=location.record_id, crawl_id=self.crawl_id)
        request.meta[CAPTURE_META_KEY] = capture
        self.crawler.signals.send_catch_log(na_signals.capture_written, capture=capture, request=request,
                                            response=response, spider=spider)
        return response

    def _exchange(self, request: Request, response: Response, fetched_at: datetime) -> HttpExchange:
        return HttpExchange(
            url=response.url, method=request.method,
            request_headers=_latin1_items(request.headers), request_body=request.body or b"",
            protocol=response.protocol or "HTTP/1.1", status=response.status,
            response_headers=_latin1_items(response.headers), body=response.body,
            fetched_at=fetched_at,
            ip_address=str(response.ip_address) if response.ip_address else None)

    def spider_closed(self, spider, reason):
        self.writer.close()
        self.stats.set_value("warc/bytes", self.writer.bytes_written)
        self.stats.set_value("warc/files", len(self.writer.closed_files))
        spider.crawler.stats.set_value("warc/file_names", list(self.writer.closed_files))

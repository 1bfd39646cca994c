"""Downloader middleware that writes every HTTP exchange to WARC, bodies exactly as received."""

from __future__ import annotations

import logging
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

import crawler
from archive.index import PAGE, REQUISITE, Capture
from archive.recovery import recover_open_files
from archive.storage import DISK_FULL, storage_problem
from archive.warc import HttpExchange, RecordLocation
from crawler import signals as na_signals
from crawler.workers.capture import WarcTotals
from crawler.core.halt import halt, halted, watch
from crawler.meta import (CAPTURE_META_KEY, DATALOSS_FLAG, DISCOVERY_META_KEY, REASON_META_KEY, REQUISITE_META_KEY,
                          truncated)
from crawler.runinfo import crawl_id_for, data_dir
from crawler.workers.process import WorkerError, WorkerProcess

logger = logging.getLogger(__name__)

def _latin1_items(headers) -> list[tuple[str, str]]:
    items = []
    for name, values in headers.items():
        for value in values:
            items.append((name.decode("latin-1"), value.decode("latin-1")))
    return items


def provenance(request: Request, response: Response) -> dict[str, str]:
    """The metadata record's fields: how this URL was found and how the fetch went. A requisite's record says
    so (`discoveredBy: requisite`, `via: <page>`, `requisiteKind`, and `requisiteOf: <page>` when `via` names
    something else) even if its discovery meta did not: reindex rebuilds captures.role and needed_by from
    these fields alone (archive/reindex.py, `requisite_role`)."""
    meta = request.meta
    discovery = dict(meta.get(DISCOVERY_META_KEY) or {})
    requisite = meta.get(REQUISITE_META_KEY)
    if requisite:
        discovery.setdefault("source", REQUISITE)
        discovery.setdefault("via", requisite.get("of"))
        discovery["requisiteKind"] = requisite.get("kind")
        if discovery["via"] != requisite.get("of"):  # found through another (a font through its stylesheet)
            discovery["requisiteOf"] = requisite.get("of")
    referer = (request.headers.get(b"Referer") or b"").decode("latin-1")
    redirects = meta.get("redirect_urls") or []
    if redirects:
        discovery.setdefault("source", "redirect")
    if request.url.endswith("/robots.txt") and not referer:
        discovery.setdefault("source", "robots")
    fields = {
        "via": discovery.pop("via", None) or referer or (redirects[-1] if redirects else None),
        "discoveredBy": discovery.pop("source", None) or ("link" if referer else "seed"),
        "hopsFromSeed": discovery.pop("hops", None) or meta.get("depth"),
        "redirectedFrom": " ".join(redirects) if redirects else None,
        "fetchTimeMs": f"{meta['download_latency'] * 1000:.0f}" if "download_latency" in meta else None,
    }
    fields.update({key: str(value) for key, value in discovery.items() if value not in (None, "")})
    return {key: str(value) for key, value in fields.items() if value not in (None, "")}


class WarcCaptureMiddleware:
    """Archives each response before decompression (order 950 > HttpCompressionMiddleware's 590).

    Writes response (or revisit) + request + metadata records in a writer process of its own
    (crawler/workers/capture.py), so archiving overlaps with the reactor instead of stalling it. The capture (WARC
    file, offset, record id) goes into `request.meta[CAPTURE_META_KEY]` for the spider and out with the
    `capture_written` signal for the index. A response that cannot be archived is counted
    (`warc/write_errors`) and logged as an error; the crawl then exits non-zero. One that fails because the
    storage failed (a full disk) stops the whole crawl at once (crawler/core/halt.py). A body cut short (flags in
    TRUNCATED_FLAGS) is archived as far as it came with `WARC-Truncated: length`, never deduplicated; one that
    lost its connection ("dataloss") is then retried like a failed download.
    """

    def __init__(self, crawler_obj, writer: WorkerProcess, crawl_id: str):
        self.crawler = crawler_obj
        self.writer = writer
        self.crawl_id = crawl_id
        watch(crawler_obj)
        self.stats = crawler_obj.stats
        # Benchmarks only: everything but the WARC writing itself (captures and articles are still indexed,
        # pointing at no record), so `bench` can measure what writing costs. Never for a real crawl.
        self.dry_run = crawler_obj.settings.getbool("WARC_DRY_RUN", False)
        if self.dry_run:
            logger.warning("WARC_DRY_RUN is set: nothing is archived, index rows point at no WARC record")

    @classmethod
    def from_crawler(cls, crawler_obj):
        settings = crawler_obj.settings
        if not settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC capture disabled by WARC_ENABLED=False")
        spider_name = crawler_obj.spidercls.name
        crawl_id = crawl_id_for(settings)
        archive_dir = Path(data_dir(settings))
        warc_dir = archive_dir / "warc"
        try:
            return cls._open(crawler_obj, settings, spider_name, crawl_id, archive_dir, warc_dir)
        except OSError as exc:  # nothing could be archived: stop the crawl at once, loudly, without a traceback
            why = "it exists and is not a directory" if warc_dir.exists() and not warc_dir.is_dir() else \
                f"{type(exc).__name__}: {exc}"
            return _ArchiveUnavailable(crawler_obj, f"cannot archive to {warc_dir}: {why}",
                                       (DISK_FULL if storage_problem(exc) == DISK_FULL else None,
                                        f"the WARC directory {warc_dir}", f"{type(exc).__name__}: {exc}"))

    @classmethod
    def _open(cls, crawler_obj, settings, spider_name: str, crawl_id: str, archive_dir: Path, warc_dir: Path):
        warc_dir.mkdir(parents=True, exist_ok=True)
        for fixed in recover_open_files(warc_dir):
            crawler_obj.stats.inc_value("warc/recovered_files")
            logger.warning("%s", fixed.describe())
        warcinfo = {
            "software": f"newsarchive/{crawler.__version__} (Scrapy)",
            "operator": settings.get("WARC_OPERATOR") or None,
            "isPartOf": crawl_id,
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "description": f"newsarchive crawl {crawl_id} of site {spider_name}",
            "note": "Captured with Scrapy: header names are title-cased and their order is not kept; "
                    "bodies are stored as received (Content-Encoding kept, transfer coding removed).",
        }
        digests = str(archive_dir / "digests.db") if settings.getbool("WARC_DEDUPE", True) else None
        writer = WorkerProcess("crawler.workers.capture:CaptureWriter", str(warc_dir),
                               f"{settings.get('WARC_PREFIX', 'newsarchive')}-{spider_name}",
                               settings.getint("WARC_MAX_BYTES"), warcinfo, digests, os.getpid(), name="WARC writer")
        middleware = cls(crawler_obj, writer, crawl_id)
        crawler_obj.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request):
        # A redirect or retry copies meta: never let a new response inherit an earlier response's capture.
        request.meta.pop(CAPTURE_META_KEY, None)
        request.meta.pop(REASON_META_KEY, None)
        return None

    async def process_response(self, request: Request, response: Response):
        if "cached" in response.flags:
            return response
        if halted() is not None:  # answered after the crawl stopped on a full disk: it cannot be archived
            self.stats.inc_value("warc/write_errors")
            logger.debug("not archived, the crawl is stopping: %s", response.url)
            return response
        cut = truncated(response)
        try:
            exchange = self._exchange(request, response, datetime.now(timezone.utc))
            if cut:  # what arrived is archived, marked as less than the server sent (WARC 1.1 §5.13)
                exchange.extra_warc_headers["WARC-Truncated"] = "length"
            metadata = provenance(request, response)
            # A cut payload must never stand in for a later full one: no dedupe for it.
            location: RecordLocation = _unwritten(exchange) if self.dry_run else \
                await self.writer.call(("write", exchange, metadata, not cut))
        except Exception as exc:  # archiving must never fail silently; only a failed storage stops the crawl
            self.stats.inc_value("warc/write_errors")
            problem = getattr(exc, "storage", None)
            if problem:
                halt(problem, "a WARC file", str(exc).removeprefix(f"{self.writer.name}: "))
            else:
                logger.error("could not archive %s: %s: %s", response.url, type(exc).__name__, exc)
            return response
        if cut:
            self.stats.inc_value("warc/truncated_records")
        self.stats.inc_value("warc/responses")
        self.stats.inc_value(f"warc/{location.record_type}_records")
        capture = Capture(
            url=response.url, site=self.crawler.spider.name, status=response.status,
            content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1") or None,
            fetched_at=location.warc_date, payload_digest=location.payload_digest,
            warc_file=location.warc_file, warc_offset=location.offset, warc_length=location.length,
            record_id=location.record_id, crawl_id=self.crawl_id, record_type=location.record_type,
            revisit_of=location.refers_to, **_role(request))
        request.meta[CAPTURE_META_KEY] = capture
        self.crawler.signals.send_catch_log(na_signals.capture_written, capture=capture, request=request,
                                            response=response, spider=self.crawler.spider)
        if DATALOSS_FLAG in response.flags and not request.meta.get("dont_retry"):
            # The connection closed before Content-Length bytes: archived above, then retried like a failed
            # download (RETRY_TIMES). Out of retries, the cut response goes on and the spider records it.
            retry = get_retry_request(request, spider=self.crawler.spider, reason="dataloss")
            if retry is not None:
                return retry
        return response

    def _exchange(self, request: Request, response: Response, fetched_at: datetime) -> HttpExchange:
        return HttpExchange(
            url=response.url, method=request.method,
            request_headers=_latin1_items(request.headers), request_body=request.body or b"",
            protocol=response.protocol or "HTTP/1.1", status=response.status,
            reason=request.meta.get(REASON_META_KEY),
            response_headers=_latin1_items(response.headers), body=response.body,
            fetched_at=fetched_at,
            ip_address=str(response.ip_address) if response.ip_address else None)

    def spider_closed(self, spider, reason):
        # Synchronous on purpose: IndexPipeline's spider_closed runs next and records these totals.
        totals = WarcTotals(0, [])
        if self.writer.proc is not None:
            try:
                totals = self.writer.call_sync(("close",))
            except WorkerError as exc:
                if exc.storage:  # the file stays `.open`, sound up to its last complete record
                    halt(exc.storage, "a WARC file", str(exc).removeprefix(f"{self.writer.name}: "))
                    logger.info("the WARC file was left open for the next run to close: %s", exc)
                else:
                    self.stats.inc_value("warc/write_errors")
                    logger.error("could not close the WARC files: %s; the next crawl repairs them", exc)
        self.writer.close()
        self.stats.set_value("warc/bytes", totals.bytes_written)
        self.stats.set_value("warc/files", len(totals.closed_files))
        self.stats.set_value("warc/file_names", list(totals.closed_files))


def _role(request: Request) -> dict[str, str | None]:
    """The capture's `role` and `needed_by`: a requisite's, of the page that asked for it, else a page's."""
    requisite = request.meta.get(REQUISITE_META_KEY)
    if requisite:
        return {"role": REQUISITE, "needed_by": requisite.get("of")}
    return {"role": PAGE, "needed_by": None}


def _unwritten(exchange: HttpExchange) -> RecordLocation:
    """Where a record would be, for WARC_DRY_RUN."""
    return RecordLocation(warc_file="(dry run)", offset=0, length=0, record_id=f"<urn:uuid:{uuid.uuid4()}>",
                          warc_date=exchange.fetched_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), payload_digest=None)


class _ArchiveUnavailable:
    """Stands in for WarcCaptureMiddleware when the WARC directory cannot be used (a file in its place, no
    permission, disk full): one clear error, `warc/write_errors` set, the spider closed before any request
    goes out (finish reason `warc_unwritable`), so the crawl exits non-zero instead of fetching for nothing."""

    def __init__(self, crawler_obj, message: str, failure: tuple[str | None, str, str]):
        self.crawler = crawler_obj
        self.message = message
        self.failure = failure  # (archive.storage problem or None, where, error)
        crawler_obj.signals.connect(self.spider_opened, signal=signals.spider_opened)

    def spider_opened(self, spider):
        self.crawler.stats.inc_value("warc/write_errors")
        problem, where, error = self.failure
        if problem:  # a full disk: the whole crawl stops, with the one line that says so
            halt(problem, where, error)
            raise CloseSpider(problem)
        logger.error("%s; stopping the crawl", self.message)
        raise CloseSpider("warc_unwritable")

    def process_request(self, request: Request):
        raise IgnoreRequest(self.message)


"""Rebuild the whole index from the WARC files alone, re-running the parsers (`newsarchive reindex`).

The parser is passed in as a callable, so this module never imports `crawler/`:
`parse(body, url, fetched_at, site) -> article (archive.index.IndexableArticle) | None for a page that is not
an article`.

Replay follows the live pipeline (crawler/downloadermiddlewares/capture.py, crawler/spiders/base.py, archive/writer.py):

- WARC files in the order they were written (timestamp17 in the name, then serial), records in file order,
  so first_seen / last_seen / versions and the best-version rule come out as the live crawl left them.
- Every `response` and `revisit` record becomes a capture; `site` is the spider named in the warcinfo
  description (else the file-name prefix `newsarchive-<site>-…`), `crawl_id` is warcinfo `isPartOf`.
- A capture's `role` and `needed_by` come from the metadata record WARC-Concurrent-To its response: it
  follows the response (and its request) in the same file, so the response waits for it one record at most.
  `discoveredBy: requisite` makes a requisite of the page `requisiteOf` (else `via`) names; a response
  without that record (older files, a damaged member) is a page.
- Only status-200 pages are parsed; requisites never are. A revisit is parsed from its original's bytes
  (WARC-Refers-To) with the revisit's own date, and its article keeps pointing at the original response
  record, as live.
- `crawls` rows describe runs (arguments, status) that the WARC files only partly record: rows of the old
  index are kept as they are; a crawl id found only in warcinfo gets a row rebuilt from its WARC files
  (status `reindexed`: sites, first/last record date, pages (requisites aside), articles, files, bytes).
  `fetch_errors` (fetches that left no record) cannot be derived at all: they are copied from the old index.
- The new index is built in a temporary file beside the old one and moved over it with one rename, so a
  failed or interrupted rebuild leaves the old index untouched.
- A damaged gzip member does not end a file: its byte range is reported and the records after it are read
  (archive/records.py). Before the rename, the new index is compared with the old one (archive/oldindex.py):
  if it lacks an article or a capture the old one held (the old index may hold the only copy of a damaged
  record's text), the old index is kept and ReindexLoss is raised, unless `accept_loss`.
- Crawls hold the index lock shared for their whole run; the rebuild holds it exclusive from before the first
  WARC file is read until after the rename (archive/indexlock.py), so no crawl's rows are renamed away.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Callable

from warcio.archiveiterator import ArchiveIterator

from archive import indexlock, oldindex
from archive.bulk import add_pages_each
from archive.index import BULK_CACHE_MB, PAGE, REQUISITE, Capture, Index, IndexableArticle
from archive.decoding import MAX_BODY_BYTES, BodyTooLarge, decode_content
from archive.openfiles import OPEN_SUFFIX
from archive.records import WarcRecords, read_response
from archive.requisites import requisite_role
from archive.recovery import recover_open_files
from archive.reindex_report import ReindexBusy, ReindexError, ReindexLoss, ReindexReport  # noqa: F401 (re-exported)
from archive.times import warc_date_to_datetime

ParseFn = Callable[[bytes, str, datetime, "str | None"], "IndexableArticle | None"]

_NAME = re.compile(r"^(?P<prefix>.+)-(?P<site>[^-]+)-(?P<stamp>\d{17})-(?P<serial>\d+)-\d+~.+\.warc(\.gz)?$")
_DESCRIPTION_SITE = re.compile(r"\bof site (\S+)\s*$")
_BATCH = 32  # pages per parser job


def warc_files_in_order(warc_dir: str | os.PathLike) -> list[Path]:
    """Finished WARC files, oldest first: by the timestamp17 and serial in the name (else the warcinfo date)."""
    paths = [p for p in Path(warc_dir).iterdir() if p.name.endswith((".warc.gz", ".warc"))]

    def key(path: Path):
        match = _NAME.match(path.name)
        if match:
            return match["stamp"], int(match["serial"]), path.name
        return _first_date_stamp(path), 0, path.name

    return sorted(paths, key=key)


def rebuild(warc_dir: str | os.PathLike, db_path: str | os.PathLike, parse: ParseFn,
            workers: int | None = None, progress: Callable[[str], None] | None = None,
            accept_loss: bool = False, max_body_bytes: int = MAX_BODY_BYTES) -> ReindexReport:
    """Rebuild `db_path` from the WARC files in `warc_dir`; returns what was done.

    `workers`: processes running the parser (default: one per CPU; 1 parses inline). `parse` must then be
    a module-level function (it is pickled by reference); anything else is run inline. Raises ReindexBusy
    while a crawl holds the index, and ReindexLoss (the old index kept, the report attached) when the new
    index would lack an article or capture the old one holds, unless `accept_loss`. A page whose body, as
    stored or decoded, is larger than `max_body_bytes` is captured but not parsed, and named in `problems`
    (a decompression bomb archived as received).
    """
    started = time.perf_counter()
    warc_dir, db_path = Path(warc_dir), Path(db_path)
    if not warc_dir.is_dir():
        raise ReindexError(f"no WARC directory at {warc_dir}")
    try:
        lock = indexlock.acquire(db_path, exclusive=True, owner="newsarchive reindex")
    except indexlock.IndexBusy as exc:
        raise ReindexBusy(str(exc)) from None
    try:
        report = _rebuild(warc_dir, db_path, parse, workers, progress, accept_loss, max_body_bytes)
    except ReindexLoss as exc:
        exc.report.elapsed = time.perf_counter() - started
        raise
    finally:
        lock.release()
    report.elapsed = time.perf_counter() - started
    return report


def _rebuild(warc_dir: Path, db_path: Path, parse: ParseFn, workers: int | None,
             progress: Callable[[str], None] | None, accept_loss: bool, max_body_bytes: int) -> ReindexReport:
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    if workers > 1 and not _picklable(parse):
        workers = 1
    report = ReindexReport(db_path=db_path, old_index=db_path.exists())
    report.recovered = [r.short() for r in recover_open_files(warc_dir)]
    still_open = sorted(p.name for p in warc_dir.glob(f"*{OPEN_SUFFIX}"))
    if still_open:
        raise ReindexError(f"a crawl is writing {still_open[0]}: reindex when it has finished")
    tmp = db_path.with_name(f"{db_path.name}.reindex-{os.getpid()}.tmp")
    _remove_db(tmp)
    builder = index = None
    try:
        index = Index(tmp, cache_mb=BULK_CACHE_MB)
        index.conn.execute("PRAGMA synchronous=OFF")
        builder = _Builder(index, warc_dir, parse, report, workers, max_body_bytes)
        if report.old_index:
            builder.carry_over(db_path)
        for path in warc_files_in_order(warc_dir):
            builder.add_file(path)
            if progress:
                progress(f"{path.name}: {report.captures:,} captures, {report.parsed:,} pages parsed")
        builder.drain()
        builder.finish()
        report.articles = index.count("articles")
        report.versions = index.count("article_versions")
        index.commit()
        index.conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to move into place
        index.conn.execute("PRAGMA optimize")
        index.close()
        if report.old_index:
            report.loss = oldindex.compare(db_path, tmp)
            if report.loss.any and not accept_loss:
                raise ReindexLoss(report)
        try:
            oldindex.replace(tmp, db_path)
        except oldindex.ReplaceRefused as exc:
            raise ReindexError(str(exc)) from None
        report.replaced = True
        Path(f"{tmp}.lock").unlink(missing_ok=True)
    except BaseException:
        if builder is not None:
            builder.close()
        if index is not None:
            index.conn.close()
        _remove_db(tmp)
        raise
    return report


class _Builder:
    """Reads records in order, parses pages (in worker processes when `workers` > 1) and applies captures
    and articles to the index strictly in record order."""

    def __init__(self, index: Index, warc_dir: Path, parse: ParseFn, report: ReindexReport, workers: int,
                 max_body_bytes: int = MAX_BODY_BYTES):
        self.index, self.warc_dir, self.parse, self.report = index, warc_dir, parse, report
        self.max_body_bytes = max_body_bytes
        self.known_crawls: set[str] = set()
        self.rebuilt: dict[str, dict] = {}  # crawl id -> stats of a crawl known from warcinfo only
        self.pending: dict[str, Capture] = {}  # record id -> response read but not yet in the index
        self.batch: list[tuple[Capture, tuple | None]] = []  # (capture, parse task) in record order
        self.in_flight: deque = deque()  # (batch, future) submitted to the pool, oldest first
        self.pool = ProcessPoolExecutor(workers) if workers > 1 else None
        self.workers = workers

    # -- the old index ------------------------------------------------------------------------------

    def carry_over(self, old_path: Path) -> None:
        """Copy `crawls`, `fetch_errors` and the crawl health tables from the old index; what cannot be read is
        named in the report."""
        carried, self.report.not_carried = oldindex.carry_over(old_path, self.index.conn)
        counters = {"crawls": "crawls_kept", "fetch_errors": "fetch_errors_kept"}
        for table in oldindex.CARRIED:
            counter = counters.get(table)
            if table not in carried:
                continue
            cols, rows = carried[table]
            if table == "crawls":
                self.known_crawls.update(r[cols.index("id")] for r in rows)
            elif "crawl_id" in cols:  # a fetch error's (or health row's) crawl must exist (foreign key), even if its row was lost
                for crawl_id in {r[cols.index("crawl_id")] for r in rows} - self.known_crawls - {None}:
                    self._new_crawl(crawl_id, status="unknown")
            self.index.begin()
            self.index.conn.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
            if counter:
                setattr(self.report, counter, getattr(self.report, counter) + len(rows))

    # -- reading ------------------------------------------------------------------------------------

    def add_file(self, path: Path, skip_ids: set[str] | None = None, reparse_ids: set[str] | None = None) -> None:
        """Read one WARC file; records whose id is in `skip_ids` are already indexed (a catch-up run), except
        those also in `reparse_ids`: captured, but their article was lost with a killed crawl, so they are
        parsed again, their capture row kept as it is."""
        self.report.files += 1
        name_match = _NAME.match(path.name)
        site = name_match["site"] if name_match else None
        crawl_id = None
        records = WarcRecords(path)
        # A response waits here for its metadata record (written after it and its request, in the same write)
        # to say whether it is a page or a requisite; any other record ends the wait.
        held: tuple | None = None
        for at in records:
            record = at.record
            self.report.records += 1
            rec_type = record.rec_type
            if rec_type == "request":
                continue
            if held is not None:
                role = None
                if rec_type == "metadata" and record.rec_headers.get_header("WARC-Concurrent-To") == held[0]:
                    role = requisite_role(_warc_fields(record.content_stream().read()))
                self._read_record(*held[1:], role_of=role)
                held = None
            if rec_type == "warcinfo":
                info = _warc_fields(record.content_stream().read())
                described = _DESCRIPTION_SITE.search(info.get("description", ""))
                site = described.group(1) if described else site
                crawl_id = info.get("isPartOf") or None
                if crawl_id and crawl_id not in self.known_crawls:
                    self._new_crawl(crawl_id)
                continue
            if rec_type not in ("response", "revisit"):
                continue
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            indexed = bool(skip_ids) and record_id in skip_ids
            if indexed and not (reparse_ids and record_id in reparse_ids):
                continue
            # One byte past the limit tells a body too large to parse without holding it.
            raw = record.raw_stream.read(self.max_body_bytes + 1)
            held = (record_id, record, raw, path.name, at.offset, at.length, site, crawl_id, indexed)
        if held is not None:
            self._read_record(*held[1:])
        self.report.damaged.extend(records.damaged)
        stats = self.rebuilt.get(crawl_id) if crawl_id else None
        if stats is not None:
            stats["warc_files"].append(path.name)
            stats["warc_bytes"] += path.stat().st_size
            stats["sites"].setdefault(site, None)

    def _read_record(self, record, raw: bytes, warc_file: str, offset: int, length: int,
                     site: str | None, crawl_id: str | None, indexed: bool = False,
                     role_of: tuple[str, str | None] | None = None) -> None:
        """Add a response or revisit record as a capture (`role_of`: role and needed_by, from its metadata) and,
        if the spider would have parsed it, its page. A requisite is never parsed: live, no spider does."""
        role, needed_by = role_of or (PAGE, None)
        headers = record.rec_headers
        http = record.http_headers
        status = http.get_statuscode() if http else None
        status = int(status) if status and str(status).isdigit() else None
        content_types = [v for k, v in (http.headers if http else []) if k.lower() == "content-type"]
        capture = Capture(
            url=headers.get_header("WARC-Target-URI"), site=site, status=status,
            content_type=content_types[-1] if content_types else None,  # Scrapy's headers.get(): the last
            fetched_at=headers.get_header("WARC-Date"), payload_digest=headers.get_header("WARC-Payload-Digest"),
            warc_file=warc_file, warc_offset=offset, warc_length=length,
            record_id=headers.get_header("WARC-Record-ID"), crawl_id=crawl_id, record_type=record.rec_type,
            revisit_of=headers.get_header("WARC-Refers-To") if record.rec_type == "revisit" else None,
            role=role, needed_by=needed_by)
        # An indexed capture goes through the same steps: add_capture finds its row and changes nothing.
        self.report.captures += not indexed
        stats = self.rebuilt.get(crawl_id) if crawl_id and not indexed else None
        if stats is not None:
            stats["pages"] += role == PAGE  # as the crawl counts them: its requisites are counted apart
            stats["started"] = min(stats["started"] or capture.fetched_at, capture.fetched_at)
            stats["ended"] = max(stats["ended"] or capture.fetched_at, capture.fetched_at)
        task = None
        if capture.record_type == "response":
            self.pending[capture.record_id] = capture
            # Live, partial pages are not parsed, and requisites never are.
            if role != REQUISITE and status == 200 and not headers.get_header("WARC-Truncated"):
                encoding = http.get_header("Content-Encoding") if http else None
                body = self._decoded(capture, lambda: decode_content(raw, encoding, self.max_body_bytes))
                if body is not None:
                    task = (body, capture.url, warc_date_to_datetime(capture.fetched_at), site)
        else:
            self.report.revisits += not indexed
            original = self._original(capture.revisit_of)
            if role == REQUISITE:
                pass  # never parsed, so its original is not read here (verify checks that it is held)
            elif original is None and status == 200:
                self.report.problems.append(
                    f"revisit {capture.record_id} of {capture.url}: original {capture.revisit_of} is not in "
                    "these WARC files, page not parsed")
            elif status == 200:  # parsed from the original's bytes, with the revisit's own date, as live
                body = self._decoded(capture, lambda: read_response(
                    self.warc_dir / original[0], original[1], self.max_body_bytes).body)
                if body is not None:
                    task = (body, capture.url, warc_date_to_datetime(capture.fetched_at), site)
        if task is not None:  # the spiders parse only status-200 pages (crawler/spiders/base.py)
            self.report.parsed += 1
            self.report.reparsed += indexed
        self.batch.append((capture, task))
        if len(self.batch) >= _BATCH:
            self._submit()

    def _decoded(self, capture: Capture, decode: Callable[[], bytes]) -> bytes | None:
        """The page's body for the parser, or None (and a problem naming the page) when it cannot be had."""
        where = f"{capture.url} ({capture.warc_file} at {capture.warc_offset})"
        try:
            return decode()
        except BodyTooLarge as exc:
            self.report.problems.append(f"not parsed: {where}: {exc}")
        except Exception as exc:  # bytes that are not of their Content-Encoding: one page, not the rebuild
            self.report.problems.append(f"not parsed: {where}: body does not decode: {type(exc).__name__}: {exc}")
        return None

    def _original(self, record_id: str | None) -> tuple[str, int] | None:
        """(WARC file, offset) of the response a revisit refers to: read earlier, in the index or pending."""
        if record_id in self.pending:
            return self.pending[record_id].warc_file, self.pending[record_id].warc_offset
        row = self.index.conn.execute("SELECT warc_file, warc_offset FROM captures WHERE record_id = ? "
                                      "AND record_type = 'response'", [record_id or ""]).fetchone()
        return (row[0], row[1]) if row else None

    # -- parsing and applying -----------------------------------------------------------------------

    def _submit(self) -> None:
        batch, self.batch = self.batch, []
        tasks = [task for _, task in batch if task is not None]
        if self.pool is None:
            self._apply(batch, _parse_many(self.parse, tasks))
            return
        self.in_flight.append((batch, self.pool.submit(_parse_many, self.parse, tasks)))
        while len(self.in_flight) > 2 * self.workers:
            done, future = self.in_flight.popleft()
            self._apply(done, future.result())

    def drain(self) -> None:
        if self.batch:
            self._submit()
        while self.in_flight:
            done, future = self.in_flight.popleft()
            self._apply(done, future.result())
        if self.pool is not None:
            self.pool.shutdown()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _apply(self, batch: list[tuple[Capture, tuple | None]], results: list) -> None:
        self.index.begin()
        results = iter(results)
        pages = []
        for capture, task in batch:
            self.index.add_capture(capture)
            self.pending.pop(capture.record_id, None)
            if task is None:
                continue
            outcome, value = next(results)
            if outcome == "error":  # live, the spider callback would have failed: no item
                self.report.problems.append(f"parser failed on {capture.url}: {value}")
                continue
            if value is None:
                continue
            pages.append((value, capture))  # a revisit's article points at the bytes' record, as live
            stats = self.rebuilt.get(capture.crawl_id) if capture.crawl_id else None
            if stats is not None:
                stats["articles"] += 1
        for (_, capture), outcome in zip(pages, add_pages_each(self.index, pages)):
            if isinstance(outcome, Exception):  # live, the index writer would have lost this page alone too
                self.report.problems.append(f"could not index {capture.url}: {type(outcome).__name__}: {outcome}")
        self.index.commit()

    # -- crawls -------------------------------------------------------------------------------------

    def _new_crawl(self, crawl_id: str, status: str = "reindexed") -> None:
        self.index.begin()
        self.index.conn.execute("INSERT INTO crawls (id, status) VALUES (?, ?)", [crawl_id, status])
        self.known_crawls.add(crawl_id)
        self.report.crawls_rebuilt += 1
        if status == "reindexed":
            self.rebuilt[crawl_id] = {"sites": {}, "started": None, "ended": None, "pages": 0, "articles": 0,
                                      "warc_files": [], "warc_bytes": 0}

    def finish(self) -> None:
        self.index.begin()
        for crawl_id, stats in self.rebuilt.items():
            self.index.finish_crawl(
                crawl_id, sites=",".join(s for s in stats["sites"] if s), started=stats["started"],
                ended=stats["ended"], pages=stats["pages"], articles=stats["articles"],
                warc_bytes=stats["warc_bytes"], warc_files=json.dumps(stats["warc_files"]),
                args=json.dumps({"rebuilt_from": "warcinfo"}))


def _parse_many(parse: ParseFn, tasks: list[tuple]) -> list[tuple[str, IndexableArticle | None | str]]:
    """Run the parser on a batch of pages (in a worker process, or inline)."""
    results = []
    for body, url, fetched_at, site in tasks:
        try:
            results.append(("ok", parse(body, url, fetched_at, site)))
        except Exception as exc:
            results.append(("error", f"{type(exc).__name__}: {exc}"))
    return results


def _picklable(fn) -> bool:
    try:
        pickle.dumps(fn)
    except Exception:
        return False
    return True


def _warc_fields(payload: bytes) -> dict[str, str]:
    fields = {}
    for line in payload.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def _first_date_stamp(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                date = record.rec_headers.get_header("WARC-Date") or ""
                return re.sub(r"\D", "", date)[:17].ljust(17, "0")
    except Exception:  # unreadable: sorted first, reported when it is read
        pass
    return ""


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

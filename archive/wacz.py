"""Package the archive (or one crawl of it) as a WACZ file: the Python twin of `newsarchive export wacz`.

py-wacz builds the package (its CDXJ index, datapackage.json and digests); we write `pages.jsonl`, because
its page detection finds nothing in a crawl that was not made by a browser. One page per article: `url`,
`title`, `ts` (the capture's WARC-Date), `authors` and `published` from the index, and `id` (the UUID of
the WARC record holding the page). The WARC files are copied into the package, never moved or deleted,
and checked before (`wacz validate` does not look inside them).

A package holds the whole archive, one crawl (`--crawl`), or the articles of a site and/or published in a
window (`--site`, `--since`, `--until`): then only the WARC files holding their captures, the requisites
they needed (captures whose `needed_by` names one of them) and the originals of those that are revisits.
datapackage.json's `mainPageURL`/`mainPageDate` name the newest home page capture of the selection, or else
its newest article page, so a replay tool opens the package on a page it holds.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit
from typing import IO, TextIO

from archive.cdxj import NOT_MODIFIED
from archive.index import Index, default_db_path
from archive.outfile import OutputError, atomic_output, check_target
from archive.verify import verify_warc


class ExportError(Exception):
    """The export cannot be made (unknown crawl, missing or damaged WARC file, nothing to export)."""


@dataclass
class WaczResult:
    path: Path
    warc_files: list[str]
    pages: int
    crawl_id: str | None
    log: str  # what py-wacz printed
    main_page: dict | None = None  # {"url", "ts", ...}: datapackage.json's mainPageURL and mainPageDate


def _columns(index: Index, table: str) -> set[str]:
    return {row[1] for row in index.conn.execute(f"PRAGMA table_info({table})")}


def select_warc_files(index: Index, warc_dir: Path, crawl_id: str | None) -> list[str]:
    """Every closed WARC file of the archive, or those of one crawl: the files it wrote (crawls.warc_files
    and its captures) plus the files holding the originals its revisit records refer to."""
    if crawl_id is None:
        return sorted(path.name for path in warc_dir.glob("*.warc.gz"))
    row = index.conn.execute("SELECT warc_files FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    if row is None:
        known = [r[0] for r in index.conn.execute("SELECT id FROM crawls ORDER BY started DESC LIMIT 5")]
        raise ExportError(f"no crawl {crawl_id!r} in the index (latest: {', '.join(known) or 'none'})")
    names = set(json.loads(row[0]) if row[0] else [])
    names.update(r[0] for r in index.conn.execute(
        "SELECT DISTINCT warc_file FROM captures WHERE crawl_id = ?", [crawl_id]))
    if "revisit_of" in _columns(index, "captures"):
        names.update(r[0] for r in index.conn.execute(
            "SELECT DISTINCT o.warc_file FROM captures c JOIN captures o ON o.record_id = c.revisit_of "
            "WHERE c.crawl_id = ?", [crawl_id]))
    return sorted(names)


@dataclass(frozen=True)
class Selection:
    """Which articles a package holds: all, or those of a site and/or published in a window (`since`
    inclusive, `until` exclusive, in `published_utc` form: archive.filters.date_bound)."""

    site: str | None = None
    since: str | None = None
    until: str | None = None

    @property
    def narrowed(self) -> bool:
        return bool(self.site or self.since or self.until)

    def where(self) -> tuple[str, list]:
        conditions, params = [], []
        for condition, value in (("a.site = ?", self.site), ("a.published_utc >= ?", self.since),
                                 ("a.published_utc < ?", self.until)):
            if value:
                conditions.append(condition)
                params.append(value)
        return "".join(f" AND {c}" for c in conditions), params


def page_entries(index: Index, crawl_id: str | None = None, selection: Selection = Selection()) -> list[dict]:
    """pages.jsonl lines (header excluded) with the WARC file and record holding each page.

    Without `crawl_id`: each article at the capture of its best version. With it: each article captured
    with status 200 in that crawl (a revisit included), at its latest such capture.
    """
    where, params = selection.where()
    if crawl_id is None:
        sql = ("SELECT a.id, a.url, a.title, a.authors, a.published, "
               "COALESCE(c.fetched_at, a.fetched_at), COALESCE(c.record_id, a.record_id), "
               "COALESCE(c.warc_file, a.warc_file) "
               f"FROM articles a LEFT JOIN captures c ON c.id = a.capture_id WHERE 1{where} ORDER BY a.id")
        rows = index.conn.execute(sql, params).fetchall()
    else:
        sql = ("SELECT a.id, a.url, a.title, a.authors, a.published, c.fetched_at, c.record_id, c.warc_file "
               "FROM articles a JOIN captures c ON c.url = a.url "
               f"WHERE c.crawl_id = ? AND c.status = 200{where} ORDER BY a.id, c.fetched_at DESC")
        rows = index.conn.execute(sql, [crawl_id, *params]).fetchall()
    pages, seen = [], set()
    for article_id, url, title, authors, published, ts, record_id, warc_file in rows:
        if article_id in seen:
            continue
        seen.add(article_id)
        pages.append({
            "id": (record_id or "").strip("<>").removeprefix("urn:uuid:") or f"article-{article_id}",
            "url": url, "title": title or url, "ts": ts,
            "authors": json.loads(authors) if authors else [], "published": published,
            "warc_file": warc_file, "record_id": record_id,
        })
    return pages


def main_page(index: Index, pages: list[dict], crawl_id: str | None, selection: Selection) -> dict | None:
    """The package's main page: the newest home page capture (status 200, path `/`) of the selected site(s),
    of the crawl and captured in the window if they are given; else the newest article page."""
    sql = ("SELECT url, fetched_at, record_id, warc_file FROM captures "
           "WHERE status = 200 AND url LIKE '%/'")  # a cheap filter; the path is checked below
    params: list = []
    for condition, value in (("site = ?", selection.site), ("crawl_id = ?", crawl_id),
                             ("fetched_at >= ?", selection.since), ("fetched_at < ?", selection.until)):
        if value:
            sql += f" AND {condition}"
            params.append(value)
    for url, fetched_at, record_id, warc_file in index.conn.execute(sql + " ORDER BY fetched_at DESC", params):
        parts = urlsplit(url)
        if parts.path == "/" and not parts.query:
            return {"url": url, "ts": fetched_at, "record_id": record_id, "warc_file": warc_file}
    return max(pages, key=lambda page: page["ts"] or "", default=None)


def files_for(index: Index, record_ids: set[str], page_urls: set[str], crawl_id: str | None) -> list[str]:
    """The WARC files holding these records, the requisites their pages needed (captures whose `needed_by`
    is one of `page_urls`, of the crawl if given; an index without that column has none) and the originals
    their revisit records refer to."""
    columns = _columns(index, "captures")
    records = set(record_ids)
    if "needed_by" in columns:
        crawl = " AND crawl_id = ?" if crawl_id else ""
        for chunk in _chunks(sorted(page_urls)):
            records.update(r[0] for r in index.conn.execute(
                f"SELECT record_id FROM captures WHERE needed_by IN ({_marks(chunk)}){crawl}",
                [*chunk, *([crawl_id] if crawl_id else [])]))
    names: set[str] = set()
    for chunk in _chunks(sorted(records)):
        names.update(r[0] for r in index.conn.execute(
            f"SELECT warc_file FROM captures WHERE record_id IN ({_marks(chunk)})", chunk))
        if "revisit_of" in columns:
            names.update(r[0] for r in index.conn.execute(
                "SELECT o.warc_file FROM captures c JOIN captures o ON o.record_id = c.revisit_of "
                f"WHERE c.record_id IN ({_marks(chunk)})", chunk))
    return sorted(names)


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _marks(chunk: list) -> str:
    return ", ".join("?" for _ in chunk)


def write_pages_jsonl(fh: TextIO, pages: list[dict], title: str) -> None:
    fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title}, ensure_ascii=False) + "\n")
    for page in pages:
        line = {key: value for key, value in page.items() if key not in ("warc_file", "record_id")}
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def export_wacz(data_dir: str | os.PathLike, output: str | os.PathLike, crawl_id: str | None = None,
                title: str | None = None, check_warcs: bool = True, site: str | None = None,
                since: str | None = None, until: str | None = None) -> WaczResult:
    """Write `output` (.wacz) from DATA/warc and DATA/index.db; raises ExportError when it cannot.

    `site`, `since` and `until` (published, as `newsarchive export` reads them) narrow the articles; the
    package then holds only the WARC files of their captures, of the requisites they needed, of the main
    page and of the originals of those that are revisits."""
    from archive.filters import date_bound

    data_dir = Path(data_dir)
    warc_dir = data_dir / "warc"
    output = Path(output)
    check_target(output)
    db_path = default_db_path(data_dir)
    if not db_path.exists():
        raise ExportError(f"no index at {db_path}: nothing to export")
    index = Index(db_path, readonly=True)
    selection = Selection(site, date_bound(since, "since"), date_bound(until, "until"))
    try:
        if crawl_id is not None:
            select_warc_files(index, warc_dir, crawl_id)  # an unknown crawl is an error, narrowed or not
        pages = page_entries(index, crawl_id, selection)
        main = main_page(index, pages, crawl_id, selection)
        if selection.narrowed:
            if not pages and main is None:
                raise ExportError("no articles match the selection: nothing to export")
            wanted = [page for page in pages + [main] if page]
            names = files_for(index, {p["record_id"] for p in wanted if p["record_id"]}, {p["url"] for p in wanted},
                              crawl_id)
            # A page without its capture row (the articles row names the file itself) still brings its file.
            names = sorted(set(names) | {p["warc_file"] for p in wanted if p["warc_file"]})
        else:
            names = select_warc_files(index, warc_dir, crawl_id)
    finally:
        index.conn.close()
    if not names:
        raise ExportError(f"no WARC files to export in {warc_dir}")
    missing = [name for name in names if not (warc_dir / name).exists()]
    if missing:
        raise ExportError(f"WARC file(s) missing from {warc_dir}: {', '.join(missing)}")
    if main is not None and main["warc_file"] not in names:
        # a home page in a file not exported: the newest article page instead
        main = max(pages, key=lambda page: page["ts"] or "", default=None)
    outside = sorted({p["warc_file"] for p in pages} - set(names))
    if outside:
        raise ExportError(f"pages point at WARC files not exported: {', '.join(outside)}")
    if check_warcs:
        damaged = [f"{name}: {problem}" for name in names for problem in verify_warc(warc_dir / name).problems]
        if damaged:
            raise ExportError("WARC files fail verification (run `newsarchive verify`):\n  " + "\n  ".join(damaged))
    title = title or (f"newsarchive crawl {crawl_id}" if crawl_id else f"newsarchive {data_dir.resolve().name}")

    log = io.StringIO()
    try:
        # A temporary file beside `output` replaces it once whole (a device or directory is refused).
        with atomic_output(output, "w+b") as package, contextlib.redirect_stdout(log):
            _build(package, [warc_dir / name for name in names], pages, title, main)
    except OutputError:
        raise
    except Exception as exc:
        raise ExportError(f"py-wacz failed: {type(exc).__name__}: {exc}\n{log.getvalue()}") from exc
    return WaczResult(output, names, len(pages), crawl_id, log.getvalue(), main)


def resource_name(name: str) -> str:
    """A Data Package resource name (lowercase letters, digits, `-._/`): py-wacz names each resource after
    its file, and `~` (the `{pid}~{host}` part of our WARC names) makes `wacz validate` reject the package.
    Only the name changes; the path inside the package keeps the WARC's real file name."""
    return re.sub(r"[^-a-z0-9._/]", "-", name.lower())


def _without_304s(indexer_class):
    """py-wacz's indexer, leaving out the 304 answers to our conditional requests, as the CDXJ beside each WARC
    file does (archive/cdxj.py): a replay tool given the 304 serves it, empty, to a page captured after it, in
    place of the capture it confirmed, and an archive of several crawls has many (requisites above all)."""

    class Indexer(indexer_class):
        def filter_record(self, record):
            status = record.http_headers.get_statuscode() if record.http_headers is not None else None
            if record.rec_type == "response" and status == NOT_MODIFIED:
                return False
            return super().filter_record(record)

    return Indexer


def _build(target: Path | IO[bytes], warcs: list[Path], pages: list[dict], title: str,
           main: dict | None = None) -> None:
    """What `wacz create --copy-pages` does, through py-wacz's classes, with conforming resource names."""
    # Imported here: importing py-wacz appends "warcinfo" to cdxj-indexer's default record types.
    from wacz.main import DEFAULT_NUM_LINES, PAGE_INDEX
    from wacz.util import now
    from wacz.waczindexer import WACZIndexer

    pages_jsonl = io.StringIO()
    write_pages_jsonl(pages_jsonl, pages, title)
    with zipfile.ZipFile(target, "w") as package:
        pages_entry = zipfile.ZipInfo(PAGE_INDEX, now())
        pages_entry.compress_type = zipfile.ZIP_DEFLATED
        package.writestr(pages_entry, pages_jsonl.getvalue().encode("utf-8"))

        index_buffer = io.BytesIO()
        index_text = io.TextIOWrapper(index_buffer, "utf-8", write_through=True)
        with package.open(zipfile.ZipInfo("indexes/index.cdx.gz", now()), "w") as data:
            indexer = _without_304s(WACZIndexer)(index_text, [str(path) for path in warcs], sort=True, post_append=True,
                                  compress=data, lines=DEFAULT_NUM_LINES, digest_records=True,
                                  fields="referrer,req.http:cookie", data_out_name="index.cdx.gz",
                                  hash_type="sha256", main_url="", main_ts=None, detect_pages=False,
                                  passed_pages_dict={}, extract_text=False, signing_url=None,
                                  signing_token=None, split_seeds=False)
            indexer.process_all()
        index_entry = zipfile.ZipInfo("indexes/index.idx", now())
        index_entry.compress_type = zipfile.ZIP_DEFLATED
        package.writestr(index_entry, index_buffer.getvalue())

        for path in warcs:  # stored, not deflated: replay tools seek into them
            with open(path, "rb") as source, \
                    package.open(zipfile.ZipInfo.from_file(path, "archive/" + path.name), "w") as out:
                shutil.copyfileobj(source, out, 1 << 20)

        options = SimpleNamespace(title=title, desc=None, date=None)
        datapackage = json.loads(indexer.generate_datapackage(options, package))
        for resource in datapackage["resources"]:
            resource["name"] = resource_name(resource["name"])
        if main is not None:  # set here rather than through py-wacz, which wants the 14-digit timestamp
            datapackage["mainPageURL"], datapackage["mainPageDate"] = main["url"], main["ts"]
        datapackage_bytes = json.dumps(datapackage, indent=2).encode("utf-8")
        for name, data in (("datapackage.json", datapackage_bytes),
                           ("datapackage-digest.json", indexer.generate_datapackage_digest(datapackage_bytes))):
            entry = zipfile.ZipInfo(name, now())
            entry.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(entry, data)

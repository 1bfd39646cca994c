"""The index's view of page requisites: which captures are requisites of which page, and for each image of an
article, the capture that holds it or why there is none.

- `requisite_role`: a capture's `role` and `needed_by` from its WARC metadata record, as reindex and catch-up
  rebuild them (the capture middleware writes those fields).
- `image_links`, `captured_requisites`: what `newsarchive show` tells about a page's images and other requisites.
- `missing_requisites`: the articles `newsarchive verify` warns about, images with neither a capture nor a
  `fetch_errors` row.
- `captures_by_role`: pages against requisites, for `newsarchive stats`.

A requisite is fetched once per crawl however many pages use it, so `needed_by` names the first page that
needed it; an image is therefore linked by its own URL, never through `needed_by`. Readers open the index
read-only and unmigrated: an index written before requisites were captured has no `role` column, and reads
as one holding pages only.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable

from archive.index import PAGE, REQUISITE
from archive.schema import has_column

# Why an image has neither a capture nor a fetch_errors row.
NOT_CAPTURED = "not_captured"
NOT_CAPTURED_DETAIL = "crawled with --requisites none, or before requisites were captured"
EXAMPLES = 3

_CAPTURE_COLUMNS = ("id", "url", "status", "content_type", "fetched_at", "warc_file", "warc_offset", "warc_length",
                    "record_id", "record_type", "revisit_of", "crawl_id")


def requisite_role(fields: dict[str, str]) -> tuple[str, str | None]:
    """(role, needed_by) of the capture whose metadata record holds `fields`: a requisite of the page
    `requisiteOf` names (written when it differs from `via`), else of `via`; anything else is a page."""
    if fields.get("discoveredBy") == REQUISITE:
        return REQUISITE, fields.get("requisiteOf") or fields.get("via") or None
    return PAGE, None


def _url(src: Any) -> str | None:
    """An image's URL as a capture row holds it (no fragment), or None for what is never fetched (data:)."""
    if not isinstance(src, str) or not src.lower().startswith(("http://", "https://")):
        return None
    return src.partition("#")[0]


def _roles(conn: sqlite3.Connection) -> bool:
    return has_column(conn, "captures", "role")


def _columns(conn: sqlite3.Connection) -> str:
    extra = ("role", "needed_by") if _roles(conn) else ()
    return ", ".join(_CAPTURE_COLUMNS + extra)


def image_capture(conn: sqlite3.Connection, url: str, crawl_id: str | None = None) -> dict[str, Any] | None:
    """The capture of `url` to show beside a page: one made by the page's crawl `crawl_id` if there is one
    (the image as the page was seen), else the newest."""
    cursor = conn.execute(
        f"SELECT {_columns(conn)} FROM captures WHERE url = ? "
        "ORDER BY crawl_id IS ? DESC, fetched_at DESC, id DESC LIMIT 1", [url, crawl_id])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row)) if row else None


def why_missing(conn: sqlite3.Connection, url: str) -> dict[str, Any]:
    """Why `url` has no capture: its latest fetch_errors row (reason, status, detail), else NOT_CAPTURED."""
    row = conn.execute("SELECT reason, status, detail, at, crawl_id FROM fetch_errors WHERE url = ? "
                       "ORDER BY id DESC LIMIT 1", [url]).fetchone()
    if row is None:
        return {"reason": NOT_CAPTURED, "status": None, "detail": NOT_CAPTURED_DETAIL, "at": None, "crawl_id": None}
    return dict(zip(("reason", "status", "detail", "at", "crawl_id"), row))


def image_links(conn: sqlite3.Connection, images: Iterable[dict[str, Any]] | None,
                crawl_id: str | None = None) -> list[dict[str, Any]]:
    """Each image (a copy) with `capture` (`image_capture` of its URL) or `missing` (`why_missing`). An image
    that is no http(s) URL (a data: URI holds its bytes in the page) gets neither."""
    linked = []
    for image in images or ():
        image = dict(image) if isinstance(image, dict) else {"src": image}
        url = _url(image.get("src"))
        if url is not None:
            capture = image_capture(conn, url, crawl_id)
            if capture is not None:
                image["capture"] = capture
            else:
                image["missing"] = why_missing(conn, url)
        linked.append(image)
    return linked


def captured_requisites(conn: sqlite3.Connection, page_urls: Iterable[str | None],
                    leave_out: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The requisite captures whose `needed_by` is one of `page_urls` (the page's URL as fetched and its
    canonical URL), oldest first, except those of URLs in `leave_out` (the images listed already)."""
    urls = sorted({u for u in page_urls if u})
    if not urls or not _roles(conn):
        return []
    cursor = conn.execute(
        f"SELECT {_columns(conn)} FROM captures WHERE role = ? AND ("
        + " OR ".join("needed_by = ?" for _ in urls) + ") ORDER BY fetched_at, id", [REQUISITE, *urls])
    names = [d[0] for d in cursor.description]
    skip = set(leave_out)
    return [row for row in (dict(zip(names, r)) for r in cursor) if row["url"] not in skip]


def describe_missing(missing: dict[str, Any]) -> str:
    """One line: why an image has no capture."""
    if missing["reason"] == NOT_CAPTURED:
        return f"not captured ({missing['detail']})"
    status = f" {missing['status']}" if missing.get("status") is not None else ""
    detail = f": {missing['detail']}" if missing.get("detail") else ""
    return f"not captured: {missing['reason']}{status}{detail}"


def describe_capture(capture: dict[str, Any]) -> str:
    """One line: where a requisite is archived."""
    kind = "revisit, " if capture.get("record_type") == "revisit" else ""
    return (f"HTTP {capture['status']}, {capture.get('content_type') or 'no content type'}, {kind}"
            f"{capture['warc_file']} record {capture['record_id']}")


# -- verify ------------------------------------------------------------------------------------------


def requisite_crawls(conn: sqlite3.Connection) -> set[str]:
    """Ids of the crawls that captured requisites (so were run with requisites on)."""
    if not _roles(conn):
        return set()
    return {r[0] for r in conn.execute("SELECT DISTINCT crawl_id FROM captures WHERE role = ? AND crawl_id "
                                       "IS NOT NULL", [REQUISITE])}


def missing_requisites(conn: sqlite3.Connection) -> dict[str, Any]:
    """Article pages with an image that has neither a capture nor a fetch_errors row, among the articles whose
    page a crawl with requisites fetched (a page fetched only with `--requisites none`, or before requisites
    were captured, is counted apart as `not_expected`: nothing was to be captured for it).

    {"pages": n, "images": n, "examples": ["<page> needs <image>", ...], "not_expected": n}"""
    crawls = requisite_crawls(conn)
    result: dict[str, Any] = {"pages": 0, "images": 0, "examples": [], "not_expected": 0}
    for url, canonical, images in conn.execute(
            "SELECT url, canonical_url, images FROM articles WHERE images IS NOT NULL AND images != '[]' ORDER BY id"):
        try:
            srcs = [_url(image.get("src") if isinstance(image, dict) else image) for image in json.loads(images)]
        except (ValueError, AttributeError):
            continue  # not JSON: the articles row's own problem, not a requisite's
        srcs = [src for src in dict.fromkeys(srcs) if src]
        if not srcs:
            continue
        fetched_by = {r[0] for r in conn.execute("SELECT DISTINCT crawl_id FROM captures WHERE url IN (?, ?)",
                                                 [url, canonical])}
        if not fetched_by & crawls:
            result["not_expected"] += 1
            continue
        missing = [src for src in srcs
                   if conn.execute("SELECT 1 FROM captures WHERE url = ? LIMIT 1", [src]).fetchone() is None
                   and conn.execute("SELECT 1 FROM fetch_errors WHERE url = ? LIMIT 1", [src]).fetchone() is None]
        if missing:
            result["pages"] += 1
            result["images"] += len(missing)
            if len(result["examples"]) < EXAMPLES:
                result["examples"].append(f"{url} needs {missing[0]}")
    return result


# -- stats -------------------------------------------------------------------------------------------


def captures_by_role(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """{"page": {"captures": n, "bytes": n}, "requisite": {...}}: bytes are the records' stored (gzip member)
    lengths, so a revisit counts its headers only."""
    result = {role: {"captures": 0, "bytes": 0} for role in (PAGE, REQUISITE)}
    role = "role" if _roles(conn) else f"'{PAGE}'"
    for name, count, size in conn.execute(
            f"SELECT {role}, count(*), coalesce(sum(warc_length), 0) FROM captures GROUP BY 1"):
        result.setdefault(name, {})["captures"] = count
        result[name]["bytes"] = size
    return result

"""One article and where it came from: the Python twins of `newsarchive show` and `newsarchive history`.

An article is named by its index id or by its URL (canonical or as fetched).
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from pathlib import Path
from typing import Any

from archive import requisites
from archive.index import Index, decode_row, default_db_path
from archive.decoding import MAX_BODY_BYTES, BodyTooLarge
from archive.terminal import printable
from archive.records import read_response

# Columns of `articles` that describe the capture rather than the text.
PROVENANCE_COLUMNS = ("capture_id", "crawl_id", "fetched_at", "first_seen", "last_seen", "warc_file",
                      "warc_offset", "warc_length", "record_id", "parser", "parser_version")


class ArticleNotFound(LookupError):
    """No article has this id or URL; the message is one line, fit for a terminal."""


def _lookup(index: Index, key: str | int) -> dict[str, Any]:
    row = index.article(str(key).strip() if not isinstance(key, int) else key)
    if row is None:
        raise ArticleNotFound(f"no article with id or URL {str(key)!r} in {index.path}")
    return row


def show(db_path: str | Path, key: str | int) -> dict[str, Any]:
    """The article (every field, list fields decoded) and its provenance: the capture it was extracted from
    (WARC file, offset, length, record id, fetch time, crawl), first and last sighting, version count, parser.
    Each of its images carries `capture` (the capture of its URL, archive/requisites.py) or `missing` (why
    there is none); `requisites` lists the page's other requisites, the captures needed first by this page."""
    index = Index(db_path, readonly=True)
    try:
        return describe(index.conn, key, where=f" in {index.path}")
    finally:
        index.close()


def describe(conn: sqlite3.Connection, key: str | int, where: str = "") -> dict[str, Any]:
    """`show` on an open connection (rows as sqlite3.Row): the reading room's article page runs it.
    ArticleNotFound's message ends with `where` (the CLI names the index file; a web page does not)."""
    row = lookup(conn, key, where)
    row["images"] = requisites.image_links(conn, row.get("images"), row["crawl_id"])
    others = requisites.captured_requisites(conn, (row["url"], row["canonical_url"]),
                                            leave_out=[i["capture"]["url"] for i in row["images"] if "capture" in i])
    capture = conn.execute(
        "SELECT id, url, status, content_type, fetched_at, payload_digest, record_type, revisit_of, crawl_id "
        "FROM captures WHERE id = ?", [row["capture_id"]]).fetchone()
    versions = conn.execute("SELECT count(*) FROM article_versions WHERE article_id = ?", [row["id"]]).fetchone()[0]
    captures = conn.execute("SELECT count(*) FROM captures WHERE url IN (?, ?)",
                            [row["url"], row["canonical_url"]]).fetchone()[0]
    crawl = None
    if row["crawl_id"]:
        crawl_row = conn.execute("SELECT id, started, ended, status FROM crawls WHERE id = ?",
                                 [row["crawl_id"]]).fetchone()
        crawl = dict(crawl_row) if crawl_row else None
    article = {k: v for k, v in row.items() if k not in PROVENANCE_COLUMNS}
    provenance = {k: row[k] for k in PROVENANCE_COLUMNS}
    provenance.update(
        capture=dict(capture) if capture else None, crawl=crawl, versions=versions, captures_of_url=captures)
    return {"article": article, "provenance": provenance, "requisites": others}


def lookup(conn: sqlite3.Connection, key: str | int, where: str = "") -> dict[str, Any]:
    """The article row (list fields decoded) named by its id or URL (canonical or as fetched)."""
    if isinstance(key, int) or str(key).strip().isdigit():
        row = conn.execute("SELECT * FROM articles WHERE id = ?", [int(key)]).fetchone()
    else:
        row = conn.execute("SELECT * FROM articles WHERE canonical_url = ? OR url = ? LIMIT 1",
                           [str(key).strip()] * 2).fetchone()
    if row is None:
        raise ArticleNotFound(f"no article with id or URL {str(key)!r}{where}")
    return decode_row(row)


def captured_requisites(db_path: str | Path, key: str | int) -> dict[str, Any]:
    """`show --requisites`: the article's page, its images (each with `capture` or `missing`) and its other
    requisites (`show` without the text)."""
    result = show(db_path, key)
    article = result["article"]
    return {"id": article["id"], "url": article["url"], "images": article.get("images") or [],
            "requisites": result["requisites"]}


def original_html(data_dir: str | Path, key: str | int, max_body_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The page as archived: the response payload (Content-Encoding removed) of the WARC record the
    article was extracted from, read at the offset the index stores. BodyTooLarge (a ValueError) when it
    is, or decodes to, more than `max_body_bytes`."""
    data_dir = Path(data_dir)
    index = Index(default_db_path(data_dir), readonly=True)
    try:
        row = _lookup(index, key)
    finally:
        index.close()
    if not row["warc_file"] or row["warc_offset"] is None:
        raise ArticleNotFound(f"article {row['id']} has no WARC record in the index")
    path = data_dir / "warc" / row["warc_file"]
    if not path.exists():
        raise FileNotFoundError(f"WARC file {path} (of article {row['id']}) is missing")
    try:
        stored = read_response(path, row["warc_offset"], max_body_bytes)
    except BodyTooLarge as exc:
        raise BodyTooLarge(exc.limit, exc.coding, f"article {row['id']} ({path.name} at offset "
                                                  f"{row['warc_offset']})") from None
    if stored.record_id != row["record_id"]:
        raise ValueError(f"{path.name} at offset {row['warc_offset']} holds {stored.record_id}, "
                         f"not {row['record_id']}: the index is out of date (run `newsarchive reindex`)")
    return stored.body


def history(db_path: str | Path, key: str | int, context: int = 1) -> dict[str, Any]:
    """Every distinct version of the article, oldest first, and a unified diff (title, then body with one
    paragraph per line) between each consecutive pair."""
    index = Index(db_path, readonly=True)
    try:
        row = _lookup(index, key)
        versions = [decode_row(v) for v in index.conn.execute(
            "SELECT v.id, v.capture_id, v.fetched_at, v.access, v.title, v.lead, v.body, v.authors, v.modified, "
            "v.content_hash, v.parser, v.parser_version, c.warc_file, c.record_id "
            "FROM article_versions v LEFT JOIN captures c ON c.id = v.capture_id "
            "WHERE v.article_id = ? ORDER BY v.fetched_at, v.id", [row["id"]])]
    finally:
        index.close()
    for number, version in enumerate(versions, 1):
        version["number"] = number
    diffs = []
    for old, new in zip(versions, versions[1:]):
        label_old = f"version {old['number']} ({old['fetched_at']})"
        label_new = f"version {new['number']} ({new['fetched_at']})"
        diffs.append({
            "from": old["number"], "to": new["number"],
            "title": _diff([old["title"] or ""], [new["title"] or ""], label_old, label_new, context),
            "body": _diff(_paragraphs(old["body"]), _paragraphs(new["body"]), label_old, label_new, context),
        })
    return {"id": row["id"], "url": row["canonical_url"], "title": row["title"], "versions": versions,
            "diffs": diffs}


def _paragraphs(body: str | None) -> list[str]:
    return [p for p in (body or "").split("\n\n") if p.strip()]


def _diff(old: list[str], new: list[str], label_old: str, label_new: str, context: int) -> list[str]:
    return list(difflib.unified_diff(old, new, fromfile=label_old, tofile=label_new, n=context, lineterm=""))


def format_show(result: dict[str, Any]) -> str:
    """`show` as text: the provenance block, then the fields, then the body. Control characters from the
    page are visible escapes (archive.terminal): one-line fields keep no line break, the body its own."""
    art, prov = result["article"], result["provenance"]
    art = {k: _printable_list(v) for k, v in art.items()}
    art["body"] = printable(result["article"].get("body") or "") or None
    capture = prov["capture"] or {}
    lines = [art["title"] or "(no title)", "=" * min(len(art["title"] or "(no title)"), 100)]
    for key in ("id", "url", "canonical_url", "site", "language", "published", "published_utc", "modified",
                "authors", "credit", "dateline", "categories", "access", "word_count", "date_source"):
        value = art.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ", ".join(value)
        elif isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        lines.append(f"{key + ':':<15}{'' if value is None else value}")
    lines += format_requisite_lines(art.get("images") or [], result.get("requisites") or [])
    if art.get("warnings"):
        lines.append(f"{'warnings:':<15}{'; '.join(art['warnings'])}")
    lines += ["", "provenance", "----------",
              f"{'warc file:':<15}{prov['warc_file']}",
              f"{'offset:':<15}{prov['warc_offset']}  length {prov['warc_length']}",
              f"{'record id:':<15}{prov['record_id']}",
              f"{'fetched at:':<15}{prov['fetched_at']}  (HTTP {capture.get('status')}, "
              f"{capture.get('content_type')})",
              f"{'crawl:':<15}{prov['crawl_id']}",
              f"{'first seen:':<15}{prov['first_seen']}",
              f"{'last seen:':<15}{prov['last_seen']}",
              f"{'versions:':<15}{prov['versions']}  (captures of this URL: {prov['captures_of_url']})",
              f"{'parser:':<15}{prov['parser']} {prov['parser_version']}",
              "", art.get("body") or "(no body text)"]
    return "\n".join(lines)


def format_requisite_lines(images: list[dict[str, Any]], others: list[dict[str, Any]]) -> list[str]:
    """Each image, then under it its capture or why there is none; then the page's other requisites."""
    lines = []
    if images:
        lines.append(f"{'images:':<15}{len(images)}")
    for image in images:
        lines.append(f"  {printable(str(image.get('src')), keep='')}"
                     + (f"  ({printable(image['caption'], keep='')})" if image.get("caption") else ""))
        if "capture" in image:
            lines.append(f"      captured: {requisites.describe_capture(image['capture'])}")
        elif "missing" in image:
            lines.append(f"      {printable(requisites.describe_missing(image['missing']), keep='')}")
    if others:
        lines.append(f"{'requisites:':<15}{len(others)} more captured for this page")
        for capture in others:
            lines.append(f"  {printable(capture['url'], keep='')}")
            lines.append(f"      {requisites.describe_capture(capture)}")
    return lines


def format_captured_requisites(result: dict[str, Any]) -> str:
    """`show --requisites` as text."""
    lines = [f"requisites of article {result['id']} ({printable(result['url'], keep='')})"]
    lines += format_requisite_lines(result["images"], result["requisites"]) or ["  none recorded"]
    return "\n".join(lines)


def format_history(result: dict[str, Any]) -> str:
    """`history` as text; page text with visible escapes for control characters (archive.terminal)."""
    line = lambda text: printable(str(text), keep="\t")  # noqa: E731
    lines = [line(result["title"]), f"{line(result['url'])} (id {result['id']}): {len(result['versions'])} version(s)",
             ""]
    for v in result["versions"]:
        lines.append(f"  {v['number']:>3}  {v['fetched_at']}  {v['access'] or '-':<8} {line(v['title'])}")
    for diff in result["diffs"]:
        lines += ["", f"--- changes from version {diff['from']} to {diff['to']} ---"]
        if not diff["title"] and not diff["body"]:
            lines.append("(title and body unchanged)")
        if diff["title"]:
            lines += ["title:", *map(line, diff["title"])]
        if diff["body"]:
            lines += ["body:", *map(line, diff["body"])]
    return "\n".join(lines)


def _printable_list(value: Any) -> Any:
    if isinstance(value, list):
        return [_printable_list(v) for v in value]
    if isinstance(value, dict):
        return {k: _printable_list(v) for k, v in value.items()}
    return printable(value, keep="\t") if isinstance(value, str) else value

"""Citations of an article or of one of its versions, naming the exact archived capture: the Python twin of
`newsarchive cite` and the reading room's cite page.

Two forms:
- text, after APA 7's reference for an online news article, with the archived copy appended:
  `Finley, B., & Toropin, K. (2026, July 9). Title. Kyodo News. https://... Archived 2026-07-09 05:01:02 UTC
  by newsarchive (WARC-Record-ID <urn:uuid:...>): http://127.0.0.1:8002/newsarchive/20260709050102/https://...`
  An unsigned article is credited to its printed credit (`KYODO NEWS. (2026, July 9). ...`), else to the site.
- CSL-JSON (what Zotero, Pandoc and citeproc read): type "article-newspaper", container-title the site,
  author [{family, given}] or [{literal}] (one-word names and organisations), issued the published day
  in the site's own time, accessed the capture day (UTC), URL the article's address, archive "newsarchive",
  archive_location the WARC-Record-ID, note the capture time, record id and replay URL.

Names printed in capitals (Kyodo's bylines) are cited in title case, as a reference list writes them.
The replay URL is archive.replay.replay_url of the version's capture under the archive's replay base
(`[replay] url` of DATA/newsarchive.toml).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from archive.edits import VersionNotFound, authors_of, version as version_row
from archive.replay import DEFAULT_REPLAY_BASE, replay_url
from archive.times import parse_time

SITE_NAMES = {"kyodo": "Kyodo News", "inakoran": "Inakoran"}
ARCHIVE_NAME = "newsarchive"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


class CitationError(LookupError):
    """No such article or version; one line."""


def site_name(site: str | None) -> str:
    return SITE_NAMES.get(site or "", site or "")


def person_name(name: str) -> str:
    """A byline name as a reference list writes it: capitals to title case, anything else as printed."""
    name = " ".join(name.split())
    return " ".join(w.capitalize() if w.isupper() else w for w in name.split(" ")) if name.isupper() else name


def csl_name(name: str) -> dict[str, str]:
    """{family, given} for a name of two words or more (the last is the family name), {literal} for one."""
    words = person_name(name).split(" ")
    if len(words) < 2:
        return {"literal": words[0]}
    return {"family": words[-1], "given": " ".join(words[:-1])}


def apa_name(name: str) -> str:
    parts = csl_name(name)
    if "literal" in parts:
        return parts["literal"]
    initials = " ".join("-".join(piece[0] + "." for piece in given.split("-") if piece)
                        for given in parts["given"].split(" "))
    return f"{parts['family']}, {initials}"


def apa_authors(names: list[str]) -> str:
    written = [apa_name(n) for n in names]
    if len(written) == 1:
        return written[0]
    if len(written) == 2:
        return f"{written[0]}, & {written[1]}"
    if len(written) <= 20:
        return ", ".join(written[:-1]) + f", & {written[-1]}"
    return ", ".join(written[:19]) + f", . . . {written[-1]}"


def _date_parts(moment: datetime | None) -> dict[str, Any] | None:
    return {"date-parts": [[moment.year, moment.month, moment.day]]} if moment else None


def citation_data(conn: sqlite3.Connection, article_id: int | str, number: int | None = None,
                  base: str = DEFAULT_REPLAY_BASE) -> dict[str, Any]:
    """What a citation names, for the article as the index holds it (its best capture) or for its version
    `number`: site, title, authors, credit, published, url, capture time, WARC-Record-ID, replay URL."""
    article = _article(conn, article_id)
    if number is None:
        capture = conn.execute("SELECT url, fetched_at, record_id FROM captures WHERE id = ?",
                               [article["capture_id"]]).fetchone()
        title, authors, published = article["title"], authors_of(article), article["published"]
        fetched_at = capture[1] if capture else article["fetched_at"]
        record_id = capture[2] if capture else article["record_id"]
        capture_url = capture[0] if capture else article["url"]
    else:
        try:
            held = version_row(conn, article["id"], number)
        except VersionNotFound as exc:
            raise CitationError(str(exc)) from None
        title, authors = held["title"], held["authors"]
        published = held.get("published") or article["published"]
        fetched_at, record_id = held["fetched_at"], held["record_id"]
        capture_url = held["capture_url"] or article["url"]
    return {"id": article["id"], "version": number, "site": article["site"], "site_name": site_name(article["site"]),
            "language": article["language"], "title": title, "authors": authors, "credit": article["credit"],
            "published": published, "url": article["url"], "fetched_at": fetched_at, "record_id": record_id,
            "replay_url": replay_url(base, capture_url, fetched_at) if fetched_at else None}


def _article(conn: sqlite3.Connection, key: int | str) -> dict[str, Any]:
    cursor = conn.execute(
        "SELECT id, url, site, language, title, authors, credit, published, capture_id, fetched_at, record_id "
        "FROM articles WHERE " + ("id = ?" if str(key).isdigit() else "canonical_url = ? OR url = ? LIMIT 1"),
        [int(key)] if str(key).isdigit() else [str(key), str(key)])
    row = cursor.fetchone()
    if row is None:
        raise CitationError(f"no article with id or URL {str(key)!r}")
    return dict(zip([d[0] for d in cursor.description], row))


def text_citation(data: dict[str, Any]) -> str:
    """The APA-style reference with the archived capture (see the module's docstring)."""
    creator = apa_authors(data["authors"]) if data["authors"] else (data["credit"] or data["site_name"])
    published = parse_time(data["published"], default_zone=None)
    when = f"{published.year}, {MONTHS[published.month - 1]} {published.day}" if published else "n.d."
    title = (data["title"] or "[Untitled]").rstrip()
    title += "" if title.endswith(("?", "!", ".")) else "."
    text = f"{creator}{'' if creator.endswith('.') else '.'} ({when}). {title} {data['site_name']}. {data['url']}"
    captured = parse_time(data["fetched_at"])
    if captured:
        text += (f" Archived {captured.strftime('%Y-%m-%d %H:%M:%S')} UTC by {ARCHIVE_NAME}"
                 f" (WARC-Record-ID {data['record_id']})")
        text += f": {data['replay_url']}" if data.get("replay_url") else "."
    return text


def csl_json(data: dict[str, Any]) -> dict[str, Any]:
    """The citation as one CSL-JSON item."""
    published = parse_time(data["published"], default_zone=None)
    captured = parse_time(data["fetched_at"])
    item: dict[str, Any] = {
        "id": f"newsarchive-{data['id']}" + (f"-v{data['version']}" if data["version"] else ""),
        "type": "article-newspaper",
        "title": data["title"] or "",
        "container-title": data["site_name"],
        "author": [csl_name(n) for n in data["authors"]] or [{"literal": data["credit"] or data["site_name"]}],
        "URL": data["url"],
        "archive": ARCHIVE_NAME,
        "archive_location": data["record_id"],
        "note": f"Archived capture {data['fetched_at']}; WARC-Record-ID {data['record_id']}; "
                f"replay {data.get('replay_url') or 'not available'}",
    }
    if data.get("language"):
        item["language"] = data["language"]
    if published:
        item["issued"] = _date_parts(published)
    if captured:
        item["accessed"] = _date_parts(captured)
    return item


def cite(conn: sqlite3.Connection, article_id: int | str, number: int | None = None,
         base: str = DEFAULT_REPLAY_BASE) -> dict[str, Any]:
    """{"text": ..., "csl": {...}, "data": {...}} for the article or its version `number`."""
    data = citation_data(conn, article_id, number, base)
    return {"text": text_citation(data), "csl": csl_json(data), "data": data}


def cite_at(db_path: str | Path, key: int | str, number: int | None = None, base: str | None = None) -> dict[str, Any]:
    """`cite` on the index at `db_path`; `base` defaults to `[replay] url` of the archive's newsarchive.toml."""
    from archive.config import load
    from archive.index import Index

    base = base or load(Path(db_path).parent).replay_url
    index = Index(db_path, readonly=True)
    try:
        return cite(index.conn, key, number, base)
    finally:
        index.close()

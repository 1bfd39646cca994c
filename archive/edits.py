"""Edited articles: what changed between an article's consecutive versions (`article_versions`), how many words
were added and removed, and which edits were silent. The Python twin of `newsarchive edits` and what the reading
room's edits, versions and diff pages show.

A change names the fields that differ: `title`, `lead`, `body`, `authors` and `dates` (published or modified).
It is **silent** when the text (title, lead, body or authors) changed while the page kept the same modified
date: the site edited it without saying so. A page that gives no modified date in either version said
nothing either, so that counts as the same date.

Versions are numbered from 1, oldest capture first (as `newsarchive history` numbers them).
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive.filters import date_bound

TEXT_FIELDS = ("title", "lead", "body", "authors")
FIELDS = (*TEXT_FIELDS, "dates")
_TOKEN = re.compile(r"\s+|[^\s]+")
VERSION_COLUMNS = ("id", "article_id", "capture_id", "fetched_at", "title", "lead", "body", "authors", "modified",
                   "published", "access", "content_hash")


class VersionNotFound(LookupError):
    """No such article or version; the message is one line."""


@dataclass
class Change:
    """What changed from version `from_version` to `to_version` of an article (numbers from 1)."""

    from_version: int
    to_version: int
    fetched_at: str  # when the new version was captured
    changed: list[str]  # among FIELDS, in that order
    words_added: int
    words_removed: int
    silent: bool
    modified: tuple[str | None, str | None]  # the page's modified date before and after
    published: tuple[str | None, str | None]


@dataclass
class EditedArticle:
    id: int
    site: str
    url: str
    title: str | None
    versions: int
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- word diff -----------------------------------------------------------------------------------------------

def tokens(text: str | None) -> list[str]:
    """Words and the whitespace between them, in order: joined they give the text back."""
    return _TOKEN.findall(text or "")


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """A word-level diff as (op, text) pieces, op one of "equal", "delete", "insert": the "equal" and "delete"
    pieces give `old` back, the "equal" and "insert" pieces `new`; whitespace and paragraph breaks are kept.
    A single space between two changed words belongs to the change ("<del>a b</del><ins>x y</ins>" rather
    than a word-by-word patchwork); whitespace holding a line break stays its own piece."""
    a, b = tokens(old), tokens(new)
    runs: list[list[str]] = []  # [old text, new text, kind]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        runs.append(["".join(a[i1:i2]), "".join(b[j1:j2]), "equal" if op == "equal" else "change"])
    merged: list[list[str]] = []
    for position, run in enumerate(runs):
        glue = (run[2] == "equal" and run[0].isspace() and "\n" not in run[0] and 0 < position < len(runs) - 1
                and runs[position + 1][2] == "change" and merged and merged[-1][2] == "change")
        if glue or (run[2] == "change" and merged and merged[-1][2] == "change"):
            merged[-1][0] += run[0]
            merged[-1][1] += run[1]
        else:
            merged.append(list(run))
    pieces: list[tuple[str, str]] = []
    for old_text, new_text, kind in merged:
        if kind == "equal":
            pieces.append(("equal", old_text))
            continue
        if old_text:
            pieces.append(("delete", old_text))
        if new_text:
            pieces.append(("insert", new_text))
    return pieces


def word_counts(pieces: list[tuple[str, str]]) -> tuple[int, int]:
    """(words added, words removed) of a word diff."""
    added = sum(len(text.split()) for op, text in pieces if op == "insert")
    removed = sum(len(text.split()) for op, text in pieces if op == "delete")
    return added, removed


# -- changes between versions ---------------------------------------------------------------------------------

def change(old: dict[str, Any], new: dict[str, Any]) -> Change:
    """What changed from version `old` to `new` (rows of article_versions, with `number`, authors decoded or not).
    Words are counted over the title and the body (the lead is the body's first paragraph): a byline's change
    is a change of names, listed in `changed`, not of words."""
    changed = [name for name in TEXT_FIELDS if _field(old, name) != _field(new, name)]
    if (old.get("published"), old.get("modified")) != (new.get("published"), new.get("modified")):
        changed.append("dates")
    added = removed = 0
    for name in ("title", "body"):
        if name in changed:
            plus, minus = word_counts(word_diff(_text(old, name), _text(new, name)))
            added, removed = added + plus, removed + minus
    text_changed = any(name in changed for name in TEXT_FIELDS)
    return Change(from_version=old["number"], to_version=new["number"], fetched_at=new["fetched_at"],
                  changed=changed, words_added=added, words_removed=removed,
                  silent=text_changed and old.get("modified") == new.get("modified"),
                  modified=(old.get("modified"), new.get("modified")),
                  published=(old.get("published"), new.get("published")))


def _field(version: dict[str, Any], name: str) -> Any:
    return authors_of(version) if name == "authors" else (version.get(name) or None)


def _text(version: dict[str, Any], name: str) -> str:
    return ", ".join(authors_of(version)) if name == "authors" else (version.get(name) or "")


def authors_of(version: dict[str, Any]) -> list[str]:
    value = version.get("authors")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    return list(value or [])


def versions(conn: sqlite3.Connection, article_id: int) -> list[dict[str, Any]]:
    """Every version of an article, oldest first, numbered from 1, with its capture's URL and WARC-Record-ID."""
    cursor = conn.execute(
        f"SELECT {', '.join('v.' + c for c in VERSION_COLUMNS)}, c.url AS capture_url, c.record_id, c.warc_file "
        "FROM article_versions v LEFT JOIN captures c ON c.id = v.capture_id "
        "WHERE v.article_id = ? ORDER BY v.fetched_at, v.id", [int(article_id)])
    names = [d[0] for d in cursor.description]
    out = []
    for number, row in enumerate(cursor.fetchall(), 1):
        version = dict(zip(names, row))
        version["number"] = number
        version["authors"] = authors_of(version)
        out.append(version)
    return out


def version(conn: sqlite3.Connection, article_id: int, number: int) -> dict[str, Any]:
    held = versions(conn, article_id)
    if not 1 <= int(number) <= len(held):
        raise VersionNotFound(f"article {article_id} has {len(held)} version(s), no version {number}")
    return held[int(number) - 1]


def compare(conn: sqlite3.Connection, article_id: int, from_number: int | None = None,
            to_number: int | None = None) -> dict[str, Any]:
    """Two versions side by side (default: the last two): the change, and the word diffs of title, lead and
    body (paragraph breaks kept) and of the byline."""
    held = versions(conn, article_id)
    if not held:
        raise VersionNotFound(f"article {article_id} has no versions")
    to_number = len(held) if to_number is None else int(to_number)
    from_number = max(1, to_number - 1) if from_number is None else int(from_number)
    for number in (from_number, to_number):
        if not 1 <= number <= len(held):
            raise VersionNotFound(f"article {article_id} has {len(held)} version(s), no version {number}")
    old, new = held[from_number - 1], held[to_number - 1]
    return {"article_id": int(article_id), "versions": len(held), "from": old, "to": new,
            "change": change(old, new),
            "diff": {name: word_diff(_text(old, name), _text(new, name)) for name in TEXT_FIELDS}}


def edited_articles(conn: sqlite3.Connection, site: str | None = None, since: str | None = None,
                    silent: bool | None = None, limit: int | None = None) -> list[EditedArticle]:
    """Articles with more than one version, the most recently edited first, each with its changes (oldest
    first). `since`: only changes captured on or after it (a UTC day or an ISO time); `silent`: only silent
    changes (True) or only announced ones (False); `limit`: at most that many articles."""
    low = date_bound(since, "since")
    sql = ("SELECT a.id, a.site, a.url, a.title, count(*) AS n, max(v.fetched_at) AS last "
           "FROM article_versions v JOIN articles a ON a.id = v.article_id"
           + (" WHERE a.site = ?" if site else "")
           + " GROUP BY a.id HAVING n > 1" + (" AND last >= ?" if low else "") + " ORDER BY last DESC, a.id DESC")
    params = [p for p in (site, low) if p]
    found = []
    for article_id, article_site, url, title, count, _ in conn.execute(sql, params).fetchall():
        held = versions(conn, article_id)
        changes = [change(old, new) for old, new in zip(held, held[1:])]
        changes = [c for c in changes if (low is None or _utc_text(c.fetched_at) >= low)
                   and (silent is None or c.silent == silent)]
        if changes:
            found.append(EditedArticle(article_id, article_site, url, title, count, changes))
            if limit is not None and len(found) >= limit:
                break
    return found


def _utc_text(fetched_at: str) -> str:
    return (fetched_at or "")[:19] + "Z"  # capture times are stored in UTC: compare as date_bound writes them


def edited_articles_at(db_path: str | Path, site: str | None = None, since: str | None = None,
                       silent: bool | None = None, limit: int | None = None) -> list[EditedArticle]:
    """`edited_articles` of the index at `db_path` (read-only)."""
    from archive.index import Index

    index = Index(db_path, readonly=True)
    try:
        return edited_articles(index.conn, site=site, since=since, silent=silent, limit=limit)
    finally:
        index.close()

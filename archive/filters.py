"""The article filters that `search`, `export`, `stats`, `trend` and the reading room share (`site`, `author`,
`since`, `until`, `access`), as SQL over `articles`, and SearchError, the one-line error of a query or filter
the index cannot run."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any


class SearchError(ValueError):
    """A query or filter the index cannot run; the message is one line, fit for a terminal."""



@dataclass
class Filters:
    """Conditions on articles. Dates are UTC and compared with `published_utc`; a bare day is inclusive
    (`until=2024-05-03` keeps everything published that day); articles without a date fail any date filter."""

    site: str | None = None
    author: str | None = None
    since: str | date | datetime | None = None
    until: str | date | datetime | None = None
    access: str | None = None

    def active(self) -> bool:
        return any(v is not None for v in (self.site, self.author, self.since, self.until, self.access))

    def where(self, conn: sqlite3.Connection, alias: str = "a") -> tuple[list[str], list[Any]]:
        """SQL conditions over `articles AS alias` and their parameters."""
        conditions: list[str] = []
        params: list[Any] = []
        if self.site is not None:
            conditions.append(f"{alias}.site = ?")
            params.append(self.site)
        if self.access is not None:
            conditions.append(f"{alias}.access = ?")
            params.append(self.access)
        low, high = date_bound(self.since, "since"), date_bound(self.until, "until")
        if low is not None:
            conditions.append(f"{alias}.published_utc >= ?")
            params.append(low)
        if high is not None:
            conditions.append(f"{alias}.published_utc < ?")
            params.append(high)
        if self.author is not None:
            ids = author_ids(conn, self.author)
            conditions.append(f"{alias}.id IN (SELECT article_id FROM article_authors WHERE author_id IN "
                              f"({', '.join('?' for _ in ids) or 'NULL'}))")
            params.extend(ids)
        return conditions, params


def author_ids(conn: sqlite3.Connection, name: str) -> list[int]:
    """Ids of the authors whose name equals `name` ignoring case (Unicode case folding)."""
    wanted = " ".join(name.split()).casefold()
    return [row[0] for row in conn.execute("SELECT id, name FROM authors") if row[1].casefold() == wanted]


def date_bound(value: str | date | datetime | None, which: str) -> str | None:
    """`since` as an inclusive and `until` as an exclusive UTC bound in `published_utc` format.

    A day (YYYY-MM-DD) means the whole UTC day; a time without an offset is taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise SearchError(f"--{which}: not a date: {text!r} (use YYYY-MM-DD or an ISO 8601 time such as "
                              "2024-05-01T09:00:00+09:00)") from None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        moment = moment.astimezone(timezone.utc).replace(microsecond=0)
        if which == "until":
            moment += timedelta(seconds=1)
    else:
        moment = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
        if which == "until":
            moment += timedelta(days=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

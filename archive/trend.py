"""Attention over time (the Python twin of `newsarchive trend` and the reading room's trend page): how many
articles match a full-text query per period and site, beside how many articles each site published in that
period, so that a chart can show the share of coverage and not only counts (a site that published twice as
much that week is not twice as attentive).

The calendar:
- a day is the site's own calendar day, the date part of `published` as the site printed it (Kyodo's day in
  Tokyo, Inakoran's in Jakarta), as the `articles_per_day_per_site` canned query counts; an article published
  at 08:00 in Tokyo on 1 May counts on 1 May although it was still 30 April in UTC;
- a week is an ISO week, Monday to Sunday, labelled `2024-W18`;
- a month is a calendar month, labelled `2024-05`.
`since` and `until` are days of that calendar (YYYY-MM-DD, both inclusive): a period cut by them (a week or a
month at either end) counts only its days inside the range, and says so by its `start` and `end`. Every
period of the range is present, zeros included. The range defaults to the first and last dated article of
the archive (of `site` if given).

Articles without a published date match no period: they are counted apart, per site (`undated`), whatever
the range.

Speed: the matches are counted by site and day through the covering index `articles_trend` (id, site, day)
(archive/schema.py), so no article row (bodies, in pages of their own) is read; each site's articles per day
come from `articles_site_day` (site, day). bench/trend.py measures both against the plain join.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from archive.index import Index
from archive.search import SearchError, check_query, date_bound, fts_error, fts_query

PERIODS = ("day", "week", "month")
MAX_PERIODS = 5000  # ~14 years of days: more is a stray date in the archive or a range given by mistake
DAY = "substr(published, 1, 10)"  # the site's calendar day; the same expression as the indexes on it
_DAY_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_OFFSET = re.compile(r"[+-]\d{2}:\d{2}|Z")


@dataclass
class Period:
    label: str  # 2024-05-01, 2024-W18, 2024-05
    start: date  # first day counted (a period cut by `since` starts there)
    end: date  # last day counted, inclusive
    matches: dict[str, int] = field(default_factory=dict)  # site -> articles matching the query
    totals: dict[str, int] = field(default_factory=dict)  # site -> articles published

    def share(self, site: str) -> float | None:
        """Matching articles / articles published by `site` in the period; None when it published none."""
        total = self.totals.get(site, 0)
        return self.matches.get(site, 0) / total if total else None


@dataclass
class Trend:
    query: str
    by: str
    sites: list[str]  # every site counted, in name order: a site with no match still has its zeros
    periods: list[Period]
    undated: dict[str, int]  # site -> matching articles without a published date (in no period)
    offsets: dict[str, str]  # site -> the UTC offset of its calendar (+09:00), for windows in UTC

    def matches(self, site: str) -> int:
        return sum(p.matches.get(site, 0) for p in self.periods)

    def as_dict(self) -> dict:
        """Plain data for JSON: a period per item, each with every site's matches, articles and share."""
        return {"query": self.query, "by": self.by, "sites": self.sites, "undated": self.undated,
                "periods": [{"period": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(),
                             "sites": {s: {"matches": p.matches.get(s, 0), "articles": p.totals.get(s, 0),
                                           "share": p.share(s)} for s in self.sites}} for p in self.periods]}

    def window(self, period: Period, site: str) -> tuple[str, str]:
        """The period as `since`/`until` times in the site's zone, both inclusive, for a search that finds
        exactly the articles counted (`archive.search.Filters` takes ISO times)."""
        offset = self.offsets.get(site, "+00:00")
        return f"{period.start.isoformat()}T00:00:00{offset}", f"{period.end.isoformat()}T23:59:59{offset}"


def trend(conn: sqlite3.Connection, query: str, site: str | None = None, by: str = "day",
          since: str | date | None = None, until: str | date | None = None) -> Trend:
    """Articles matching the FTS5 `query` per period (`by`: day, week or month) and site, with each site's
    articles per period. Raises SearchError for a bad query, period or date."""
    if not query or not query.strip():
        raise SearchError("empty query: give one or more words, a \"quoted phrase\", or terms joined by OR")
    if by not in PERIODS:
        raise SearchError(f"--by must be one of {', '.join(PERIODS)}, got {by!r}")
    low, high = _day(since, "since"), _day(until, "until")
    if low and high and low > high:
        raise SearchError(f"--since {low} is after --until {high}")
    match = fts_query(query)
    check_query(match)
    totals = _per_day(conn, f"SELECT site, {DAY} AS day, count(*) FROM articles{_indexed(conn, 'articles_site_day')} "
                      "WHERE published IS NOT NULL", [], site, low, high)
    try:
        found = _per_day(conn, "SELECT a.site, substr(a.published, 1, 10) AS day, count(*) FROM articles_fts f "
                         f"JOIN articles a{_indexed(conn, 'articles_trend')} ON a.id = f.rowid "
                         "WHERE articles_fts MATCH ?", [match], site, low, high, alias="a.", undated=True)
    except sqlite3.OperationalError as exc:
        raise fts_error(query, exc) from None
    sites = [site] if site is not None else _sites(conn)
    undated = {s: found.get((s, None), 0) for s in sites}
    days = [day for _, day in totals if day is not None]
    first = low or (date.fromisoformat(min(days)) if days else None)
    last = high or (date.fromisoformat(max(days)) if days else None)
    if first and last and (last - first).days // {"day": 1, "week": 7, "month": 31}[by] >= MAX_PERIODS:
        raise SearchError(f"from {first} to {last} by {by} are too many periods to show (at most {MAX_PERIODS:,}): "
                          "narrow the range with --since/--until or count by week or month")
    periods = _periods(by, first, last) if first and last else []
    by_start = {}
    for period in periods:
        period.matches = dict.fromkeys(sites, 0)
        period.totals = dict.fromkeys(sites, 0)
        by_start[period.start] = period
    for counts, into in ((totals, "totals"), (found, "matches")):
        for (s, day), n in counts.items():
            if day is None:
                continue
            period = by_start.get(_period_start(by, date.fromisoformat(day), first))
            if period is not None:  # always, but for a date too near year 9999 for the next period to exist
                getattr(period, into)[s] += n
    return Trend(query=query, by=by, sites=sites, periods=periods, undated=undated,
                 offsets={s: _offset(conn, s) for s in sites})


def trend_db(db_path: str | Path, query: str, site: str | None = None, by: str = "day",
             since: str | date | None = None, until: str | date | None = None) -> Trend:
    """`trend` on the index at `db_path`, opened read-only."""
    if not query or not query.strip():
        raise SearchError("empty query: give one or more words, a \"quoted phrase\", or terms joined by OR")
    index = Index(db_path, readonly=True)
    try:
        return trend(index.conn, query, site=site, by=by, since=since, until=until)
    finally:
        index.close()


# -- counting ----------------------------------------------------------------------------------------

def _per_day(conn: sqlite3.Connection, select: str, params: list, site: str | None, low: date | None,
             high: date | None, alias: str = "", undated: bool = False) -> dict[tuple[str, str | None], int]:
    """(site, day) -> count for `select` (which yields site, day, count), limited to the site and the days;
    undated rows (day None) are kept when asked for, whatever the days. A day that is not a date (a stored
    value the parsers would not write) counts as undated."""
    day = f"substr({alias}published, 1, 10)"
    conditions, args = [], list(params)
    if site is not None:
        conditions.append(f"{alias}site = ?")
        args.append(site)
    if low or high:
        bounds = []
        if low:
            bounds.append(f"{day} >= ?")
            args.append(low.isoformat())
        if high:
            bounds.append(f"{day} <= ?")
            args.append(high.isoformat())
        range_sql = " AND ".join(bounds)
        conditions.append(f"({range_sql} OR {day} IS NULL)" if undated else range_sql)
    sql = select + "".join(f" AND {c}" for c in conditions) + " GROUP BY 1, 2"
    counts: dict[tuple[str, str | None], int] = {}
    for row_site, row_day, n in conn.execute(sql, args):
        key = row_day if row_day is not None and _DAY_TEXT.fullmatch(row_day) and _is_date(row_day) else None
        if key is None and not undated:
            continue
        counts[(row_site, key)] = counts.get((row_site, key), 0) + n
    return counts


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _indexed(conn: sqlite3.Connection, name: str) -> str:
    """`INDEXED BY name` if the index has it: SQLite's planner would otherwise pick the table's rowid for the
    join (reading every matching row) and another index for the range. An index of an older schema opened
    read-only (unmigrated) lacks it and is counted the slow way."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [name]).fetchone()
    return f" INDEXED BY {name}" if found else ""


def _sites(conn: sqlite3.Connection) -> list[str]:
    """Every site of the archive, by a seek per site on the (site, published) index rather than a scan."""
    sites: list[str] = []
    while True:
        row = conn.execute(f"SELECT min(site) FROM articles{_indexed(conn, 'articles_site_day')} WHERE site > ?",
                           [sites[-1] if sites else ""]).fetchone()
        if row[0] is None:
            return sites
        sites.append(row[0])


def _offset(conn: sqlite3.Connection, site: str) -> str:
    """The UTC offset a site prints its dates in (the parsers convert every date to the site's zone)."""
    row = conn.execute(f"SELECT substr(published, 20) FROM articles{_indexed(conn, 'articles_site_day')} "
                       "WHERE site = ? AND published IS NOT NULL LIMIT 1", [site]).fetchone()
    found = _OFFSET.search(row[0]) if row and row[0] else None
    return "+00:00" if found is None or found[0] == "Z" else found[0]


# -- the calendar ------------------------------------------------------------------------------------

def _day(value: str | date | None, which: str) -> date | None:
    """`since`/`until` as a calendar day. A time is refused: the periods are whole days of each site's calendar."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value if type(value) is date else value.date()
    text = str(value).strip()
    date_bound(text, which)  # the same message for what is no date at all
    if len(text) != 10:
        raise SearchError(f"--{which}: trend counts whole days of each site's calendar; give a day (YYYY-MM-DD), "
                          f"not a time: {text!r}")
    return date.fromisoformat(text)


def _period_start(by: str, day: date, first: date | None = None) -> date:
    """The first day of the period holding `day`, not before `first` (a period cut by the range's start)."""
    if by == "week":
        start = day - timedelta(days=day.weekday())
    elif by == "month":
        start = day.replace(day=1)
    else:
        start = day
    return max(start, first) if first else start


def _periods(by: str, first: date, last: date) -> list[Period]:
    periods = []
    start = first
    last = min(last, date.max - timedelta(days=31))  # the period after the last must exist
    while start <= last:
        if by == "week":
            following = start - timedelta(days=start.weekday()) + timedelta(days=7)
            year, week, _ = start.isocalendar()
            label = f"{year}-W{week:02d}"
        elif by == "month":
            following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
            label = start.strftime("%Y-%m")
        else:
            following = start + timedelta(days=1)
            label = start.isoformat()
        periods.append(Period(label=label, start=start, end=min(following - timedelta(days=1), last)))
        start = following
    return periods

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

Speed: no article row (bodies, in pages of their own) is read. The matches are counted through
`trend_keys`, one integer (site and day) per article id, and each site's articles per day come from
`trend_totals`, a row per site and day (archive/trend_index.py keeps both with triggers). An index without them
(older, opened read-only) is counted by plain SQL over `articles` (`plain_counts`), the same numbers ~50 times
slower; bench/trend.py measures the two.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from archive import trend_index
from archive.fulltext import has_stems
from archive.index import Index
from archive.search import SearchError, check_query, date_bound, fts_error, fts_query

PERIODS = ("day", "week", "month")
MAX_PERIODS = 5000  # ~14 years of days: more is a stray date in the archive or a range given by mistake
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
    check_query(query)
    match = fts_query(query, stems=has_stems(conn))
    try:
        totals, found = (table_counts if trend_index.present(conn) else plain_counts)(conn, match, site, low, high)
    except sqlite3.OperationalError as exc:
        raise fts_error(query, exc) from None
    known = sites(conn)
    if site is not None and site not in known:
        raise SearchError(f"no articles of a site named {site!r} in this archive (sites: {', '.join(known) or 'none'})")
    counted = [site] if site is not None else known
    undated = {s: found.get((s, None), 0) for s in counted}
    days = [day for _, day in totals if day is not None]
    first = low or (min(days) if days else None)
    last = high or (max(days) if days else None)
    if first and last and (last - first).days // {"day": 1, "week": 7, "month": 31}[by] >= MAX_PERIODS:
        raise SearchError(f"from {first} to {last} by {by} are too many periods to show (at most {MAX_PERIODS:,}): "
                          "narrow the range with --since/--until or count by week or month")
    periods = _periods(by, first, last) if first and last else []
    by_start = {}
    for period in periods:
        period.matches = dict.fromkeys(counted, 0)
        period.totals = dict.fromkeys(counted, 0)
        by_start[period.start] = period
    period_of: dict[date, Period | None] = {}
    for tally, into in ((totals, "totals"), (found, "matches")):
        for (s, day), n in tally.items():
            if day is None:
                continue
            if day not in period_of:
                period_of[day] = by_start.get(_period_start(by, day, first))
            period = period_of[day]
            if period is not None:  # always, but for a date too near year 9999 for the next period to exist
                getattr(period, into)[s] += n
    return Trend(query=query, by=by, sites=counted, periods=periods, undated=undated,
                 offsets={s: _offset(conn, s) for s in counted})


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

Counts = dict[tuple[str, "date | None"], int]  # (site, day) -> articles; day None: undated


def table_counts(conn: sqlite3.Connection, match: str, site: str | None, low: date | None,
                 high: date | None) -> tuple[Counts, Counts]:
    """(each site's dated articles per day, the query's matches per site and day, undated ones included) from
    the trend tables (archive/trend_index.py): no article row is read."""
    slots = trend_index.SITE_SLOTS
    names = dict(conn.execute("SELECT id, name FROM trend_sites"))
    site_id = next((i for i, name in names.items() if name == site), -1) if site is not None else None
    first = trend_index.day_number(low) * slots if low else slots
    last = (trend_index.day_number(high) + 1) * slots - 1 if high else 1 << 62
    only_site = f" AND {{key}} % {slots} = {int(site_id)}" if site_id is not None else ""
    totals_sql = ("SELECT key, articles FROM trend_totals WHERE key BETWEEN ? AND ? AND articles > 0"
                  + only_site.format(key="key"))
    # The unary + keeps the key off any index: the matches drive the join, a rowid lookup each.
    matches_sql = ("SELECT t.key, count(*) FROM articles_fts f JOIN trend_keys t ON t.id = f.rowid "
                   "WHERE articles_fts MATCH ? AND (+t.key BETWEEN ? AND ? OR +t.key < ?)"
                   + only_site.format(key="+t.key") + " GROUP BY t.key")

    days: dict[int, date | None] = {}  # a day's number -> the day, each computed once

    def decoded(rows) -> Counts:
        out: Counts = {}
        for key, n in rows:
            number = key // slots
            day = days.get(number, False)
            if day is False:
                day = days[number] = trend_index.day_of(key)
            out[(names[key % slots], day)] = n
        return out

    return (decoded(conn.execute(totals_sql, [first, last])),
            decoded(conn.execute(matches_sql, [match, first, last, slots])))


def plain_counts(conn: sqlite3.Connection, match: str, site: str | None, low: date | None,
                 high: date | None) -> tuple[Counts, Counts]:
    """`table_counts` by plain SQL over `articles`: for an index without the trend tables (an older one opened
    read-only), and the baseline bench/trend.py measures `table_counts` against. Reads every matching row and, for the
    totals, every article."""
    day = "substr(a.published, 1, 10)"
    of_site, site_args = (" AND a.site = ?", [site]) if site is not None else ("", [])
    bounds, range_args = [], []
    if low:
        bounds.append(f"{day} >= ?")
        range_args.append(low.isoformat())
    if high:
        bounds.append(f"{day} <= ?")
        range_args.append(high.isoformat())
    in_range = " AND ".join(bounds) or "1"
    totals = conn.execute(f"SELECT a.site, {day}, count(*) FROM articles a WHERE {in_range}{of_site} GROUP BY 1, 2",
                          [*range_args, *site_args])
    found = conn.execute(f"SELECT a.site, {day}, count(*) FROM articles_fts f JOIN articles a ON a.id = f.rowid "
                         f"WHERE articles_fts MATCH ? AND ({in_range} OR {day} IS NULL){of_site} GROUP BY 1, 2",
                         [match, *range_args, *site_args])

    def decoded(rows, keep_undated: bool) -> Counts:
        out: Counts = {}
        for row_site, row_day, n in rows:
            parsed = _as_day(row_day)
            if parsed is None and not keep_undated:
                continue
            out[(row_site, parsed)] = out.get((row_site, parsed), 0) + n
        return out

    return decoded(totals, False), decoded(found, True)


def _as_day(text: str | None) -> date | None:
    """The day of a stored `published` date part, as the trend tables read it: None when it is no date."""
    if text is None or not _DAY_TEXT.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def sites(conn: sqlite3.Connection) -> list[str]:
    """Every site that has an article, in name order."""
    if trend_index.present(conn):
        return [row[0] for row in conn.execute(
            "SELECT name FROM trend_sites WHERE id IN (SELECT key % ? FROM trend_totals WHERE articles > 0) "
            "ORDER BY name", [trend_index.SITE_SLOTS])]
    return [row[0] for row in conn.execute("SELECT DISTINCT site FROM articles ORDER BY site")]


def _offset(conn: sqlite3.Connection, site: str) -> str:
    """The UTC offset a site prints its dates in (the parsers convert every date to the site's zone)."""
    row = conn.execute("SELECT substr(published, 20) FROM articles WHERE site = ? AND published_utc IS NOT NULL "
                       "LIMIT 1", [site]).fetchone()
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

"""The report's account of crawling (archive/report.py): the days crawls ran, beside each site's articles per
day, so that a gap day on which a crawl ran ("nothing published", or nothing found) differs from one on which
none did ("we were not crawling"); and a table of what recent crawls discovered and did not fetch, by reason.

A crawl's days are the site's own calendar days (as the articles' are) from its start to its end. The site's
UTC offset is read from its articles' `published` values (the parsers write the site's own offset), so that
this module needs no site registry; UTC for a site without dated articles.
"""

from __future__ import annotations

import html
import json
import sqlite3
from datetime import date, datetime, timedelta, timezone

from archive.accounting import SKIP_REASONS

CRAWL_COLOR = "#0f766e"
RECENT_CRAWLS = 10


def site_offsets(conn: sqlite3.Connection) -> dict[str, timezone]:
    """{site: its UTC offset}, read from one of its articles' `published` values ("...+09:00")."""
    found = {}
    for site, published in conn.execute(
            "SELECT site, max(published) FROM articles WHERE published LIKE '____-__-__T__:__:__%' GROUP BY site"):
        try:
            moment = datetime.fromisoformat(published)
        except (TypeError, ValueError):
            continue
        if moment.utcoffset() is not None:
            found[site] = timezone(moment.utcoffset())
    return found


def crawl_days(conn: sqlite3.Connection) -> dict[str, set[date]]:
    """{site: the site's calendar days on which a crawl of it ran}, crawls and canaries alike."""
    offsets = site_offsets(conn)
    days: dict[str, set[date]] = {}
    for sites, started, ended in conn.execute("SELECT sites, started, coalesce(ended, started) FROM crawls"):
        for site in [s.strip() for s in (sites or "").split(",") if s.strip()]:
            zone = offsets.get(site, timezone.utc)
            try:
                first = _as_utc(started).astimezone(zone).date()
                last = _as_utc(ended).astimezone(zone).date()
            except (TypeError, ValueError):
                continue
            days.setdefault(site, set()).update(first + timedelta(days=i) for i in range((last - first).days + 1))
    return days


def _as_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def crawl_strip(site: str, crawled: set[date], start: date, end: date, left: float, step: float, y: float) -> str:
    """SVG: one mark under the articles-per-day bars for each day a crawl of `site` ran."""
    marks = [f"<rect class=crawl-day data-site='{_e(site)}' data-day='{day}' x={left + (day - start).days * step:.2f} "
             f"y={y:.1f} width={max(step, 1.5):.2f} height=5 fill='{CRAWL_COLOR}'><title>{day}: {_e(site)} crawled"
             f"</title></rect>" for day in sorted(crawled) if start <= day <= end]
    label = f"<text class=striplab x=2 y={y + 5:.1f}>crawled</text>" if marks else ""  # fits the 40 px margin
    return label + "".join(marks)


def silent_days(entry_last: date | None, crawled: set[date]) -> list[date]:
    """The days after a site's last dated article up to its last crawl: crawled, and nothing came. They are gap
    days too: a redesign that empties the crawls shows there, where a chart ending at the last article hid it."""
    if entry_last is None or not crawled or max(crawled) <= entry_last:
        return []
    return [entry_last + timedelta(days=i) for i in range(1, (max(crawled) - entry_last).days + 1)]


def gap_crawl_note(site: str, gaps: list[date], crawled: set[date]) -> str:
    """Whether each gap day had a crawl: the difference between "nothing published" and "not crawling"."""
    if not gaps:
        return ""
    with_crawl = [d for d in gaps if d in crawled]
    without = [d for d in gaps if d not in crawled]
    listed = ", ".join(str(d) for d in without[:8]) + (f" and {len(without) - 8:,} more" if len(without) > 8 else "")
    return (f"<p class=crawlgaps data-site='{_e(site)}' data-crawled={len(with_crawl)} "
            f"data-not-crawled={len(without)}>Of the gap days, <b>{len(with_crawl):,}</b> had a crawl of the site "
            f"(nothing published, or nothing found) and <b>{len(without):,}</b> had none (not crawling)"
            f"{': ' + listed if without else ''}.</p>")


def missed_table(conn: sqlite3.Connection, limit: int = RECENT_CRAWLS) -> str:
    """What the last `limit` crawls discovered, fetched and did not fetch (by reason), per site."""
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'crawl_sites'").fetchone()
    ids = [r[0] for r in conn.execute(
        "SELECT s.crawl_id FROM crawl_sites s JOIN crawls c ON c.id = s.crawl_id GROUP BY s.crawl_id "
        "ORDER BY max(coalesce(c.started, '')) DESC, s.crawl_id DESC LIMIT ?", [limit])] if has_table else []
    rows = conn.execute(
        "SELECT s.crawl_id, c.started, s.site, s.discovered, s.fetched, s.articles, s.skipped FROM crawl_sites s "
        f"JOIN crawls c ON c.id = s.crawl_id WHERE s.crawl_id IN ({','.join('?' * len(ids))}) "
        "ORDER BY coalesce(c.started, '') DESC, s.crawl_id DESC, s.site", ids).fetchall() if ids else []
    if not rows:
        return "<p>No crawl has recorded what it discovered yet.</p>"
    head = "".join(f"<th class=num>{_e(h)}</th>" for h in ("discovered", "fetched", "articles", *SKIP_REASONS))
    body = []
    for crawl_id, started, site, discovered, fetched, articles, skipped in rows:
        try:
            counts = json.loads(skipped or "{}")
        except ValueError:
            counts = {}
        cells = "".join(f"<td class=num data-reason={r}>{counts.get(r) or 0:,}</td>" for r in SKIP_REASONS)
        body.append(f"<tr data-crawl='{_e(crawl_id)}' data-site='{_e(site)}'><td><code>{_e(crawl_id)}</code></td>"
                    f"<td>{_e((started or '')[:16].replace('T', ' '))}</td><td>{_e(site)}</td>"
                    f"<td class=num>{discovered or 0:,}</td><td class=num>{fetched or 0:,}</td>"
                    f"<td class=num>{articles or 0:,}</td>{cells}</tr>")
    return ("<p class=note>Article URLs each crawl discovered, fetched, and did not fetch, by reason: budget "
            "(--max-articles, --max-pages), window (--since/--until), held (already archived, unchanged), robots, "
            "offsite, circuit (host breaker open). <code>newsarchive missed CRAWL</code> lists them.</p>"
            "<table class=missed><tr><th>crawl</th><th>started (UTC)</th><th>site</th>" + head + "</tr>"
            + "".join(body) + "</table>")


def _e(value) -> str:
    return html.escape(str(value), quote=True)

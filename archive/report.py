"""A one-page HTML report of the index (`newsarchive report`): what was archived when, and where the holes are.

Self-contained: inline CSS and inline SVG drawn here, no scripts, fonts, images or links to anywhere else,
so the file can be mailed, attached to a paper's data appendix, or opened offline years from now.

Articles are counted by the calendar day of their `published` value, i.e. the day in the site's own time
zone as the site printed it. A gap is a day with no article between a site's first and last dated article.
"""

from __future__ import annotations

import html
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from archive import health
from archive.index import SKIP_SQL, Index
from archive.outfile import atomic_output
from archive.report_crawls import crawl_days, crawl_strip, gap_crawl_note, missed_table, silent_days

SITE_COLORS = ["#2563eb", "#0f766e", "#7c3aed", "#b45309", "#be185d", "#4d7c0f"]
ACCESS_COLORS = {"full": "#15803d", "open": "#0284c7", "gated": "#d97706", "expired": "#78716c", None: "#d6d3d1"}
SERIES_COLORS = {"pages": "#94a3b8", "articles": "#2563eb", "errors": "#dc2626"}
REASON_COLORS = ["#dc2626", "#ea580c", "#ca8a04", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#475569"]
GAP_COLOR = "#fee2e2"
WIDTH = 1000


@dataclass
class SiteDays:
    site: str
    counts: dict[date, int]  # days with at least one article
    undated: int = 0
    gaps: list[date] = field(default_factory=list)  # zero days between the first and the last

    @property
    def first(self) -> date | None:
        return min(self.counts) if self.counts else None

    @property
    def last(self) -> date | None:
        return max(self.counts) if self.counts else None


def articles_per_day(conn: sqlite3.Connection) -> list[SiteDays]:
    """Per site: articles per published day (the site's local date) and the gap days."""
    sites: dict[str, SiteDays] = {}
    for site, day, count in conn.execute(
            "SELECT site, substr(published, 1, 10) AS day, count(*) FROM articles GROUP BY site, day ORDER BY site"):
        entry = sites.setdefault(site, SiteDays(site, {}))
        try:
            entry.counts[date.fromisoformat(day)] = count
        except (TypeError, ValueError):
            entry.undated += count
    for entry in sites.values():
        if entry.counts:
            entry.gaps = [d for d in _days(entry.first, entry.last) if d not in entry.counts]
    return list(sites.values())


def write_report(db_path: str | Path, out_path: str | Path) -> Path:
    """Write the HTML report of the index at `db_path` to `out_path`; returns the path written."""
    index = Index(db_path, readonly=True)
    try:
        page = render(index.conn, Path(db_path).name)
    finally:
        index.close()
    with atomic_output(out_path, "w", encoding="utf-8") as fh:  # never a half page, never a new directory
        fh.write(page)
    return Path(out_path)


def render(conn: sqlite3.Connection, title: str = "index.db") -> str:
    days = articles_per_day(conn)
    crawled = crawl_days(conn)
    for entry in days:
        entry.gaps += silent_days(entry.last, crawled.get(entry.site, set()))
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    totals = {"articles": one("SELECT count(*) FROM articles"), "captures": one("SELECT count(*) FROM captures"),
              "crawls": one("SELECT count(*) FROM crawls"),
              "fetch errors": one(f"SELECT count(*) FROM fetch_errors WHERE NOT {SKIP_SQL}"),
              "skipped": one(f"SELECT count(*) FROM fetch_errors WHERE {SKIP_SQL}"),
              "gap days": sum(len(s.gaps) for s in days)}
    colors = {s.site: SITE_COLORS[i % len(SITE_COLORS)] for i, s in enumerate(days)}
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"<h1>newsarchive index report</h1><p class=sub>{_e(title)} · generated {generated}</p>",
             _cards(totals), "<h2>Articles per day, by site</h2>",
             "<p class=note>By published date (the site's own calendar day). "
             "<span class=swatch style='background:#fca5a5'></span> a red day is a gap: no article that day "
             "between the site's first dated article and its last article or crawl. "
             "<span class=swatch style='background:#0f766e'></span> a mark under a day: a crawl of the site ran "
             "that day.</p>"]
    parts += [_site_days(entry, days, colors[entry.site], crawled.get(entry.site, set())) for entry in days] \
        or ["<p>No articles yet.</p>"]
    parts += ["<h2>Access states, by site</h2>", _access(conn, colors),
              "<h2>Crawl runs</h2><p class=note>One group of bars per run, oldest on the left.</p>",
              _crawls(conn), "<h2>Crawl health</h2>", _health(conn),
              "<h2>What recent crawls missed</h2>", missed_table(conn),
              "<h2>Fetch errors over time, by reason</h2>",
              "<p class=note>Off-site links and paths robots.txt forbids are not errors: they are left alone on "
              "purpose, and counted as skipped.</p>", _errors(conn)]
    return PAGE.format(style=STYLE, body="\n".join(parts))


# -- sections ----------------------------------------------------------------------------------------


def _cards(totals: dict[str, int]) -> str:
    cells = "".join(f"<div class='card{' warn' if k == 'gap days' and v else ''}'><b>{v:,}</b>{_e(k)}</div>"
                    for k, v in totals.items())
    return f"<div class=cards>{cells}</div>"


def _site_days(entry: SiteDays, every: list[SiteDays], color: str, crawled: set[date] = frozenset()) -> str:
    """One bar per day over the range of all sites, so the sites' charts line up; gap days in red; under the
    axis, a mark for each day a crawl of the site ran (archive/report_crawls.py)."""
    firsts = [s.first for s in every if s.first]
    if not entry.counts:
        return f"<h3>{_e(entry.site)}</h3><p>No dated articles ({entry.undated:,} undated).</p>"
    start = min(firsts)
    end = max([s.last for s in every if s.last] + [day for s in every for day in s.gaps])  # silent days too
    span = (end - start).days + 1
    left, height, plot_w = 40, 120, WIDTH - 52
    step = plot_w / span
    top = max(entry.counts.values())
    scale = (height - 16) / top
    svg = [f"<svg viewBox='0 0 {WIDTH} {height + 42}' role=img aria-label='articles per day, {_e(entry.site)}'>"]
    for value in _ticks(top):
        y = height - value * scale
        svg.append(f"<line class=grid x1={left} x2={WIDTH - 12} y1={y:.1f} y2={y:.1f} />"
                   f"<text class=ylab x={left - 6} y={y + 4:.1f}>{value}</text>")
    gaps = set(entry.gaps)
    for i, day in enumerate(_days(start, end)):
        x = left + i * step
        count = entry.counts.get(day, 0)
        if day in gaps:
            svg.append(f"<rect class=gap data-site='{_e(entry.site)}' data-day='{day}' x={x:.2f} y=4 "
                       f"width={max(step, 1.5):.2f} height={height - 4} fill='{GAP_COLOR}'><title>{day}: no "
                       f"{_e(entry.site)} article (gap)</title></rect>"
                       f"<rect x={x:.2f} y={height + 1} width={max(step, 1.5):.2f} height=4 fill='#ef4444' />")
        elif count:
            h = count * scale
            svg.append(f"<rect class=bar data-site='{_e(entry.site)}' data-day='{day}' data-count={count} "
                       f"x={x + step * 0.1:.2f} y={height - h:.2f} width={max(step * 0.8, 1):.2f} height={h:.2f} "
                       f"fill='{color}'><title>{day}: {count} {_e(entry.site)} article(s)</title></rect>")
    svg.append(f"<line class=axis x1={left} x2={WIDTH - 12} y1={height} y2={height} />")
    for day, label in _day_ticks(start, end):
        x = left + (day - start).days * step
        svg.append(f"<line class=tick x1={x:.1f} x2={x:.1f} y1={height} y2={height + 8} />"
                   f"<text class=xlab x={x + 3:.1f} y={height + 22}>{label}</text>")
    svg.append(crawl_strip(entry.site, crawled, start, end, left, step, height + 30))
    svg.append("</svg>")
    total = sum(entry.counts.values())
    facts = (f"{total:,} dated articles, {entry.first} to {entry.last}"
             f"{f', {entry.undated:,} undated' if entry.undated else ''}")
    return (f"<div class=site><h3><span class=swatch style='background:{color}'></span>{_e(entry.site)}"
            f"<small>{facts}</small></h3>{''.join(svg)}{_gap_list(entry)}"
            f"{gap_crawl_note(entry.site, entry.gaps, crawled)}</div>")


def _gap_list(entry: SiteDays) -> str:
    if not entry.gaps:
        return "<p class=ok>No gap days.</p>"
    runs: list[list[date]] = []
    for day in entry.gaps:
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    longest = sorted(runs, key=lambda r: (-len(r), r[0]))[:8]
    items = ", ".join(f"{r[0]}" + (f" to {r[-1]} ({len(r)} days)" if len(r) > 1 else "")
                      for r in sorted(longest))
    more = f"; {len(runs) - len(longest)} shorter gap(s) not listed" if len(runs) > len(longest) else ""
    return (f"<p class=gaps><b>{len(entry.gaps):,} gap day(s)</b> in {len(runs):,} stretch(es). "
            f"Longest, by date: {items}{more}.</p>")


def _access(conn: sqlite3.Connection, colors: dict[str, str]) -> str:
    rows = conn.execute("SELECT site, access, count(*) FROM articles GROUP BY site, access ORDER BY site").fetchall()
    if not rows:
        return "<p>No articles yet.</p>"
    by_site: dict[str, dict] = defaultdict(dict)
    for site, access, count in rows:
        by_site[site][access] = count
    order = ["full", "open", "gated", "expired", None]
    states = [s for s in order if any(s in v for v in by_site.values())]
    states += sorted({a for v in by_site.values() for a in v if a not in order})
    left, bar_h, gap = 110, 26, 14
    height = len(by_site) * (bar_h + gap) + 30
    svg = [f"<svg viewBox='0 0 {WIDTH} {height}' role=img aria-label='access states per site'>"]
    for row, (site, counts) in enumerate(sorted(by_site.items())):
        y = row * (bar_h + gap) + 4
        total = sum(counts.values())
        svg.append(f"<text class=rowlab x={left - 10} y={y + 18}>{_e(site)}</text>")
        x = float(left)
        for state in states:
            count = counts.get(state, 0)
            if not count:
                continue
            w = (WIDTH - left - 70) * count / total
            label = f"{state or 'unknown'} {count:,}"
            svg.append(f"<rect data-site='{_e(site)}' data-access='{_e(state or '')}' data-count={count} x={x:.1f} "
                       f"y={y} width={w:.1f} height={bar_h} fill='{ACCESS_COLORS.get(state, '#a8a29e')}'>"
                       f"<title>{_e(site)}: {_e(label)} ({100 * count / total:.0f}%)</title></rect>")
            if w > 8 * len(label):
                svg.append(f"<text class=inbar x={x + 6:.1f} y={y + 17}>{_e(label)}</text>")
            x += w
        svg.append(f"<text class=total x={x + 8:.1f} y={y + 18}>{total:,}</text>")
    svg.append(_legend([(s or "unknown", ACCESS_COLORS.get(s, "#a8a29e")) for s in states], left, height - 8))
    svg.append("</svg>")
    return "".join(svg)


def _crawls(conn: sqlite3.Connection) -> str:
    rows = conn.execute(
        "SELECT c.id, c.started, c.ended, c.status, c.sites, "
        "coalesce(c.pages, (SELECT count(*) FROM captures WHERE crawl_id = c.id)), coalesce(c.articles, 0), "
        f"(SELECT count(*) FROM fetch_errors WHERE crawl_id = c.id AND NOT {SKIP_SQL}) FROM crawls c "
        "ORDER BY coalesce(c.started, ''), c.id").fetchall()
    if not rows:
        return "<p>No crawl runs recorded.</p>"
    series = ["pages", "articles", "errors"]
    left, height = 50, 150
    slot = (WIDTH - left - 12) / len(rows)
    top = max(max(r[5] or 0, r[6] or 0, r[7] or 0) for r in rows) or 1
    scale = (height - 16) / top
    svg = [f"<svg viewBox='0 0 {WIDTH} {height + 58}' role=img aria-label='crawl runs'>"]
    for value in _ticks(top):
        y = height - value * scale
        svg.append(f"<line class=grid x1={left} x2={WIDTH - 12} y1={y:.1f} y2={y:.1f} />"
                   f"<text class=ylab x={left - 6} y={y + 4:.1f}>{value:,}</text>")
    every = max(1, round(len(rows) / 10))
    for i, (crawl_id, started, *_rest) in enumerate(rows):
        values = dict(zip(series, _rest[3:]))
        bar_w = min(slot * 0.8 / 3, 28)
        x0 = left + i * slot + (slot - bar_w * 3) / 2
        for j, name in enumerate(series):
            h = (values[name] or 0) * scale
            svg.append(f"<rect data-crawl='{_e(crawl_id)}' data-series={name} data-count={values[name] or 0} "
                       f"x={x0 + j * bar_w:.1f} y={height - h:.1f} width={max(bar_w - 1, 1):.1f} height={h:.1f} "
                       f"fill='{SERIES_COLORS[name]}'><title>{_e(crawl_id)}: {values[name] or 0:,} {name}</title></rect>")
        if i % every == 0:
            label = (started or "?")[:16].replace("T", " ")
            label = label if i == 0 else label[5:]  # the year once
            svg.append(f"<text class=xlab x={left + i * slot + slot / 2:.1f} y={height + 18} text-anchor=middle>"
                       f"{_e(label)}</text>")
    svg.append(f"<line class=axis x1={left} x2={WIDTH - 12} y1={height} y2={height} />")
    svg.append(_legend([(s if s != "errors" else "fetch errors", SERIES_COLORS[s]) for s in series], left,
                       height + 46))
    svg.append("</svg>")
    table = "".join(
        f"<tr><td><code>{_e(r[0])}</code></td><td>{_e((r[1] or '')[:19].replace('T', ' '))}</td>"
        f"<td>{_duration(r[1], r[2])}</td><td>{_e(r[3] or '')}</td><td>{_e(r[4] or '')}</td>"
        f"<td class=num>{r[5] or 0:,}</td><td class=num>{r[6] or 0:,}</td><td class=num>{r[7]:,}</td></tr>"
        for r in rows[-15:][::-1])
    note = f"<p class=note>Latest 15 of {len(rows):,} runs.</p>" if len(rows) > 15 else ""
    return ("".join(svg) + "<table><tr><th>crawl</th><th>started (UTC)</th><th>took</th><th>status</th>"
            "<th>sites</th><th>pages</th><th>articles</th><th>fetch errors</th></tr>" + table + "</table>" + note)


def _health(conn: sqlite3.Connection) -> str:
    """Open alarms and the latest findings of the health checks (archive/health.py): a degraded crawl's why."""
    overview = health.overview(conn)
    alarms, findings = overview["open_alarms"], overview["findings"]
    out = ["<p class=note>Each run of each site is checked against the site's own recent runs; a run with "
           "findings is <code>degraded</code>. An alarm stays open from the run that found a problem to the "
           "first run of that site that no longer finds it.</p>"]
    out.append("<h3>Open alarms</h3>" + (
        "<table><tr><th>site</th><th>check</th><th>since</th><th>message</th></tr>" + "".join(
            f"<tr data-alarm='{_e(a['site'])}/{_e(a['check'])}'><td>{_e(a['site'])}</td><td>{_e(a['check'])}</td>"
            f"<td>{_e((a['opened'] or '')[:16].replace('T', ' '))}</td><td>{_e(a['message'])}</td></tr>"
            for a in alarms) + "</table>" if alarms else "<p class=ok>No open alarms.</p>"))
    out.append("<h3>Latest findings</h3>" + (
        "<table><tr><th>at</th><th>crawl</th><th>check</th><th>message</th></tr>" + "".join(
            f"<tr data-finding='{_e(f['check'])}'><td>{_e((f['at'] or '')[:16].replace('T', ' '))}</td>"
            f"<td><code>{_e(f['crawl_id'])}</code></td><td>{_e(f['check'])}</td><td>{_e(f['message'])}</td></tr>"
            for f in findings) + "</table>" if findings else "<p class=ok>No findings: every run looked like "
                                                             "its site's history.</p>"))
    return "".join(out)


def _errors(conn: sqlite3.Connection) -> str:
    rows = conn.execute(f"SELECT substr(at, 1, 10) AS day, reason, count(*) FROM fetch_errors WHERE NOT {SKIP_SQL} "
                        "GROUP BY day, reason ORDER BY day").fetchall()
    if not rows:
        return "<p class=ok>No fetch errors recorded.</p>"
    reasons = sorted({r[1] for r in rows}, key=lambda r: -sum(c for _, x, c in rows if x == r))
    color = {r: REASON_COLORS[i % len(REASON_COLORS)] for i, r in enumerate(reasons)}
    per_day: dict[date, dict[str, int]] = defaultdict(dict)
    for day, reason, count in rows:
        try:
            per_day[date.fromisoformat(day)][reason] = count
        except (TypeError, ValueError):
            continue
    if not per_day:
        return "<p>Fetch errors have no readable dates.</p>"
    start, end = min(per_day), max(per_day)
    span = (end - start).days + 1
    left, height = 50, 130
    step = (WIDTH - left - 12) / span
    top = max(sum(v.values()) for v in per_day.values())
    scale = (height - 16) / top
    svg = [f"<svg viewBox='0 0 {WIDTH} {height + 56}' role=img aria-label='fetch errors per day by reason'>"]
    for value in _ticks(top):
        y = height - value * scale
        svg.append(f"<line class=grid x1={left} x2={WIDTH - 12} y1={y:.1f} y2={y:.1f} />"
                   f"<text class=ylab x={left - 6} y={y + 4:.1f}>{value:,}</text>")
    for day, counts in sorted(per_day.items()):
        x = left + (day - start).days * step + step * 0.1
        y = float(height)
        for reason in reasons:
            count = counts.get(reason, 0)
            if count:
                h = count * scale
                y -= h
                svg.append(f"<rect data-day='{day}' data-reason='{_e(reason)}' data-count={count} x={x:.2f} "
                           f"y={y:.2f} width={max(step * 0.8, 1):.2f} height={h:.2f} fill='{color[reason]}'>"
                           f"<title>{day}: {count:,} {_e(reason)}</title></rect>")
    svg.append(f"<line class=axis x1={left} x2={WIDTH - 12} y1={height} y2={height} />")
    for day, label in _day_ticks(start, end):
        x = left + (day - start).days * step
        svg.append(f"<line class=tick x1={x:.1f} x2={x:.1f} y1={height} y2={height + 8} />"
                   f"<text class=xlab x={x + 3:.1f} y={height + 22}>{label}</text>")
    svg.append(_legend([(r, color[r]) for r in reasons], left, height + 46))
    svg.append("</svg>")
    return "".join(svg)


# -- drawing helpers ---------------------------------------------------------------------------------


def _legend(items: list[tuple[str, str]], x: float, y: float) -> str:
    out = []
    for label, color in items:
        out.append(f"<rect x={x:.1f} y={y - 10:.1f} width=12 height=12 rx=2 fill='{color}' />"
                   f"<text class=legend x={x + 17:.1f} y={y}>{_e(label)}</text>")
        x += 30 + 7.5 * len(label)
    return "".join(out)


def _ticks(top: int) -> list[int]:
    """Two or three round values for horizontal grid lines, from 0 up to `top`."""
    if top <= 0:
        return [0]
    raw = top / 3
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return list(range(0, top + 1, max(1, int(step))))


def _day_ticks(start: date, end: date) -> list[tuple[date, str]]:
    span = (end - start).days
    if span <= 45:
        days = [start + timedelta(days=i) for i in range(0, span + 1, 7)]
        return [(d, d.strftime("%b %d")) for d in days]
    months = [d for d in _days(start, end) if d.day == 1]
    if len(months) > 24:
        return [(d, str(d.year)) for d in months if d.month == 1]
    every = 1 if len(months) <= 12 else 3
    return [(d, d.strftime("%b %Y" if d.month == 1 or i == 0 else "%b"))
            for i, d in enumerate(months) if (d.month - 1) % every == 0]


def _days(start: date, end: date):
    for i in range((end - start).days + 1):
        yield start + timedelta(days=i)


def _duration(started: str | None, ended: str | None) -> str:
    try:
        seconds = (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()
    except (TypeError, ValueError):
        return ""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min" if seconds < 7200 \
        else f"{seconds / 3600:.1f} h"


def _e(value) -> str:
    return html.escape(str(value), quote=True)


STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1c1917;
background:#fafaf9;margin:0}main{max-width:1040px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:26px;margin:0}h2{font-size:19px;margin:36px 0 8px;padding-top:14px;border-top:1px solid #e7e5e4}
h3{font-size:16px;margin:18px 0 4px;display:flex;align-items:center;gap:8px}h3 small{font-weight:400;color:#57534e}
.sub,.note{color:#57534e;margin:4px 0}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:18px 0 6px}
.card{background:#fff;border:1px solid #e7e5e4;border-radius:8px;padding:10px 16px;min-width:110px;color:#57534e}
.card b{display:block;font-size:22px;color:#1c1917}.card.warn{border-color:#fca5a5;background:#fef2f2}
.card.warn b{color:#b91c1c}.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px}
.site{background:#fff;border:1px solid #e7e5e4;border-radius:8px;padding:4px 16px 8px;margin:12px 0}
svg{width:100%;height:auto;display:block;font-size:12px}.grid{stroke:#e7e5e4}.axis{stroke:#78716c}
.tick{stroke:#a8a29e}.ylab{fill:#78716c;text-anchor:end}.striplab{fill:#78716c;font-size:9px}.xlab,.legend{fill:#57534e}.rowlab{text-anchor:end;
font-weight:600;fill:#1c1917;font-size:13px}.inbar{fill:#fff;font-size:12px}.total{fill:#57534e}
.gaps{color:#991b1b;margin:6px 0 8px}.ok{color:#166534}table{border-collapse:collapse;margin:14px 0;
font-size:13px;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e7e5e4}
th{color:#57534e;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}
"""

PAGE = """<!doctype html>
<html lang=en><head><meta charset=utf-8><meta name=viewport content="width=device-width, initial-scale=1">
<title>newsarchive index report</title><style>{style}</style></head>
<body><main>
{body}
</main></body></html>
"""

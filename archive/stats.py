"""What the archive holds and how it was gathered: the Python twin of `newsarchive stats`.

Articles are counted by the calendar day of their `published` value, the day in the site's own time zone as
the site printed it (as `newsarchive report` does; `search --since/--until` compare UTC times instead). A
site's covered range runs from its first to its last publication day; a gap is a run of days inside that
range with no article from the site.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from archive import accounting, health
from archive.index import SKIP_REASONS, SKIP_SQL, Index
from archive.requisites import captures_by_role
from archive.terminal import printable


def stats(db_path: str | Path, days: int = 30, end: date | None = None) -> dict[str, Any]:
    """Articles per site per day over the `days` days ending at `end`, totals and access states per site,
    gaps in each site's coverage, captures by role (`captures_by_role`: pages and requisites, count and stored
    bytes), the last 10 crawls, fetch errors by reason (`errors`) and, apart from them, URLs left alone on
    purpose (`skipped`: off-site links, robots.txt exclusions), per site what the crawls of the window
    discovered, fetched and did not fetch by reason (`missed`, archive/accounting.py), and crawl health
    (`health`: the latest findings and the open alarms, archive/health.py overview). `end` defaults to today
    (UTC), or tomorrow
    when a site east of UTC has already published on its tomorrow."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    index = Index(db_path, readonly=True)
    try:
        conn = index.conn
        by_day: dict[str, dict[str, int]] = {}
        undated: dict[str, int] = {}
        for site, day, count in conn.execute(
                "SELECT site, substr(published, 1, 10) AS day, count(*) FROM articles "
                "GROUP BY site, day ORDER BY site, day"):
            if day is None:
                undated[site] = count
            else:
                by_day.setdefault(site, {})[day] = count
            by_day.setdefault(site, {})
        access: dict[str, dict[str, int]] = {}
        for site, state, count in conn.execute(
                "SELECT site, coalesce(access, 'unknown'), count(*) FROM articles GROUP BY 1, 2 ORDER BY 1, 3 DESC"):
            access.setdefault(site, {})[state] = count
        crawls = [dict(row) for row in conn.execute(
            "SELECT id, sites, started, ended, status, pages, articles, errors, warc_bytes FROM crawls "
            "ORDER BY started DESC, id DESC LIMIT 10")]
        by_reason = conn.execute("SELECT reason, count(*) FROM fetch_errors GROUP BY reason ORDER BY 2 DESC, 1")
        errors, skipped = {}, {}
        for reason, count in by_reason:
            (skipped if reason in SKIP_REASONS else errors)[reason] = count
        errors_by_site: dict[str, dict[str, int]] = {}
        for site, reason, count in conn.execute(
                "SELECT coalesce(site, 'unknown'), reason, count(*) FROM fetch_errors "
                f"WHERE NOT {SKIP_SQL} GROUP BY 1, 2 ORDER BY 1, 3 DESC"):
            errors_by_site.setdefault(site, {})[reason] = count
        captures = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
        by_role = captures_by_role(conn)
        crawl_health = health.overview(conn)
    finally:
        index.close()
    if end is None:
        today = datetime.now(timezone.utc).date()
        latest = max((d for counts in by_day.values() for d in counts), default="")
        end = today + timedelta(days=1) if latest == (today + timedelta(days=1)).isoformat() else today
    window = [end - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    sites = {}
    for site, counts in by_day.items():
        dated = sorted(counts)
        gaps = find_gaps(counts)
        sites[site] = {
            "articles": sum(counts.values()) + undated.get(site, 0),
            "undated": undated.get(site, 0),
            "first_day": dated[0] if dated else None,
            "last_day": dated[-1] if dated else None,
            "access": access.get(site, {}),
            "gaps": gaps,
            "gap_days": sum(g["days"] for g in gaps),
        }
    return {
        "window": {"from": window[0].isoformat(), "to": window[-1].isoformat(), "days": days},
        "articles": sum(s["articles"] for s in sites.values()),
        "captures": captures,
        "captures_by_role": by_role,
        "sites": sites,
        "per_day": {site: {day.isoformat(): by_day[site].get(day.isoformat(), 0) for day in window}
                    for site in sorted(by_day)},
        "crawls": crawls,
        "errors": errors,
        "errors_by_site": errors_by_site,
        "skipped": skipped,
        "health": crawl_health,
        "missed": missed_totals(db_path, window[0].isoformat()),
    }


def missed_totals(db_path: str | Path, since: str) -> dict[str, Any]:
    """Per site, over the crawls started since `since`: article URLs discovered, fetched, skipped by reason."""
    index = Index(db_path, readonly=True)
    try:
        return accounting.totals_since(index.conn, since)
    finally:
        index.close()


def find_gaps(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Runs of days with no articles between the first and last day of `counts` ({"YYYY-MM-DD": n})."""
    days = sorted(date.fromisoformat(d) for d, n in counts.items() if n > 0)
    gaps = []
    for before, after in zip(days, days[1:]):
        missing = (after - before).days - 1
        if missing > 0:
            gaps.append({"from": (before + timedelta(days=1)).isoformat(),
                         "to": (after - timedelta(days=1)).isoformat(), "days": missing})
    return gaps


def format_stats(result: dict[str, Any]) -> str:
    """`stats` as text tables."""
    sites = sorted(result["sites"])
    lines = [f"{result['articles']:,} articles, {result['captures']:,} captures", ""]
    roles = result.get("captures_by_role") or {}
    if roles:
        lines[-1:-1] = ["captures by role: " + ", ".join(
            f"{role}s {v['captures']:,} ({v['bytes']:,} bytes)" for role, v in roles.items())]
    lines.append(_table(["site", "articles", "undated", "first day", "last day", "gap days", "access"],
                        [[s, f"{v['articles']:,}", v["undated"], v["first_day"] or "-", v["last_day"] or "-",
                          v["gap_days"], ", ".join(f"{k} {n:,}" for k, n in v["access"].items())]
                         for s, v in ((s, result["sites"][s]) for s in sites)]))
    window = result["window"]
    lines += ["", f"articles per day (published, the site's calendar day), {window['from']} .. {window['to']}"]
    lines.append(_table(["day", *sites], [[day, *(result["per_day"][s][day] for s in sites)]
                                          for day in (result["per_day"][sites[0]] if sites else {})]))
    all_gaps = [(s, g) for s in sites for g in result["sites"][s]["gaps"]]
    gaps = [(s, g) for s, g in all_gaps if g["to"] >= window["from"]]
    lines += ["", f"gaps since {window['from']} (days without articles inside a site's covered range)"]
    lines.append(_table(["site", "from", "to", "days"], [[s, g["from"], g["to"], g["days"]] for s, g in gaps])
                 if gaps else "none")
    if len(all_gaps) > len(gaps):
        older = all_gaps and [g for _, g in all_gaps if g["to"] < window["from"]]
        lines.append(f"(and {len(older)} earlier gaps, {sum(g['days'] for g in older):,} days: --format json "
                     "lists them all)")
    lines += ["", "last crawls"]
    lines.append(_table(["crawl", "sites", "started", "ended", "status", "pages", "articles", "errors", "bytes"],
                        [[c["id"], c["sites"], c["started"], c["ended"] or "-", c["status"], c["pages"],
                          c["articles"], c["errors"], f"{c['warc_bytes']:,}" if c["warc_bytes"] is not None else "-"]
                         for c in result["crawls"]]) if result["crawls"] else "none")
    lines += ["", "fetch errors by reason"]
    lines.append(_table(["reason", "count"], [[r, n] for r, n in result["errors"].items()])
                 if result["errors"] else "none")
    if result.get("skipped"):
        lines += ["", "skipped on purpose (off-site links, robots.txt): "
                  + ", ".join(f"{r} {n:,}" for r, n in result["skipped"].items())]
    lines += format_missed_totals(result)
    lines += format_health(result.get("health") or {})
    return "\n".join(lines)


def format_health(overview: dict[str, Any]) -> list[str]:
    """The health section of `stats`: open alarms, then the latest findings (archive/health.py)."""
    alarms, findings = overview.get("open_alarms") or [], overview.get("findings") or []
    lines = ["", "crawl health: open alarms"]
    lines.append(_table(["site", "check", "since", "crawl", "message"],
                        [[a["site"], a["check"], a["opened"], a["opened_by"], printable(a["message"], keep="")]
                         for a in alarms]) if alarms else "none")
    lines += ["", "crawl health: latest findings"]
    lines.append(_table(["at", "crawl", "status", "site", "check", "message"],
                        [[f["at"], f["crawl_id"], f["status"], f["site"], f["check"], printable(f["message"], keep="")]
                         for f in findings]) if findings else "none")
    return lines


def format_missed_totals(result: dict[str, Any]) -> list[str]:
    """The `missed` part of `stats`: per site, article URLs the window's crawls discovered, fetched, and did not
    fetch by reason (`newsarchive missed` lists a crawl's URLs)."""
    missed = result.get("missed") or {}
    if not missed:
        return []
    reasons = [r for r in accounting.SKIP_REASONS if any(v["skipped"].get(r) for v in missed.values())]
    return ["", f"article URLs discovered and fetched, crawls since {result['window']['from']} "
                "(not fetched, by reason: newsarchive missed)",
            _table(["site", "crawls", "discovered", "fetched", *reasons],
                   [[site, v["crawls"], f"{v['discovered']:,}", f"{v['fetched']:,}",
                     *(f"{v['skipped'].get(r, 0):,}" for r in reasons)] for site, v in sorted(missed.items())])]


def _table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [header] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    out = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)

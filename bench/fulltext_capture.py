"""Full-text capture over a simulated week: how much of what the sites publish the default schedules archive
with its full text, and how soon after publication.

Kyodo shows an article's full text for about a day, then gates it (two paragraphs, then nothing after 90 days);
Inakoran never gates. The mirror runs in this process on a fast clock (Mirror.set_now): the benchmark walks the
union of the schedules' slots through the span (Schedule.next_slot, as the scheduler computes them), sets the
mirror clock to each slot and runs each due schedule's crawl as the scheduler would (`python -m crawler.cli
crawl` + Schedule.crawl_args), recording crawl id -> simulated time. Three schedule sets run side by side against
the same mirror, each into its own archive: the defaults (crawler/cli/schedule.py DEFAULTS) and cheaper ones.
From index.db (article_versions: the first version with full text, Kyodo `full` or `open`, Inakoran `open`)
and the mirror's truth: the share of the span's articles captured with full text, and publish-to-capture
latency p50/p95 in simulated hours, per site."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import Row

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 10, 5, tzinfo=timezone.utc)  # a Monday, in the past: parsers drop dates after the capture
BACKLOG = 300  # stories per site already published before the span (120 days of them)
FULL_TEXT = ("full", "open")  # archive/access.py TEXT_STATES


def schedule_sets() -> dict[str, list]:
    """{set name: [Schedule]}: the defaults, a cheaper set (Kyodo's feed every 6 h, Inakoran every 12 h), and a
    daily one (both once a day): where Kyodo's day of full text starts to bite."""
    from crawler.cli.schedule import DEFAULTS
    from crawler.scheduling.store import Schedule, parse_every

    def make(name, sites, when, opts):
        every = parse_every(when["every"]) if when.get("every") else None
        return Schedule(name=name, sites=sites, cron=when.get("cron"), every=every, options=dict(opts),
                        created=START)

    cheaper = {"kyodo-feed": {"every": "6h"}, "inakoran": {"every": "12h"}}
    daily = {"kyodo-feed": {"every": "1d"}, "inakoran": {"every": "1d"}}
    return {"default": [make(n, s, w, o) for n, s, w, o in DEFAULTS],
            "cheaper": [make(n, s, cheaper.get(n, w), o) for n, s, w, o in DEFAULTS],
            "daily": [make(n, s, daily.get(n, w), o) for n, s, w, o in DEFAULTS]}


def slots(schedules: list, start: datetime, end: datetime) -> list[tuple[datetime, list]]:
    """[(slot, [schedules due then])] for every slot in [start, end), in time order."""
    due: dict[datetime, list] = {}
    for schedule in schedules:
        slot = schedule.first_run(start)
        while slot < end:
            due.setdefault(slot, []).append(schedule)
            slot = schedule.next_slot(slot)
    return sorted(due.items(), key=lambda item: item[0])


def capture_stats(published: dict[str, datetime], versions: list[tuple[str, str, str]],
                  crawl_times: dict[str, datetime]) -> dict:
    """`published`: {url: publication time} of the articles that count; `versions`: (url, access, crawl id) of
    every archived version; `crawl_times`: {crawl id: simulated time}. Returns n, captured (with full text),
    share, and latency p50/p95 in hours (None when nothing was captured)."""
    first: dict[str, datetime] = {}
    for url, access, crawl_id in versions:
        when = crawl_times.get(crawl_id)
        if url in published and access in FULL_TEXT and when is not None:
            first[url] = min(first.get(url, when), when)
    delays = sorted((first[url] - published[url]).total_seconds() / 3600 for url in first)
    return {"n": len(published), "captured": len(first), "share": len(first) / len(published) if published else 0.0,
            "p50": _percentile(delays, 0.50), "p95": _percentile(delays, 0.95)}


def _percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted `values`."""
    if not values:
        return None
    rank = max(1, -(-len(values) * q // 1))
    return values[int(rank) - 1]


def simulate(days: float, data_root: Path, log=print) -> dict:
    """Run both schedule sets over `days` simulated days from START. Returns {set: {site: capture_stats}} and
    the wall time and crawl count under "_meta"."""
    from crawler.run import MIRROR_SETTINGS
    from mirror import Mirror

    end = START + timedelta(days=days)
    sets = schedule_sets()
    wall = time.perf_counter()
    crawls = 0
    times: dict[str, dict[str, datetime]] = {name: {} for name in sets}
    # each set's last crawl of each site: a story published after it was not missed, only not crawled yet
    last: dict[str, dict[str, datetime]] = {name: {} for name in sets}
    with Mirror(articles=BACKLOG, seed=1, now=START, zoo=False) as mirror:
        settings = {**{k: str(v) for k, v in MIRROR_SETTINGS.items()}, "PARSER_PROCESSES": "1"}
        for schedule in (s for group in sets.values() for s in group):
            schedule.options.update(base_urls={s: mirror.base_urls[s] for s in schedule.sites},
                                    asset_urls={"kyodo": [mirror.asset_urls["kyodo"]]} if "kyodo" in schedule.sites
                                    else {}, requisites="none", settings=settings)
        union = slots([s for group in sets.values() for s in group], START, end)
        for slot, due in union:
            mirror.set_now(slot)
            for name, group in sets.items():
                for schedule in (s for s in due if s in group):
                    data = data_root / name
                    times[name][_crawl(schedule, data, slot)] = slot
                    last[name].update({site: slot for site in schedule.sites})
                    crawls += 1
            log(f"  {slot:%a %H:%M} {', '.join(sorted({s.name for s in due}))}")
        mirror.set_now(end)
        truth = {site: [t for t in mirror.truth(site) if START < datetime.fromisoformat(t["published"]) <= end]
                 for site in mirror.sites}
    out: dict = {}
    for name in sets:
        with sqlite3.connect(data_root / name / "index.db") as db:
            versions = db.execute("SELECT a.url, v.access, c.crawl_id FROM article_versions v JOIN articles a "
                                  "ON a.id = v.article_id JOIN captures c ON c.id = v.capture_id").fetchall()
        out[name] = {site: capture_stats({t["url"]: datetime.fromisoformat(t["published"]) for t in rows
                                          if datetime.fromisoformat(t["published"]) <= last[name].get(site, START)},
                                         versions, times[name]) for site, rows in truth.items()}
    out["_meta"] = {"seconds": time.perf_counter() - wall, "crawls": crawls, "days": days}
    return out


def _crawl(schedule, data: Path, slot: datetime) -> str:
    """Run one scheduled crawl at simulated time `slot`; its crawl id."""
    data.mkdir(parents=True, exist_ok=True)
    before = _crawl_ids(data)
    args = [sys.executable, "-m", "crawler.cli", "crawl", *schedule.crawl_args(data, slot)]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900)
    new = _crawl_ids(data) - before
    if done.returncode not in (0, 3) or len(new) != 1:  # 3: degraded (health findings), still a crawl
        raise RuntimeError(f"crawl {schedule.name} at {slot} failed ({done.returncode}): {done.stderr[-2000:]}")
    return new.pop()


def _crawl_ids(data: Path) -> set[str]:
    if not (data / "index.db").exists():
        return set()
    with sqlite3.connect(data / "index.db") as db:
        return {row[0] for row in db.execute("SELECT id FROM crawls")}


def run(quick: bool) -> list[Row]:
    days = 1 if quick else 7  # a week takes about 18 minutes (266 crawls of ~4 s): quick runs one day
    with tempfile.TemporaryDirectory() as tmp:
        result = simulate(days, Path(tmp), log=lambda line: print(line, file=sys.stderr, flush=True))
    return rows(result)


def rows(result: dict) -> list[Row]:
    meta = result["_meta"]
    span = f"{meta['days']:g} simulated days"
    out = []
    for site in ("kyodo", "inakoran"):
        base = result["default"][site]
        for name in (n for n in result if n != "_meta"):
            stats = result[name][site]
            label = f"full-text capture {site}, {name} schedules ({span})"
            baseline = ("", None) if name == "default" else ("default schedules", None)
            out.append(Row(label, f"share of {stats['n']} captured with full text", 100 * stats["share"], "%",
                           baseline[0], None if name == "default" else 100 * base["share"]))
            for q in ("p50", "p95"):
                if stats[q] is not None:
                    out.append(Row(label, f"publish-to-capture latency {q}", stats[q], "h (simulated)", baseline[0],
                                   None if name == "default" else base[q]))
    out.append(Row(f"full-text capture ({span})", f"wall time, {meta['crawls']} crawls", meta["seconds"], "s", "",
                   None, "under 8 min, else quick gets a shorter span"))
    return out

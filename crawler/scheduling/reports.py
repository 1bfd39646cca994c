"""What `schedule history` and `schedule check` read besides schedules.db: the crawls rows of runs, the
problems of schedules (a failed last run, an overdue one) and, for a degraded run, its findings (archive/health.py
stored_findings) and the open alarms of its sites (the index's `alarms` table, cleared IS NULL), one printable
line each. Reads DATA/index.db only; never writes it."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from archive.health import stored_findings
from archive.terminal import printable
from crawler.scheduling.store import ScheduleStore, format_duration, to_text

def crawl_rows(data_dir: str | Path, crawl_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The `crawls` rows (statistics, status) of these crawl ids, from DATA/index.db if it exists."""
    ids = [c for c in set(crawl_ids) if c]
    db = Path(data_dir) / "index.db"
    if not ids or not db.exists():
        return {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        marks = ",".join("?" * len(ids))
        return {row["id"]: dict(row) for row in conn.execute(f"SELECT * FROM crawls WHERE id IN ({marks})", ids)}
    except sqlite3.DatabaseError:  # no crawls table yet, or a damaged index: the runs are shown without them
        return {}
    finally:
        conn.close()


def problems(store: ScheduleStore, now: datetime, overdue_factor: float = 2.0) -> list[str]:
    """One line per problem: a schedule whose last run failed, or whose run is overdue by more than
    `overdue_factor` x its interval (no scheduler running, or a run going on for that long)."""
    lines = []
    for schedule in store.all():
        if schedule.paused:
            continue
        last = store.last_run(schedule.name)
        period = schedule.period(schedule.next_run)
        if last and last.outcome == "failed":
            failures = store.consecutive_failures(schedule.name)
            lines.append(f"{schedule.name}: last run failed (exit {last.exit_code}) at {to_text(last.ended)}"
                         f"{f', {failures} failures in a row' if failures > 1 else ''}; log: {last.log}")
        if last and last.outcome == "running":
            if (now - last.started).total_seconds() > overdue_factor * period:
                lines.append(f"{schedule.name}: a run has been going on since {to_text(last.started)} "
                             f"({format_duration((now - last.started).total_seconds())}, interval {format_duration(period)})")
            continue
        late = (now - schedule.next_run).total_seconds()
        if late > overdue_factor * period:
            lines.append(f"{schedule.name}: overdue: its run was due at {to_text(schedule.next_run)} "
                         f"({format_duration(late)} ago, more than {overdue_factor:g} x its interval "
                         f"{format_duration(period)}); is a scheduler running?")
    return lines

def degraded_lines(store: ScheduleStore, data_dir: str | Path) -> list[str]:
    latest = [(schedule, store.last_run(schedule.name)) for schedule in store.all() if not schedule.paused]
    degraded = [(schedule, run) for schedule, run in latest if run and run.outcome == "degraded"]
    if not degraded:
        return []
    db = Path(data_dir) / "index.db"
    lines = []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) if db.exists() else None
    try:
        findings = _read(lambda: stored_findings(conn, [run.crawl_id for _, run in degraded]), {}) if conn else {}
        for schedule, run in degraded:
            found = findings.get(run.crawl_id, [])
            lines.append(f"{schedule.name}: last run degraded (exit {run.exit_code}) at {to_text(run.ended)}, crawl "
                         f"{run.crawl_id}: {len(found)} finding(s)")
            lines += [f"{schedule.name}: finding: {finding.message}" for finding in found]
            alarms = _read(lambda: conn.execute(
                f"SELECT site, check_name, message, opened FROM alarms WHERE cleared IS NULL AND site IN "
                f"({','.join('?' * len(schedule.sites))}) ORDER BY id", schedule.sites).fetchall(), []) if conn else []
            lines += [f"{schedule.name}: open alarm since {opened}: {site} {check}: {message}"
                      for site, check, message, opened in alarms]
    finally:
        if conn is not None:
            conn.close()
    return [printable(line, keep="") for line in lines]


def _read(query, default):
    """A query of the index, or `default` when the index has no such table yet (or cannot be read now)."""
    try:
        return query()
    except sqlite3.Error:
        return default

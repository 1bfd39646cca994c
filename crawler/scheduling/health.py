"""What `schedule check` says about degraded runs: for each schedule whose latest run is `degraded`, the
findings of its crawl (archive/health.py stored_findings) and the open alarms of its sites (the index's
`alarms` table, cleared IS NULL), one printable line each. Reads DATA/index.db only; never writes it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archive.health import stored_findings
from archive.terminal import printable
from crawler.scheduling.store import ScheduleStore, to_text


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

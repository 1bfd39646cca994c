"""Crawl health: every run of every site checked against its own history, so a redesign that empties the
archive is noticed on its first run, not months later.

`assess(conn, crawl_id)` reads the crawl's `crawl_sites` rows (archive/accounting.py) and the same site's
recent history, and returns one Finding per problem, each with its reason in words and numbers
(the checks and their thresholds: archive/health_checks.py). A crawl with findings is `degraded`
(crawls.status); its findings are `crawl_findings` rows.

A site's history: its last crawls of the same schedule (NULL: ad hoc) and the same kind (a canary is judged
against canaries), finished or degraded, that have crawl_sites rows; the same site and kind whatever the
schedule when that gives fewer than MIN_HISTORY runs.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from archive.accounting import site_rows
from archive.health_checks import HISTORY_SCAN, MIN_HISTORY, Finding, Run, check_site, unsettled as unsettled_checks

__all__ = ["Finding", "Judgement", "judge", "assess", "unsettled", "record", "stored_findings", "COMPLETED"]

# Statuses of a crawl that ran to its end: `degraded` finished too, its output just looked wrong.
COMPLETED = ("finished", "degraded")


@dataclass
class Judgement:
    findings: list[Finding] = field(default_factory=list)  # what is wrong with the crawl's sites
    unsettled: set[tuple[str, str]] = field(default_factory=set)  # (site, check) it cannot clear an alarm of


def judge(conn: sqlite3.Connection, crawl_id: str) -> Judgement:
    """Each site of `crawl_id` against that site's history (read once): its findings, and the checks it could
    not settle (archive/health_checks.py unsettled)."""
    judgement = Judgement()
    crawl = conn.execute("SELECT started, schedule, kind, args FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    if crawl is None:
        return judgement
    started, schedule, kind, args = crawl
    windowed = _windowed(args)
    for row in site_rows(conn, crawl_id):
        runs = history(conn, row["site"], crawl_id, started or "", schedule, kind or "crawl")
        judgement.findings += check_site(row, runs, windowed=windowed)
        judgement.unsettled |= {(row["site"], check) for check in unsettled_checks(row, runs, windowed=windowed)}
    return judgement


def assess(conn: sqlite3.Connection, crawl_id: str) -> list[Finding]:
    """Findings for each site of `crawl_id` against that site's history."""
    return judge(conn, crawl_id).findings


def unsettled(conn: sqlite3.Connection, crawl_id: str) -> set[tuple[str, str]]:
    """(site, check) pairs this crawl cannot clear an alarm of."""
    return judge(conn, crawl_id).unsettled


def history(conn: sqlite3.Connection, site: str, crawl_id: str, started: str, schedule: str | None,
            kind: str) -> list[Run]:
    """The site's earlier runs to compare with, newest first (HISTORY_SCAN at most)."""
    def ids(same_schedule: bool) -> list[str]:
        return [r[0] for r in conn.execute(
            "SELECT c.id FROM crawls c JOIN crawl_sites s ON s.crawl_id = c.id AND s.site = ? "
            f"WHERE c.id != ? AND c.kind = ? AND c.status IN ({', '.join('?' * len(COMPLETED))}) "
            "AND coalesce(c.started, '') <= ? " + ("AND c.schedule IS ? " if same_schedule else "")
            + "ORDER BY c.started DESC, c.rowid DESC LIMIT ?",
            [site, crawl_id, kind, *COMPLETED, started, *([schedule] if same_schedule else []), HISTORY_SCAN])]

    chosen = ids(True)
    if len(chosen) < MIN_HISTORY:
        chosen = ids(False)
    runs = []
    for past in chosen:
        row = next((r for r in site_rows(conn, past) if r["site"] == site), None)
        flagged = {r[0] for r in conn.execute(
            "SELECT check_name FROM crawl_findings WHERE crawl_id = ? AND site = ?", [past, site])}
        if row is not None:
            runs.append(Run(past, row, flagged))
    return runs


def _windowed(args: str | None) -> bool:
    """Whether the crawl was bounded by --since/--until (crawls.args: spider_args)."""
    try:
        spider_args = (json.loads(args or "{}") or {}).get("spider_args") or {}
    except (ValueError, AttributeError):
        return False
    return bool(isinstance(spider_args, dict) and (spider_args.get("since") or spider_args.get("until")))


def record(conn: sqlite3.Connection, crawl_id: str, findings: list[Finding], at: str) -> None:
    """Write the findings as crawl_findings rows (replacing any the crawl had)."""
    conn.execute("DELETE FROM crawl_findings WHERE crawl_id = ?", [crawl_id])
    for finding in findings:
        conn.execute("INSERT INTO crawl_findings (crawl_id, site, check_name, message, value, baseline, at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", [crawl_id, finding.site, finding.check, finding.message,
                                                       finding.value, finding.baseline, at])


def stored_findings(conn: sqlite3.Connection, crawl_ids: list[str]) -> dict[str, list[Finding]]:
    """The recorded findings of these crawls: {crawl_id: [Finding]} (crawls without findings are left out)."""
    ids = [c for c in dict.fromkeys(crawl_ids) if c]
    if not ids:
        return {}
    found: dict[str, list[Finding]] = {}
    marks = ",".join("?" * len(ids))
    for crawl_id, site, check, message, value, baseline in conn.execute(
            f"SELECT crawl_id, site, check_name, message, value, baseline FROM crawl_findings "
            f"WHERE crawl_id IN ({marks}) ORDER BY id", ids):
        found.setdefault(crawl_id, []).append(Finding(site, check, message, value, baseline))
    return found


def overview(conn: sqlite3.Connection, limit: int = 20) -> dict:
    """What `stats` and the report show: the latest `limit` findings (newest first) and the open alarms
    (oldest first). Empty for an index from before crawl health (schema 5)."""
    try:
        findings = [dict(zip(("crawl_id", "status", "site", "check", "message", "at"), row)) for row in conn.execute(
            "SELECT f.crawl_id, c.status, f.site, f.check_name, f.message, f.at FROM crawl_findings f "
            "LEFT JOIN crawls c ON c.id = f.crawl_id ORDER BY f.at DESC, f.id DESC LIMIT ?", [limit])]
        alarms = [dict(zip(("site", "check", "message", "opened", "opened_by"), row)) for row in conn.execute(
            "SELECT site, check_name, message, opened, opened_by FROM alarms WHERE cleared IS NULL ORDER BY id")]
    except sqlite3.OperationalError:
        return {"findings": [], "open_alarms": []}
    return {"findings": findings, "open_alarms": alarms}

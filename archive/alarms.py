"""Alarms: one message when a health problem (site, check) first appears, one when it clears; delivered to the
targets of the operator configuration (archive/config.py): a command (JSON on stdin), a webhook (JSON POST)
and e-mail over SMTP. State lives in the index's `alarms` table."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from archive.config import AlarmTargets
from archive.health import Finding


@dataclass
class AlarmOutcome:
    raised: list[Finding] = field(default_factory=list)  # problems new with this crawl
    cleared: list[dict] = field(default_factory=list)  # alarms rows this crawl cleared
    failures: list[str] = field(default_factory=list)  # deliveries that failed, one line each


def notify(conn: sqlite3.Connection, crawl_id: str, sites: list[str], findings: list[Finding],
           targets: AlarmTargets, now: str) -> AlarmOutcome:
    """Open an alarm for each finding whose (site, check) has none open, clear the open alarms of `sites` this
    crawl did not find again, and deliver both to `targets`."""
    return AlarmOutcome()

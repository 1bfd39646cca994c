"""Alarms: one message when a health problem (site, check) first appears, one when it clears; delivered to the
targets of the operator configuration (archive/config.py): a command (JSON on stdin), a webhook (JSON POST)
and e-mail over SMTP. State lives in the index's `alarms` table.

- One alarm per problem while it lasts: a finding whose (site, check) has an open alarm raises nothing new.
- An alarm clears when a later crawl of that site, of the same kind as the crawl that opened it, runs to its end
  (finished or degraded) without that finding: a canary, which checks a handful of articles against canaries,
  neither clears a crawl's alarm nor has a crawl clear its own. A failed or halted crawl clears nothing.
- Every event (raised, cleared) goes to every configured target; one delivery per target carries all the events
  due to it. A failed delivery is one log line and a `deliveries` entry, never fails the crawl, and is retried
  at each later crawl (as it notifies) until it succeeds or has failed MAX_ATTEMPTS times.

The payload (JSON, UTF-8), the same for all three targets (the e-mail's body is the messages, then this):

    {"source": "newsarchive", "crawl_id": "<the crawl delivering>",
     "events": [{"event": "raised" | "cleared", "site": "kyodo", "check": "missing_authors",
                 "message": "kyodo: authors missing on 25 of 25 articles, 3 of 60 in the last 10 runs",
                 "crawl_id": "<the crawl that raised or cleared it>", "value": 1.0, "baseline": 0.05,
                 "opened": "2026-07-01T06:00:00+00:00", "cleared": null | "<time>"}]}

A cleared event's message is the alarm's own, prefixed "cleared: "; its value and baseline those it was raised with.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import sqlite3
import ssl
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from archive.config import AlarmTargets, SMTPTarget
from archive.health import COMPLETED, Finding

logger = logging.getLogger(__name__)

COMMAND_TIMEOUT = 30  # seconds a command may take: a pager script, not a job
NETWORK_TIMEOUT = 15  # seconds for the webhook's answer and each SMTP exchange
MAX_ATTEMPTS = 10  # deliveries of one event to one target: a target gone for 10 crawls is the operator's to fix


@dataclass
class AlarmOutcome:
    raised: list[Finding] = field(default_factory=list)  # problems new with this crawl
    cleared: list[dict] = field(default_factory=list)  # alarms rows this crawl cleared
    failures: list[str] = field(default_factory=list)  # deliveries that failed, one line each
    delivered: dict[str, int] = field(default_factory=dict)  # {target: events delivered}, retries included


def notify(conn: sqlite3.Connection, crawl_id: str, sites: list[str], findings: list[Finding],
           targets: AlarmTargets, now: str, unsettled: set[tuple[str, str]] = frozenset()) -> AlarmOutcome:
    """Open an alarm for each finding whose (site, check) has none open, clear the open alarms of `sites` this
    crawl did not find again (but not those it could not judge: `unsettled`, archive/health.py), and deliver
    both (and earlier undelivered events) to `targets`."""
    outcome = AlarmOutcome()
    crawl = conn.execute("SELECT kind, status FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    kind, status = (crawl[0] or "crawl", crawl[1]) if crawl else ("crawl", None)
    _transaction(conn, lambda: _update(conn, crawl_id, kind, status, sites, findings, now, outcome,
                                                 unsettled))
    configured = _targets(targets)
    if not configured:
        return outcome
    rows = _alarm_rows(conn)
    for name, send in configured.items():
        due = [(row, event) for row in rows for event in _events(row) if _due(row, event, name, crawl_id)]
        if not due:
            continue
        payload = {"source": "newsarchive", "crawl_id": crawl_id,
                   "events": [_event_payload(conn, row, event) for row, event in due]}
        try:
            send(payload)
            error = None
            outcome.delivered[name] = len(due)
        except Exception as exc:  # any failure of a target is reported, never raised: the crawl is done
            error = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300]
            line = f"alarm delivery to {name} failed ({len(due)} event(s), retried at the next crawl): {error}"
            logger.warning("%s", line)
            outcome.failures.append(line)
        for row, event in due:
            row["deliveries"].append({"event": event, "target": name, "at": now, "ok": error is None,
                                      "error": error})
    _transaction(conn, lambda: conn.executemany("UPDATE alarms SET deliveries = ? WHERE id = ?",
                                                [(json.dumps(r["deliveries"]), r["id"]) for r in rows]))
    return outcome


def open_alarms(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The alarms not cleared yet, oldest first (for stats, the report and `schedule check`)."""
    return [r for r in _alarm_rows(conn) if r["cleared"] is None]


# -- state -------------------------------------------------------------------------------------------------

def _update(conn, crawl_id, kind, status, sites, findings, now, outcome, unsettled) -> None:
    open_now = {(r["site"], r["check_name"]): r for r in _alarm_rows(conn) if r["cleared"] is None}
    found = set()
    for finding in findings:
        key = (finding.site, finding.check)
        if key in found:
            continue
        found.add(key)
        if key not in open_now:
            conn.execute("INSERT INTO alarms (site, check_name, message, opened, opened_by, deliveries) "
                         "VALUES (?, ?, ?, ?, ?, '[]')", [finding.site, finding.check, finding.message, now, crawl_id])
            outcome.raised.append(finding)
    if status not in COMPLETED:
        return
    for key, row in open_now.items():
        if key[0] in sites and key not in found and key not in unsettled and _kind(conn, row["opened_by"]) == kind:
            conn.execute("UPDATE alarms SET cleared = ?, cleared_by = ? WHERE id = ?", [now, crawl_id, row["id"]])
            outcome.cleared.append({**row, "cleared": now, "cleared_by": crawl_id})


def _kind(conn: sqlite3.Connection, crawl_id: str | None) -> str:
    row = conn.execute("SELECT kind FROM crawls WHERE id = ?", [crawl_id]).fetchone() if crawl_id else None
    return (row[0] if row else None) or "crawl"


def _alarm_rows(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    columns = ("id", "site", "check_name", "message", "opened", "opened_by", "cleared", "cleared_by", "deliveries")
    rows = [dict(zip(columns, r)) for r in conn.execute(f"SELECT {', '.join(columns)} FROM alarms ORDER BY id")]
    for row in rows:
        row["deliveries"] = json.loads(row["deliveries"] or "[]")
    return rows


def _events(row: dict) -> list[str]:
    return ["raised"] + (["cleared"] if row["cleared"] else [])


def _due(row: dict, event: str, target: str, crawl_id: str) -> bool:
    """New with this crawl, or delivered to this target before without success, fewer than MAX_ATTEMPTS times."""
    tries = [d for d in row["deliveries"] if d["event"] == event and d["target"] == target]
    if any(d["ok"] for d in tries):
        return False
    if tries:
        return len(tries) < MAX_ATTEMPTS
    return (row["opened_by"] if event == "raised" else row["cleared_by"]) == crawl_id


def _event_payload(conn: sqlite3.Connection, row: dict, event: str) -> dict[str, Any]:
    found = conn.execute("SELECT value, baseline FROM crawl_findings WHERE crawl_id = ? AND site = ? AND "
                         "check_name = ? ORDER BY id LIMIT 1", [row["opened_by"], row["site"], row["check_name"]]
                         ).fetchone()
    return {"event": event, "site": row["site"], "check": row["check_name"],
            "message": row["message"] if event == "raised" else f"cleared: {row['message']}",
            "crawl_id": row["opened_by"] if event == "raised" else row["cleared_by"],
            "value": found[0] if found else None, "baseline": found[1] if found else None,
            "opened": row["opened"], "cleared": row["cleared"] if event == "cleared" else None}


def _transaction(conn: sqlite3.Connection, work) -> None:
    if conn.in_transaction:
        work()
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        work()
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- delivery ----------------------------------------------------------------------------------------------

def _targets(targets: AlarmTargets) -> dict[str, Any]:
    configured = {}
    if targets.command:
        configured["command"] = lambda payload: run_command(targets.command, payload)
    if targets.webhook:
        configured["webhook"] = lambda payload: post_webhook(targets.webhook, payload)
    if targets.smtp:
        configured["smtp"] = lambda payload: send_mail(targets.smtp, payload)
    return configured


def run_command(argv: list[str], payload: dict) -> None:
    """Run `argv` with the payload on stdin; RuntimeError unless it exits 0 within COMMAND_TIMEOUT."""
    try:
        done = subprocess.run(argv, input=json.dumps(payload).encode(), capture_output=True, timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{argv[0]} took more than {COMMAND_TIMEOUT} s") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"{argv[0]} exited {done.returncode}" + (f": {said[-1][:200]}" if said else ""))


def post_webhook(url: str, payload: dict) -> None:
    """POST the payload as JSON; RuntimeError unless the answer is 2xx."""
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "newsarchive-alarms"})
    try:
        with urllib.request.urlopen(request, timeout=NETWORK_TIMEOUT) as answer:
            code = answer.status
    except urllib.error.HTTPError as exc:
        code = exc.code
    if not 200 <= code < 300:
        raise RuntimeError(f"{url} answered HTTP {code}")


def send_mail(smtp: SMTPTarget, payload: dict) -> None:
    """One e-mail with every event's message, and the payload as JSON below them."""
    events = payload["events"]
    message = EmailMessage()
    message["From"], message["To"] = smtp.sender, ", ".join(smtp.to)
    sites = ", ".join(dict.fromkeys(e["site"] for e in events))
    message["Subject"] = (f"newsarchive: {events[0]['event']} {events[0]['site']} {events[0]['check']}"
                          if len(events) == 1 else f"newsarchive: {len(events)} alarm events ({sites})")
    lines = [f"{e['event'].upper()} {e['message']}" for e in events]
    message.set_content("\n".join(lines) + "\n\n" + json.dumps(payload, indent=2) + "\n")
    password = None
    if smtp.username:
        password = os.environ.get(smtp.password_env or "")
        if password is None:
            raise RuntimeError(f"SMTP login needs the password in ${smtp.password_env or '(password_env not set)'}")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=NETWORK_TIMEOUT) as server:
        if smtp.starttls:
            server.starttls(context=ssl.create_default_context())
        if smtp.username:
            server.login(smtp.username, password)
        refused = server.send_message(message)
    if refused:
        raise RuntimeError(f"SMTP server refused {', '.join(sorted(refused))}")

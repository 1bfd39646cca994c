"""Crawl schedules: what runs when, and every run they made (the Python twin of `newsarchive schedule`).

Storage: `DATA/schedules.db`, beside the index and not inside it. `newsarchive reindex` rebuilds `index.db`
from the WARC files and carries over only `crawls` and `fetch_errors`, so a table in the index would be lost
by a reindex; schedules are configuration, not something a WARC file can give back. Each run is linked both
ways: `schedule_runs.crawl_id` -> `crawls.id`, and `crawls.schedule` -> `schedules.name` (a `crawls` column,
so it survives a reindex too).

Due-time rules (no Scrapy here; `crawler.scheduling.runner` runs the crawls):

- `every`: slots at created + k x every; a new schedule is due at once. `cron`: croniter's slots in the
  schedule's time zone (UTC unless given); a new schedule is due at its first slot.
- `next_run` holds the nominal slot of the next run; a schedule is due once `now >= next_run + jitter`.
- When a run starts, `next_run` moves to the first slot after *now*: however many slots were missed (the
  machine was off, the last crawl ran long), one run catches up, never one per missed slot.
- Jitter is derived from (schedule, slot): the same in every process, at most `fraction` x the interval and
  at most `max_seconds`; 0 turns it off.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from archive.sqlite_files import open_wal, unreadable
from archive.times import parse_time

SCHEDULES_DB = "schedules.db"
SCHEMA_VERSION = 1
# degraded: the crawl finished but its health checks found something wrong (exit 3, archive/health.py): not a
# failure (it neither counts nor resets consecutive failures), shown by `schedule check` with its findings.
OUTCOMES = ("running", "ok", "degraded", "failed", "interrupted", "lost")
DEGRADED_EXIT = 3  # `newsarchive crawl` and `newsarchive canary` (crawler/cli/crawl.py)
MANUAL = "manual"  # the reason of a `schedule run NAME` run: it moves no slot
UTC = timezone.utc

DDL = [
    """CREATE TABLE IF NOT EXISTS schedules (
        name TEXT PRIMARY KEY, sites TEXT NOT NULL, cron TEXT, every INTEGER, tz TEXT NOT NULL DEFAULT 'UTC',
        options TEXT NOT NULL DEFAULT '{}', paused INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL,
        next_run TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS schedule_runs (
        id INTEGER PRIMARY KEY, schedule TEXT NOT NULL, slot TEXT, reason TEXT, started TEXT NOT NULL,
        ended TEXT, outcome TEXT NOT NULL DEFAULT 'running', exit_code INTEGER, crawl_id TEXT, pid INTEGER,
        command TEXT, log TEXT)""",
    "CREATE INDEX IF NOT EXISTS schedule_runs_schedule ON schedule_runs(schedule, id)",
]


class ScheduleError(ValueError):
    """A bad schedule definition; the message is one line, fit for the command line."""


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the schedules tables if missing. Idempotent."""
    for ddl in DDL:
        conn.execute(ddl)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


# -- time helpers ------------------------------------------------------------------------------------------

def utcnow() -> datetime:
    return datetime.now(UTC)


def to_text(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def from_text(text: str | None) -> datetime | None:
    moment = parse_time(text)
    if text and moment is None:
        raise ValueError(f"not an ISO 8601 time: {text!r}")
    return moment


_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_every(text: str) -> int:
    """'1h', '90m', '1h30m', '2d', '45s' -> seconds."""
    spec = text.strip().lower().replace(" ", "")
    if not re.fullmatch(r"(\d+[dhms])+", spec):
        raise ScheduleError(f"bad interval {text!r}: use a number and a unit, e.g. 30m, 1h, 6h, 1d, 1h30m")
    seconds = sum(int(n) * _UNITS[u] for n, u in re.findall(r"(\d+)([dhms])", spec))
    if seconds <= 0:
        raise ScheduleError(f"bad interval {text!r}: must be longer than zero")
    return seconds


def format_duration(seconds: float) -> str:
    """'45s', '59m57s', '1h30m', '9h', '2d3h': the largest unit and, when not zero, the next one."""
    seconds, units = int(round(abs(seconds))), list(_UNITS.items())
    for i, (unit, size) in enumerate(units):
        if seconds >= size or unit == "s":
            rest = "" if unit == "s" or not (seconds % size) // units[i + 1][1] else \
                f"{(seconds % size) // units[i + 1][1]}{units[i + 1][0]}"
            return f"{seconds // size}{unit}{rest}"
    return "0s"


def validate_cron(expr: str, tz: str = "UTC") -> None:
    """Raise ScheduleError (one line) unless croniter accepts `expr` as a 5-field expression or an @alias
    that matches at least one moment."""
    fields = expr.split()
    if not fields or (len(fields) != 5 and not (len(fields) == 1 and fields[0].startswith("@"))):
        raise ScheduleError(f"bad cron expression {expr!r}: expected 5 fields (minute hour day month weekday) "
                            "or @hourly/@daily/@weekly/@monthly")
    try:
        croniter(expr, datetime.now(_zone(tz))).get_next(datetime)
    except Exception as exc:  # croniter's CroniterBadCronError, CroniterBadDateError, ...
        raise ScheduleError(f"bad cron expression {expr!r}: {exc}") from None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r} (an IANA name, e.g. UTC or Asia/Tokyo)") from None


# -- schedules ---------------------------------------------------------------------------------------------

@dataclass
class Schedule:
    name: str
    sites: list[str]
    cron: str | None = None
    every: int | None = None  # seconds
    tz: str = "UTC"
    options: dict[str, Any] = field(default_factory=dict)  # crawl options, see crawl_args
    paused: bool = False
    created: datetime | None = None
    next_run: datetime | None = None  # nominal slot of the next run (jitter comes on top)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", self.name or ""):
            raise ScheduleError(f"bad schedule name {self.name!r}: letters, digits, '-', '_' and '.'")
        if (self.cron is None) == (self.every is None):
            raise ScheduleError("give exactly one of --cron EXPR and --every INTERVAL")
        if self.cron is not None:
            validate_cron(self.cron, self.tz)
        _zone(self.tz)

    @property
    def when(self) -> str:
        if self.every is not None:
            return f"every {format_duration(self.every)}"
        return f"cron {self.cron}" + (f" ({self.tz})" if self.tz != "UTC" else "")

    def next_slot(self, after: datetime) -> datetime:
        """The first slot strictly after `after`."""
        if self.every is not None:
            anchor = self.created or after
            if after < anchor:
                return anchor
            steps = int((after - anchor).total_seconds() // self.every) + 1
            return anchor + timedelta(seconds=steps * self.every)
        local = after.astimezone(_zone(self.tz))
        return croniter(self.cron, local).get_next(datetime).astimezone(UTC)

    def first_run(self, created: datetime) -> datetime:
        return created if self.every is not None else self.next_slot(created)

    def period(self, slot: datetime) -> float:
        """Seconds from `slot` to the slot after it: the interval that jitter and 'overdue' scale with."""
        if self.every is not None:
            return float(self.every)
        return (self.next_slot(slot) - slot).total_seconds()

    def jitter(self, slot: datetime, fraction: float, max_seconds: float) -> float:
        if fraction <= 0 or max_seconds <= 0:
            return 0.0
        span = min(fraction * self.period(slot), max_seconds)
        digest = hashlib.sha256(f"{self.name}|{to_text(slot)}".encode()).digest()
        return span * int.from_bytes(digest[:8], "big") / 2 ** 64

    def due_at(self, fraction: float = 0.0, max_seconds: float = 0.0) -> datetime:
        assert self.next_run is not None
        return self.next_run + timedelta(seconds=self.jitter(self.next_run, fraction, max_seconds))

    def missed_slots(self, now: datetime, limit: int = 1000) -> int:
        """Slots that came due up to `now` beyond the first one (what a catch-up run stands for)."""
        missed, slot = 0, self.next_run
        while slot is not None and missed < limit:
            slot = self.next_slot(slot)
            if slot > now:
                break
            missed += 1
        return missed

    @property
    def verb(self) -> str:
        """The newsarchive command a run is: `crawl`, or `canary` (schedule add --canary)."""
        return "canary" if self.options.get("canary") else "crawl"

    def crawl_args(self, data_dir: str | Path, now: datetime) -> list[str]:
        """Arguments for `newsarchive crawl` (after the word `crawl`; or `newsarchive canary`, see `verb`) that
        make this schedule's run."""
        opts = self.options
        args = [*self.sites, "--data", str(data_dir), "--quiet"]
        if self.verb == "canary":  # a canary takes only these: it chooses its own articles
            if opts.get("max_articles"):
                args += ["--articles", str(opts["max_articles"])]
            for site, url in (opts.get("base_urls") or {}).items():
                args += ["--base-url", f"{site}={url}"]
            for site, urls in (opts.get("asset_urls") or {}).items():
                args += [arg for url in urls for arg in ("--asset-url", f"{site}={url}")]
            for name, value in (opts.get("settings") or {}).items():
                args += ["-s", f"{name}={value}"]
            return args
        if opts.get("discover"):
            args += ["--discover", opts["discover"]]
        if opts.get("since_days") is not None:
            args += ["--since", (now.astimezone(UTC).date() - timedelta(days=int(opts["since_days"]))).isoformat()]
        for option in ("max_articles", "max_pages"):
            if opts.get(option):
                args += [f"--{option.replace('_', '-')}", str(opts[option])]
        for site, url in (opts.get("base_urls") or {}).items():
            args += ["--base-url", f"{site}={url}"]
        for site, urls in (opts.get("asset_urls") or {}).items():
            args += [arg for url in urls for arg in ("--asset-url", f"{site}={url}")]
        if opts.get("requisites"):
            args += ["--requisites", opts["requisites"]]
        for name, value in (opts.get("settings") or {}).items():
            args += ["-s", f"{name}={value}"]
        args += [f"--{flag.replace('_', '-')}" for flag in ("refresh", "retry_gated") if opts.get(flag)]
        return args

    def options_text(self) -> str:
        """The crawl options as `schedule add` flags."""
        parts = []
        for key, value in self.options.items():
            flag = "--" + key.replace("_", "-")
            if key in ("base_urls", "settings"):
                parts += [f"{'-s' if key == 'settings' else '--base-url'} {k}={v}" for k, v in value.items()]
            elif key == "asset_urls":
                parts += [f"--asset-url {site}={url}" for site, urls in value.items() for url in urls]
            elif value is True:
                parts.append(flag)
            elif value not in (None, False, "", {}):
                parts.append(f"{flag} {value}")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(created=to_text(self.created), next_run=to_text(self.next_run), when=self.when)
        return data


@dataclass
class Run:
    id: int
    schedule: str
    slot: datetime | None
    reason: str | None
    started: datetime
    ended: datetime | None
    outcome: str
    exit_code: int | None
    crawl_id: str | None
    pid: int | None
    command: list[str]
    log: str | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(slot=to_text(self.slot), started=to_text(self.started), ended=to_text(self.ended))
        return data


class ScheduleStore:
    """DATA/schedules.db. Every write is one short transaction, so schedulers, `run-due` from cron and the
    `schedule` commands can share it."""

    def __init__(self, data_dir: str | Path, create: bool = True):
        self.path = Path(data_dir) / SCHEDULES_DB
        self.exists = self.path.exists()
        if not create and not self.exists:
            self.conn = sqlite3.connect(":memory:", isolation_level=None)  # an empty store: nothing scheduled
            ensure_schema(self.conn)
        else:
            try:
                self.conn = open_wal(self.path, setup=ensure_schema, timeout=30)
            except sqlite3.DatabaseError as exc:
                raise unreadable(self.path, exc, "restore it from a backup, or move it aside and add the "
                                 "schedules again (`newsarchive schedule add`)") from None
        self.conn.row_factory = sqlite3.Row

    def close(self) -> None:
        self.conn.close()

    # -- schedules ---------------------------------------------------------------------------------------

    def add(self, schedule: Schedule, now: datetime | None = None, replace: bool = False) -> Schedule:
        now = now or utcnow()
        schedule.created = schedule.created or now
        schedule.next_run = schedule.next_run or schedule.first_run(schedule.created)
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        try:
            self.conn.execute(
                f"{verb} INTO schedules (name, sites, cron, every, tz, options, paused, created, next_run) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [schedule.name, ",".join(schedule.sites), schedule.cron, schedule.every, schedule.tz,
                 json.dumps(schedule.options, sort_keys=True), int(schedule.paused), to_text(schedule.created),
                 to_text(schedule.next_run)])
        except sqlite3.IntegrityError:
            raise ScheduleError(f"schedule {schedule.name!r} exists (remove it first, or add --replace)") from None
        return schedule

    def get(self, name: str) -> Schedule | None:
        row = self.conn.execute("SELECT * FROM schedules WHERE name = ?", [name]).fetchone()
        return _schedule(row) if row else None

    def all(self) -> list[Schedule]:
        return [_schedule(row) for row in self.conn.execute("SELECT * FROM schedules ORDER BY name")]

    def remove(self, name: str) -> bool:
        return self.conn.execute("DELETE FROM schedules WHERE name = ?", [name]).rowcount > 0

    def set_paused(self, name: str, paused: bool) -> bool:
        return self.conn.execute("UPDATE schedules SET paused = ? WHERE name = ?", [int(paused), name]).rowcount > 0

    def set_next_run(self, name: str, when: datetime) -> None:
        self.conn.execute("UPDATE schedules SET next_run = ? WHERE name = ?", [to_text(when), name])

    # -- runs --------------------------------------------------------------------------------------------

    def claim(self, schedule: Schedule, now: datetime, reason: str, command: list[str], log: str | None) -> int | None:
        """Start a run of a due schedule: move next_run past `now` and add a 'running' row, atomically and
        only if no other process did so since `schedule` was read. Returns the run id, or None."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            moved = self.conn.execute(
                "UPDATE schedules SET next_run = ? WHERE name = ? AND next_run = ? AND paused = 0",
                [to_text(schedule.next_slot(now)), schedule.name, to_text(schedule.next_run)]).rowcount
            run_id = None
            if moved:
                run_id = self.conn.execute(
                    "INSERT INTO schedule_runs (schedule, slot, reason, started, command, log) VALUES (?, ?, ?, ?, ?, ?)",
                    [schedule.name, to_text(schedule.next_run), reason, to_text(now), json.dumps(command), log]).lastrowid
            self.conn.execute("COMMIT")
            return run_id
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def start_manual(self, schedule: Schedule, now: datetime, command: list[str], log: str | None = None) -> int:
        """A 'running' row for a run started by hand (`schedule run NAME`): the schedule's next slot stays."""
        return self.conn.execute(
            "INSERT INTO schedule_runs (schedule, slot, reason, started, command, log) VALUES (?, NULL, ?, ?, ?, ?)",
            [schedule.name, MANUAL, to_text(now), json.dumps(command), log]).lastrowid

    def set_pid(self, run_id: int, pid: int) -> None:
        self.conn.execute("UPDATE schedule_runs SET pid = ? WHERE id = ?", [pid, run_id])

    def finish(self, run_id: int, ended: datetime, outcome: str, exit_code: int | None = None,
               crawl_id: str | None = None) -> None:
        """Close a run. An interrupted or lost run leaves its schedule due again (from the run's start), so
        the next scheduler catches it up once; a manual run never moves the schedule's slot."""
        assert outcome in OUTCOMES
        self.conn.execute("UPDATE schedule_runs SET ended = ?, outcome = ?, exit_code = ?, crawl_id = ? WHERE id = ?",
                          [to_text(ended), outcome, exit_code, crawl_id, run_id])
        run = self.run(run_id)
        if outcome in ("interrupted", "lost") and run.reason != MANUAL:
            self.conn.execute("UPDATE schedules SET next_run = ? WHERE name = ? AND next_run > ?",
                              [to_text(run.started), run.schedule, to_text(run.started)])

    def run(self, run_id: int) -> Run:
        return _run(self.conn.execute("SELECT * FROM schedule_runs WHERE id = ?", [run_id]).fetchone())

    def runs(self, name: str | None = None, limit: int | None = 20) -> list[Run]:
        """Newest first; all schedules' when `name` is None; all runs when `limit` is None."""
        sql = "SELECT * FROM schedule_runs WHERE ? IS NULL OR schedule = ? ORDER BY id DESC LIMIT ?"
        return [_run(row) for row in self.conn.execute(sql, [name, name, limit or -1])]

    def running(self) -> list[Run]:
        return [_run(row) for row in self.conn.execute("SELECT * FROM schedule_runs WHERE outcome = 'running'")]

    def last_run(self, name: str) -> Run | None:
        return next(iter(self.runs(name, limit=1)), None)

    def consecutive_failures(self, name: str) -> int:
        """Failed runs since the last good one; interrupted and lost runs neither count nor reset."""
        count = 0
        for (outcome,) in self.conn.execute(
                "SELECT outcome FROM schedule_runs WHERE schedule = ? AND outcome IN ('ok', 'failed') ORDER BY id DESC",
                [name]):
            if outcome != "failed":
                break
            count += 1
        return count


def _schedule(row: sqlite3.Row) -> Schedule:
    return Schedule(name=row["name"], sites=row["sites"].split(","), cron=row["cron"], every=row["every"],
                    tz=row["tz"], options=json.loads(row["options"] or "{}"), paused=bool(row["paused"]),
                    created=from_text(row["created"]), next_run=from_text(row["next_run"]))


def _run(row: sqlite3.Row) -> Run:
    return Run(id=row["id"], schedule=row["schedule"], slot=from_text(row["slot"]), reason=row["reason"],
               started=from_text(row["started"]), ended=from_text(row["ended"]), outcome=row["outcome"],
               exit_code=row["exit_code"], crawl_id=row["crawl_id"], pid=row["pid"],
               command=json.loads(row["command"] or "[]"), log=row["log"])

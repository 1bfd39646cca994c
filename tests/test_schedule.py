"""Schedules and the scheduler, driven by a controllable clock: due times (cron and every), catch-up after a
gap (one run), no overlap under slow crawls, pause/resume, busy sites, failures and `check`, a clean stop.

The crawls here are a fake `newsarchive crawl` (a small script: sleeps, exits as told by `-s FAKE_SLEEP=`,
`-s FAKE_EXIT=`, logs what it saw); tests/test_schedule_crawl.py runs real crawls of the mirror.
"""

from __future__ import annotations

import io
import json
import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.scheduling.reports import problems
from crawler.scheduling.store import (Schedule, ScheduleError, ScheduleStore, parse_every, to_text,
                                      validate_cron)
from crawler.scheduling import locks
from crawler.scheduling.runner import Scheduler

T0 = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parent.parent

FAKE_CRAWL = r'''
import json, os, signal, sys, time
sys.path.insert(0, sys.argv[1])
from crawler.scheduling import locks
args = sys.argv[2:]
sites = []
while args and not args[0].startswith("-"):
    sites.append(args.pop(0))
opts = dict(a.split("=", 1) for flag, a in zip(args, args[1:]) if flag == "-s")
data = args[args.index("--data") + 1]
stopped = []
signal.signal(signal.SIGTERM, lambda *a: stopped.append(time.time()))
start = time.time()
held = locks.acquire(data, sites)  # the scheduler's locks, inherited: must not be "busy"
deadline = start + float(opts.get("FAKE_SLEEP", "0"))
while time.time() < deadline and not stopped:
    time.sleep(0.01)
with open(os.path.join(data, "fake-runs.jsonl"), "a") as fh:
    fh.write(json.dumps({"sites": sites, "start": start, "end": time.time(), "stopped": bool(stopped),
                         "inherited": sorted(held.inherited), "schedule": os.environ.get("NEWSARCHIVE_SCHEDULE"),
                         "args": sys.argv[2:]}) + "\n")
print("fake crawl done")
sys.exit(3 if stopped else int(opts.get("FAKE_EXIT", "0")))
'''


class Clock:
    def __init__(self, start: datetime = T0):
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        """Fake time passes as asked; a little real time passes too, so the fake crawls get on."""
        self.advance(seconds)
        time.sleep(0.01)


@pytest.fixture
def data(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def fake(tmp_path) -> list[str]:
    script = tmp_path / "fake_crawl.py"
    script.write_text(FAKE_CRAWL)
    return [sys.executable, str(script), str(ROOT)]


def make(clock: Clock, data: Path, fake: list[str], **kw) -> Scheduler:
    return Scheduler(data, now=clock.now, sleep=clock.sleep, jitter=0, crawl_command=fake, poll=1.0,
                     out=io.StringIO(), **kw)


def add(data: Path, name: str, sites: str = "kyodo", every: str | None = "1h", cron: str | None = None,
        created: datetime = T0, **settings) -> Schedule:
    store = ScheduleStore(data)
    item = Schedule(name, sites.split(","), every=parse_every(every) if every and not cron else None, cron=cron,
                    options={"settings": {k: str(v) for k, v in settings.items()}} if settings else {})
    store.add(item, now=created)
    store.close()
    return item


def drain(scheduler: Scheduler, clock: Clock, limit: float = 30) -> None:
    """Tick until no crawl is running (real time limit)."""
    deadline = time.monotonic() + limit
    while scheduler.jobs:
        assert time.monotonic() < deadline, "fake crawl did not finish"
        clock.sleep(scheduler.tick())


def fake_runs(data: Path) -> list[dict]:
    path = data / "fake-runs.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# -- due times ---------------------------------------------------------------------------------------------

def test_every_slots_are_anchored_at_creation_and_due_at_once():
    item = Schedule("a", ["kyodo"], every=3600, created=T0)
    assert item.first_run(T0) == T0
    assert item.next_slot(T0) == T0 + timedelta(hours=1)
    assert item.next_slot(T0 + timedelta(minutes=59)) == T0 + timedelta(hours=1)
    assert item.next_slot(T0 + timedelta(hours=5, minutes=30)) == T0 + timedelta(hours=6)
    assert item.next_slot(T0 - timedelta(minutes=5)) == T0
    assert item.period(T0) == 3600 and item.when == "every 1h"


def test_cron_slots_in_utc_and_in_a_time_zone():
    item = Schedule("a", ["kyodo"], cron="0 * * * *")
    assert item.first_run(T0 + timedelta(minutes=47)) == T0 + timedelta(hours=1)
    assert item.next_slot(T0) == T0 + timedelta(hours=1), "strictly after a slot"
    assert item.period(T0) == 3600
    tokyo = Schedule("b", ["kyodo"], cron="30 9 * * *", tz="Asia/Tokyo")  # 09:30 JST = 00:30 UTC
    assert tokyo.next_slot(T0) == datetime(2026, 11, 27, 0, 30, tzinfo=timezone.utc)
    assert tokyo.period(tokyo.next_slot(T0)) == 86400 and tokyo.when == "cron 30 9 * * * (Asia/Tokyo)"
    weekdays = Schedule("c", ["kyodo"], cron="*/15 2-4 * * mon-fri")  # 2026-11-28 is a Saturday
    assert weekdays.next_slot(datetime(2026, 11, 27, 4, 50, tzinfo=timezone.utc)) == datetime(
        2026, 11, 30, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("expr", ["61 * * * *", "* * *", "0 3 * * * 5", "every hour", "0 0 31 2 *", ""])
def test_bad_cron_is_one_clear_line(expr):
    with pytest.raises(ScheduleError) as caught:
        validate_cron(expr)
    message = str(caught.value)
    assert message.startswith("bad cron expression") and "\n" not in message


def test_bad_definitions_are_refused():
    assert [parse_every(t) for t in ("45s", "30m", "1h30m", "2d")] == [45, 1800, 5400, 172800]
    for text in ("1x", "h", "0m", "-1h"):
        with pytest.raises(ScheduleError):
            parse_every(text)
    with pytest.raises(ScheduleError, match="exactly one"):
        Schedule("a", ["kyodo"], every=60, cron="0 * * * *")
    with pytest.raises(ScheduleError, match="time zone"):
        Schedule("a", ["kyodo"], cron="0 * * * *", tz="Mars/Olympus")
    with pytest.raises(ScheduleError, match="name"):
        Schedule("../x", ["kyodo"], every=60)


def test_jitter_is_stable_and_bounded():
    hourly = Schedule("a", ["kyodo"], every=3600, created=T0, next_run=T0)
    values = [hourly.jitter(T0 + timedelta(hours=h), 0.05, 300) for h in range(50)]
    assert all(0 <= v <= 180 for v in values) and len(set(values)) == 50  # 5% of 1h = 3 min
    assert hourly.jitter(T0, 0.05, 300) == hourly.jitter(T0, 0.05, 300)  # every process agrees
    daily = Schedule("b", ["kyodo"], every=86400, created=T0)
    assert max(daily.jitter(T0 + timedelta(days=d), 0.05, 300) for d in range(50)) <= 300  # capped at 5 min
    assert hourly.jitter(T0, 0, 300) == 0 and hourly.due_at(0, 0) == T0
    assert T0 <= hourly.due_at(0.05, 300) <= T0 + timedelta(minutes=3)


# -- the scheduler ------------------------------------------------------------------------------------------

def test_catch_up_after_a_gap_is_one_run(data, fake):
    add(data, "feed")
    clock = Clock()
    scheduler = make(clock, data, fake)
    scheduler.tick()
    assert list(scheduler.jobs) == ["feed"]
    drain(scheduler, clock)
    clock.moment = T0 + timedelta(hours=5, minutes=30)  # the machine was off for five hours
    scheduler.tick()
    drain(scheduler, clock)
    for _ in range(5):
        scheduler.tick()
        clock.sleep(30)
    runs = scheduler.store.runs("feed")
    assert len(runs) == 2 and len(fake_runs(data)) == 2
    assert runs[0].reason == "catch-up (4 missed slot(s) skipped)" and runs[1].reason == "due"
    assert scheduler.store.get("feed").next_run == T0 + timedelta(hours=6)
    assert [r.outcome for r in runs] == ["ok", "ok"]


def test_no_overlap_under_slow_crawls_and_sites_in_parallel(data, fake):
    add(data, "kyodo-feed", every="10s", FAKE_SLEEP=0.8)
    add(data, "kyodo-sitemap", every="10s", FAKE_SLEEP=0.4)
    add(data, "inakoran", sites="inakoran", every="10s", FAKE_SLEEP=0.8)
    clock = Clock()
    scheduler = make(clock, data, fake)
    started = time.monotonic()
    while time.monotonic() - started < 3.5:
        clock.sleep(scheduler.tick())
    scheduler.stop()
    drain(scheduler, clock)
    runs = fake_runs(data)
    kyodo = sorted((r for r in runs if r["sites"] == ["kyodo"]), key=lambda r: r["start"])
    assert len(kyodo) >= 3 and {r["schedule"] for r in kyodo} == {"kyodo-feed", "kyodo-sitemap"}
    for earlier, later in zip(kyodo, kyodo[1:]):
        assert later["start"] >= earlier["end"], "two crawls of kyodo at once"
    inakoran = [r for r in runs if r["sites"] == ["inakoran"]]
    assert any(i["start"] < k["end"] and k["start"] < i["end"] for i in inakoran for k in kyodo), \
        "different sites run side by side"
    assert all(r["inherited"] == r["sites"] for r in runs), "each crawl ran under its parent's locks"
    # ~200 fake seconds passed: 20 slots per schedule, but a slow crawl is followed by one catch-up run only
    elapsed = (clock.now() - T0).total_seconds()
    assert elapsed > 100
    for name in ("kyodo-feed", "inakoran"):
        assert len(scheduler.store.runs(name, limit=None)) <= 3.5 / 0.8 + 1 < elapsed / 10


def test_pause_and_resume(data, fake):
    add(data, "feed")
    store = ScheduleStore(data)
    store.set_paused("feed", True)
    clock = Clock()
    scheduler = make(clock, data, fake)
    assert scheduler.tick() == 60 and not scheduler.jobs  # nothing due: idle wake-up
    clock.advance(3 * 3600)
    scheduler.tick()
    assert not scheduler.jobs and not scheduler.store.runs("feed")
    store.set_paused("feed", False)
    scheduler.tick()
    assert list(scheduler.jobs) == ["feed"]
    store.set_paused("feed", True)  # pausing leaves a running crawl alone
    drain(scheduler, clock)
    assert [r.outcome for r in store.runs("feed")] == ["ok"]
    clock.advance(3 * 3600)
    scheduler.tick()
    assert not scheduler.jobs and len(store.runs("feed")) == 1
    assert problems(store, clock.now()) == [], "a paused schedule is never overdue"


def test_a_site_busy_in_another_process_waits(data, fake):
    add(data, "feed")
    clock = Clock()
    scheduler = make(clock, data, fake)
    held = locks.acquire(data, ["kyodo"], owner="newsarchive crawl (by hand)")
    try:
        assert scheduler.tick() == 1.0 and not scheduler.jobs
        scheduler.tick()
        said = scheduler.out.getvalue()
        assert said.count("feed: due, waiting: kyodo is busy (pid") == 1 and "newsarchive crawl (by hand)" in said
        assert "newsarchive crawl (by hand)" in locks.holder(data, "kyodo")
    finally:
        held.release()
    scheduler.tick()
    assert list(scheduler.jobs) == ["feed"]
    assert "schedule feed" in locks.holder(data, "kyodo")
    drain(scheduler, clock)
    assert locks.holder(data, "kyodo") is None
    assert scheduler.store.runs("feed")[0].outcome == "ok"


def test_every_schedule_waits_while_a_reindex_rebuilds_the_index(data, fake):
    from archive import indexlock

    add(data, "feed")
    clock = Clock()
    scheduler = make(clock, data, fake)
    held = indexlock.acquire(data / "index.db", exclusive=True, owner="newsarchive reindex")
    try:
        scheduler.tick()
        scheduler.tick()
        assert not scheduler.jobs and not fake_runs(data)
        said = scheduler.out.getvalue()
        assert said.count("feed: due, waiting: a reindex is rebuilding the index (pid") == 1
    finally:
        held.release()
    scheduler.tick()
    assert list(scheduler.jobs) == ["feed"]
    drain(scheduler, clock)
    assert scheduler.store.runs("feed")[0].outcome == "ok"


def test_failures_are_counted_linked_and_checked(data, fake):
    add(data, "feed", FAKE_EXIT=1)
    clock = Clock()
    scheduler = make(clock, data, fake)
    for _ in range(2):
        scheduler.tick()
        drain(scheduler, clock)
        clock.advance(3600)
    store = scheduler.store
    assert [r.outcome for r in store.runs("feed")] == ["failed", "failed"] and store.consecutive_failures("feed") == 2
    found = problems(store, clock.now())
    assert len(found) == 1 and found[0].startswith("feed: last run failed (exit 1)") and "2 failures in a row" in found[0]
    # the fake crawl wrote no crawls row: the scheduler did, linked to the schedule
    with sqlite3.connect(data / "index.db") as db:
        rows = db.execute("SELECT id, schedule, status FROM crawls ORDER BY started").fetchall()
    assert [(s, st) for _, s, st in rows] == [("feed", "failed"), ("feed", "failed")]
    assert {r.crawl_id for r in store.runs("feed")} == {r[0] for r in rows}
    store.add(Schedule("feed", ["kyodo"], every=3600, created=T0, next_run=clock.now()), replace=True)
    scheduler.tick()
    drain(scheduler, clock)
    assert store.consecutive_failures("feed") == 0 and problems(store, clock.now()) == []


def test_check_reports_overdue_runs(data):
    add(data, "feed")
    add(data, "daily", cron="0 3 * * *")
    store = ScheduleStore(data)
    now = T0 + timedelta(hours=2, minutes=30)  # feed was due at T0: 2.5 intervals late
    found = problems(store, now)
    assert len(found) == 1 and found[0].startswith("feed: overdue: its run was due at 2026-11-26T15:00:00+00:00")
    assert problems(store, now, overdue_factor=3) == []
    run_id = store.claim(store.get("feed"), now, "due", ["x"], None)
    assert run_id and problems(store, now + timedelta(hours=1)) == []
    assert "a run has been going on since" in problems(store, now + timedelta(hours=3))[0]


def test_run_due_runs_each_due_schedule_once_and_reports_failure(data, fake):
    add(data, "kyodo-feed", FAKE_SLEEP=0.2)
    add(data, "kyodo-sitemap", FAKE_SLEEP=0.2)
    add(data, "inakoran", sites="inakoran", FAKE_EXIT=2)
    add(data, "later", cron="0 3 * * *")
    clock = Clock()
    assert make(clock, data, fake).run_due() == 1  # inakoran failed
    runs = fake_runs(data)
    assert sorted(r["schedule"] for r in runs) == ["inakoran", "kyodo-feed", "kyodo-sitemap"]
    kyodo = sorted((r for r in runs if r["sites"] == ["kyodo"]), key=lambda r: r["start"])
    assert kyodo[1]["start"] >= kyodo[0]["end"]
    assert make(clock, data, fake).run_due() == 0 and len(fake_runs(data)) == 3  # nothing due any more


def test_stop_forwards_sigterm_and_the_run_is_due_again(data, fake):
    add(data, "feed", FAKE_SLEEP=30)
    clock = Clock()
    scheduler = make(clock, data, fake)
    scheduler.tick()
    job = scheduler.jobs["feed"]
    time.sleep(0.5)  # let the fake crawl install its SIGTERM handler
    scheduler.stop()
    drain(scheduler, clock)
    assert job.process.returncode == 3 and fake_runs(data)[0]["stopped"]
    run = scheduler.store.runs("feed")[0]
    assert run.outcome == "interrupted" and run.exit_code == 3
    assert scheduler.store.get("feed").next_run == run.started, "an interrupted run is made up at the next start"
    assert scheduler.store.consecutive_failures("feed") == 0
    scheduler.tick()
    assert not scheduler.jobs, "a stopping scheduler starts nothing"


def test_a_run_left_by_a_dead_scheduler_is_marked_lost(data, fake):
    add(data, "feed")
    store = ScheduleStore(data)
    clock = Clock(T0 + timedelta(minutes=10))
    run_id = store.claim(store.get("feed"), T0, "due", ["x"], None)  # its scheduler died: no lock held
    assert store.get("feed").next_run == T0 + timedelta(hours=1)
    scheduler = make(clock, data, fake)
    scheduler.tick()
    assert store.run(run_id).outcome == "lost"
    assert list(scheduler.jobs) == ["feed"], "due again at once"
    drain(scheduler, clock)


def test_schedules_live_outside_the_index(data):
    add(data, "feed")
    assert (data / "schedules.db").exists() and not (data / "index.db").exists()
    with sqlite3.connect(data / "schedules.db") as db:
        assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {
            "schedules", "schedule_runs"}
    assert to_text(ScheduleStore(data).get("feed").next_run) == "2026-11-26T15:00:00+00:00"

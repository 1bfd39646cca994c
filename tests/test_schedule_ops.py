"""The scheduler says what it will do and what came of it: the jittered start of each due run logged and listed,
`schedule run NAME` (manual, same locks, linked, next slot unchanged), degraded runs (exit 3) and what
`schedule check` prints for them (findings and open alarms)."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
from datetime import timedelta

import pytest

from archive.index import Index
from crawler.scheduling import locks
from crawler.scheduling.runner import Scheduler
from crawler.scheduling.store import ScheduleStore, to_text, utcnow
from mirror import Mirror
from support import NO_DELAY, ROOT, newsarchive
from test_schedule import FAKE_CRAWL, T0, Clock, add, drain


@pytest.fixture
def fake(tmp_path) -> list[str]:
    script = tmp_path / "fake_crawl.py"
    script.write_text(FAKE_CRAWL)
    return [sys.executable, str(script), str(ROOT)]


def test_the_jittered_start_is_logged_once_when_the_slot_comes(tmp_path, fake):
    data = tmp_path / "data"
    item = add(data, "kyodo-feed", every="1h", created=T0)
    clock, out = Clock(T0), io.StringIO()
    scheduler = Scheduler(data, now=clock.now, sleep=clock.sleep, jitter=0.05, max_jitter=300, crawl_command=fake,
                          out=out)
    jitter = item.jitter(T0, 0.05, 300)
    assert 0 < jitter <= 180
    starts = T0 + timedelta(seconds=jitter)
    scheduler.tick()
    scheduler.tick()
    line = f"kyodo-feed: slot 15:00:00Z, starts {starts:%H:%M:%S}Z (jitter {round(jitter)} s)"
    assert out.getvalue().splitlines() == [f"{to_text(T0)} {line}"], "logged once, when the slot comes"
    assert not scheduler.jobs, "not started before its jittered time"
    clock.moment = starts
    scheduler.tick()
    assert scheduler.jobs
    drain(scheduler, clock)
    assert out.getvalue().count("slot 15:00:00Z") == 1
    scheduler.close()

    listed = newsarchive("schedule", "list", "--data", str(data))
    header, row = listed.stdout.splitlines()[:2]
    assert header.split()[3:6] == ["next", "run", "starts"]
    slot = T0 + timedelta(hours=1)  # the run moved it past the (fake) now
    expected = ScheduleStore(data).get("kyodo-feed").due_at(0.05, 300)
    assert f" {expected:%H:%M:%S}Z " in row
    as_json = json.loads(newsarchive("schedule", "list", "--format", "json", "--data", str(data)).stdout)
    assert as_json[0]["starts"] == to_text(expected) and as_json[0]["next_run"] == to_text(slot)
    none = json.loads(newsarchive("schedule", "list", "--format", "json", "--jitter", "0", "--data", str(data)).stdout)
    assert none[0]["starts"] == none[0]["next_run"]


def test_a_degraded_run_is_not_a_failure_and_check_prints_its_findings_and_open_alarms(tmp_path, fake):
    data = tmp_path / "data"
    add(data, "feed", every="1h", created=T0, FAKE_EXIT=3)
    add(data, "other", sites="inakoran", every="1h", created=T0)
    store = ScheduleStore(data)
    earlier = store.claim(store.get("feed"), T0 - timedelta(hours=2), "due", ["x"], None)
    store.finish(earlier, T0 - timedelta(hours=2), "failed", 1, None)
    store.set_next_run("feed", T0)
    clock = Clock(T0)
    scheduler = Scheduler(data, now=clock.now, sleep=clock.sleep, jitter=0, crawl_command=fake, out=io.StringIO())
    scheduler.tick()
    drain(scheduler, clock)
    assert ("feed", "degraded", 3) in scheduler.finished and scheduler.run_due() == 0
    scheduler.close()
    run = store.last_run("feed")
    assert run.outcome == "degraded" and store.consecutive_failures("feed") == 1, "neither a failure nor a success"

    # the degraded crawl's findings and the open alarms of its site, as the health helper records them
    index = Index(data / "index.db")
    index.conn.execute("INSERT INTO crawl_findings (crawl_id, site, check_name, message, value, baseline, at) VALUES "
                       "(?, 'kyodo', 'no_articles', 'kyodo: 0 articles, 25 expected (median of the last 10 runs)', 0, 25, ?),"
                       "(?, 'kyodo', 'discovery', 'kyodo: feed answered 404 on 1 of 1 requests\x1b]0;x\x07', 404, NULL, ?)",
                       [run.crawl_id, to_text(T0), run.crawl_id, to_text(T0)])
    index.conn.execute("INSERT INTO alarms (site, check_name, message, opened, opened_by, cleared) VALUES "
                       "('kyodo', 'no_articles', 'kyodo: 0 articles', '2026-11-26T14:00:00+00:00', 'c0', NULL),"
                       "('kyodo', 'body_length', 'old', '2026-11-20T14:00:00+00:00', 'c0', '2026-11-21T00:00:00+00:00'),"
                       "('inakoran', 'no_articles', 'not this schedule''s', '2026-11-26T14:00:00+00:00', 'c0', NULL)")
    index.conn.commit()
    index.close()
    store.set_next_run("feed", utcnow() + timedelta(minutes=30))
    store.set_next_run("other", utcnow() + timedelta(minutes=30))
    checked = newsarchive("schedule", "check", "--data", str(data))
    assert checked.returncode == 1, checked.stderr
    assert checked.stdout.splitlines() == [
        f"feed: last run degraded (exit 3) at {to_text(run.ended)}, crawl {run.crawl_id}: 2 finding(s)",
        "feed: finding: kyodo: 0 articles, 25 expected (median of the last 10 runs)",
        "feed: finding: kyodo: feed answered 404 on 1 of 1 requests\\x1b]0;x\\x07",
        "feed: open alarm since 2026-11-26T14:00:00+00:00: kyodo no_articles: kyodo: 0 articles"]
    history = newsarchive("schedule", "history", "feed", "--data", str(data)).stdout.splitlines()
    assert history[1].split()[2:5] == ["feed", "degraded", "3"]
    listed = newsarchive("schedule", "list", "--data", str(data)).stdout
    assert " degraded " in listed.splitlines()[1]


def test_schedule_run_starts_a_manual_run_now_under_the_same_locks(tmp_path):
    data = tmp_path / "data"
    with Mirror(articles=4, seed=8) as mirror:
        added = newsarchive("schedule", "add", "feed", "--sites", "kyodo", "--every", "1h", "--data", str(data),
                            "--base-url", f"kyodo={mirror.base_urls['kyodo']}", *NO_DELAY)
        assert added.returncode == 0, added.stderr
        store = ScheduleStore(data)
        slot = utcnow() + timedelta(minutes=40)
        store.set_next_run("feed", slot)
        with locks.site_locks(data, ["kyodo"], owner="schedule other"):
            busy = newsarchive("schedule", "run", "feed", "--data", str(data))
        assert busy.returncode == 75 and busy.stderr.count("\n") == 1
        assert busy.stderr.startswith("error: kyodo is being crawled already (pid ") and "schedule other" in busy.stderr
        assert store.runs("feed") == [], "a busy site starts nothing"
        done = newsarchive("schedule", "run", "feed", "--data", str(data))
    assert done.returncode == 0, done.stderr
    assert "feed: started crawl of kyodo (manual; pid " in done.stderr and done.stdout.splitlines()[0].split()[0] == "site"
    run = store.last_run("feed")
    assert (run.reason, run.outcome, run.exit_code, run.slot) == ("manual", "ok", 0, None)
    assert store.get("feed").next_run == slot.replace(microsecond=0), "the next slot stays"
    with sqlite3.connect(data / "index.db") as db:
        assert db.execute("SELECT id, schedule, kind FROM crawls").fetchall() == [(run.crawl_id, "feed", "crawl")]
    history = json.loads(newsarchive("schedule", "history", "--format", "json", "--data", str(data)).stdout)
    assert history[0]["reason"] == "manual" and history[0]["crawl"]["schedule"] == "feed"
    missing = newsarchive("schedule", "run", "nope", "--data", str(data))
    assert missing.returncode == 2 and missing.stderr == "error: no schedule 'nope'\n"

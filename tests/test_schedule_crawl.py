"""Scheduled crawls of the loopback mirror, for real: a run is a `crawls` row linked to its schedule that
survives a reindex; SIGTERM to the scheduler in the middle of a crawl leaves WARC files and index consistent."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from crawler.scheduling.store import ScheduleStore
from archive.verify import verify_archive
from mirror import Mirror
from support import NO_DELAY, ROOT, newsarchive



def count(data: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{data / 'index.db'}?mode=ro", uri=True, timeout=30) as db:
            return db.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_a_scheduled_run_is_a_linked_crawl_and_survives_reindex(tmp_path):
    data = tmp_path / "data"
    with Mirror(articles=8, seed=3) as mirror:
        added = newsarchive("schedule", "add", "--defaults", "--data", str(data), *NO_DELAY,
                            *(a for site, url in mirror.base_urls.items() for a in ("--base-url", f"{site}={url}")))
        assert added.returncode == 0, added.stderr
        done = newsarchive("schedule", "run-due", "--data", str(data), "--jitter", "0")
        assert done.returncode == 0, done.stderr
        truth = {site: len(mirror.truth(site)) for site in ("kyodo", "inakoran")}
    assert "kyodo-feed: started crawl of kyodo (due" in done.stderr and "inakoran: crawl " in done.stderr
    assert "kyodo-sitemap" not in done.stderr, "a cron schedule waits for its first slot"
    with sqlite3.connect(data / "index.db") as db:
        crawls = {row[0]: row[1:] for row in db.execute("SELECT schedule, status, sites, articles FROM crawls")}
    assert crawls == {"kyodo-feed": ("finished", "kyodo", truth["kyodo"]),
                      "inakoran": ("finished", "inakoran", truth["inakoran"])}
    store = ScheduleStore(data)
    runs = {r.schedule: r for r in store.runs()}
    assert {name: (r.outcome, r.exit_code) for name, r in runs.items()} == {"kyodo-feed": ("ok", 0), "inakoran": ("ok", 0)}
    assert "--discover feed,listings" in " ".join(runs["kyodo-feed"].command)
    assert Path(runs["kyodo-feed"].log).read_text().count("crawl ") >= 1
    assert verify_archive(data).ok

    listing = newsarchive("schedule", "list", "--data", str(data))
    lines = {line.split()[0]: line for line in listing.stdout.splitlines()[1:]}
    assert " ok " in lines["kyodo-feed"] and ("(in 59m" in lines["kyodo-feed"] or "(in 1h)" in lines["kyodo-feed"]) and lines["kyodo-sitemap"].split()[-3:] == ["-", "0", "active"]
    history = json.loads(newsarchive("schedule", "history", "--format", "json", "--data", str(data)).stdout)
    assert {h["schedule"]: h["crawl"]["articles"] for h in history} == {"kyodo-feed": truth["kyodo"],
                                                                        "inakoran": truth["inakoran"]}
    assert newsarchive("schedule", "check", "--data", str(data)).returncode == 0

    before = (data / "schedules.db").read_bytes()
    reindexed = newsarchive("reindex", "--data", str(data))
    assert reindexed.returncode == 0, reindexed.stderr
    with sqlite3.connect(data / "index.db") as db:
        assert {r[0] for r in db.execute("SELECT schedule FROM crawls")} == {"kyodo-feed", "inakoran"}
    assert (data / "schedules.db").read_bytes() == before
    after = json.loads(newsarchive("schedule", "history", "--format", "json", "--data", str(data)).stdout)
    assert [h["crawl"]["schedule"] for h in after] == [h["schedule"] for h in history]


def test_sigterm_to_the_scheduler_mid_crawl_leaves_warc_and_index_consistent(tmp_path):
    data = tmp_path / "data"
    slow = ["-s", "DOWNLOAD_DELAY=0.02", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    with Mirror(articles=300, seed=5) as mirror:
        added = newsarchive("schedule", "add", "feed", "--sites", "kyodo", "--every", "1h", "--data", str(data),
                            "--base-url", f"kyodo={mirror.base_urls['kyodo']}", *slow)
        assert added.returncode == 0, added.stderr
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        scheduler = subprocess.Popen([sys.executable, "-m", "crawler.cli", "scheduler", "--data", str(data),
                                      "--jitter", "0"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 120
            while count(data, "SELECT count(*) FROM articles") < 20:
                assert scheduler.poll() is None and time.monotonic() < deadline, "the crawl did not get going"
                time.sleep(0.05)
            scheduler.send_signal(signal.SIGTERM)
            _, err = scheduler.communicate(timeout=120)
        finally:
            if scheduler.poll() is None:
                scheduler.kill()
        total = len(mirror.truth("kyodo"))
    assert scheduler.returncode == 0, err
    assert "feed: sent SIGTERM to the crawl" in err and "scheduler stopped" in err
    run = ScheduleStore(data).runs("feed")[0]
    assert run.outcome == "interrupted" and run.exit_code not in (0, None), err
    try:
        os.kill(run.pid, 0)
        raise AssertionError("the crawl process outlived the scheduler")
    except ProcessLookupError:
        pass
    assert not list((data / "warc").glob("*.open")), "the WARC file was closed"
    report = verify_archive(data)
    assert report.ok, report.summary()
    indexed = count(data, "SELECT count(*) FROM articles")
    assert 20 <= indexed < total, "stopped part-way"
    with sqlite3.connect(data / "index.db") as db:
        crawl = db.execute("SELECT id, schedule, ended, status FROM crawls").fetchall()
    assert len(crawl) == 1 and crawl[0][0] == run.crawl_id and crawl[0][1] == "feed" and crawl[0][2]
    assert ScheduleStore(data).get("feed").next_run == run.started, "the interrupted run is made up next time"

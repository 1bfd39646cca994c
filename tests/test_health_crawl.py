"""Crawl health through real crawls of the mirror: a degraded crawl exits 3, says so in its summary, records
its findings, and its alarm reaches a webhook named in DATA/newsarchive.toml."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest

from archive import accounting
from archive.index import Index
from crawler.extensions.accounting import site_record
from mirror import Mirror
from support import NO_DELAY, WebhookReceiver, newsarchive

# The accounting helper's counters (discovered, discovery sources, ...) are what the absolute checks read.
ACCOUNTING = "discovery" in site_record("kyodo", {})


def crawl(data: Path, site: str, base_url: str, *extra: str):
    return newsarchive("crawl", site, "--data", str(data), "--base-url", f"{site}={base_url}", *NO_DELAY, *extra)


def findings(data: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(data / "index.db") as db:
        return db.execute("SELECT f.crawl_id, f.check_name, c.status FROM crawl_findings f "
                          "JOIN crawls c ON c.id = f.crawl_id ORDER BY f.id").fetchall()


def seed_history(data: Path) -> None:
    """Three earlier runs of Kyodo with 400 articles each: a history the mirror's 12 articles fall far below."""
    index = Index(data / "index.db")
    for day in (1, 2, 3):
        crawl_id = f"2026070{day}T060000Z-hist0{day}"
        index.conn.execute("INSERT INTO crawls (id, sites, started, ended, status) VALUES (?, 'kyodo', ?, ?, "
                           "'finished')", [crawl_id, f"2026-07-0{day}T06:00:00+00:00", f"2026-07-0{day}T07:00:00+00:00"])
        accounting.record_sites(index.conn, crawl_id, [{"site": "kyodo", "articles": 400, "discovered": 600}])
    index.close()


def test_a_crawl_far_below_its_history_is_degraded_and_its_alarm_reaches_the_webhook(tmp_path):
    hook = WebhookReceiver()
    (tmp_path / "newsarchive.toml").write_text(f'[alarms]\nwebhook = "{hook.url}"\n')
    seed_history(tmp_path)
    try:
        with Mirror(articles=12, seed=3) as mirror:
            out = crawl(tmp_path, "kyodo", mirror.base_urls["kyodo"])
    finally:
        hook.close()
    assert out.returncode == 3, out.stdout + out.stderr[-3000:]
    assert "crawl degraded: " in out.stderr
    summary = out.stdout[out.stdout.index("DEGRADED: "):].splitlines()
    assert summary[1].startswith("  kyodo: 12 articles") and summary[1].endswith(
        ", 400 per run (median) in the last 3 runs")
    assert summary[-1] == "alarms: %d raised, 0 cleared; delivered to webhook (%d)" % ((len(summary) - 2,) * 2)
    rows = findings(tmp_path)
    assert ("few_articles", "degraded") in [(check, status) for _, check, status in rows]
    [body] = hook.bodies
    events = {e["check"]: e for e in body["events"]}
    assert events["few_articles"]["event"] == "raised" and events["few_articles"]["value"] == 12
    assert events["few_articles"]["baseline"] == 400 and events["few_articles"]["crawl_id"] == rows[0][0]


def test_an_alarm_target_that_fails_does_not_fail_the_crawl(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/alarms"  # nobody listens once closed
    (tmp_path / "newsarchive.toml").write_text(f'[alarms]\nwebhook = "{dead}"\n')
    seed_history(tmp_path)
    with Mirror(articles=12, seed=3) as mirror:
        out = crawl(tmp_path, "kyodo", mirror.base_urls["kyodo"])
    assert out.returncode == 3, out.stdout + out.stderr[-3000:]
    with sqlite3.connect(tmp_path / "index.db") as db:
        deliveries = [json.loads(d) for (d,) in db.execute("SELECT deliveries FROM alarms")]
    failure = (f"alarm delivery to webhook failed ({len(deliveries)} event(s), retried at the next crawl): "
               "URLError")
    assert f"  {failure}" in out.stdout and failure in out.stderr  # the summary, and one log line
    assert deliveries and all([(d["event"], d["target"], d["ok"]) for d in alarm] == [("raised", "webhook", False)]
                              for alarm in deliveries)


@pytest.mark.skipif(not ACCOUNTING, reason="needs the accounting helper's crawl_sites counters "
                                           "(crawler/extensions/accounting.py site_record) on main")
def test_kyodo_pointed_at_inakoran_is_degraded(tmp_path):
    """The issue's reproduction: Kyodo's spider on a site whose feed and listings are not there (Inakoran's
    mirror) gave 16 x 404 and 0 articles, and passed as `ok`, exit 0."""
    with Mirror(articles=20, seed=11) as mirror:
        for _ in range(3):
            healthy = crawl(tmp_path, "kyodo", mirror.base_urls["kyodo"])
            assert healthy.returncode == 0, healthy.stdout + healthy.stderr[-3000:]
            mirror.add_articles(2)
        out = crawl(tmp_path, "kyodo", mirror.base_urls["inakoran"])
    assert out.returncode == 3, out.stdout + out.stderr[-3000:]
    checks = {check for _, check, status in findings(tmp_path) if status == "degraded"}
    assert {"discovery", "no_articles"} <= checks
    summary = out.stdout[out.stdout.index("DEGRADED: "):]
    assert "kyodo: no articles: no article URL discovered" in summary
    assert ("kyodo: feed failed on 1 of 1 requests (read in 3 of the last 3 runs); listing failed on 15 of 15 "
            "requests (read in 3 of the last 3 runs)") in summary

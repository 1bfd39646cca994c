"""`newsarchive schedule ...` commands: add (and --defaults), list, pause/resume, remove, history, check,
install --print."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.scheduling.store import ScheduleStore, utcnow
from crawler.cli import main


@pytest.fixture
def run(tmp_path):
    data = tmp_path / "data"

    def invoke(*args: str):
        return CliRunner().invoke(main, [*args, "--data", str(data)], catch_exceptions=False)

    invoke.data = data
    return invoke


def test_add_list_pause_resume_remove(run):
    added = run("schedule", "add", "feed", "--sites", "kyodo", "--every", "1h", "--discover", "feed,listings",
                "--max-articles", "50", "--since-days", "2", "-s", "DOWNLOAD_DELAY=2")
    assert added.exit_code == 0, added.output
    assert added.output.startswith("feed: kyodo every 1h --discover feed,listings --since-days 2 --max-articles 50 "
                                   "-s DOWNLOAD_DELAY=2; next run ")
    assert run("schedule", "add", "both", "--sites", "kyodo,inakoran", "--cron", "30 */6 * * *").exit_code == 0
    listing = run("schedule", "list")
    lines = listing.output.splitlines()
    assert lines[0].split() == ["name", "sites", "when", "next", "run", "starts", "last", "run", "outcome", "failures",
                                "state"]
    assert lines[1].startswith("both ") and "kyodo,inakoran" in lines[1] and "cron 30 */6 * * *" in lines[1]
    assert lines[2].startswith("feed ") and ("(now)" in lines[2] or "ago)" in lines[2])

    assert run("schedule", "pause", "feed").output == "paused feed\n"
    assert json.loads(run("schedule", "list", "--format", "json").output)[1]["paused"] is True
    assert run("schedule", "resume", "feed").output.startswith("resumed feed; next run ")
    assert run("schedule", "remove", "both").output == "removed both\n"
    missing = run("schedule", "remove", "both")
    assert missing.exit_code == 2 and missing.stderr == "error: no schedule 'both'\n"
    store = ScheduleStore(run.data)
    item = store.get("feed")
    assert item.options == {"discover": "feed,listings", "max_articles": 50, "since_days": 2,
                            "settings": {"DOWNLOAD_DELAY": "2"}}
    args = item.crawl_args(run.data, utcnow())
    assert args[:4] == ["kyodo", "--data", str(run.data), "--quiet"]
    assert args[args.index("--since") + 1] == (utcnow().date() - timedelta(days=2)).isoformat()


@pytest.mark.parametrize("args, message", [
    (["--cron", "61 * * * *"], "error: bad cron expression '61 * * * *': [61 * * * *] is not acceptable, out of range"),
    (["--cron", "0 0 31 2 *"], "error: bad cron expression '0 0 31 2 *': failed to find next date"),
    (["--cron", "* * *"], "error: bad cron expression '* * *': expected 5 fields"),
    (["--every", "hourly"], "error: bad interval 'hourly'"),
    (["--every", "1h", "--cron", "@daily"], "error: give exactly one of --cron EXPR and --every INTERVAL"),
    (["--every", "1h", "--discover", "rss"], "error: Invalid value for '--discover': unknown discovery mode(s) rss"),
    (["--every", "1h", "--base-url", "inakoran=http://x"], "error: --base-url for inakoran, which schedule x does not"),
    (["--every", "1h", "--asset-url", "inakoran=http://x"], "error: --asset-url for inakoran, which schedule x does not"),
    (["--every", "1h", "--requisites", "some"], "error: Invalid value for '--requisites': 'some' is not one of"),
])
def test_bad_definitions_are_one_line_errors(run, args, message):
    result = run("schedule", "add", "x", "--sites", "kyodo", *args)
    assert result.exit_code == 2 and result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert not ScheduleStore(run.data).all()
    unknown = run("schedule", "add", "x", "--sites", "kyodo,bbc", "--every", "1h")
    assert unknown.exit_code == 2 and "unknown site(s) bbc" in unknown.stderr


def test_defaults_are_three_documented_schedules_and_idempotent(run):
    first = run("schedule", "add", "--defaults")
    assert first.exit_code == 0, first.output
    store = ScheduleStore(run.data)
    got = {s.name: (s.sites, s.when, s.options) for s in store.all()}
    assert got == {"kyodo-feed": (["kyodo"], "every 1h", {"discover": "feed,listings"}),
                   "kyodo-sitemap": (["kyodo"], "cron 17 3 * * *", {"discover": "sitemap", "since_days": 7}),
                   "inakoran": (["inakoran"], "every 4h", {})}
    again = run("schedule", "add", "--defaults")
    assert again.exit_code == 0 and again.output.count("exists, kept") == 3
    assert run("schedule", "add", "--defaults", "x").exit_code == 2
    dup = run("schedule", "add", "inakoran", "--sites", "inakoran", "--every", "2h")
    assert dup.exit_code == 2 and "exists (remove it first, or add --replace)" in dup.stderr
    assert run("schedule", "add", "inakoran", "--sites", "inakoran", "--every", "2h", "--replace").exit_code == 0
    assert store.get("inakoran").every == 7200


def test_check_and_history(run):
    assert run("schedule", "check").exit_code == 0 and run("schedule", "check").output == ""
    assert run("schedule", "history").output == "no runs yet\n"
    run("schedule", "add", "feed", "--sites", "kyodo", "--every", "1h")
    store = ScheduleStore(run.data)
    store.set_next_run("feed", utcnow() - timedelta(hours=3))
    late = run("schedule", "check")
    assert late.exit_code == 1 and late.output.startswith("feed: overdue: its run was due at ")
    assert "more than 2 x its interval 1h" in late.output and late.output.count("\n") == 1
    assert run("schedule", "check", "--overdue-factor", "4").exit_code == 0
    run_id = store.claim(store.get("feed"), utcnow(), "due", ["newsarchive", "crawl"], "/tmp/x.log")
    store.finish(run_id, utcnow(), "failed", 1, "c1")
    failed = run("schedule", "check", "-v")
    assert failed.exit_code == 1 and failed.output.startswith("feed: last run failed (exit 1) at ")
    assert failed.output.rstrip().endswith("log: /tmp/x.log")
    history = run("schedule", "history", "feed").output.splitlines()
    assert history[0].split()[:5] == ["started", "schedule", "outcome", "exit", "took"]
    assert history[1].split()[2:6] == ["feed", "failed", "1", "0s"] and "c1" in history[1]
    listed = run("schedule", "list").output.splitlines()[1]
    assert "failed (exit 1)" in listed and listed.split()[-2:] == ["1", "active"]


def test_install_prints_cron_lines_and_systemd_units(run):
    cron = run("schedule", "install", "--print", "cron")
    data = str(run.data.absolute())
    exe = str(Path(sys.executable).absolute().parent / "newsarchive")
    lines = [line for line in cron.output.splitlines() if not line.startswith("#")]
    assert lines == [f"*/5 * * * * mkdir -p {data}/logs && {exe} schedule run-due --data {data} >> {data}/logs/run-due.log 2>&1",
                     f"23 * * * * {exe} schedule check --data {data}"]
    units = run("schedule", "install", "--print", "systemd").output
    for needle in ("# ---- /etc/systemd/system/newsarchive-scheduler.service", f"ExecStart={exe} scheduler --data {data}",
                   "KillMode=mixed", "# ---- /etc/systemd/system/newsarchive-check.timer", "OnCalendar=hourly",
                   f"ExecStart={exe} schedule check --data {data}"):
        assert needle in units
    timer = run("schedule", "install", "--print", "systemd-timer", "--every-minutes", "10").output
    assert "OnCalendar=*:0/10" in timer and f"ExecStart={exe} schedule run-due --data {data}" in timer
    assert "newsarchive-scheduler.service" not in timer


def test_a_schedule_carries_its_requisites_mode_and_asset_origins_to_its_crawls(run):
    added = run("schedule", "add", "mirror", "--sites", "kyodo", "--every", "1h", "--requisites", "all",
                "--base-url", "kyodo=http://127.0.0.1:8421", "--asset-url", "kyodo=http://127.0.0.1:8423",
                "--asset-url", "kyodo=http://127.0.0.1:8424")
    assert added.exit_code == 0, added.stderr
    item = ScheduleStore(run.data).get("mirror")
    assert item.options == {"base_urls": {"kyodo": "http://127.0.0.1:8421"}, "requisites": "all",
                            "asset_urls": {"kyodo": ["http://127.0.0.1:8423", "http://127.0.0.1:8424"]}}
    args = item.crawl_args(run.data, utcnow())
    assert args[4:] == ["--base-url", "kyodo=http://127.0.0.1:8421", "--asset-url", "kyodo=http://127.0.0.1:8423",
                        "--asset-url", "kyodo=http://127.0.0.1:8424", "--requisites", "all"]
    assert item.options_text() == ("--asset-url kyodo=http://127.0.0.1:8423 --asset-url kyodo=http://127.0.0.1:8424 "
                                   "--base-url kyodo=http://127.0.0.1:8421 --requisites all")

"""`newsarchive canary` (crawler/canary.py): the newest articles fetched again and judged, a table, exit 0 / 3 on a
finding / 1 when the fetch failed; a real crawl (kind canary) in the WARC files; schedulable like a crawl."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap

from archive.health import Finding
from crawler.canary import CanaryResult, CanaryRow
from crawler.scheduling.store import ScheduleStore
from mirror import Mirror
from support import NO_DELAY, ROOT, newsarchive

HEADER = ["site", "articles", "authors", "published", "body", "images", "body", "median", "access", "findings"]


def mirror_args(mirror: Mirror, *sites: str) -> list[str]:
    return [a for site in sites for a in ("--base-url", f"{site}={mirror.base_urls[site]}")]


def test_the_table_says_fields_present_body_median_access_and_findings():
    finding = Finding("kyodo", "missing_authors", "kyodo: authors missing on 5 of 5 articles, 3 of 60 in the last "
                                                  "10 runs\x1b[2J", 5, 0.05)
    record = {"articles": 5, "missing": {"authors": 5, "images": 1}, "body_median": 2345, "access": {"full": 4, "open": 1}}
    rows = [CanaryRow.from_record("kyodo", record, [finding]), CanaryRow.from_record("inakoran", {"articles": 2}, [])]
    assert rows[0].cells() == ("kyodo", "5", "0/5", "5/5", "5/5", "4/5", "2,345", "full 4 open 1", "1")
    assert rows[1].cells() == ("inakoran", "2", "-", "-", "-", "-", "-", "-", "0"), "no accounting: unknown, not 0"

    class Crawl:
        crawl_id, data_dir, findings, halt, ok = "c1", ROOT / "d", [finding], None, True

    table = CanaryResult(Crawl(), rows).table().splitlines()
    assert table[0].split() == HEADER
    assert table[1].split() == ["kyodo", "5", "0/5", "5/5", "5/5", "4/5", "2,345", "full", "4", "open", "1", "1"]
    assert table[3] == "finding: kyodo: authors missing on 5 of 5 articles, 3 of 60 in the last 10 runs\\x1b[2J"
    assert table[4] == f"crawl c1: WARC files in {ROOT / 'd' / 'warc'}, index {ROOT / 'd' / 'index.db'} (canary)"
    assert CanaryResult(Crawl(), rows).exit_status == 3


def test_a_canary_refetches_the_newest_articles_as_a_canary_crawl(tmp_path):
    data = tmp_path / "data"
    with Mirror(articles=12, seed=3) as mirror:
        crawled = newsarchive("crawl", "kyodo", "--data", str(data), *mirror_args(mirror, "kyodo"), *NO_DELAY)
        assert crawled.returncode == 0, crawled.stderr
        done = newsarchive("canary", "kyodo", "--data", str(data), *mirror_args(mirror, "kyodo"), *NO_DELAY)
        few = newsarchive("canary", "kyodo", "--articles", "2", "--data", str(data), *mirror_args(mirror, "kyodo"),
                          *NO_DELAY)
        newest = sorted(mirror.truth("kyodo"), key=lambda t: t["published"], reverse=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == HEADER and lines[1].split()[:2] == ["kyodo", "5"] and lines[1].split()[-1] == "0"
    assert few.returncode == 0 and few.stdout.splitlines()[1].split()[:2] == ["kyodo", "2"]
    with sqlite3.connect(data / "index.db") as db:
        crawls = db.execute("SELECT id, kind, status, articles FROM crawls ORDER BY started, id").fetchall()
        canary_id = crawls[1][0]
        fetched = {url for (url,) in db.execute("SELECT url FROM captures WHERE crawl_id = ? AND url LIKE '%/articles/%'",
                                                [canary_id])}
        roles = {role for (role,) in db.execute("SELECT DISTINCT role FROM captures WHERE crawl_id = ?", [canary_id])}
    assert [c[1:] for c in crawls] == [("crawl", "finished", 12), ("canary", "finished", 5), ("canary", "finished", 2)]
    assert lines[-1].startswith(f"crawl {canary_id}: WARC files in ")
    assert fetched == {t["url"] for t in newest[:5]}, "the five newest, fetched again though held"
    assert roles == {"page"}, "no requisites: a canary is light on the site"


CANARY_WITH_A_FINDING = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    from archive import health
    from crawler.canary import run_canary
    def judge(conn, crawl_id):   # a health check that finds the site's authors gone
        return health.Judgement([health.Finding("kyodo", "missing_authors", "kyodo: authors missing on 3 of 3 articles", 3, 0)])
    health.judge = judge
    result = run_canary(["kyodo"], sys.argv[2], articles=3, base_urls={"kyodo": sys.argv[3]},
                        settings={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False})
    print(result.table())
    sys.exit(result.exit_status)
""")


def test_a_finding_exits_3_and_is_recorded_and_a_dead_site_exits_1(tmp_path):
    data = tmp_path / "data"
    with Mirror(articles=6, seed=5) as mirror:
        done = subprocess.run([sys.executable, "-c", CANARY_WITH_A_FINDING, str(ROOT), str(data),
                               mirror.base_urls["kyodo"]], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 3, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].split()[:2] == ["kyodo", "3"] and lines[1].split()[-1] == "1"
    assert lines[2] == "finding: kyodo: authors missing on 3 of 3 articles"
    with sqlite3.connect(data / "index.db") as db:
        assert db.execute("SELECT kind, status FROM crawls").fetchall() == [("canary", "degraded")]
        assert db.execute("SELECT site, check_name, value FROM crawl_findings").fetchall() == \
            [("kyodo", "missing_authors", 3.0)]

    dead = newsarchive("canary", "kyodo", "--data", str(tmp_path / "dead"), "--base-url", "kyodo=http://127.0.0.1:9",
                       "-s", "RETRY_TIMES=0", *NO_DELAY)
    assert dead.returncode == 1 and "canary failed: kyodo did not answer; exit status 1" in dead.stderr
    unknown = newsarchive("canary", "bbc", "--data", str(tmp_path / "x"))
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1


def test_a_canary_schedule_runs_newsarchive_canary(tmp_path):
    data = tmp_path / "data"
    bad = newsarchive("schedule", "add", "c", "--sites", "kyodo", "--every", "6h", "--canary", "--discover", "feed",
                      "--data", str(data))
    assert bad.returncode == 2 and bad.stderr.startswith("error: --canary takes no --discover")
    with Mirror(articles=6, seed=6) as mirror:
        added = newsarchive("schedule", "add", "kyodo-canary", "--sites", "kyodo", "--every", "6h", "--canary",
                            "--max-articles", "3", *mirror_args(mirror, "kyodo"), *NO_DELAY, "--data", str(data))
        assert added.returncode == 0, added.stderr
        assert added.stdout.startswith("kyodo-canary: kyodo every 6h --max-articles 3 --base-url kyodo=http://127.0.0.1:")
        done = newsarchive("schedule", "run-due", "--jitter", "0", "--data", str(data))
    assert done.returncode == 0, done.stderr
    run = ScheduleStore(data).last_run("kyodo-canary")
    assert run.command[3:5] == ["canary", "kyodo"] and run.command[run.command.index("--articles") + 1] == "3"
    assert (run.outcome, run.exit_code, run.reason) == ("ok", 0, "due")
    with sqlite3.connect(data / "index.db") as db:
        assert db.execute("SELECT id, kind, schedule, articles FROM crawls").fetchall() == \
            [(run.crawl_id, "canary", "kyodo-canary", 3)]
    listed = json.loads(newsarchive("schedule", "list", "--format", "json", "--data", str(data)).stdout)
    assert listed[0]["options"]["canary"] is True and listed[0]["last_run"]["outcome"] == "ok"

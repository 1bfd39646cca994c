"""Where archivists see crawl health: the crawl's summary, `stats`, the HTML report."""

from __future__ import annotations

from pathlib import Path

from archive import alarms, health
from archive.config import AlarmTargets
from archive.health import Finding
from archive.index import Index
from archive.report import render
from archive.stats import format_stats, stats
from archive.terminal import printable
from crawler.run import CrawlResult, SiteSummary

AUTHORS = Finding("kyodo", "missing_authors",
                  "kyodo: authors missing on 25 of 25 articles, 3 of 60 in the last 10 runs\x1b[2J", 1.0, 0.05)


def degraded_index(path: Path) -> Path:
    index = Index(path / "index.db")
    index.conn.execute("INSERT INTO crawls (id, sites, started, ended, status) VALUES "
                       "('c1', 'kyodo', '2026-07-01T06:00:00+00:00', '2026-07-01T06:05:00+00:00', 'degraded')")
    health.record(index.conn, "c1", [AUTHORS], "2026-07-01T06:05:00+00:00")
    alarms.notify(index.conn, "c1", ["kyodo"], [AUTHORS], AlarmTargets(), "2026-07-01T06:05:00+00:00")
    index.close()
    return path / "index.db"


def test_stats_shows_open_alarms_and_latest_findings(tmp_path):
    result = stats(degraded_index(tmp_path))
    assert result["health"] == {
        "findings": [{"crawl_id": "c1", "status": "degraded", "site": "kyodo", "check": "missing_authors",
                      "message": AUTHORS.message, "at": "2026-07-01T06:05:00+00:00"}],
        "open_alarms": [{"site": "kyodo", "check": "missing_authors", "message": AUTHORS.message,
                         "opened": "2026-07-01T06:05:00+00:00", "opened_by": "c1"}]}
    text = format_stats(result)
    assert "\x1b" not in text
    tail = text[text.index("crawl health: open alarms"):].splitlines()
    assert tail[3].split()[:4] == ["kyodo", "missing_authors", "2026-07-01T06:05:00+00:00", "c1"]
    assert tail[3].endswith(printable(AUTHORS.message, keep=""))
    assert tail[8].split()[:5] == ["2026-07-01T06:05:00+00:00", "c1", "degraded", "kyodo", "missing_authors"]


def test_report_has_a_health_section(tmp_path):
    index = Index(degraded_index(tmp_path), readonly=True)
    page = render(index.conn)
    index.close()
    assert "<h2>Crawl health</h2>" in page
    assert page.count("data-alarm='kyodo/missing_authors'") == 1 and page.count("data-finding='missing_authors'") == 1
    assert "kyodo: authors missing on 25 of 25 articles, 3 of 60 in the last 10 runs" in page


def test_report_without_findings(tmp_path):
    index = Index(tmp_path / "index.db")
    page = render(index.conn)
    index.close()
    assert "No open alarms." in page and "No findings: every run looked like its site's history." in page


def test_summary_says_degraded_and_lists_the_findings(tmp_path):
    result = CrawlResult("c1", tmp_path, [SiteSummary("kyodo", finish_reason="finished")], findings=[AUTHORS],
                         alarms=alarms.AlarmOutcome(raised=[AUTHORS], delivered={"webhook": 1},
                                                    failures=["alarm delivery to smtp failed (1 event(s), retried "
                                                              "at the next crawl): RuntimeError: down"]))
    assert result.degraded
    assert result.summary_table().splitlines()[-5:] == [
        f"crawl c1: WARC files in {tmp_path / 'warc'}, index {tmp_path / 'index.db'}",
        "DEGRADED: 1 finding(s) against the sites' history (archive/health.py)",
        "  " + printable(AUTHORS.message),
        "alarms: 1 raised, 0 cleared; delivered to webhook (1)",
        "  alarm delivery to smtp failed (1 event(s), retried at the next crawl): RuntimeError: down"]


def test_a_degraded_crawl_finished_and_canaries_do_not_count(tmp_path):
    """The spiders walk every listing after a crawl that did not finish (crawler/spiders/base.py); a degraded
    one did, and a canary says nothing of what the last crawl missed."""
    from crawler.spiders.state import previous_crawl_unfinished

    index = Index(tmp_path / "index.db")
    add = "INSERT INTO crawls (id, sites, started, status, kind) VALUES (?, 'kyodo', ?, ?, ?)"
    index.conn.execute(add, ["c1", "2026-07-01T01:00:00+00:00", "failed", "crawl"])
    index.conn.execute(add, ["c2", "2026-07-01T02:00:00+00:00", "finished", "canary"])
    index.close()
    db = tmp_path / "index.db"
    assert previous_crawl_unfinished(db, "kyodo", "c9") == ("c1", "failed")
    index = Index(db)
    index.conn.execute(add, ["c3", "2026-07-01T03:00:00+00:00", "degraded", "crawl"])
    index.close()
    assert previous_crawl_unfinished(db, "kyodo", "c9") is None

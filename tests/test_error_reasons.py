"""Off-site links and robots.txt exclusions are URLs left alone on purpose: recorded in fetch_errors, counted
as skipped, never as errors, by the crawl summary, `stats` and `report` alike."""

from __future__ import annotations

import re

from archive.index import FAILURE_REASONS, SKIP_REASONS, Index
from archive.report import write_report
from archive.stats import stats
from crawler.run import _summary


def index_with_errors(path):
    index = Index(path)
    index.start_crawl("c1", ["kyodo"], {}, "2026-01-02T00:00:00+00:00")
    for n, reason in enumerate(["offsite"] * 15 + ["robots"] * 3 + ["timeout", "http"]):
        index.add_fetch_error(f"http://h/{n}", reason, site="kyodo", crawl_id="c1", at="2026-01-02T01:00:00+00:00")
    index.close()
    return path


def test_one_definition_of_skips_and_failures():
    assert set(SKIP_REASONS) == {"offsite", "robots"}
    assert not set(SKIP_REASONS) & set(FAILURE_REASONS) and "timeout" in FAILURE_REASONS


def test_the_crawl_summary_counts_neither_offsite_nor_robots():
    summary = _summary("kyodo", {"newsarchive/failed/offsite": 15, "newsarchive/failed/robots": 3,
                                 "newsarchive/failed/timeout": 1, "downloader/response_status_count/200": 4})
    assert summary.errors == 1


def test_stats_lists_skips_apart_from_errors(tmp_path):
    result = stats(index_with_errors(tmp_path / "index.db"))
    assert result["errors"] == {"timeout": 1, "http": 1} or result["errors"] == {"http": 1, "timeout": 1}
    assert result["skipped"] == {"offsite": 15, "robots": 3}
    assert result["errors_by_site"] == {"kyodo": {"http": 1, "timeout": 1}}


def test_the_report_counts_2_fetch_errors_not_20(tmp_path):
    page = write_report(index_with_errors(tmp_path / "index.db"), tmp_path / "r.html").read_text()
    assert re.search(r"<b>2</b>fetch errors", page), re.findall(r"<b>[\d,]+</b>[a-z ]+", page)
    assert "<b>18</b>skipped" in page
    assert "data-reason='offsite'" not in page and "data-reason='robots'" not in page
    assert "data-reason='timeout' data-count=1" in page

"""`newsarchive report`: one self-contained HTML page whose charts say what the index holds."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from archive.report import articles_per_day, write_report
from mirror import Mirror
from support import NO_DELAY, newsarchive

BAR = re.compile(r"<rect class=bar data-site='([^']+)' data-day='([\d-]+)' data-count=(\d+)")
GAP = re.compile(r"<rect class=gap data-site='([^']+)' data-day='([\d-]+)'")


@pytest.fixture(scope="module")
def archive_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("report")
    with Mirror(articles=60, seed=5) as mirror:
        result = newsarchive("crawl", "kyodo", "inakoran", "--base-url", f"kyodo={mirror.base_urls['kyodo']}",
                             "--base-url", f"inakoran={mirror.base_urls['inakoran']}", "--data", str(data),
                             *NO_DELAY)
    assert result.returncode == 0, result.stdout + result.stderr
    return data


def per_day_sql(db: Path) -> Counter:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT site, substr(published, 1, 10), count(*) FROM articles "
                        "WHERE published IS NOT NULL GROUP BY 1, 2").fetchall()
    conn.close()
    return Counter({(site, day): count for site, day, count in rows})


def test_report_is_self_contained_and_counts_match_sql(archive_dir, tmp_path):
    out = tmp_path / "report.html"
    result = newsarchive("report", "-o", str(out), "--data", str(archive_dir))
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<svg" in page and "<style>" in page
    assert "http://" not in page and "https://" not in page and "//" not in re.sub(r"<style>.*?</style>", "", page,
                                                                                     flags=re.S)
    assert not re.search(r"\b(src|href)\s*=", page) and "<script" not in page and "<link" not in page
    assert "url(" not in page and "@import" not in page
    bars = Counter({(site, day): int(count) for site, day, count in BAR.findall(page)})
    assert bars == per_day_sql(archive_dir / "index.db")
    assert {site for site, _ in bars} == {"kyodo", "inakoran"}


def test_every_flagged_gap_is_an_empty_day_inside_the_sites_range(archive_dir, tmp_path):
    out = write_report(archive_dir / "index.db", tmp_path / "r.html")
    page = out.read_text(encoding="utf-8")
    counts = per_day_sql(archive_dir / "index.db")
    flagged = set(GAP.findall(page))
    for site in ("kyodo", "inakoran"):
        days = sorted(date.fromisoformat(d) for s, d in counts if s == site)
        expected = {(site, str(days[0] + timedelta(days=i))) for i in range((days[-1] - days[0]).days)
                    if (site, str(days[0] + timedelta(days=i))) not in counts}
        assert {g for g in flagged if g[0] == site} == expected


def test_a_day_without_articles_is_flagged(archive_dir, tmp_path):
    db = tmp_path / "index.db"
    shutil.copy(archive_dir / "index.db", db)
    conn = sqlite3.connect(db)
    days = [d for (d,) in conn.execute("SELECT DISTINCT substr(published, 1, 10) FROM articles "
                                       "WHERE site = 'kyodo' AND published IS NOT NULL ORDER BY 1")]
    gap = days[len(days) // 2]  # a day with articles, strictly inside the range
    before = write_report(db, tmp_path / "before.html").read_text(encoding="utf-8")
    assert ("kyodo", gap) not in GAP.findall(before)
    conn.execute("DELETE FROM articles WHERE site = 'kyodo' AND substr(published, 1, 10) = ?", [gap])
    conn.commit()
    conn.close()
    after = write_report(db, tmp_path / "after.html").read_text(encoding="utf-8")
    assert ("kyodo", gap) in GAP.findall(after)
    kyodo_gaps = lambda page: [g for g in GAP.findall(page) if g[0] == "kyodo"]  # noqa: E731
    assert len(kyodo_gaps(after)) == len(kyodo_gaps(before)) + 1
    kyodo = next(s for s in articles_per_day(sqlite3.connect(db)) if s.site == "kyodo")
    assert date.fromisoformat(gap) in kyodo.gaps


def test_report_shows_access_states_crawls_and_errors(archive_dir, tmp_path):
    db = tmp_path / "index.db"
    shutil.copy(archive_dir / "index.db", db)
    conn = sqlite3.connect(db)
    crawl_id = conn.execute("SELECT id FROM crawls").fetchone()[0]
    conn.executemany("INSERT INTO fetch_errors (url, site, crawl_id, reason, at) VALUES (?, 'kyodo', ?, ?, ?)",
                     [("u1", crawl_id, "timeout", "2026-01-02T03:04:05+00:00"),
                      ("u2", crawl_id, "timeout", "2026-01-02T05:00:00+00:00"),
                      ("u3", crawl_id, "http", "2026-01-04T00:00:00+00:00")])
    conn.commit()
    access = Counter({(s, a or ""): n for s, a, n in conn.execute(
        "SELECT site, access, count(*) FROM articles GROUP BY 1, 2")})
    conn.close()
    page = write_report(db, tmp_path / "r.html").read_text(encoding="utf-8")
    shown = Counter({(s, a): int(n) for s, a, n in re.findall(
        r"data-site='([^']+)' data-access='([^']*)' data-count=(\d+)", page)})
    assert shown == access
    assert f"data-crawl='{crawl_id}' data-series=pages" in page
    assert "data-day='2026-01-02' data-reason='timeout' data-count=2" in page
    assert "data-day='2026-01-04' data-reason='http' data-count=1" in page


def test_report_of_an_empty_index(tmp_path):
    from archive.index import Index

    Index(tmp_path / "index.db").close()
    page = write_report(tmp_path / "index.db", tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No articles yet." in page and "No fetch errors recorded." in page


def test_report_without_an_index_fails_cleanly(tmp_path):
    result = newsarchive("report", "-o", str(tmp_path / "r.html"), "--data", str(tmp_path))
    assert result.returncode == 2 and "no index at" in result.stderr and "Traceback" not in result.stderr

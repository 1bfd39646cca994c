"""`newsarchive reindex`: the index rebuilt from the WARC files alone equals the one the live crawl wrote."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from archive.index import Index
from archive.reindex import ReindexError, rebuild, warc_files_in_order
from archive.warc import HttpExchange, WarcFileWriter
from mirror import Mirror
from crawler.reindex import parse_for_index
from support import NO_DELAY, newsarchive


def crawl(mirror: Mirror, data: Path, *extra: str) -> None:
    result = newsarchive("crawl", "kyodo", "inakoran", "--base-url", f"kyodo={mirror.base_urls['kyodo']}",
                         "--base-url", f"inakoran={mirror.base_urls['inakoran']}", "--data", str(data),
                         *NO_DELAY, *extra)
    assert result.returncode == 0, result.stdout + result.stderr


def dump(db_path: Path) -> dict[str, list]:
    """Every table, autoincrement ids replaced by natural keys, rows sorted."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    record = dict(conn.execute("SELECT id, record_id FROM captures").fetchall())
    canonical = dict(conn.execute("SELECT id, canonical_url FROM articles").fetchall())
    author = dict(conn.execute("SELECT id, name FROM authors").fetchall())

    def rows(sql: str, **keys) -> list[str]:
        out = []
        for row in conn.execute(sql):
            data = {k: row[k] for k in row.keys() if k != "id"}
            for column, mapping in keys.items():
                data[column] = mapping.get(data[column])
            out.append(json.dumps(data, sort_keys=True, ensure_ascii=False))
        return sorted(out)

    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    dumped = {
        "crawls": rows("SELECT * FROM crawls"),
        "captures": rows("SELECT * FROM captures"),
        "articles": rows("SELECT * FROM articles", capture_id=record),
        "article_versions": rows("SELECT * FROM article_versions", article_id=canonical, capture_id=record),
        "authors": rows("SELECT * FROM authors"),
        "article_authors": rows("SELECT * FROM article_authors", article_id=canonical, author_id=author),
        "fetch_errors": rows("SELECT * FROM fetch_errors"),
        **{table: rows(f"SELECT * FROM {table}") for table in ("crawl_sites", "crawl_skips", "crawl_findings", "alarms")},
        "articles_fts": rows("SELECT rowid AS article, title, lead, body, authors FROM articles_fts",
                             article=canonical),
    }
    # derived from articles by triggers: the FTS shadow tables and the trend tables (archive/trend_index.py)
    shadow = {t for t in tables if t.startswith(("articles_fts_", "sqlite_", "trend_"))}
    assert tables - shadow == set(dumped), "a table is missing from this dump"
    conn.close()
    return dumped


def assert_same(live: dict, rebuilt: dict) -> None:
    for table in live:
        assert rebuilt[table] == live[table], f"{table} differs after reindex"


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory):
    """A crawl of both mirror sites; a second one fetching every article again (unchanged pages: revisit
    records); an edit, and a third (a new version). An edit changes every page's "latest" lists on the mirror,
    so the pages fetched after it are new responses, not revisits. A fourth, bounded, leaves Kyodo's other
    articles as budget skips: crawl_skips rows, which reindex keeps like the crawl_sites rows."""
    data = tmp_path_factory.mktemp("reindex")
    with Mirror(articles=30, seed=11) as mirror:
        crawl(mirror, data)
        first = data / "after-first.db"
        shutil.copy(data / "index.db", first)
        crawl(mirror, data, "--refresh")
        edited = mirror.edit_article("kyodo", 0)
        mirror.edit_article("inakoran", 2)
        crawl(mirror, data, "--refresh")
        crawl(mirror, data, "--refresh", "--max-articles", "5")
    index = Index(data / "index.db")
    index.add_fetch_error("http://127.0.0.1:9/gone", "timeout", site="kyodo", detail="synthetic, for the test",
                          crawl_id=index.conn.execute("SELECT id FROM crawls ORDER BY started LIMIT 1").fetchone()[0])
    index.close()
    return data, first, edited


def test_reindex_of_one_crawl_is_identical(two_crawls, tmp_path):
    data, first, _ = two_crawls
    one = tmp_path / "one"
    (one / "warc").mkdir(parents=True)
    crawl_id = sqlite3.connect(first).execute("SELECT id FROM crawls").fetchone()[0]
    for path in (data / "warc").glob("*.warc.gz"):
        if sqlite3.connect(first).execute("SELECT 1 FROM captures WHERE warc_file = ?", [path.name]).fetchone():
            shutil.copy(path, one / "warc" / path.name)
    shutil.copy(first, one / "index.db")
    live = dump(one / "index.db")
    assert len(live["captures"]) > 60 and len(live["articles"]) == 60
    result = newsarchive("reindex", "--data", str(one))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reindexed 2 WARC file(s)" in result.stdout and "pages/s" in result.stdout
    assert "kept from the old index: 1 crawl row(s)" in result.stdout
    assert_same(live, dump(one / "index.db"))
    assert sqlite3.connect(one / "index.db").execute("SELECT id FROM crawls").fetchone()[0] == crawl_id


def test_reindex_after_recrawls_with_revisits_and_edits_is_identical(two_crawls, tmp_path):
    data, _, edited = two_crawls
    copy = tmp_path / "two"
    shutil.copytree(data, copy)
    live = dump(copy / "index.db")
    conn = sqlite3.connect(copy / "index.db")
    assert conn.execute("SELECT count(*) FROM captures WHERE record_type = 'revisit'").fetchone()[0] > 20
    assert conn.execute("SELECT count(*) FROM article_versions av JOIN articles a ON a.id = av.article_id "
                        "WHERE a.url = ?", [edited["url"]]).fetchone()[0] == 2
    errors_held = conn.execute("SELECT count(*) FROM fetch_errors").fetchone()[0]  # off-site links + one added
    conn.close()
    report = rebuild(copy / "warc", copy / "index.db", parse_for_index, workers=2)
    assert report.files == 8 and report.revisits > 20 and report.problems == []
    assert report.crawls_kept == 4 and report.fetch_errors_kept == errors_held >= 1
    assert len(live["crawl_sites"]) == 8 and len(live["crawl_skips"]) > 10  # Kyodo's budget skips, 5 fetched
    rebuilt = dump(copy / "index.db")
    assert_same(live, rebuilt)
    assert not [p for p in copy.iterdir() if ".reindex-" in p.name]


def test_without_an_old_index_crawls_come_from_warcinfo(two_crawls, tmp_path):
    data, _, _ = two_crawls
    copy = tmp_path / "bare"
    shutil.copytree(data / "warc", copy / "warc")
    live_conn = sqlite3.connect(data / "index.db")
    live_crawls = {r[0]: r for r in live_conn.execute(
        "SELECT id, sites, pages, articles, warc_files, warc_bytes FROM crawls")}
    report = rebuild(copy / "warc", copy / "index.db", parse_for_index, workers=1)
    assert not report.old_index and report.crawls_rebuilt == 4 and report.fetch_errors_kept == 0
    conn = sqlite3.connect(copy / "index.db")
    for crawl_id, sites, pages, articles, warc_files, warc_bytes, status in conn.execute(
            "SELECT id, sites, pages, articles, warc_files, warc_bytes, status FROM crawls"):
        live = live_crawls[crawl_id]
        assert status == "reindexed"
        assert set(sites.split(",")) == set(live[1].split(","))
        assert (pages, articles, warc_bytes) == (live[2], live[3], live[5])
        assert sorted(json.loads(warc_files)) == sorted(json.loads(live[4]))
    live = dump(data / "index.db")
    rebuilt = dump(copy / "index.db")
    for table in ("captures", "articles", "article_versions", "authors", "article_authors", "articles_fts"):
        assert rebuilt[table] == live[table], table
    assert rebuilt["fetch_errors"] == []


def test_a_failed_rebuild_leaves_the_old_index_untouched(two_crawls, tmp_path):
    data, _, _ = two_crawls
    copy = tmp_path / "fail"
    shutil.copytree(data, copy)
    before = (copy / "index.db").read_bytes()

    def interrupted(message: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rebuild(copy / "warc", copy / "index.db", parse_for_index, workers=2, progress=interrupted)
    assert (copy / "index.db").read_bytes() == before
    assert not [p for p in copy.iterdir() if ".reindex-" in p.name]


def test_a_crawl_in_progress_stops_reindex(tmp_path):
    writer = WarcFileWriter(tmp_path / "warc", prefix="newsarchive-kyodo")  # holds its `.open` file's lock
    writer.write_exchange(HttpExchange(url="http://127.0.0.1:9/", method="GET", request_headers=[],
                                       protocol="HTTP/1.1", status=200, response_headers=[], body=b"x",
                                       fetched_at=datetime.now(timezone.utc)))
    try:
        with pytest.raises(ReindexError, match="a crawl is writing"):
            rebuild(tmp_path / "warc", tmp_path / "index.db", parse_for_index)
    finally:
        writer.close()
    assert not (tmp_path / "index.db").exists()


def test_files_are_replayed_in_the_order_they_were_written(tmp_path):
    names = ["newsarchive-kyodo-20260102000000000-00001-1~h.warc.gz",
             "newsarchive-inakoran-20260101000000000-00002-1~h.warc.gz",
             "newsarchive-kyodo-20260101000000000-00001-1~h.warc.gz",
             "newsarchive-kyodo-20260101000000000-00010-1~h.warc.gz"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in warc_files_in_order(tmp_path)] == [names[2], names[1], names[3], names[0]]

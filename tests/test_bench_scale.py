"""The 1M-article benchmarks' machinery on a few hundred articles: the cached bench index is what a reindex
makes and is built once; the reading-room harness times Datasette's baselines and reports routes missing."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from archive.fulltext import SETTINGS


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("bench-cache")


def test_the_bench_index_is_built_once_like_a_reindex(cache, monkeypatch):
    from archive import trend_index
    from bench import fts_build

    monkeypatch.setenv("NEWSARCHIVE_BENCH_CACHE", str(cache))
    built = fts_build.built_index(300)
    assert not built.cached and built.articles == 300 and built.segments >= 1
    assert built.path.name == f"fts-300-{fts_build.shape_key()}.db"
    assert sorted(p.name for p in cache.iterdir()) == [built.path.name, built.path.with_suffix(".json").name]
    conn = sqlite3.connect(f"file:{built.path}?mode=ro", uri=True)
    try:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 300
        assert conn.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 300
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, as reindex leaves it
        assert conn.execute("SELECT v FROM articles_fts_config WHERE k = 'rank'").fetchone()[0] == SETTINGS["rank"]
        triggers = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                                   "AND tbl_name = 'articles'")}
        # the full-text index's insert, delete and our update trigger, and the trend tables' three
        assert triggers == {"articles_ai", "articles_ad", "articles_au", *trend_index.TRIGGERS}
    finally:
        conn.close()
    again = fts_build.built_index(300)
    assert again.cached and again.path == built.path and again.build_seconds == built.build_seconds
    monkeypatch.setattr(fts_build, "CORPUS_VERSION", fts_build.CORPUS_VERSION + 1)
    assert fts_build.shape_key() not in built.path.name  # a new corpus version is a new index


def test_the_reading_room_harness_times_every_page_beside_its_baseline(cache, monkeypatch):
    from bench import fts_build, readingroom

    monkeypatch.setenv("NEWSARCHIVE_BENCH_CACHE", str(cache))
    built = fts_build.built_index(300)
    rows = {row.measure: row for row in asyncio.run(readingroom._measure(built.path, 300, rounds=1))}
    pages = ["article page", *(f"trend page, {view}" for view in readingroom.VIEWS.values()),
             "trend page, a word in nearly every article"]
    assert sorted(rows) == sorted(f"{q} {page}" for page in pages for q in ("p50", "p95"))
    for page in pages:
        row = rows[f"p95 {page}"]
        assert row.value > 0 and row.baseline > 0, page  # ours and Datasette's own page (row page, SQL) answered
    assert rows["p95 article page"].baseline_name == "Datasette row page"
"""Search, export and stats on small constructed indexes: ranking plan, filter plans, date bounds, gaps,
streaming export."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tracemalloc
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

import archive.export
import archive.search
from archive.export import export_articles
from archive.index import Capture, Index
from archive.search import SearchError, date_bound, search, search_result
from archive.stats import find_gaps, stats
from support import ArticleFields

ROOT = Path(__file__).resolve().parent.parent


def build(path: Path, articles: list[dict]) -> Path:
    """An index holding `articles` (site, published, title, body, optional authors/access)."""
    index = Index(path)
    index.begin()
    for i, spec in enumerate(articles):
        url = f"https://{spec['site']}.example/a/{i}"
        capture = Capture(url=url, site=spec["site"], status=200, content_type="text/html",
                          fetched_at=f"2024-06-01T00:00:{i % 60:02d}Z", payload_digest=None, warc_file="t.warc.gz",
                          warc_offset=i * 100, warc_length=100, record_id=f"<urn:uuid:t-{i}>")
        article = {"url": url, "site": spec["site"], "title": spec.get("title", f"item {i}"),
                   "body": spec.get("body"), "lead": (spec.get("body") or "").split("\n\n")[0] or None,
                   "published": spec.get("published"), "authors": spec.get("authors", []),
                   "access": spec.get("access", "open"), "parser": spec["site"], "parser_version": "1"}
        index.upsert_article(ArticleFields(article), index.add_capture(capture), capture)
    index.close()
    return path


# -- dates -------------------------------------------------------------------------------------------

def test_date_bounds():
    assert date_bound("2024-05-01", "since") == "2024-05-01T00:00:00Z"
    assert date_bound("2024-05-01", "until") == "2024-05-02T00:00:00Z"  # exclusive: the whole day is in
    assert date_bound("2024-12-31", "until") == "2025-01-01T00:00:00Z"
    assert date_bound(date(2024, 2, 29), "until") == "2024-03-01T00:00:00Z"
    assert date_bound("2024-05-01T09:00:00+09:00", "since") == "2024-05-01T00:00:00Z"
    assert date_bound("2024-05-01T09:00:00+09:00", "until") == "2024-05-01T00:00:01Z"
    assert date_bound("2024-05-01T09:00", "since") == "2024-05-01T09:00:00Z"  # no offset: UTC
    assert date_bound("2024-05-01T09:00:00Z", "since") == "2024-05-01T09:00:00Z"
    assert date_bound(datetime(2024, 5, 1, 9, 30, 5, 999, tzinfo=timezone.utc), "until") == "2024-05-01T09:30:06Z"
    assert date_bound(None, "since") is None and date_bound("", "until") is None
    for bad in ("2024-13-01", "01/05/2024", "yesterday", "2024-5-1"):
        with pytest.raises(SearchError, match="not a date"):
            date_bound(bad, "since")


# -- search plan -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """40 articles mentioning "alpha" 1..4 times (ids 1..40), half kyodo, one day apart."""
    specs = []
    for i in range(40):
        body = " ".join(["alpha"] * (1 + i % 4) + ["filler"] * (10 + i % 7)) + "\n\nsecond paragraph"
        specs.append({"site": "kyodo" if i % 2 else "inakoran", "body": body, "title": f"story {i}",
                      "published": f"2024-03-{1 + i % 28:02d}T12:00:00+00:00",
                      "authors": ["Aiko Sato"] if i % 5 == 0 else []})
    return build(tmp_path_factory.mktemp("corpus") / "index.db", specs)


def bm25_order(db_path: Path, query: str, where: str = "", params: tuple = ()) -> list[int]:
    weights = ", ".join(map(str, archive.search.WEIGHTS))
    index = Index(db_path, readonly=True)
    try:
        return [r[0] for r in index.conn.execute(
            f"SELECT f.rowid FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH ? {where} "
            f"ORDER BY bm25(articles_fts, {weights}), f.rowid DESC", (query, *params))]
    finally:
        index.close()


def test_few_matches_are_all_ranked_by_bm25(corpus):
    result = search_result(corpus, "alpha", limit=100)
    assert result.ranked_among is None and [h.id for h in result.hits] == bm25_order(corpus, "alpha")


def test_a_rare_query_ranks_every_match_a_common_one_the_most_recent(corpus, monkeypatch):
    monkeypatch.setattr(archive.search, "CANDIDATES", 8)
    result = search_result(corpus, "alpha", limit=100)  # "alpha" in 40 articles: under IDF_BUDGET, rare
    assert result.ranked_among is None and [h.id for h in result.hits] == bm25_order(corpus, "alpha")
    monkeypatch.setattr(archive.search, "IDF_BUDGET", 40)  # now common
    result = search_result(corpus, "alpha", limit=100)
    assert result.ranked_among == 8 and result.ranking == "columns"
    assert [h.id for h in result.hits] == list(range(40, 32, -1))  # the 8 newest ids; no title/lead matches
    exhaustive = search_result(corpus, "alpha", limit=100, exhaustive=True)
    assert exhaustive.ranked_among is None and [h.id for h in exhaustive.hits] == bm25_order(corpus, "alpha")
    kyodo = search_result(corpus, "alpha", archive.search.Filters(site="kyodo"), limit=100)
    assert [h.id for h in kyodo.hits] == [40, 38, 36, 34, 32, 30, 28, 26]
    assert search_result(corpus, "alpha", limit=3).hits == result.hits[:3]
    monkeypatch.setattr(archive.search, "CANDIDATES", 40)  # exactly as many as match: all ranked
    assert search_result(corpus, "alpha", limit=100).ranked_among is None
    monkeypatch.setattr(archive.search, "CANDIDATES", 39)
    assert search_result(corpus, "alpha", limit=100).ranked_among == 39


def test_cli_notes_a_bounded_ranking(corpus, monkeypatch):
    from click.testing import CliRunner

    from crawler.cli import main

    monkeypatch.setattr(archive.search, "CANDIDATES", 8)
    monkeypatch.setattr(archive.search, "IDF_BUDGET", 40)
    out = CliRunner().invoke(main, ["search", "alpha", "--format", "json", "--data", str(corpus.parent)])
    assert out.exit_code == 0 and len(json.loads(out.stdout)) == 8
    assert "note: more than 8 articles match; ranked the 8 most recently indexed" in out.stderr
    assert "note: a common query: ranked by the columns it matches (title, lead), not bm25" in out.stderr
    out = CliRunner().invoke(main, ["search", "alpha", "--rank-all", "--limit", "50", "--data", str(corpus.parent)])
    assert out.exit_code == 0 and out.stdout.count("\n 1. ") + out.stdout.startswith(" 1. ") == 1
    assert out.stdout.count(" | id ") == 40 and "note:" not in out.stderr


@pytest.mark.parametrize("few_pass", [0, 10**9], ids=["per-match-lookup", "id-set"])
def test_both_filter_plans_give_the_sql_answer(corpus, monkeypatch, few_pass):
    monkeypatch.setattr(archive.search, "FEW_PASS", few_pass)
    hits = search(corpus, "alpha", site="kyodo", since="2024-03-05", until="2024-03-20", limit=100)
    assert [h.id for h in hits] == bm25_order(
        corpus, "alpha", "AND a.site = 'kyodo' AND a.published_utc >= '2024-03-05' AND a.published_utc < '2024-03-21'")
    hits = search(corpus, "alpha", author="AIKO SATO", access="open", limit=100)
    assert [h.id for h in hits] == bm25_order(corpus, "alpha", "AND a.id % 5 = 1")
    assert search(corpus, "alpha", since="2030-01-01") == []


def test_search_rejects_empty_query_and_missing_index(corpus, tmp_path):
    with pytest.raises(SearchError):
        search(corpus, "  ")
    with pytest.raises(SearchError):
        search(corpus, "alpha", limit=0)
    with pytest.raises(FileNotFoundError):
        search(tmp_path / "none.db", "alpha")
    out = subprocess.run([sys.executable, "-m", "crawler.cli", "search", "alpha", "--data", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and out.stderr.startswith("error: no index")


# -- stats -------------------------------------------------------------------------------------------

def test_stats_gaps_and_days_on_a_constructed_index(tmp_path):
    db = build(tmp_path / "index.db", [
        {"site": "kyodo", "published": "2024-05-01T10:00:00+09:00"},
        {"site": "kyodo", "published": "2024-05-02T10:00:00+09:00"},
        {"site": "kyodo", "published": "2024-05-05T10:00:00+09:00"},
        {"site": "kyodo", "published": "2024-05-06T08:00:00+09:00"},  # 2024-05-05 in UTC: counts on the 6th
        {"site": "kyodo", "published": "2024-05-06T10:00:00+09:00", "access": "gated"},
        {"site": "kyodo", "published": "2024-05-10T10:00:00+09:00"},
        {"site": "kyodo", "published": None},
        {"site": "inakoran", "published": "2024-05-03T10:00:00+07:00"},
        {"site": "inakoran", "published": "2024-05-05T02:00:00+07:00"},  # the 4th in UTC: still a gap on the 4th
    ])
    index = Index(db)
    index.start_crawl("c1", ["kyodo"], {}, "2024-05-10T00:00:00+00:00")
    index.finish_crawl("c1", ended="2024-05-10T00:10:00+00:00", status="finished", pages=9, articles=8, errors=3,
                       warc_bytes=1234)
    for reason in ("http", "http", "timeout"):
        index.add_fetch_error("https://kyodo.example/x", reason, site="kyodo", crawl_id="c1")
    index.close()
    result = stats(db, days=10, end=date(2024, 5, 10))
    kyodo, inakoran = result["sites"]["kyodo"], result["sites"]["inakoran"]
    assert kyodo["gaps"] == [{"from": "2024-05-03", "to": "2024-05-04", "days": 2},
                             {"from": "2024-05-07", "to": "2024-05-09", "days": 3}]
    assert kyodo["gap_days"] == 5 and (kyodo["first_day"], kyodo["last_day"]) == ("2024-05-01", "2024-05-10")
    assert kyodo["articles"] == 7 and kyodo["undated"] == 1 and kyodo["access"] == {"open": 6, "gated": 1}
    assert inakoran["gaps"] == [{"from": "2024-05-04", "to": "2024-05-04", "days": 1}] and inakoran["articles"] == 2
    assert result["window"] == {"from": "2024-05-01", "to": "2024-05-10", "days": 10}
    assert result["per_day"]["kyodo"] == {"2024-05-01": 1, "2024-05-02": 1, "2024-05-03": 0, "2024-05-04": 0,
                                          "2024-05-05": 1, "2024-05-06": 2, "2024-05-07": 0, "2024-05-08": 0,
                                          "2024-05-09": 0, "2024-05-10": 1}
    assert sum(result["per_day"]["inakoran"].values()) == 2
    assert result["errors"] == {"http": 2, "timeout": 1} and result["errors_by_site"] == {"kyodo": result["errors"]}
    assert [(c["id"], c["pages"], c["errors"], c["warc_bytes"]) for c in result["crawls"]] == [("c1", 9, 3, 1234)]
    short = stats(db, days=3, end=date(2024, 5, 10))
    assert list(short["per_day"]["kyodo"]) == ["2024-05-08", "2024-05-09", "2024-05-10"]
    assert short["sites"]["kyodo"]["gaps"] == kyodo["gaps"]  # gaps cover the whole range, not the window


def test_find_gaps_edges():
    assert find_gaps({}) == [] and find_gaps({"2024-01-01": 3}) == []
    assert find_gaps({"2024-02-28": 1, "2024-03-01": 1}) == [{"from": "2024-02-29", "to": "2024-02-29", "days": 1}]
    assert find_gaps({"2024-01-01": 1, "2024-01-02": 0, "2024-01-03": 1}) == [
        {"from": "2024-01-02", "to": "2024-01-02", "days": 1}]


# -- export streams ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big(tmp_path_factory):
    paragraph = " ".join(f"word{i % 97}" for i in range(120))
    return build(tmp_path_factory.mktemp("big") / "index.db", [
        {"site": "kyodo", "published": "2024-01-01T00:00:00+00:00", "body": "\n\n".join([paragraph] * 5),
         "authors": [f"Writer {i % 7}"]} for i in range(1500)])


class Sink(io.StringIO):
    def __init__(self, log):
        super().__init__()
        self.log, self.size = log, 0

    def write(self, text):
        self.log.append("write")
        self.size += len(text)
        return len(text)  # discarded: the sink itself holds nothing


def test_export_reads_and_writes_chunk_by_chunk(big, monkeypatch):
    log: list[str] = []
    real = archive.export.iter_chunks

    def spy(*args, **kwargs):
        for chunk in real(*args, **kwargs):
            assert len(chunk) <= 100
            log.append("read")
            yield chunk

    monkeypatch.setattr(archive.export, "iter_chunks", spy)
    sink = Sink(log)
    assert export_articles(big, "jsonl", sink, chunk_size=100) == 1500
    assert log == ["read", "write"] * 15  # each chunk written before the next is read
    assert sink.size > 1500 * 4000


def test_export_memory_stays_flat(big, tmp_path):
    for fmt in ("jsonl", "csv"):
        tracemalloc.start()
        sink = Sink([])
        export_articles(big, fmt, sink, chunk_size=50)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert sink.size > 6_000_000 and peak < 2_000_000, (fmt, peak)


def test_parquet_is_written_in_row_groups(big, tmp_path):
    import pyarrow.parquet as pq

    assert export_articles(big, "parquet", tmp_path / "a.parquet", chunk_size=400, author="writer 3") == 214
    meta = pq.ParquetFile(tmp_path / "a.parquet").metadata
    assert meta.num_rows == 214 and meta.num_row_groups == 1
    assert export_articles(big, "parquet", tmp_path / "b.parquet", chunk_size=400) == 1500
    table = pq.read_table(tmp_path / "b.parquet")
    assert pq.ParquetFile(tmp_path / "b.parquet").metadata.num_row_groups == 4
    assert table.column("authors").to_pylist()[:2] == [["Writer 0"], ["Writer 1"]]
    assert table.column("id").to_pylist() == list(range(1, 1501))


def test_export_of_nothing_and_bad_format(big, tmp_path):
    import pyarrow.parquet as pq

    sink = io.StringIO()
    assert export_articles(big, "csv", sink, site="nowhere") == 0
    assert sink.getvalue().startswith("id,url,") and sink.getvalue().count("\n") == 1
    assert export_articles(big, "parquet", tmp_path / "empty.parquet", site="nowhere") == 0
    assert pq.read_table(tmp_path / "empty.parquet").num_rows == 0
    with pytest.raises(archive.export.ExportError):
        export_articles(big, "xml", sink)
    with pytest.raises(SearchError):
        export_articles(big, "jsonl", sink, query='"open')
    assert not (tmp_path / "never.jsonl").exists()
    with pytest.raises(SearchError):
        export_articles(big, "jsonl", tmp_path / "never.jsonl", query="AND")
    assert not (tmp_path / "never.jsonl").exists()


def test_research_modules_do_not_import_crawler_or_scrapy():
    code = ("import sys, archive.search, archive.articles, archive.export, archive.stats; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('scrapy', 'crawler', 'twisted')]; "
            "assert not bad, bad")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_json_columns_round_trip_in_jsonl(big):
    sink = io.StringIO()
    export_articles(big, "jsonl", sink, author="Writer 1")
    rows = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert len(rows) == 215 and all(r["authors"] == ["Writer 1"] for r in rows)

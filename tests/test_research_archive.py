"""Researching a real archive: search, show, history, export and stats against two crawls of the mirror
(the second after an edit), each result checked against direct SQL over the same index."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from archive.articles import ArticleNotFound, history, original_html, show
from archive.export import COLUMNS, PARQUET_COLUMNS, export_articles
from archive.search import WEIGHTS, search, search_result
from archive.stats import stats
from archive.records import read_response
from mirror import Mirror

ROOT = Path(__file__).resolve().parent.parent
NO_DELAY = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]
BM25 = f"bm25(articles_fts, {', '.join(map(str, WEIGHTS))})"


def newsarchive(*args: str, text: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NEWSARCHIVE_DATA", None)
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=text, timeout=240)


def crawl(mirror: Mirror, data: Path) -> None:
    args = ["crawl", "kyodo", "inakoran", "--data", str(data), "--discover", "feed,listings,sitemap", *NO_DELAY]
    for site, url in mirror.base_urls.items():
        args += ["--base-url", f"{site}={url}"]
    out = newsarchive(*args)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    data = tmp_path_factory.mktemp("research")
    with Mirror(articles=30, seed=21) as mirror:
        crawl(mirror, data)
        with_text = next(i for i, t in enumerate(mirror.truth("kyodo")) if t["access"] in ("full", "open"))
        before = mirror.truth("kyodo")[with_text]
        after = mirror.edit_article("kyodo", with_text)
        crawl(mirror, data)
    return data, before, after


@pytest.fixture(scope="module")
def db(archive):
    conn = sqlite3.connect(archive[0] / "index.db")
    yield conn
    conn.close()


def ids(db, sql: str, *params) -> list[int]:
    return [row[0] for row in db.execute(sql, params)]


# -- search ------------------------------------------------------------------------------------------

def test_search_ranks_every_match_by_weighted_bm25(archive, db):
    data, _, _ = archive
    # a word in more articles than one default page of hits (10) holds; which word depends on the mirror's text
    expected = ids(db, f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'ministry' ORDER BY {BM25}, rowid DESC")
    assert len(expected) > 10
    result = search_result(data / "index.db", "ministry", limit=1000)
    assert [h.id for h in result.hits] == expected
    assert result.ranked_among is None
    assert all("[" in h.snippet and "]" in h.snippet for h in result.hits)


def test_search_site_and_access_filters_are_exact(archive, db):
    data, _, _ = archive
    for site in ("kyodo", "inakoran"):
        hits = search(data / "index.db", "the OR dan", site=site, limit=1000)
        assert sorted(h.id for h in hits) == ids(
            db, "SELECT a.id FROM articles_fts f JOIN articles a ON a.id = f.rowid "
                "WHERE articles_fts MATCH 'the OR dan' AND a.site = ? ORDER BY a.id", site)
    hits = search(data / "index.db", "the", access="gated", limit=1000)
    expected = ids(db, "SELECT a.id FROM articles_fts f JOIN articles a ON a.id = f.rowid "
                       "WHERE articles_fts MATCH 'the' AND a.access = 'gated' ORDER BY a.id")
    assert expected and sorted(h.id for h in hits) == expected


def test_search_author_filter_matches_name_in_any_case(archive, db):
    data, _, _ = archive
    name, count = db.execute(
        "SELECT au.name, count(*) FROM authors au JOIN article_authors aa ON aa.author_id = au.id "
        "GROUP BY au.id ORDER BY count(*) DESC, au.name LIMIT 1").fetchone()
    expected = ids(db, "SELECT aa.article_id FROM article_authors aa JOIN authors au ON au.id = aa.author_id "
                       "WHERE au.name = ? ORDER BY 1", name)
    query = "the OR dan OR yang"
    matching = set(ids(db, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", query))
    assert [i for i in expected if i in matching]
    for variant in (name, name.lower(), name.upper(), f"  {name}  "):
        hits = search(data / "index.db", query, author=variant, limit=1000)
        assert sorted(h.id for h in hits) == [i for i in expected if i in matching]
        assert all(name in h.authors for h in hits)
    assert search(data / "index.db", query, author=name + "x") == []


def test_search_date_bounds_are_inclusive_utc_days(archive, db):
    data, _, _ = archive
    query = "the OR dan OR yang"
    day = db.execute("SELECT substr(published_utc, 1, 10) FROM articles GROUP BY 1 ORDER BY count(*) DESC").fetchone()[0]
    on_day = ids(db, "SELECT f.rowid FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH ? "
                     "AND substr(a.published_utc, 1, 10) = ? ORDER BY 1", query, day)
    assert on_day
    assert sorted(h.id for h in search(data / "index.db", query, since=day, until=day, limit=1000)) == on_day
    previous = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    assert not {h.id for h in search(data / "index.db", query, until=previous, limit=1000)} & set(on_day)
    later = ids(db, "SELECT f.rowid FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH ? "
                    "AND a.published_utc >= ? ORDER BY 1", query, day)
    assert sorted(h.id for h in search(data / "index.db", query, since=day, limit=1000)) == later
    # An exact time is an inclusive bound too, given in any offset.
    article_id, moment = db.execute("SELECT id, published_utc FROM articles WHERE id = ?", [on_day[0]]).fetchone()
    exact = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    tokyo = exact.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo")).isoformat()
    assert article_id in {h.id for h in search(data / "index.db", query, since=tokyo, until=tokyo)}
    one_second = (exact + timedelta(seconds=1)).isoformat()
    assert article_id not in {h.id for h in search(data / "index.db", query, since=one_second, limit=1000)}


def test_search_cli_formats_parse(archive):
    data, _, _ = archive
    api = [h.id for h in search(data / "index.db", "government", site="kyodo", limit=5)]
    out = newsarchive("search", "government", "--site", "kyodo", "--limit", "5", "--format", "json", "--data", str(data))
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert [h["id"] for h in hits] == api and {"url", "title", "snippet", "score", "authors"} <= set(hits[0])
    out = newsarchive("search", "government", "--site", "kyodo", "--limit", "5", "--format", "csv", "--data", str(data))
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [int(r["id"]) for r in rows] == api and [r["rank"] for r in rows] == ["1", "2", "3", "4", "5"]
    out = newsarchive("search", "government", "--limit", "2", "--data", str(data))
    assert out.returncode == 0 and out.stdout.startswith(" 1. ")


@pytest.mark.parametrize("args", [['"unbalanced'], ["COVID-19"], ["AND"], ["nosuchcolumn:word"],
                                  ["japan", "--since", "2024-02-30"], ["japan", "--until", "yesterday"]])
def test_search_bad_input_is_one_line_and_exit_2(archive, args):
    out = newsarchive("search", *args, "--data", str(archive[0]))
    assert out.returncode == 2, out.stdout
    assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


# -- show, history -----------------------------------------------------------------------------------

def test_show_gives_fields_and_provenance(archive, db):
    data, _, after = archive
    db.row_factory = sqlite3.Row
    try:
        row = db.execute("SELECT * FROM articles WHERE url = ?", [after["url"]]).fetchone()
    finally:
        db.row_factory = None
    result = show(data / "index.db", after["url"])
    assert result == show(data / "index.db", row["id"]) == show(data / "index.db", str(row["id"]))
    article, prov = result["article"], result["provenance"]
    assert article["title"] == after["title"] and article["body"] == after["body"]
    assert article["authors"] == after["authors"] and article["categories"] == after["categories"]
    assert (prov["warc_file"], prov["warc_offset"], prov["warc_length"], prov["record_id"]) == (
        row["warc_file"], row["warc_offset"], row["warc_length"], row["record_id"])
    assert prov["capture"]["id"] == row["capture_id"] and prov["capture"]["status"] == 200
    assert prov["versions"] == 2 and prov["first_seen"] < prov["last_seen"]
    assert prov["crawl"]["id"] == row["crawl_id"] and prov["parser"] == "kyodo"
    out = newsarchive("show", str(row["id"]), "--format", "json", "--data", str(data))
    assert json.loads(out.stdout) == json.loads(json.dumps(result))
    text = newsarchive("show", after["url"], "--data", str(data)).stdout
    assert row["warc_file"] in text and row["record_id"] in text and after["title"] in text


def test_show_html_prints_the_warc_payload_byte_for_byte(archive, db):
    data, _, _ = archive
    for article_id, warc_file, offset in db.execute("SELECT id, warc_file, warc_offset FROM articles LIMIT 6"):
        stored = read_response(data / "warc" / warc_file, offset)
        assert original_html(data, article_id) == stored.body
        out = newsarchive("show", str(article_id), "--html", "--data", str(data), text=False)
        assert out.returncode == 0 and out.stdout == stored.body


def test_show_and_history_of_unknown_article_exit_1(archive):
    data, _, _ = archive
    with pytest.raises(ArticleNotFound):
        show(data / "index.db", "http://example.invalid/nothing")
    for command in (["show", "999999"], ["show", "http://example.invalid/x", "--html"], ["history", "nope"]):
        out = newsarchive(*command, "--data", str(data))
        assert out.returncode == 1 and out.stderr.count("\n") == 1 and out.stderr.startswith("error: no article")


def test_history_diffs_the_edit(archive):
    data, before, after = archive
    result = history(data / "index.db", after["url"])
    assert [v["title"] for v in result["versions"]] == [before["title"], after["title"]]
    assert result["versions"][0]["fetched_at"] < result["versions"][1]["fetched_at"]
    (diff,) = result["diffs"]
    assert f"-{before['title']}" in diff["title"] and f"+{after['title']}" in diff["title"]
    removed = {p for p in before["body"].split("\n\n")} - set(after["body"].split("\n\n"))
    added = {p for p in after["body"].split("\n\n")} - set(before["body"].split("\n\n"))
    assert added and {line[1:] for line in diff["body"] if line.startswith("+") and not line.startswith("+++")} == added
    assert {line[1:] for line in diff["body"] if line.startswith("-") and not line.startswith("---")} == removed
    out = newsarchive("history", after["url"], "--data", str(data))
    assert out.returncode == 0 and "2 version(s)" in out.stdout
    assert f"+{after['title']}" in out.stdout and f"-{before['title']}" in out.stdout


# -- export ------------------------------------------------------------------------------------------

def test_export_jsonl_csv_parquet_round_trip(archive, db, tmp_path):
    import pyarrow.parquet as pq

    data, _, _ = archive
    expected = ids(db, "SELECT id FROM articles WHERE site = 'kyodo' ORDER BY id")
    out = newsarchive("export", "--site", "kyodo", "--data", str(data))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == expected and list(rows[0]) == list(COLUMNS)
    assert isinstance(rows[0]["authors"], list) and isinstance(rows[0]["images"], list)
    assert rows[0]["body"] == db.execute("SELECT body FROM articles WHERE id = ?", [expected[0]]).fetchone()[0]

    out = newsarchive("export", "--format", "csv", "--site", "kyodo", "-o", str(tmp_path / "a.csv"), "--data", str(data))
    assert out.returncode == 0 and "wrote" in out.stderr
    with open(tmp_path / "a.csv", newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert [int(r["id"]) for r in table] == expected
    assert [json.loads(r["authors"]) for r in table] == [r["authors"] for r in rows]
    assert [r["body"] or None for r in table] == [r["body"] for r in rows]  # CSV: NULL is an empty field

    out = newsarchive("export", "--format", "parquet", "-o", str(tmp_path / "a.parquet"), "--data", str(data))
    assert out.returncode == 0, out.stderr
    parquet = pq.read_table(tmp_path / "a.parquet")
    assert parquet.num_rows == db.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert parquet.column_names == list(PARQUET_COLUMNS)
    assert parquet.column("authors").to_pylist() == [json.loads(a) for (a,) in db.execute(
        "SELECT authors FROM articles ORDER BY id")]
    assert newsarchive("export", "--format", "parquet", "--data", str(data)).returncode == 2


def test_export_filters_match_sql(archive, db, tmp_path):
    data, _, _ = archive
    day = db.execute("SELECT substr(published_utc, 1, 10) FROM articles GROUP BY 1 ORDER BY count(*) DESC").fetchone()[0]
    sink = io.StringIO()
    written = export_articles(data / "index.db", "jsonl", sink, query="government", since=day)
    got = [json.loads(line)["id"] for line in sink.getvalue().splitlines()]
    assert written == len(got) and got == ids(
        db, "SELECT a.id FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH 'government' "
            "AND a.published_utc >= ? ORDER BY a.id", day + "T00:00:00Z")
    sink = io.StringIO()
    export_articles(data / "index.db", "jsonl", sink, until=day, access="open")
    assert [json.loads(line)["id"] for line in sink.getvalue().splitlines()] == ids(
        db, "SELECT id FROM articles WHERE substr(published_utc, 1, 10) <= ? AND access = 'open' ORDER BY id", day)
    out = newsarchive("export", "--query", '"oops', "--data", str(data))
    assert out.returncode == 2 and out.stderr.count("\n") == 1


def test_export_wacz_subcommand_still_works(archive, tmp_path):
    out = newsarchive("export", "wacz", "-o", str(tmp_path / "a.wacz"), "--data", str(archive[0]))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "a.wacz").stat().st_size > 0


# -- stats -------------------------------------------------------------------------------------------

def test_stats_counts_equal_sql(archive, db):
    data, _, _ = archive
    last = db.execute("SELECT max(substr(published, 1, 10)) FROM articles").fetchone()[0]
    result = stats(data / "index.db", days=60, end=date.fromisoformat(last))
    assert result["articles"] == db.execute("SELECT count(*) FROM articles").fetchone()[0]
    for site, total in db.execute("SELECT site, count(*) FROM articles GROUP BY site"):
        assert result["sites"][site]["articles"] == total
        access = dict(db.execute("SELECT access, count(*) FROM articles WHERE site = ? GROUP BY access", [site]))
        assert result["sites"][site]["access"] == access
        per_day = dict(db.execute("SELECT substr(published, 1, 10) AS day, count(*) FROM articles WHERE site = ? "
                                  "AND day >= ? GROUP BY 1", [site, result["window"]["from"]]))
        assert {d: n for d, n in result["per_day"][site].items() if n} == per_day
        assert len(result["per_day"][site]) == 60
    crawls = ids(db, "SELECT id FROM crawls ORDER BY started DESC")
    assert [c["id"] for c in result["crawls"]] == crawls and len(crawls) == 2
    assert result["crawls"][0]["pages"] == db.execute("SELECT pages FROM crawls WHERE id = ?", [crawls[0]]).fetchone()[0]
    assert result["errors"] == dict(db.execute("SELECT reason, count(*) FROM fetch_errors WHERE reason NOT IN "
                                               "('offsite', 'robots') GROUP BY reason"))
    assert result["skipped"] == dict(db.execute("SELECT reason, count(*) FROM fetch_errors WHERE reason IN "
                                                "('offsite', 'robots') GROUP BY reason"))
    out = newsarchive("stats", "--format", "json", "--data", str(data))
    assert out.returncode == 0 and json.loads(out.stdout)["articles"] == result["articles"]
    out = newsarchive("stats", "--data", str(data))
    assert out.returncode == 0 and "articles per day" in out.stdout and "last crawls" in out.stdout

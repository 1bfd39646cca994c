"""archive.trend: exact counts per period and site on a synthetic index (tests/trend_support.py), the calendar
(site days, ISO weeks across a month end, months, a range that cuts a period), undated articles, the windows
that find exactly what was counted, the query plan, and the mistakes refused."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from archive.search import SearchError, search
from archive.trend import trend, trend_db
from tests.trend_support import build_index


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("trend") / "index.db")


def table(result):
    """{label: {site: (matches, articles)}}"""
    return {p.label: {s: (p.matches[s], p.totals[s]) for s in result.sites} for p in result.periods}


def test_days_follow_each_sites_calendar_with_every_day_present(db):
    result = trend_db(db, "volcano", by="day")
    assert result.sites == ["inakoran", "kyodo"]
    assert table(result) == {
        "2024-04-29": {"inakoran": (0, 0), "kyodo": (1, 1)},
        "2024-04-30": {"inakoran": (1, 1), "kyodo": (0, 1)},
        "2024-05-01": {"inakoran": (0, 1), "kyodo": (1, 1)},
        "2024-05-02": {"inakoran": (0, 1), "kyodo": (0, 0)},
        "2024-05-03": {"inakoran": (0, 0), "kyodo": (0, 0)},
        "2024-05-04": {"inakoran": (0, 0), "kyodo": (0, 0)},
        "2024-05-05": {"inakoran": (1, 1), "kyodo": (0, 0)},
        "2024-05-06": {"inakoran": (0, 0), "kyodo": (1, 1)},
    }
    assert result.undated == {"inakoran": 0, "kyodo": 1}
    assert result.matches("kyodo") == 3 and result.matches("inakoran") == 2


def test_iso_weeks_run_monday_to_sunday_across_the_month_end(db):
    result = trend_db(db, "volcano", by="week")
    assert table(result) == {"2024-W18": {"inakoran": (2, 4), "kyodo": (2, 3)},
                             "2024-W19": {"inakoran": (0, 0), "kyodo": (1, 1)}}
    week = result.periods[0]
    assert (week.start, week.end) == (date(2024, 4, 29), date(2024, 5, 5))
    assert week.share("kyodo") == pytest.approx(2 / 3) and week.share("inakoran") == 0.5
    assert result.periods[1].share("inakoran") is None  # it published nothing that week: no share, not 0%


def test_months_and_a_range_that_cuts_the_first_period(db):
    assert table(trend_db(db, "volcano", by="month")) == {"2024-04": {"inakoran": (1, 1), "kyodo": (1, 2)},
                                                         "2024-05": {"inakoran": (1, 3), "kyodo": (2, 2)}}
    cut = trend_db(db, "volcano", by="week", since="2024-05-01", until="2024-05-10")
    assert table(cut) == {"2024-W18": {"inakoran": (1, 3), "kyodo": (1, 1)},
                          "2024-W19": {"inakoran": (0, 0), "kyodo": (1, 1)}}
    assert [(p.start, p.end) for p in cut.periods] == [(date(2024, 5, 1), date(2024, 5, 5)),
                                                       (date(2024, 5, 6), date(2024, 5, 10))]
    assert cut.undated == {"inakoran": 0, "kyodo": 1}  # undated articles are in no range, and still told


def test_one_site_and_a_range_without_articles(db):
    result = trend_db(db, "harvest OR volcano", site="inakoran", by="month")
    assert result.sites == ["inakoran"]
    assert table(result) == {"2024-04": {"inakoran": (1, 1)}, "2024-05": {"inakoran": (3, 3)}}
    assert result.undated == {"inakoran": 1}
    empty = trend_db(db, "volcano", since="2023-01-01", until="2023-01-03")
    assert [p.label for p in empty.periods] == ["2023-01-01", "2023-01-02", "2023-01-03"]
    assert all(p.matches == {"inakoran": 0, "kyodo": 0} for p in empty.periods)


def test_a_periods_window_finds_exactly_the_articles_counted(db):
    result = trend_db(db, "volcano", by="day")
    may_first = next(p for p in result.periods if p.label == "2024-05-01")
    since, until = result.window(may_first, "kyodo")
    assert (since, until) == ("2024-05-01T00:00:00+09:00", "2024-05-01T23:59:59+09:00")
    found = search(db, "volcano", site="kyodo", since=since, until=until)
    assert [hit.published for hit in found] == ["2024-05-01T08:00:00+09:00"]  # 30 April in UTC
    april_30 = next(p for p in result.periods if p.label == "2024-04-30")
    found = search(db, "volcano", site="inakoran", since=result.window(april_30, "inakoran")[0],
                   until=result.window(april_30, "inakoran")[1])
    assert [hit.published for hit in found] == ["2024-04-30T06:30:00+07:00"]


def test_an_indonesian_word_counts_the_articles_of_its_stem_as_search_finds_them(db):
    result = trend_db(db, "pengungsi", by="month")  # stem ungsi: Inakoran's "mengungsi" of 30 April
    assert table(result) == {"2024-04": {"inakoran": (1, 1), "kyodo": (0, 2)},
                             "2024-05": {"inakoran": (0, 3), "kyodo": (0, 2)}}
    assert [hit.published for hit in search(db, "pengungsi")] == ["2024-04-30T06:30:00+07:00"]


def test_as_dict_is_plain_data(db):
    data = trend_db(db, "volcano", by="week").as_dict()
    assert data["periods"][0] == {"period": "2024-W18", "start": "2024-04-29", "end": "2024-05-05", "sites": {
        "inakoran": {"matches": 2, "articles": 4, "share": 0.5},
        "kyodo": {"matches": 2, "articles": 3, "share": pytest.approx(2 / 3)}}}
    assert data["undated"] == {"inakoran": 0, "kyodo": 1}


def totals_by_plain_sql(conn) -> dict:
    return {(site, day): n for site, day, n in conn.execute(
        "SELECT site, CASE WHEN published IS NULL THEN NULL ELSE substr(published, 1, 10) END, count(*) "
        "FROM articles GROUP BY 1, 2")}


def totals_by_trend_tables(conn) -> dict:
    return {(site, None if day is None else day.isoformat()): n
            for (site, day), n in trend_index_totals(conn).items()}


def trend_index_totals(conn) -> dict:
    from archive import trend_index

    names = dict(conn.execute("SELECT id, name FROM trend_sites"))
    return {(names[key % trend_index.SITE_SLOTS], trend_index.day_of(key)): n
            for key, n in conn.execute("SELECT key, articles FROM trend_totals WHERE articles > 0")}


def test_trend_tables_follow_inserts_updates_and_deletes(tmp_path):
    from archive.index import Index

    path = build_index(tmp_path / "index.db")
    index = Index(path)
    conn = index.conn
    assert totals_by_trend_tables(conn) == totals_by_plain_sql(conn)
    assert totals_by_trend_tables(conn)[("kyodo", "2024-05-01")] == 1
    conn.execute("UPDATE articles SET published = '2024-05-02T09:00:00+09:00' WHERE published LIKE '2024-05-01%' "
                 "AND site = 'kyodo'")
    conn.execute("UPDATE articles SET published = NULL WHERE published LIKE '2024-05-05%'")
    conn.execute("UPDATE articles SET title = 'retitled'")  # no change of site or day: nothing to recount
    conn.execute("DELETE FROM article_versions WHERE article_id IN (SELECT id FROM articles WHERE published LIKE '2024-04-29%')")
    conn.execute("DELETE FROM articles WHERE published LIKE '2024-04-29%'")
    assert totals_by_trend_tables(conn) == totals_by_plain_sql(conn)
    assert ("kyodo", "2024-05-01") not in totals_by_trend_tables(conn)
    assert totals_by_trend_tables(conn)[("inakoran", None)] == 2
    assert conn.execute("SELECT count(*) FROM trend_keys").fetchone()[0] == 9
    index.close()


def test_an_index_without_the_trend_tables_is_counted_the_same(tmp_path):
    """Opened read-only, an older index has no trend tables: plain SQL gives the same counts; opened for
    writing, the migration builds and fills them."""
    from archive.index import Index

    path = build_index(tmp_path / "index.db")
    expected = {by: table(trend_db(path, "volcano OR harvest", by=by)) for by in ("day", "week", "month")}
    conn = sqlite3.connect(path)
    for name in ("trend_ai", "trend_ad", "trend_au"):
        conn.execute(f"DROP TRIGGER {name}")
    for name in ("trend_sites", "trend_keys", "trend_totals"):
        conn.execute(f"DROP TABLE {name}")
    conn.commit()
    conn.close()
    for by, counted in expected.items():
        assert table(trend_db(path, "volcano OR harvest", by=by)) == counted
    assert trend_db(path, "volcano", by="week").undated == {"inakoran": 0, "kyodo": 1}
    index = Index(path)  # the migration
    assert totals_by_trend_tables(index.conn) == totals_by_plain_sql(index.conn)
    index.close()
    assert table(trend_db(path, "volcano OR harvest", by="week")) == expected["week"]


def test_matches_are_counted_without_reading_an_article_row(db):
    conn = sqlite3.connect(db)
    plan = " | ".join(row[3] for row in conn.execute(
        "EXPLAIN QUERY PLAN SELECT t.key, count(*) FROM articles_fts f JOIN trend_keys t ON t.id = f.rowid "
        "WHERE articles_fts MATCH 'volcano' AND (+t.key BETWEEN 0 AND 1 OR +t.key < 1024) GROUP BY t.key"))
    conn.close()
    assert "articles " not in plan + " " and "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan


@pytest.mark.parametrize("kwargs, message", [
    ({"query": "volcano AND"}, "bad search query 'volcano AND'"),
    ({"query": "  "}, "empty query"),
    ({"query": "volcano", "by": "year"}, "--by must be one of day, week, month, got 'year'"),
    ({"query": "volcano", "since": "2024-02-30"}, "--since: not a date: '2024-02-30'"),
    ({"query": "volcano", "until": "2024-05-01T10:00:00"}, "trend counts whole days"),
    ({"query": "volcano", "since": "2024-05-02", "until": "2024-05-01"}, "--since 2024-05-02 is after --until"),
    ({"query": "volcano", "since": "1900-01-01"}, "too many periods"),
])
def test_mistakes_are_one_line_errors(db, kwargs, message):
    with pytest.raises(SearchError) as caught:
        trend_db(db, **kwargs)
    assert message in str(caught.value) and "\n" not in str(caught.value)


# -- the command line ----------------------------------------------------------------------------------

def cli(*args: str):
    from click.testing import CliRunner

    from crawler.cli import main

    return CliRunner().invoke(main, ["trend", *args])


def test_cli_table_has_a_row_per_period_and_a_column_per_site(db):
    out = cli("volcano", "--by", "week", "--data", str(db.parent))
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [
        "volcano: matches / articles published (share), by week",
        "period                                  inakoran           kyodo",
        "---------------------------------  -------------  --------------",
        "2024-W18 (2024-04-29..2024-05-05)  2 / 4 (50.0%)   2 / 3 (66.7%)",
        "2024-W19 (2024-05-06..2024-05-06)      0 / 0 (-)  1 / 1 (100.0%)",
        "total                              2 / 4 (50.0%)   3 / 4 (75.0%)",
        "undated                                        0               1",
    ]


def test_cli_csv_and_json(db):
    import json

    out = cli("volcano", "--by", "month", "--site", "kyodo", "--format", "csv", "--data", str(db.parent))
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == ["period,start,end,site,matches,articles,share",
                                       "2024-04,2024-04-29,2024-04-30,kyodo,1,2,0.5",
                                       "2024-05,2024-05-01,2024-05-06,kyodo,2,2,1",
                                       "undated,,,kyodo,1,,"]
    out = cli("volcano", "--by", "day", "--since", "2024-05-05", "--format", "json", "--data", str(db.parent))
    data = json.loads(out.output)
    assert [(p["period"], p["sites"]["inakoran"]["matches"], p["sites"]["kyodo"]["matches"]) for p in data["periods"]] \
        == [("2024-05-05", 1, 0), ("2024-05-06", 0, 1)]


def test_cli_query_text_reaches_the_terminal_escaped(db):
    out = cli('"volcano\x1b]0;owned\x07"', "--data", str(db.parent))
    assert out.exit_code == 0 and out.output.startswith('"volcano\\x1b]0;owned\\x07": matches')
    out = cli("volcano OR \x1b]0;owned\x07", "--data", str(db.parent))
    assert out.exit_code == 2 and "\x1b" not in out.output and "\\x1b]0;owned\\x07" in out.output


@pytest.mark.parametrize("args, message", [
    (["volcano AND"], "error: bad search query 'volcano AND'"),
    (["volcano", "--since", "2024-05-01T10:00"], "error: --since: trend counts whole days"),
    (["volcano", "--since", "2024-02-30"], "'2024-02-30' is not a date"),
    (["volcano", "--by", "year"], "'year' is not one of"),
    (["volcano", "--site", "bogus"], "'bogus' is not one of"),
])
def test_cli_mistakes_are_one_line_exit_2(db, args, message):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "crawler.cli", "trend", *args, "--data", str(db.parent)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.splitlines()) == 1 and message in out.stderr, out.stderr


# -- the bench's two paths agree -----------------------------------------------------------------------

def test_the_trend_tables_and_the_naive_sql_count_the_same(tmp_path):
    from bench.trend import naive, run_on
    from tests.trend_support import build_season

    path = build_season(tmp_path / "index.db")
    conn = sqlite3.connect(path)
    for options in ({"by": "day"}, {"by": "week", "site": "kyodo"}, {"by": "month", "since": "2024-06-10",
                                                                      "until": "2024-07-31"}):
        fast, slow = trend(conn, "typhoon OR council", **options), naive(conn, "typhoon OR council", options)
        assert table(fast) == table(slow) and fast.undated == slow.undated
    assert sum(trend(conn, "typhoon", by="month").matches(s) for s in ("kyodo", "inakoran")) == 161
    conn.close()
    rows = run_on(path, [("topic", "typhoon", {"by": "week"})], rounds=1, naive_rounds=1)
    assert [(r.benchmark, r.measure, r.unit) for r in rows] == [
        ("trend, 630 articles", "p50 latency, topic queries", "ms"),
        ("trend, 630 articles", "p95 latency, topic queries", "ms"),
        ("trend, 630 articles", "p95 topic (by day/week/month, ±site)", "ms")]
    assert rows[0].target == "matches 25.6%-25.6% of articles"  # 161 of 630

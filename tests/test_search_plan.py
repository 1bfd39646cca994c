"""The bounded search plan for common queries (archive/search.py steps 2-3): when bm25's idf walk is cheap,
which query phrases are counted, the column ranking, and the dense-range filter form."""

from __future__ import annotations

import pytest

import archive.search
from archive.search import Filters, query_phrases, search, search_result
from test_research_units import bm25_order, build


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """30 articles (ids 1..30), all with "omega" in the body; ids divisible by 3 also in the title, by 5 in
    the lead (the first paragraph); odd ids kyodo; one a day from 2024-04-01."""
    specs = []
    for i in range(1, 31):
        lead = "omega lead words" if i % 5 == 0 else "plain lead words"
        specs.append({"site": "kyodo" if i % 2 else "inakoran", "title": f"omega story {i}" if i % 3 == 0 else
                      f"story {i}", "body": f"{lead}\n\nbody has omega and more filler {i}",
                      "published": f"2024-04-{i:02d}T12:00:00+00:00"})
    return build(tmp_path_factory.mktemp("plan") / "index.db", specs)


def test_query_phrases_are_the_words_fts5_walks():
    assert query_phrases("Japan") == [['"Japan"']]
    assert query_phrases('"prime minister" OR budget') == [['"prime"', '"minister"'], ['"budget"']]
    assert query_phrases("title:japa* NOT tax") == [['"japa"*'], ['"tax"']]  # the column name is no phrase
    assert query_phrases("defense AND (nuclear OR energy)") == [['"defense"'], ['"nuclear"'], ['"energy"']]


def test_a_rare_query_is_ranked_by_bm25(corpus):
    result = search_result(corpus, "omega", limit=100)
    assert result.ranking == "bm25" and result.ranked_among is None
    assert [h.id for h in result.hits] == bm25_order(corpus, "omega")


def test_a_common_query_is_ranked_by_the_columns_it_matches(corpus, monkeypatch):
    monkeypatch.setattr(archive.search, "IDF_BUDGET", 30)  # "omega" is in all 30: common
    result = search_result(corpus, "omega", limit=100)
    assert result.ranking == "columns" and result.ranked_among is None
    # title (4) + lead (2): 30, 15; title only: 27, 24, 21, 18, 12, 9, 6, 3; lead only: 25, 20, 10, 5; then the
    # body-only ones newest first
    both, title, lead = [30, 15], [27, 24, 21, 18, 12, 9, 6, 3], [25, 20, 10, 5]
    rest = [i for i in range(30, 0, -1) if i not in both + title + lead]
    assert [h.id for h in result.hits] == both + title + lead + rest
    assert [h.score for h in result.hits[:3]] == [-6.0, -6.0, -4.0]
    assert "[omega]" in result.hits[0].snippet
    # a phrase with one rare word is cheap again: bm25
    assert search_result(corpus, '"omega story 30"').ranking == "bm25"


def test_a_common_query_ranks_only_the_newest_column_candidates(corpus, monkeypatch):
    monkeypatch.setattr(archive.search, "IDF_BUDGET", 30)
    monkeypatch.setattr(archive.search, "CANDIDATES", 10)
    result = search_result(corpus, "omega", limit=100)
    assert result.ranked_among == 10
    assert [h.id for h in result.hits] == [30, 27, 24, 21, 25, 29, 28, 26, 23, 22]
    kyodo = search_result(corpus, "omega", Filters(site="kyodo"), limit=3)
    assert [h.id for h in kyodo.hits] == [15, 27, 21]  # the 10 newest kyodo: 29..11


@pytest.mark.parametrize("dense", [0.0, 2.0], ids=["range-and-lookup", "range-and-set"])
def test_a_common_query_under_a_date_filter_walks_its_range(corpus, monkeypatch, dense):
    monkeypatch.setattr(archive.search, "IDF_BUDGET", 30)
    monkeypatch.setattr(archive.search, "DENSE_SHARE", dense)
    monkeypatch.setattr(archive.search, "SET_COST_RATIO", 10**9)  # a set is cheap: the range forms
    hits = search(corpus, "omega", site="kyodo", since="2024-04-05", until="2024-04-20", limit=100)
    # kyodo (odd ids) of days 5..20: 15 (title, lead), 9 (title), 5 (lead), then newest first
    assert [h.id for h in hits] == [15, 9, 5, 19, 17, 13, 11, 7]


@pytest.mark.parametrize("few_pass", [0, 10**9], ids=["lookup-best-first", "id-set"])
def test_a_rare_query_checks_its_filters_best_match_first(corpus, monkeypatch, few_pass):
    monkeypatch.setattr(archive.search, "FEW_PASS", few_pass)
    monkeypatch.setattr(archive.search, "SAMPLE", 4)  # the lookups go on in chunks of 4, 8, 16
    hits = search(corpus, "omega", site="kyodo", since="2024-04-05", limit=5)
    assert [h.id for h in hits] == bm25_order(
        corpus, "omega", "AND a.site = 'kyodo' AND a.published_utc >= '2024-04-05'")[:5]
    assert len(search(corpus, "omega", site="inakoran", limit=100)) == 15

"""The reading room's trend page through Datasette (the plugin as installed): what a reader sees on the
synthetic index of tests/trend_support.py, links that resolve to the articles counted, and mistakes as 400."""

from __future__ import annotations

import asyncio
import re
from html import unescape

import pytest
from datasette.app import Datasette

from tests.trend_support import build_index


@pytest.fixture(scope="module")
def get(tmp_path_factory):
    db = build_index(tmp_path_factory.mktemp("trendpage") / "index.db")
    datasette = Datasette([str(db)])

    def fetch(path: str):
        return asyncio.run(datasette.client.get(path))
    return fetch


def links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'<a class="mark" href="([^"]+)"', html)]


def test_the_page_draws_both_sites_with_their_counts_and_shares(get):
    page = get("/index/-/trend?q=volcano&by=week")
    assert page.status_code == 200
    html = page.text
    assert re.findall(r'<span class="legend-item" data-site="([^"]+)"', html) == ["inakoran", "kyodo"]
    share, matches = html.split('id="chart-share"')[1].split('id="chart-matches"')
    # share: a point per week the site published in (inakoran published nothing in week 19); matches: a bar
    # per week and site
    assert len(re.findall(r'data-site="inakoran"', share)) == 1
    assert share.split('data-site="inakoran"')[1].split("</g>\n  \n")[0].count('class="point"') == 1
    assert share.split('data-site="kyodo"')[1].count('class="point"') == 2
    assert matches.count('class="bar"') == 4
    assert "<title>kyodo, 2024-W18 (2024-04-29 to 2024-05-05): 2 matching, 66.7% of 3 published</title>" in html
    assert "<title>inakoran, 2024-W18 (2024-04-29 to 2024-05-05): 2 matching, 50.0% of 4 published</title>" in html
    assert ">2024-W18</text>" in html and ">2024-W19</text>" in html  # the time axis
    assert ">100%</text>" in share and ">0%</text>" in share  # the share axis
    rows = re.findall(r"<tr><td><a [^>]+>([^<]+)</a></td>", html)
    assert rows == ["2024-W18", "2024-W19"]
    assert "1 matching kyodo article without a date is in no period" in html


def test_every_count_links_to_the_search_for_exactly_those_articles(get):
    html = get("/index/-/trend?q=volcano&by=day").text
    kyodo_may_first = next(h for h in links(html) if "site=kyodo" in h and "since=2024-05-01T" in h)
    assert kyodo_may_first == ("/index/-/search?q=volcano&site=kyodo&since=2024-05-01T00%3A00%3A00%2B09%3A00"
                               "&until=2024-05-01T23%3A59%3A59%2B09%3A00")
    found = get(kyodo_may_first)
    assert found.status_code == 200
    titles = re.findall(r"Story \d+", found.text)
    assert sorted(set(titles)) == ["Story 3"]  # published 08:00 in Tokyo: 30 April in UTC, 1 May on Kyodo's day
    week = get("/index/-/trend?q=volcano&by=week").text
    inakoran_w18 = next(h for h in links(week) if "site=inakoran" in h and "2024-04-29T" in h)
    assert sorted(set(re.findall(r"Story \d+", get(inakoran_w18).text))) == ["Story 6", "Story 9"]


def test_one_site_a_range_and_the_form_keeps_them(get):
    html = get("/index/-/trend?q=volcano&by=month&site=kyodo&since=2024-04-01&until=2024-05-31").text
    assert re.findall(r'<span class="legend-item" data-site="([^"]+)"', html) == ["kyodo"]
    assert re.findall(r"<tr><td><a [^>]+>([^<]+)</a></td>", html) == ["2024-04", "2024-05"]
    assert '<option value="kyodo" selected>' in html and 'value="2024-04-01"' in html
    assert "<option selected>month</option>" in html


@pytest.mark.parametrize("query, message", [
    ("q=volcano+AND", "bad search query &#39;volcano AND&#39;"),
    ("q=volcano&since=2024-13-01", "--since: not a date"),
    ("q=volcano&by=year", "--by must be one of day, week, month"),
    ("q=volcano&site=nowhere", "no articles of a site named &#39;nowhere&#39;"),
])
def test_mistakes_show_their_message_with_status_400(get, query, message):
    page = get(f"/index/-/trend?{query}")
    assert page.status_code == 400 and message in page.text and 'class="trend-chart"' not in page.text


def test_without_a_query_the_form_alone_and_text_is_escaped(get):
    page = get("/index/-/trend")
    assert page.status_code == 200 and '<form class="trend-form"' in page.text and "trend-chart" not in page.text
    assert get("/-/static-plugins/newsarchive/newsarchive_trend.css").status_code == 200
    assert 'href="/index/-/trend">Reading room: trends in index</a>' in get("/").text  # the menu
    page = get("/index/-/trend?q=%22%3Cscript%3Ealert(1)%3C/script%3E%22")
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)" in page.text


def test_the_trend_tables_are_hidden_from_the_database_page(get):
    html = get("/index").text
    assert 'href="/index/articles"' in html and 'href="/index/trend_keys"' not in html
    assert "hidden tables" in html


def test_the_numbers_as_json(get):
    page = get("/index/-/trend.json?q=volcano&by=week")
    assert page.status_code == 200
    data = page.json()
    assert data["sites"] == ["inakoran", "kyodo"] and data["undated"] == {"inakoran": 0, "kyodo": 1}
    assert [(p["period"], p["sites"]["kyodo"]["matches"], p["sites"]["kyodo"]["articles"]) for p in data["periods"]] \
        == [("2024-W18", 2, 3), ("2024-W19", 1, 1)]
    assert 'href="/index/-/trend.json?q=volcano&amp;by=week">JSON</a>' in get("/index/-/trend?q=volcano&by=week").text
    bad = get("/index/-/trend.json?q=volcano+AND")
    assert bad.status_code == 400 and bad.json()["error"].startswith("bad search query 'volcano AND'")
    assert get("/index/-/trend.json").status_code == 400


def test_axes_read_short():
    from archive.readingroom.trend_chart import _nice_top, _y_ticks

    assert [_nice_top(v, percent=True) for v in (0.3, 2.2, 7, 66.7, 90)] == [0.4, 4, 8, 80, 100]
    assert [_nice_top(v) for v in (0, 1, 5, 21, 99)] == [4, 4, 8, 24, 120]
    assert [label for _, label in _y_ticks(0.4, 100, percent=True)] == ["0%", "0.1%", "0.2%", "0.3%", "0.4%"]
    assert [label for _, label in _y_ticks(24, 100)] == ["0", "6", "12", "18", "24"]

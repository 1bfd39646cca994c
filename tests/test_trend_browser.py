"""The trend chart in a real browser (Debian's Chromium driven by Playwright) on a plain `datasette serve`:
a reader compares Kyodo and Inakoran on one topic over twelve weeks (tests/trend_support.py `build_season`),
reads the legend, a point's hover label, and follows a point to the search for the articles it counts.
Screenshots in tests/artifacts/readingroom/."""

from __future__ import annotations

import socket
import urllib.parse
from datetime import date, timedelta

import pytest

from readingroom_support import ARTIFACTS, start_datasette
from replay_support import chromium_page
from trend_support import SEASON_START, SEASON_WEEKS, build_season, season_articles


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("trend-browser")
    build_season(data / "index.db")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = start_datasette(data, port, data / "datasette.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def page():
    with chromium_page(1100, 1000) as page:
        yield page


def week_of(site: str, week: int) -> tuple[int, int]:
    """(typhoon articles, articles) of `site` in the season's `week`, counted from the generated rows."""
    first = date.fromisoformat(SEASON_START) + timedelta(weeks=week)
    days = {(first + timedelta(days=d)).isoformat() for d in range(7)}
    rows = [text for s, published, text in season_articles() if s == site and published[:10] in days]
    return sum("typhoon" in text for text in rows), len(rows)


def test_a_reader_compares_kyodo_and_inakoran_on_one_topic(served, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{served}/index/-/trend")
    page.fill("input[name=q]", "typhoon")
    page.select_option("select[name=by]", "week")
    page.click("input[type=submit]")
    page.wait_for_load_state()

    assert page.locator(".trend-legend .legend-item").all_inner_texts() == ["inakoran", "kyodo"]
    share = page.locator("#chart-share")
    for site in ("kyodo", "inakoran"):  # both published every week: a point and a bar per week each
        assert share.locator(f'g.series[data-site="{site}"] .point').count() == SEASON_WEEKS
        assert page.locator(f'#chart-matches g.series[data-site="{site}"] .bar').count() == SEASON_WEEKS
    axis = share.locator("text.x-label").all_text_contents()  # SVG text has no innerText
    assert axis[0] == "2024-W23" and len(axis) == SEASON_WEEKS // 2  # every other week labelled

    matching, published = week_of("kyodo", 5)
    expected = (f"kyodo, 2024-W28 (2024-07-08 to 2024-07-14): {matching} matching, "
                f"{100 * matching / published:.1f}% of {published} published")
    point = share.locator('g.series[data-site="kyodo"] a.mark').nth(5)
    label = point.locator(".tip text")
    assert not label.is_visible()
    point.locator(".point").hover()
    assert label.is_visible() and label.text_content() == expected
    assert point.locator("title").text_content() == expected
    page.screenshot(path=str(ARTIFACTS / "trend.png"), full_page=True)

    row = page.locator("table.trend-table tbody tr").nth(5)
    assert row.locator("td").all_inner_texts()[:7] == [
        "2024-W28", *(str(n) for n in week_of("inakoran", 5)), f"{100 * week_of('inakoran', 5)[0] / week_of('inakoran', 5)[1]:.1f}%",
        str(matching), str(published), f"{100 * matching / published:.1f}%"]

    point.locator(".point").click()
    page.wait_for_load_state()
    url = urllib.parse.urlsplit(page.url)
    assert url.path == "/index/-/search"
    assert urllib.parse.parse_qs(url.query) == {"q": ["typhoon"], "site": ["kyodo"],
                                                "since": ["2024-07-08T00:00:00+09:00"],
                                                "until": ["2024-07-14T23:59:59+09:00"]}
    metas = page.locator(".rr-hits .rr-meta").all_inner_texts()
    assert len(metas) == min(matching, 20) and all(m.startswith("kyodo") for m in metas)
    assert all("2024-07-08" <= m.split(" · ")[1][:10] <= "2024-07-14" for m in metas), metas

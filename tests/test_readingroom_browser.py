"""The reading room in a real browser (Debian's Chromium driven by Playwright): a reader searches, opens an
article, and sees its headline, byline, dates, text and its archived image. Screenshots are kept in
tests/artifacts/readingroom/ (docs/img/reading-room-*.png are copies of them)."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from readingroom_support import ARTIFACTS, serving_room
from replay_support import chromium_page


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    with serving_room(tmp_path_factory.mktemp("room-browser")) as room:
        yield room


@pytest.fixture(scope="module")
def page():
    with chromium_page(1100, 1300) as page:
        yield page


def test_a_reader_searches_and_reads_an_article(room, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    conn = room.conn()
    article = None
    # a full-text article: the mirror gates some Kyodo stories as the real site does (lead only, no body)
    for row in conn.execute("SELECT id, title, images FROM articles WHERE site = 'kyodo' AND body IS NOT NULL ORDER BY id"):
        srcs = re.findall(r'"src": "([^"]+)"', row["images"] or "")
        if srcs and conn.execute("SELECT 1 FROM captures WHERE url = ? AND status = 200", [srcs[0]]).fetchone():
            article = row
            break
    assert article is not None
    word = max(re.findall(r"[A-Za-z]+", article["title"]), key=len)

    page.goto(f"{room.base}/index/-/search")
    page.fill("input[name=q]", f"{word} OR pemerintah")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    titles = page.locator(".rr-hits .rr-title").all_inner_texts()
    assert article["title"] in titles
    marked = page.locator(".rr-snippet mark").all_inner_texts()
    assert marked and all(m.lower() in (word.lower(), "pemerintah") for m in marked)
    assert {"kyodo", "inakoran"} <= {m.split(" · ")[0] for m in page.locator(".rr-hits .rr-meta").all_inner_texts()}
    page.screenshot(path=str(ARTIFACTS / "search.png"))

    page.locator(".rr-hits .rr-title", has_text=article["title"]).first.click()
    page.wait_for_load_state("networkidle")
    assert urllib.parse.urlsplit(page.url).path == f"/index/-/article/{article['id']}"
    assert page.locator("h1").inner_text() == article["title"]
    full = conn.execute("SELECT * FROM articles WHERE id = ?", [article["id"]]).fetchone()
    assert page.locator(".rr-byline").inner_text().startswith("By " if full["authors"] != "[]" else "Unsigned")
    utc = full["published_utc"]
    assert page.locator(".rr-published-utc").inner_text() == f"{utc[:10]} {utc[11:19]} UTC"
    paragraphs = page.locator(".rr-body > p:not([class])").all_inner_texts()
    assert paragraphs == full["body"].split("\n\n")
    image = page.locator(".rr-figure img").first
    assert image.is_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0  # the archived bytes decode as an image
    assert page.locator(".rr-no-replay").inner_text().startswith("Replay needs pywb")
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)

    page.click("a.rr-raw")
    page.wait_for_load_state()
    assert "<html" in page.locator("body").inner_text().lower()  # the archived HTML, as text

"""The reading room on a real small archive crawled from the mirror, served by a plain `datasette index.db`:
Datasette's own tables set up by the plugin (raw FTS5 search box, cells cut short, links to the article page,
the plugin's stylesheet, a menu link), the search page, the article page and its JSON, the capture pages."""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.parse

import pytest
from markupsafe import escape

from archive import search as archive_search
from archive.articles import original_html
from archive.index import decode_row
from archive.articles import PROVENANCE_COLUMNS
from readingroom_support import HOSTILE_TITLE, Page, Room, fetch, get_json, serving_room


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    with serving_room(tmp_path_factory.mktemp("room")) as room:
        yield room


def html(room: Room, path: str) -> tuple[int, str]:
    status, _, body = fetch(room.base + path)
    return status, body.decode()


# -- Datasette's own pages, as the plugin sets them up ---------------------------------------------------

def test_table_search_box_takes_fts5_or(room):
    conn = room.conn()
    english = conn.execute("SELECT title FROM articles WHERE site = 'kyodo' ORDER BY id LIMIT 1").fetchone()[0]
    indonesian = conn.execute("SELECT title FROM articles WHERE site = 'inakoran' ORDER BY id DESC LIMIT 1").fetchone()[0]
    word_en = max(re.findall(r"\w+", english), key=len)
    word_id = max(re.findall(r"\w+", indonesian), key=len)
    query = f"{word_en} OR {word_id}"
    expected = {row[0] for row in conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", [query])}
    status, body = get_json(room.base + "/index/articles.json?" + urllib.parse.urlencode(
        {"_search": query, "_shape": "objects", "_size": "max"}))
    assert status == 200
    ids = {row["id"] for row in body["rows"]}
    assert ids == expected and {"kyodo", "inakoran"} == {row["site"] for row in body["rows"]}
    status, meta = get_json(room.base + "/-/metadata.json")
    assert meta["databases"]["index"]["tables"]["articles"]["searchmode"] == "raw"


def test_long_cells_are_cut_in_tables_and_whole_in_json(room):
    conn = room.conn()
    article_id, body = conn.execute("SELECT id, body FROM articles WHERE length(body) > 400 ORDER BY id LIMIT 1").fetchone()
    status, page = html(room, f"/index/articles?id={article_id}")
    assert status == 200
    assert body not in page  # the whole body is not in the table
    assert f"{escape(body[:300])}…</span>" in page
    status, rows = get_json(room.base + f"/index/articles.json?id={article_id}&_shape=array")
    assert rows[0]["body"] == body


def test_tables_and_queries_link_to_the_reading_room(room):
    conn = room.conn()
    title = conn.execute("SELECT title FROM articles WHERE id = ?", [room.edited_id]).fetchone()[0]
    status, page = html(room, f"/index/articles?id={room.edited_id}")
    assert f'<a href="/index/-/article/{room.edited_id}">' in page
    parsed = Page(page)
    assert f"/index/-/article/{room.edited_id}" in parsed.hrefs
    assert "/index/-/search" in parsed.hrefs  # the menu link (and the database description)
    assert "/-/static-plugins/newsarchive/newsarchive.css" in page
    status, headers, css = fetch(room.base + "/-/static-plugins/newsarchive/newsarchive.css")
    assert status == 200 and headers["content-type"].startswith("text/css") and b"column-descriptions" in css
    status, page = html(room, "/index/edited_articles")
    assert status == 200 and f'<a href="/index/-/article/{room.edited_id}">{room.edited_id}</a>' in page
    assert str(escape(title)) in page  # as HTML shows it: a mirror title may hold "R&D" or an apostrophe
    status, page = html(room, f"/index/article_versions?article_id={room.edited_id}")
    assert page.count(f'href="/index/-/article/{room.edited_id}"') == 2  # both versions link to it
    capture_id = conn.execute("SELECT capture_id FROM articles WHERE id = ?", [room.edited_id]).fetchone()[0]
    assert f'href="/index/-/capture/{capture_id}/raw"' in page
    status, page = html(room, "/index")
    assert 'href="/index/-/search"' in page
    status, _, served = fetch(room.base + "/-/static-plugins/newsarchive/..%2f..%2fplugin.py")
    assert status != 200 and b"hookimpl" not in served


# -- search ----------------------------------------------------------------------------------------------

def test_search_page_shows_what_the_cli_finds(room):
    conn = room.conn()
    title = conn.execute("SELECT title FROM articles WHERE site = 'kyodo' ORDER BY id DESC LIMIT 1").fetchone()[0]
    word = max(re.findall(r"[A-Za-z]+", title), key=len)
    expected = archive_search.search(room.db, word, limit=20)
    status, page = html(room, "/index/-/search?" + urllib.parse.urlencode({"q": word}))
    assert status == 200
    parsed = Page(page)
    assert parsed.text("rr-title") == [hit.title for hit in expected]
    assert [h for h in parsed.hrefs if "/-/article/" in h] == [f"/index/-/article/{hit.id}" for hit in expected]
    assert title in parsed.text("rr-title")
    assert re.search(rf"<mark>{re.escape(word)}</mark>", page, re.IGNORECASE)
    status, page = html(room, "/index/-/search?" + urllib.parse.urlencode({"q": word, "site": "inakoran"}))
    assert Page(page).text("rr-title") == [h.title for h in archive_search.search(room.db, word, site="inakoran", limit=20)]


def test_search_page_finds_indonesian_words_by_their_stem(room):
    """An inflected Indonesian word finds the articles holding other forms of its stem, as the CLI does."""
    from archive.stemming import stem

    conn = room.conn()
    exact = lambda word: {r[0] for r in conn.execute(  # noqa: E731
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", [f'"{word}"'])}
    words = {w.lower() for (body,) in conn.execute("SELECT body FROM articles WHERE site = 'inakoran' AND body IS "
                                                   "NOT NULL") for w in re.findall(r"[A-Za-z]{3,}", body)}
    # a form the archive does not hold, of a stem it does: "<stem>nya" (Sastrawi strips the particle -nya)
    word = next(f"{stem(w)}nya" for w in sorted(words)
                if stem(w) != w and stem(f"{stem(w)}nya") == stem(w) and not exact(f"{stem(w)}nya"))
    expected = archive_search.search(room.db, word, limit=50)
    assert expected and not exact(word)  # found by the stem alone
    status, page = html(room, "/index/-/search?" + urllib.parse.urlencode({"q": word, "limit": 50}))
    assert status == 200
    assert Page(page).text("rr-title") == [hit.title for hit in expected]


def test_search_page_escapes_titles_and_snippets(room):
    status, page = html(room, "/index/-/search?q=owned")
    assert status == 200
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    assert Page(page).text("rr-title") == [HOSTILE_TITLE]


@pytest.mark.parametrize("params, message", [
    ({"q": '"unbalanced'}, "bad search query"),
    ({"q": "tax", "since": "2024-02-30"}, "not a date"),
    ({"q": "tax", "limit": "lots"}, "limit must be a whole number"),
    ({"site": "kyodo"}, "give a search query"),
])
def test_search_mistakes_are_a_message_not_a_traceback(room, params, message):
    status, page = html(room, "/index/-/search?" + urllib.parse.urlencode(params))
    assert status == 400
    assert message in " ".join(Page(page).text("rr-error")) and "Traceback" not in page


# -- the article page ------------------------------------------------------------------------------------

def kyodo_with_image(room: Room) -> dict:
    """The first Kyodo article whose first image was captured (HTTP 200)."""
    conn = room.conn()
    for row in conn.execute("SELECT * FROM articles WHERE site = 'kyodo' AND images != '[]' AND body IS NOT NULL "
                            "ORDER BY id"):  # full text: the mirror gates some Kyodo stories (lead only)
        article = decode_row(row)
        if conn.execute("SELECT 1 FROM captures WHERE url = ? AND status = 200",
                        [article["images"][0]["src"]]).fetchone():
            return article
    raise AssertionError("no Kyodo article with a captured image")


def test_article_page_shows_the_article_as_archived(room):
    article = kyodo_with_image(room)
    truth = {t["url"]: t for t in room.mirror.truth("kyodo")}
    expected = next(t for url, t in truth.items() if article["canonical_url"].endswith(urllib.parse.urlsplit(url).path))
    status, page = html(room, f"/index/-/article/{article['id']}")
    assert status == 200
    parsed = Page(page)
    assert parsed.text("rr-article")[0]  # the page has an article
    assert re.search(r"<h1>(.*?)</h1>", page).group(1) == str(expected["title"]).replace("&", "&amp;").replace("'", "&#39;")
    assert parsed.text("rr-byline")[0] == (f"By {', '.join(expected['authors'])} · {expected['credit']}"
                                          if expected["authors"] else f"Unsigned · {expected['credit']}")
    published, utc = article["published"], article["published_utc"]
    assert parsed.text("rr-published") == [f"{published[:10]} {published[11:19]} UTC{published[19:]}"]
    assert parsed.text("rr-published-utc") == [f"{utc[:10]} {utc[11:19]} UTC"]
    assert parsed.body_paragraphs == expected["body"].split("\n\n")
    assert parsed.text("rr-dateline") == ([expected["dateline"]] if expected["dateline"] else [])
    assert parsed.text("rr-categories") == [", ".join(expected["categories"])]
    capture = room.conn().execute("SELECT * FROM captures WHERE url = ? AND status = 200 ORDER BY id DESC",
                                  [article["images"][0]["src"]]).fetchone()
    assert parsed.images[0] == f"/index/-/capture/{capture['id']}/body"
    status, headers, image = fetch(room.base + parsed.images[0])
    assert status == 200 and headers["content-type"] == capture["content_type"]
    assert headers["x-content-type-options"] == "nosniff" and headers["content-security-policy"] == "sandbox"
    assert "sha1:" + base64.b32encode(hashlib.sha1(image).digest()).decode() == capture["payload_digest"]
    assert expected["images"][0]["caption"] in " ".join(parsed.text("rr-figure"))
    assert parsed.text("rr-no-replay") == ["Replay needs pywb: run newsarchive replay install, then newsarchive serve."]
    provenance = " ".join(parsed.text("rr-provenance"))
    for value in (article["warc_file"], str(article["warc_offset"]), article["record_id"], article["crawl_id"]):
        assert value in provenance


def test_every_link_on_the_article_page_resolves(room):
    article = kyodo_with_image(room)
    status, page = html(room, f"/index/-/article/{article['id']}")
    hrefs = Page(page).hrefs
    assert f"/index/-/capture/{article['capture_id']}/raw" in hrefs and article["url"] in hrefs
    assert {f"/index/-/article/{article['id']}/versions", f"/index/-/article/{article['id']}/cite"} <= set(hrefs)
    local = {h for h in hrefs if "://" not in h or h.startswith("http://127.0.0.1:")}  # not Datasette's footer
    assert len(local) >= 7
    for href in sorted(local):
        url = href if "://" in href else room.base + href
        assert fetch(url)[0] == 200, href


def test_article_json_matches_the_index_row(room):
    article = kyodo_with_image(room)
    status, document = get_json(room.base + f"/index/-/article/{article['id']}.json")
    assert status == 200
    shown = {k: v for k, v in document["article"].items() if k != "images"}
    assert shown == {k: v for k, v in article.items() if k not in PROVENANCE_COLUMNS and k != "images"}
    assert [{k: i[k] for k in ("src", "caption", "credit")} for i in document["article"]["images"]] == article["images"]
    assert {k: document["provenance"][k] for k in PROVENANCE_COLUMNS} == {k: article[k] for k in PROVENANCE_COLUMNS}
    assert document["links"]["raw"] == f"/index/-/capture/{article['capture_id']}/raw"
    assert document["links"]["replay"] is None and "newsarchive replay install" in document["no_replay"]


def test_hostile_title_is_escaped_on_the_article_page(room):
    status, page = html(room, f"/index/-/article/{room.hostile_id}")
    assert status == 200 and "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; Council &amp; &lt;b&gt;bold&lt;/b&gt; plans" in page


def test_unknown_article_is_a_404_page(room):
    status, page = html(room, "/index/-/article/987654")
    assert status == 404 and "no article with id or URL &#39;987654&#39;" in page
    assert str(room.data) not in page


# -- capture pages ---------------------------------------------------------------------------------------

def test_raw_capture_is_the_archived_html_as_text(room):
    article = kyodo_with_image(room)
    status, headers, body = fetch(room.base + f"/index/-/capture/{article['capture_id']}/raw")
    assert status == 200 and body == original_html(room.data, article["id"])
    archived = room.conn().execute("SELECT content_type FROM captures WHERE id = ?", [article["capture_id"]]).fetchone()[0]
    charset = re.search(r"charset=([\w-]+)", archived or "", re.I)
    assert headers["content-type"] == "text/plain" + (f"; charset={charset.group(1)}" if charset else "")
    assert headers["content-security-policy"] == "sandbox" and headers["x-content-type-options"] == "nosniff"
    status, _, body = fetch(room.base + f"/index/-/capture/{article['capture_id']}/body")
    assert status == 403 and b"is an HTML page" in body


def test_revisit_capture_resolves_to_its_original(room):
    conn = room.conn()
    revisit = conn.execute("SELECT id, revisit_of FROM captures WHERE record_type = 'revisit' ORDER BY id LIMIT 1").fetchone()
    if revisit is None:
        pytest.skip("the crawl made no revisit record")
    original = conn.execute("SELECT id FROM captures WHERE record_id = ?", [revisit["revisit_of"]]).fetchone()[0]
    status, _, body = fetch(room.base + f"/index/-/capture/{revisit['id']}/raw")
    assert status == 200 and body == fetch(room.base + f"/index/-/capture/{original}/raw")[2] and body


def test_unknown_capture_is_a_404(room):
    assert fetch(room.base + "/index/-/capture/987654/raw")[0] == 404

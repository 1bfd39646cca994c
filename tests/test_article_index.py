"""One Article from the parser to the index: each field of the parsers' Article has the `articles` column of its
name, and the index gives back what the parser gave it."""

from __future__ import annotations

from dataclasses import fields

from archive.bulk import add_page, add_pages
from archive.index import ARTICLE_FIELDS, Capture, Index
from crawler.parsers.model import Article, Image

URL = "https://english.kyodonews.net/articles/-/1"


def test_every_article_field_has_its_column_and_every_article_column_its_field():
    # A new Article field needs a column in TABLES["articles"] (archive/schema.py), and in ADDED_COLUMNS for index
    # files made before it; a list or dict field also needs its place in archive.index.JSON_COLUMNS.
    names = [f.name for f in fields(Article)]
    assert [name for name in names if name not in ARTICLE_FIELDS] == [], "Article fields the index cannot store"
    assert [column for column in ARTICLE_FIELDS if column not in names] == [], "articles columns no field fills"


def every_field_set() -> Article:
    return Article(url=URL, canonical_url=URL + "?canonical", site="kyodo", language="en", title="Title",
                   authors=["Aiko Sato", "Kenji Kato"], credit="KYODO NEWS", published="2026-11-20T09:00:00+09:00",
                   modified="2026-11-20T10:00:00+09:00", date_source={"published": "json-ld", "modified": "meta"},
                   categories=["World", "Asia"], dateline="TOKYO", lead="Lead.", body="Lead.\n\nBody.",
                   images=[Image("https://img.example/1.jpg", "A caption", "Kyodo")], access="full", word_count=2,
                   parser="kyodo", parser_version="9", warnings=["modified: taken from meta"])


def capture(n: int) -> Capture:
    return Capture(url=URL, site="kyodo", status=200, content_type="text/html", fetched_at=f"2026-11-2{n}T01:00:00Z",
                   payload_digest=f"sha1:{n}", warc_file="a.warc.gz", warc_offset=n * 100, warc_length=99,
                   record_id=f"<urn:uuid:{n}>")


def test_the_index_gives_back_every_field_the_parser_gave(tmp_path):
    article = every_field_set()
    assert set(article.all_fields()) == {f.name for f in fields(Article)}
    index = Index(tmp_path / "index.db")
    index.begin()
    assert add_pages(index, [(article, capture(1))]) == ["new"]  # the batch path
    stored = index.article(article.canonical_url)
    assert {key: stored[key] for key in ARTICLE_FIELDS} == article.all_fields()
    article.title = "Edited title"
    assert add_page(index, article, capture(2)) == "edited"  # one by one
    stored = index.article(article.canonical_url)
    assert {key: stored[key] for key in ARTICLE_FIELDS} == article.all_fields()
    index.close()

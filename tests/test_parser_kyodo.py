"""Kyodo parser against hand-checked fixtures (tests/fixtures/kyodo/NAME.html + NAME.json), plus robustness.

Each NAME.json holds `url`, `fetched_at` and `expected`: either the exact `Article.to_dict()` or
`{"article": null, "reason": ...}` for a page that is not an article. The expected values were written by
hand from the HTML. The fixture markup follows real saved pages (../shared/sites.md §1.3, legacy §2); every
headline, paragraph and caption in them is invented.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.parsers import infer_site, kyodo, parse_page
from crawler.parsers.model import ARTICLE_KEYS, Article, NotArticle

FIXTURES = Path(__file__).parent / "fixtures" / "kyodo"
NAMES = sorted(path.stem for path in FIXTURES.glob("*.html"))
ARTICLE_NAMES = [n for n in NAMES if json.loads((FIXTURES / f"{n}.json").read_text())["expected"].get("article", 1)]


def load(name: str) -> tuple[bytes, dict]:
    return (FIXTURES / f"{name}.html").read_bytes(), json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


def run(name: str, **override) -> tuple[Article | NotArticle, dict]:
    html, spec = load(name)
    spec = {**spec, **override}
    return kyodo.parse(html, spec["url"], datetime.fromisoformat(spec["fetched_at"])), spec


def test_fixture_set_is_complete():
    assert len(NAMES) >= 12
    for name in NAMES:
        assert (FIXTURES / f"{name}.json").exists(), f"{name}.html has no expected {name}.json"


@pytest.mark.parametrize("name", NAMES)
def test_fixture(name):
    result, spec = run(name)
    expected = spec["expected"]
    assert result.parser_version == kyodo.VERSION
    if expected.get("article", "") is None:
        assert isinstance(result, NotArticle), f"expected NotArticle, got an article: {result}"
        assert result.to_dict() == expected
        assert result.parser == kyodo.NAME
        return
    assert isinstance(result, Article), f"expected an Article, got NotArticle({result.reason!r})"
    actual = result.to_dict()
    assert list(actual) == list(ARTICLE_KEYS) == list(expected)
    for key in ARTICLE_KEYS:
        assert actual[key] == expected[key], f"field {key!r}"


@pytest.mark.parametrize("name", ARTICLE_NAMES)
def test_article_invariants(name):
    article, _ = run(name)
    if article.body:
        assert article.body.startswith(article.lead)
        assert "----------" not in article.body
        for noise in ("Related coverage", "Log in or create", "no longer available", "Popular", "More from",
                      "googletag", "Create account", ">>Read", "Spotlight Japan stories"):
            assert noise not in article.body
    if article.published:
        assert article.published.endswith("+09:00")
    for image in article.images:
        assert image.src.startswith(("http://", "https://"))


def test_published_is_in_tokyo_time_even_when_given_in_utc():
    html, spec = load("full_caption_author")
    html = html.replace(b'"datePublished":"2026-09-27T14:01:00+09:00"', b'"datePublished":"2026-09-27T05:01:00Z"')
    article = kyodo.parse(html, spec["url"], datetime.fromisoformat(spec["fetched_at"]))
    assert article.published == "2026-09-27T14:01:00+09:00"
    assert datetime.fromisoformat(article.published).utcoffset() == timedelta(hours=9)


def test_future_published_date_is_rejected_with_a_warning():
    # Captured two days before the story's own dates: every date source is "in the future".
    article, _ = run("full_caption_author", fetched_at="2026-09-25T00:00:00+00:00")
    assert isinstance(article, Article)
    assert article.published is None and article.modified is None
    assert article.date_source == {}
    assert any("after the capture time" in w for w in article.warnings)
    assert article.body  # the rest of the page is still read


def test_future_json_ld_falls_back_to_a_plausible_time_element():
    html, spec = load("full_caption_author")
    html = html.replace(b'"datePublished":"2026-09-27T14:01:00+09:00"', b'"datePublished":"2031-01-01T00:00:00+09:00"')
    article = kyodo.parse(html, spec["url"], datetime.fromisoformat(spec["fetched_at"]))
    assert article.published == "2026-09-27T14:01:00+09:00"
    assert article.date_source["published"] == "time"
    assert any("2031-01-01" in w for w in article.warnings)


def test_truncated_capture_is_flagged():
    article, _ = run("truncated")
    assert any("truncated" in w for w in article.warnings)


def test_missing_fields_become_none_with_warnings():
    article = kyodo.parse(b"<html><body><h1 class='article-ttl'>Only a headline</h1></body></html>",
                          "https://english.kyodonews.net/articles/-/1", datetime(2026, 9, 28, tzinfo=timezone.utc))
    assert isinstance(article, Article)
    assert article.title == "Only a headline"
    assert article.body is None and article.lead is None and article.word_count == 0
    assert article.published is None and article.credit is None
    assert len(article.warnings) >= 3


def test_legacy_relative_time_without_clock_is_approximate():
    from crawler.parsers.kyodo_legacy import resolve_relative

    warnings: list[str] = []
    moment = resolve_relative("2 hours ago", None, datetime(2024, 8, 28, 6, 30, 40, tzinfo=timezone.utc), warnings)
    assert moment.isoformat() == "2024-08-28T13:30:00+09:00"
    assert warnings
    # With the printed clock time the day is chosen across midnight: captured 00:20 JST, "1 hour ago - 23:20"
    # is the evening before.
    moment = resolve_relative("1 hour ago", "23:20", datetime(2024, 8, 27, 15, 20, tzinfo=timezone.utc), [])
    assert moment.isoformat() == "2024-08-27T23:20:00+09:00"


def test_legacy_naive_json_ld_date_is_tokyo_time():
    html, spec = load("legacy_relative")
    html = html.replace(b'"dateModified"', b'"datePublished":"2025-04-10 14:59:00","dateModified"')
    article = kyodo.parse(html, spec["url"], datetime.fromisoformat(spec["fetched_at"]))
    assert article.published == "2025-04-10T14:59:00+09:00"
    assert article.date_source == {"published": "json-ld", "modified": "json-ld"}


def test_json_ld_only_page_picks_template_by_url_then_capture_date():
    html = (b'<html lang="en"><head><script type="application/ld+json">{"@type":"NewsArticle",'
            b'"headline":"Cut short","datePublished":"2024-01-05 09:00:00"}</script></head>')
    fetched = datetime(2024, 1, 6, tzinfo=timezone.utc)
    old = kyodo.parse(html, "https://english.kyodonews.net/news/2024/01/0123456789ab-cut-short.html", fetched)
    assert old.parser == "kyodo-legacy" and old.published == "2024-01-05T09:00:00+09:00"
    new = kyodo.parse(html, "https://english.kyodonews.net/articles/-/70000", fetched)
    assert new.parser == "kyodo"
    by_date = kyodo.parse(html, "http://127.0.0.1:8765/saved/page.html", fetched)
    assert by_date.parser == "kyodo-legacy"
    assert any("capture date" in w for w in by_date.warnings)


@pytest.mark.parametrize("blob", [
    b"", b"   \n", b"\x00\x01\x02\xff\xfe", b"<", b"<html", b"</html>", b"<?xml version='1.0'?><rss/>",
    b"\xef\xbb\xbf", "<p>\u00a0\u200b</p>".encode(), b"<script type='application/ld+json'>[{]</script>",
    b"<script type='application/ld+json'>{\"@type\":\"NewsArticle\",\"datePublished\":42,\"author\":7}</script>",
    b"<div class='article-body__inner'>" + b"<div>" * 5000 + b"deep" + b"</div>" * 5000,
    bytes(range(256)) * 20,
])
def test_never_raises_on_garbage(blob):
    result = kyodo.parse(blob, "https://english.kyodonews.net/articles/-/1", datetime(2026, 9, 28))
    assert isinstance(result, (Article, NotArticle))
    assert result.parser_version == kyodo.VERSION
    assert not getattr(result, "reason", "").startswith("unparseable"), "the last-resort guard had to catch it"


@pytest.mark.parametrize("name", NAMES)
def test_never_raises_on_truncations(name):
    html, spec = load(name)
    fetched = datetime.fromisoformat(spec["fetched_at"])
    rng = random.Random(name)
    cuts = sorted({0, 1, len(html) // 2, len(html) - 1, *(rng.randrange(len(html)) for _ in range(40))})
    for cut in cuts:
        result = kyodo.parse(html[:cut], spec["url"], fetched)
        assert isinstance(result, (Article, NotArticle)), cut
        if isinstance(result, NotArticle):
            assert not result.reason.startswith("unparseable"), (cut, result.reason)


def test_partner_link_lists_go_but_story_text_stays():
    """Only a known label, the link-only paragraphs or list items right after it, and link-only ">>Read" promos are
    cut: a story paragraph that mentions related coverage or holds a link keeps its place."""
    body = ("<p>LONDON, Japan Wire - Lead text.</p><p>More from the council is expected on <a href='/x'>Friday</a>.</p>"
            "<p>Related coverage: residents say more is needed.</p><p><a href='/y'>A linked sentence alone.</a></p>"
            "<p>&gt;&gt;Read on, says the mayor, to see why.</p><hr><p><strong>More from Spotlight Japan:</strong></p>"
            "<ul><li><a href='/1'>One</a></li><li><a href='/2'>Two</a> </li></ul><p>Closing line.</p>"
            "<p><a href='https://immersive.example/'><b>&gt;&gt; Read the full story&gt;&gt;</b></a></p>"
            "<p>Related stories</p><p><a href='/3'>Three</a></p>")
    html = f"<html lang='en'><h1 class='article-ttl'>T</h1><div class='article-body__inner'>{body}</div></html>"
    article = kyodo.parse(html.encode(), "https://english.kyodonews.net/articles/-/1", datetime(2026, 9, 28))
    assert article.dateline == "LONDON"
    assert article.body.split("\n\n") == [
        "Lead text.", "More from the council is expected on Friday.", "Related coverage: residents say more is needed.",
        "A linked sentence alone.", ">>Read on, says the mayor, to see why.", "Closing line."]


def test_claims_url():
    claimed = ["http://127.0.0.1:8765/articles/-/86433", "/articles/photo/86433", "http://localhost/list/news/world",
               "http://127.0.0.1/list/news/\tasian-games",
               "http://127.0.0.1/news/2024/03/858c8ddf5f8d-26-hospitalized-after-taking-supplements.html"]
    refused = ["http://127.0.0.1/articles/-/abc", "http://127.0.0.1/read/123/slug", "http://127.0.0.1/news/2024/03/x.html",
               "http://127.0.0.1/", "not a url", ""]
    assert all(kyodo.claims_url(u) for u in claimed)
    assert not any(kyodo.claims_url(u) for u in refused)


def test_dispatcher_routes_loopback_pages_to_kyodo():
    html, spec = load("prefix_tab_loopback")
    assert infer_site(spec["url"]) == "kyodo"
    assert parse_page(html, spec["url"], datetime.fromisoformat(spec["fetched_at"])).title.startswith("FOCUS:")


def test_split_caption_and_names():
    assert kyodo.split_caption("Ships. (Photo not for sale)(Getty/Kyodo)") == ("Ships. (Photo not for sale)", "Getty/Kyodo")
    assert kyodo.split_caption("A view of Tokyo. (Kyodo) ==Kyodo") == ("A view of Tokyo.", "Kyodo")
    assert kyodo.split_caption("No credit here") == ("No credit here", None)
    assert kyodo.split_caption("") == (None, None)
    assert kyodo.split_names("By A, B, and C,") == ["A", "B", "C"]
    assert kyodo.split_names("By BEN FINLEY and KONSTANTIN TOROPIN,") == ["BEN FINLEY", "KONSTANTIN TOROPIN"]
    assert kyodo.split_names("By KYODO NEWS,") == []


def test_text_that_cannot_be_stored_is_replaced_and_its_field_named():
    # JSON escapes can carry what no UTF-8 text (or SQLite text) holds: `\ud800` is a lone surrogate once
    # json.loads has read it, `\u0000` a NUL. The article must survive with every other field intact.
    html, spec = load("full_caption_author")
    html = (html.replace(b'class="article-ttl"', b'class="ttl"')  # the headline now comes from JSON-LD
            .replace(b'<a class="article-header-info__link" href="/list/partners/kyodo_news">KYODO NEWS</a>', b"")
            .replace(b'"headline":"Coastal town opens', b'"headline":"Coastal town \\ud800 opens')
            .replace(b'"name":"KYODO NEWS"', b'"name":"KYODO\\udfff NEWS\\u0000"')
            .replace(b'"datePublished":"2026-09-27T14:01:00+09:00"', b'"datePublished":"2026-09-27T14:01:00+09:00\\ud800"'))
    article = kyodo.parse(html, spec["url"], datetime.fromisoformat(spec["fetched_at"]))
    assert isinstance(article, Article)
    expected = dict(spec["expected"], title="Coastal town \ufffd opens solar-powered ferry link to outlying isles",
                    credit="KYODO\ufffd NEWS\ufffd", date_source={"published": "time", "modified": "json-ld"})
    assert article.to_dict() == expected
    assert article.warnings == [
        "published: json-ld date '2026-09-27T14:01:00+09:00\\ud800' not understood",
        "title: unstorable lone surrogate replaced with U+FFFD",
        "credit: unstorable lone surrogate, NUL replaced with U+FFFD",
    ]
    json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8")  # storable now

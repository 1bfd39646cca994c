"""Inakoran parser: fixture outputs field by field, robustness, dates, article/not-article decisions.

The fixtures are SYNTHETIC (Inakoran's real markup is unknown); they use three different guessed templates so the
parser is shown not to depend on one. Each `NAME.html` has a `NAME.json` with `url`, `fetched_at` and `expected`
(the exact `Article.to_dict()`, or `{"article": null, "reason": ...}`).
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawler.parsers import common, inakoran, parse_page
from crawler.parsers.model import ARTICLE_KEYS, Article, NotArticle

FIXTURES = Path(__file__).parent / "fixtures" / "inakoran"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.html"))
SEED_URL = "https://inakoran.com/read/28451/jepang-dan-nato-tingkatkan-kerja-sama-pertahanan"


def load(name: str) -> tuple[bytes, dict]:
    return (FIXTURES / f"{name}.html").read_bytes(), json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


def run(name: str, fetched_at: datetime | None = None):
    html, meta = load(name)
    return inakoran.parse(html, meta["url"], fetched_at or datetime.fromisoformat(meta["fetched_at"]))


def test_fixture_set_is_complete():
    assert len(NAMES) >= 6
    for name in NAMES:
        assert (FIXTURES / f"{name}.json").exists(), name
        head = (FIXTURES / f"{name}.html").read_bytes()[:600]
        assert b"<!-- SYNTHETIC FIXTURE" in head, f"{name}.html must say its markup is a guess"
    kinds = {json.loads((FIXTURES / f"{n}.json").read_text("utf-8"))["expected"].get("reason") for n in NAMES}
    assert {"home page", "list page", "http 404 page"} <= kinds


@pytest.mark.parametrize("name", NAMES)
def test_fixture_matches_expected(name):
    _, meta = load(name)
    expected = meta["expected"]
    result = run(name)
    if expected.get("article", "present") is None:
        assert isinstance(result, NotArticle), f"{name}: expected NotArticle, got {result!r:.300}"
        assert result.to_dict() == expected
        return
    assert isinstance(result, Article), f"{name}: expected an Article, got {result!r}"
    got = result.to_dict()
    assert list(got) == list(ARTICLE_KEYS)
    for key in ARTICLE_KEYS:
        assert got[key] == expected[key], f"{name}: field {key!r}"


@pytest.mark.parametrize("name", NAMES)
def test_article_invariants(name):
    result = run(name)
    if not isinstance(result, Article):
        return
    assert result.site == "inakoran" and result.access == "open" and result.credit is None
    assert result.parser == "inakoran" and result.parser_version == inakoran.VERSION
    assert result.body and result.lead and result.body.startswith(result.lead)
    assert result.word_count == common.word_count(result.body)
    for stamp in (result.published, result.modified):
        assert stamp is None or stamp.endswith("+07:00")
    for part in result.body.split("\n\n"):
        assert part == common.clean_text(part) and part
        assert not part.endswith("[ist]") and part.upper() != "KOMENTAR"
    assert result.title not in result.body.split("\n\n")
    for image in result.images:
        assert image.src.startswith("https://")
        assert not (image.caption or "").lower().endswith("[ist]")


def test_seed_article():
    result = run("seed-jepang-nato")
    assert isinstance(result, Article)
    assert result.title == "Jepang dan NATO Tingkatkan Kerja Sama Pertahanan"
    assert result.authors == ["Binsar"]
    assert result.published == "2024-10-18T10:11:00+07:00"
    assert result.date_source == {"published": "text"}
    assert result.dateline == "Jakarta"
    assert result.body.startswith("Jepang, NATO dan tiga negara")
    assert result.body.endswith("pada akhir pekan ini di Italia.")
    assert "Jakarta, Inakoran" not in result.body and "KOMENTAR" not in result.body
    assert "Belum ada komentar" not in result.body and "Tags:" not in result.body
    assert [(i.credit, i.caption.startswith("Menteri Pertahanan Jepang")) for i in result.images] == [("ist", True)] * 2
    assert result.images[0].src.startswith("https://inakoran.com/uploads/2024/10/18/")
    assert result.images[1].src.startswith("https://inakoran.com/ina/userfiles/images/")
    assert result.warnings == []


def test_odd_encoding_is_repaired():
    html, _ = load("odd-encoding-kafe")
    with pytest.raises(UnicodeDecodeError):
        html.decode("utf-8")  # the fixture really is windows-1252 bytes declared as UTF-8
    result = run("odd-encoding-kafe")
    assert isinstance(result, Article)
    text = result.title + result.body
    assert "\ufffd" not in text and "\u200b" not in text and "\u00ad" not in text and "\xa0" not in text
    assert "Kafé Tionghoa" in result.title and "“Kami ingin" in result.body and "kopi & roti" in result.body


def test_truncated_page_keeps_what_arrived():
    result = run("wp-truncated")
    assert isinstance(result, Article)
    assert result.body.endswith("mencukupi kebu")
    assert any("truncated" in w for w in result.warnings)


# --- dates ------------------------------------------------------------------------------------------------
def test_future_date_rejected_with_warning():
    early = datetime(2024, 10, 18, 2, 0, tzinfo=timezone.utc)  # 09:00 WIB, before the 10:11 WIB date line
    result = run("seed-jepang-nato", fetched_at=early)
    assert isinstance(result, Article)
    assert result.published is None and "published" not in result.date_source
    assert any("after the capture time" in w for w in result.warnings)


def test_future_metadata_date_is_not_replaced_by_a_later_source():
    result = run("wp-harga-beras", fetched_at=datetime(2024, 11, 5, 1, 0, tzinfo=timezone.utc))  # 08:00 WIB
    assert isinstance(result, Article)
    assert result.published is None and result.modified is None
    assert sum("after the capture time" in w for w in result.warnings) == 2


def test_capture_clock_slack_of_ten_minutes():
    result = run("seed-jepang-nato", fetched_at=datetime(2024, 10, 18, 3, 5, tzinfo=timezone.utc))  # 10:05 WIB
    assert result.published == "2024-10-18T10:11:00+07:00"


def test_naive_fetched_at_is_utc():
    result = run("seed-jepang-nato", fetched_at=datetime(2024, 10, 18, 4, 0))
    assert result.published == "2024-10-18T10:11:00+07:00"


def test_offsets_are_converted_to_wib():
    # JSON-LD dateModified is given in UTC (02:45:10Z); stored as the same instant in +07:00.
    assert run("wp-harga-beras").modified == "2024-11-05T09:45:10+07:00"


@pytest.mark.parametrize("text, expected", [
    ("Friday, 18-10-2024 | 10:11 am", "2024-10-18T10:11:00+07:00"),
    ("Friday, 18-10-2024 | 10:11 PM", "2024-10-18T22:11:00+07:00"),
    ("18-10-2024 | 12:05 am", "2024-10-18T00:05:00+07:00"),
    ("Friday, 18-10-2024 | 12:30 pm", "2024-10-18T12:30:00+07:00"),
    ("Jumat, 18-10-2024 | 10:11 am", "2024-10-18T10:11:00+07:00"),
    ("Jum'at, 18/10/2024 - 10.11 WIB", "2024-10-18T10:11:00+07:00"),
    ("Jum’at, 18 Oktober 2024 10:11 WIB", "2024-10-18T10:11:00+07:00"),
    ("Senin, 2 Desember 2024 14:05 WIB", "2024-12-02T14:05:00+07:00"),
    ("Selasa, 5 Nov 2024 pukul 08.30 WIB", "2024-11-05T08:30:00+07:00"),
    ("Rabu, 6 Agustus 2025 | 21:15", "2025-08-06T21:15:00+07:00"),
    ("Kamis, 18 Oktober 2024 11:11 WITA", "2024-10-18T10:11:00+07:00"),
    ("Sabtu, 19 Oktober 2024 12:11 WIT", "2024-10-19T10:11:00+07:00"),
    ("Minggu, 20 Oktober 2024 10:11 GMT+7", "2024-10-20T10:11:00+07:00"),
    ("18 October 2024 03:11 UTC+0", "2024-10-18T10:11:00+07:00"),
    ("2024-10-18 10:11:30", "2024-10-18T10:11:30+07:00"),
    ("Jumat, 18 Oktober 2024", "2024-10-18T00:00:00+07:00"),
])
def test_date_line_formats(text, expected):
    moment, _ = inakoran.parse_date_text(text)
    assert common.iso(moment) == expected


@pytest.mark.parametrize("text", ["", "Jumat", "31-02-2024 | 10:11 am", "18-13-2024", "99 Oktober 2024",
                                  "Friday, 18-10-2024 | 25:61", "harga naik 10.11 persen"])
def test_impossible_dates_are_none(text):
    assert inakoran.parse_date_text(text) == (None, False)


# --- robustness ---------------------------------------------------------------------------------------
GARBAGE = [b"", b" ", b"<", b"<html", b"</p>", b"\x00\x01\x02", b"\xff\xfe\x00<\x00h", b"\xef\xbb\xbf",
           bytes(range(256)) * 20, b"<html><body><h1></h1><p></p></body></html>",
           b"<div>" * 5000 + b"<h1>x</h1>" + b"<p>kata kata</p>" * 50,
           b'<script type="application/ld+json">{"@type":"NewsArticle","headline":5,"datePublished":[1],'
           b'"author":{"name":null},"articleSection":{"x":1}}</script><h1>Judul</h1><p>' + b"kata " * 30 + b"</p>",
           b'<script type="application/ld+json">[[[{"@graph":{"@type":"NewsArticle","datePublished":"kemarin"}}]]]'
           b"</script>", "<h1>Judul ☃</h1><p>teks \ud800</p>".encode("utf-8", "surrogatepass")]


@pytest.mark.parametrize("html", GARBAGE, ids=range(len(GARBAGE)))
def test_never_raises_on_garbage(html):
    result = inakoran.parse(html, "https://inakoran.com/x", datetime(2025, 1, 1, tzinfo=timezone.utc))
    assert isinstance(result, (Article, NotArticle))
    assert not getattr(result, "reason", "").startswith("parser error"), result


@pytest.mark.parametrize("name", NAMES)
def test_never_raises_on_truncations_and_corruption(name):
    html, meta = load(name)
    fetched = datetime.fromisoformat(meta["fetched_at"])
    rng = random.Random(name)
    cuts = sorted({rng.randrange(len(html)) for _ in range(40)} | {0, 1, len(html) // 2, len(html) - 1})
    variants = [html[:cut] for cut in cuts]
    for _ in range(10):
        corrupt = bytearray(html)
        for _ in range(30):
            corrupt[rng.randrange(len(corrupt))] = rng.randrange(256)
        variants.append(bytes(corrupt))
    for variant in variants:
        result = inakoran.parse(variant, meta["url"], fetched)
        assert isinstance(result, (Article, NotArticle))
        assert not getattr(result, "reason", "").startswith("parser error"), result
        if isinstance(result, Article) and result.body:
            assert result.body.startswith(result.lead)


# --- article or not ---------------------------------------------------------------------------------------
def test_about_page_without_date_is_not_an_article():
    html = ("<html><body><h1>Tentang Kami</h1>" + "<p>Inakoran adalah media daring yang menyajikan berita "
            "nasional dan internasional setiap hari untuk para pembaca setia.</p>" * 5 + "</body></html>").encode()
    result = inakoran.parse(html, "https://inakoran.com/tentang-kami", datetime(2025, 1, 1, tzinfo=timezone.utc))
    assert isinstance(result, NotArticle)


def test_listing_found_on_any_url():
    html, meta = load("section-internasional")
    result = inakoran.parse(html, "http://127.0.0.1:8000/x/y", datetime.fromisoformat(meta["fetched_at"]))
    assert result.to_dict() == {"article": None, "reason": "list page"}


def test_related_links_inside_the_body_are_cut():
    html, meta = load("seed-jepang-nato")
    related = "".join(f'<div><h4><a href="/read/{i}/a">Judul berita terkait nomor {i} hari ini</a></h4>'
                      f'<time>17 Oktober 2024</time><p>Dalam "Internasional"</p></div>' for i in range(3))
    html = html.replace(b'    </div>\n    <div class="tags">', related.encode() + b'</div>\n    <div class="tags">')
    result = inakoran.parse(html, meta["url"], datetime.fromisoformat(meta["fetched_at"]))
    assert result.body == meta["expected"]["body"]


def test_dispatch_and_claims():
    html, meta = load("seed-jepang-nato")
    via_site = parse_page(html, "http://127.0.0.1:8000/read/28451/x", datetime(2025, 1, 1, tzinfo=timezone.utc),
                          site="inakoran")
    assert isinstance(via_site, Article) and via_site.title == meta["expected"]["title"]
    assert isinstance(parse_page(html, SEED_URL, datetime(2025, 1, 1, tzinfo=timezone.utc)), Article)
    assert inakoran.claims_url("http://127.0.0.1:8000/inakoran/read/1/x")
    assert inakoran.claims_url("https://inakoran.com/ina/userfiles/images/a.jpg")
    assert not inakoran.claims_url("http://127.0.0.1:8000/read/28451/jepang")  # a guessed scheme is no proof
    assert not inakoran.claims_url("https://english.kyodonews.net/articles/-/86433")
    assert not inakoran.claims_url("http://[::1")


def test_text_blocks_split_and_link_share():
    sel = common.selector("<div>Jakarta <b>pagi</b><br>ini <a href='/x'>tautan panjang</a><img src='a.jpg'>"
                          "<p>satu</p>ekor</div><!-- c --><p>a<!-- x -->b</p>")
    blocks, _ = common.text_blocks(sel.root)
    assert [(b.text, b.owner.tag, round(b.links, 2)) for b in blocks if b.text] == [
        ("Jakarta pagi", "div", 0.0), ("ini tautan panjang", "div", 0.82), ("satu", "p", 0.0),
        ("ekor", "div", 0.0), ("ab", "p", 0.0)]
    assert [b.img.get("src") for b in blocks if b.img is not None] == ["a.jpg"]



def test_text_that_cannot_be_stored_is_replaced_and_its_field_named():
    # JSON-LD escapes give what UTF-8 cannot hold (`\ud800`, a lone surrogate) or what SQL text functions read as
    # the end of a string (`\u0000`): replaced with U+FFFD, named in a warning, and nothing else of the article lost.
    html, meta = load("wp-harga-beras")
    html = (html.replace(b'"headline":"Pemerintah Tetapkan', b'"headline":"Pemerintah \\ud800 Tetapkan')
            .replace(b'"author":{"name":"Dewi Lestari"', b'"author":{"name":"Dewi Lestari\\udc00"')
            .replace(b'"articleSection":["Ekonomi"', b'"articleSection":["Ekonomi\\u0000"'))
    result = inakoran.parse(html, meta["url"], datetime.fromisoformat(meta["fetched_at"]))
    assert isinstance(result, Article)
    expected = dict(meta["expected"], title="Pemerintah \ufffd Tetapkan Harga Eceran Tertinggi Beras yang Baru",
                    authors=["Dewi Lestari\ufffd"], categories=["Ekonomi\ufffd", "Nasional"])
    assert result.to_dict() == expected
    assert result.warnings == ["title: unstorable lone surrogate replaced with U+FFFD",
                               "authors: unstorable lone surrogate replaced with U+FFFD",
                               "categories: unstorable NUL replaced with U+FFFD"]
    json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")  # storable now

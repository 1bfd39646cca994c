"""Edits and citations on synthetic versions (tests/edits_support.py): the word diff, what changed between
versions, the silent-edit rule, and the citation's text and CSL-JSON, value by value."""

from __future__ import annotations

import sqlite3

import pytest

from archive.cite import CitationError, apa_authors, cite_at, csl_name
from archive.config import ConfigError, parse
from archive.edits import Change, compare, edited_articles, edited_articles_at, word_counts, word_diff
from archive.replay import DEFAULT_REPLAY_BASE
from edits_support import INAKORAN_URL, KYODO_URL, build


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build(tmp_path_factory.mktemp("edits") / "index.db")


def test_word_diff_keeps_words_spaces_and_paragraph_breaks():
    assert word_diff("The minister said no.", "The minister said yes.") == [
        ("equal", "The minister said "), ("delete", "no."), ("insert", "yes.")]
    # a space between two changed words joins the change; a paragraph break stays as it was
    assert word_diff("a b c", "x y c") == [("delete", "a b"), ("insert", "x y"), ("equal", " c")]
    pieces = word_diff("First para here.\n\nSecond para.", "First para there.\n\nNew para.\n\nSecond para.")
    assert pieces == [("equal", "First para "), ("delete", "here."), ("insert", "there.\n\nNew para."),
                      ("equal", "\n\nSecond para.")]
    assert "".join(t for op, t in pieces if op != "insert") == "First para here.\n\nSecond para."
    assert "".join(t for op, t in pieces if op != "delete") == "First para there.\n\nNew para.\n\nSecond para."
    assert word_counts(pieces) == (3, 1)
    assert word_diff(None, "hello world") == [("insert", "hello world")]
    assert word_diff("same", "same") == [("equal", "same")]


def test_changes_name_the_fields_count_words_and_mark_the_silent_edit(db):
    [article] = edited_articles_at(db)
    assert (article.id, article.site, article.url, article.title, article.versions) == \
        (1, "kyodo", KYODO_URL, "Minister drops seawall plan", 3)
    assert article.changes == [
        Change(1, 2, "2026-11-22T01:00:00Z", ["body"], 1, 1, True,
               ("2026-11-21T09:00:00+09:00", "2026-11-21T09:00:00+09:00"),
               ("2026-11-21T08:30:00+09:00", "2026-11-21T08:30:00+09:00")),
        Change(2, 3, "2026-11-23T01:00:00Z", ["title", "body", "authors", "dates"], 7, 1, False,
               ("2026-11-21T09:00:00+09:00", "2026-11-23T09:30:00+09:00"),
               ("2026-11-21T08:30:00+09:00", "2026-11-21T08:30:00+09:00"))]


def test_filters_site_since_and_silent(db):
    conn = sqlite3.connect(db)
    pairs = lambda found: [(a.id, [(c.from_version, c.to_version) for c in a.changes]) for a in found]  # noqa: E731
    assert pairs(edited_articles(conn, silent=True)) == [(1, [(1, 2)])]
    assert pairs(edited_articles(conn, silent=False)) == [(1, [(2, 3)])]
    assert pairs(edited_articles(conn, since="2026-11-23")) == [(1, [(2, 3)])]
    assert pairs(edited_articles(conn, since="2026-11-24")) == []
    assert pairs(edited_articles(conn, site="inakoran")) == []
    assert pairs(edited_articles(conn, site="kyodo", since="2026-11-22T01:00:00Z")) == [(1, [(1, 2), (2, 3)])]


def test_compare_gives_word_diffs_of_each_field(db):
    result = compare(sqlite3.connect(db), 1, 1, 3)
    assert (result["from"]["number"], result["to"]["number"], result["versions"]) == (1, 3, 3)
    assert result["diff"]["title"] == [("equal", "Minister "), ("delete", "backs"), ("insert", "drops"),
                                       ("equal", " seawall plan")]
    assert result["diff"]["body"] == [("equal", "Tokyo will build a new seawall.\n\nWork starts in "),
                                      ("delete", "May."), ("insert", "June.\n\nThe cost is not yet known.")]
    assert result["diff"]["authors"] == [("equal", "AIKO "), ("delete", "SATO"), ("insert", "SATO, KENJI KATO")]
    assert result["change"].changed == ["title", "body", "authors", "dates"]
    assert compare(sqlite3.connect(db), 1)["from"]["number"] == 2  # default: the last two


def test_citation_text_names_authors_date_site_capture_record_and_replay(db):
    cited = cite_at(db, 1)
    replay = f"{DEFAULT_REPLAY_BASE}/20261123010000/{KYODO_URL}"
    assert cited["text"] == (
        f"Sato, A., & Kato, K. (2026, November 21). Minister drops seawall plan. Kyodo News. {KYODO_URL} "
        f"Archived 2026-11-23 01:00:00 UTC by newsarchive (WARC-Record-ID <urn:uuid:00000003-kyodo>): {replay}")
    assert cited["csl"] == {
        "id": "newsarchive-1", "type": "article-newspaper", "title": "Minister drops seawall plan",
        "container-title": "Kyodo News", "author": [{"family": "Sato", "given": "Aiko"},
                                                    {"family": "Kato", "given": "Kenji"}],
        "URL": KYODO_URL, "archive": "newsarchive", "archive_location": "<urn:uuid:00000003-kyodo>",
        "note": f"Archived capture 2026-11-23T01:00:00Z; WARC-Record-ID <urn:uuid:00000003-kyodo>; replay {replay}",
        "language": "en", "issued": {"date-parts": [[2026, 11, 21]]}, "accessed": {"date-parts": [[2026, 11, 23]]}}


def test_a_version_is_cited_with_its_own_text_and_capture(db):
    cited = cite_at(db, KYODO_URL, 1, base="http://replay.example/c/")
    assert cited["text"] == (
        f"Sato, A. (2026, November 21). Minister backs seawall plan. Kyodo News. {KYODO_URL} Archived "
        "2026-11-21 01:00:00 UTC by newsarchive (WARC-Record-ID <urn:uuid:00000001-kyodo>): "
        f"http://replay.example/c/20261121010000/{KYODO_URL}")
    assert (cited["csl"]["id"], cited["csl"]["author"], cited["csl"]["accessed"]) == \
        ("newsarchive-1-v1", [{"family": "Sato", "given": "Aiko"}], {"date-parts": [[2026, 11, 21]]})
    with pytest.raises(CitationError, match="article 1 has 3 version"):
        cite_at(db, 1, 4)
    with pytest.raises(CitationError, match="no article"):
        cite_at(db, "https://nowhere.example/")


def test_an_unsigned_article_is_credited_to_its_site_and_replay_base_comes_from_the_config(db, tmp_path):
    (db.parent / "newsarchive.toml").write_text('[replay]\nurl = "http://archive.example:9000/news/"\n')
    try:
        cited = cite_at(db, 2)
    finally:
        (db.parent / "newsarchive.toml").unlink()
    assert cited["text"] == (
        f"Inakoran. (2026, November 21). Banjir reda di Jakarta. Inakoran. {INAKORAN_URL} Archived 2026-11-21 "
        "01:00:00 UTC by newsarchive (WARC-Record-ID <urn:uuid:00000001-inakoran>): "
        f"http://archive.example:9000/news/20261121010000/{INAKORAN_URL}")
    assert cited["csl"]["author"] == [{"literal": "Inakoran"}]
    assert parse("").replay_url == DEFAULT_REPLAY_BASE
    with pytest.raises(ConfigError, match="replay.url"):
        parse("[replay]\nurl = 3\n")


def test_names_in_references():
    assert csl_name("BEN FINLEY") == {"family": "Finley", "given": "Ben"}
    assert csl_name("Sutrisno") == {"literal": "Sutrisno"}
    assert csl_name("Jean-Luc van Dam") == {"family": "Dam", "given": "Jean-Luc van"}
    assert apa_authors(["BEN FINLEY", "KONSTANTIN TOROPIN", "Sutrisno"]) == "Finley, B., Toropin, K., & Sutrisno"

"""Indonesian search by word stem (issue #18 item 7): inflected forms are found by their stem and by each other in
the Python API, the CLI, `export --query` and Datasette's table search; English results are what they were; an
index of schema 5 is migrated with every article still searchable; reindex gives the stems the crawl gave.

The articles are our own sentences: three forms of "ajar" (mengajar, pelajaran, belajar), three of "tahan"
(pertahanan, bertahan, dipertahankan), and English articles on the same topics."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from archive import fulltext, stemming
from archive.export import export_articles
from archive.index import SCHEMA_VERSION, Capture, Index
from archive.search import fts_query, search, search_result
from support import ArticleFields, newsarchive

INDONESIAN = [  # (title, body), ids 1..6
    ("Guru desa mengajar anak nelayan", "Setiap pagi guru itu mengajar anak nelayan membaca di balai desa."),
    ("Pelajaran sejarah dimulai lagi", "Sekolah kota membuka kembali pelajaran sejarah untuk kelas lima."),
    ("Mahasiswa belajar di perpustakaan", "Ratusan mahasiswa belajar bersama menjelang ujian akhir semester."),
    ("Pertahanan pantai diperkuat", "Pemerintah daerah memperkuat pertahanan pantai dari gelombang pasang."),
    ("Tim kecil bertahan sampai akhir", "Tim sepak bola kecil itu bertahan sampai peluit akhir dibunyikan."),
    ("Kebijakan lama dipertahankan", "Dewan kota memutuskan kebijakan parkir lama dipertahankan tahun depan."),
]
ENGLISH = [  # ids 7..12
    ("Defense ministry plans coastal drills", "The defense ministry said coastal drills will start in May."),
    ("Prime minister visits a village school", "The prime minister watched pupils learn to read at a village school."),
    ("Government budget for schools grows", "The government budget gives schools more teachers next year."),
    ("Students study late before exams", "Students study in the library late into the night before exams."),
    ("Minister defends parking policy", "The minister said the old parking policy will stay another year."),
    ("Japan and defense talks", "Japan held defense talks with its neighbours on coastal security."),
]
ENGLISH_QUERIES = ["defense", "minister", "school OR schools", "coastal drills", '"prime minister"', "Japan NOT budget",
                   "title: defense", "stud*", "policy", "government budget", "NEAR(coastal drills, 3)", "library"]


def build(path: Path) -> Path:
    index = Index(path)
    for n, (title, body) in enumerate(INDONESIAN + ENGLISH, 1):
        site, language = ("inakoran", "id") if n <= len(INDONESIAN) else ("kyodo", "en")
        url = f"https://{site}.example/a/{n}"
        capture = Capture(url=url, site=site, status=200, content_type="text/html", fetched_at="2024-06-01T00:00:00Z",
                          payload_digest=None, warc_file="t.warc.gz", warc_offset=n * 100, warc_length=100,
                          record_id=f"<urn:uuid:stem-{n}>")
        article = {"url": url, "site": site, "language": language, "title": title, "lead": body, "body": body,
                   "authors": [], "access": "open", "published": "2024-06-01T09:00:00+07:00", "parser": site,
                   "parser_version": "1"}
        index.upsert_article(ArticleFields(article), index.add_capture(capture), capture)
    index.close()
    return path


def to_schema_5(path: Path) -> None:
    """What an index written before schema 6 holds: no stems column, a four-column full-text index."""
    db = sqlite3.connect(path)
    for trigger in ("articles_ai", "articles_ad", "articles_au"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP TABLE articles_fts")
    db.execute("ALTER TABLE articles DROP COLUMN search_stems")
    sqlite_utils.Database(db)["articles"].enable_fts(["title", "lead", "body", "authors"], create_triggers=True,
                                                     tokenize=fulltext.TOKENIZE)
    db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('rank', 'bm25(4.0, 2.0, 1.0, 2.0)')")
    db.execute("PRAGMA user_version = 5")
    db.commit()
    db.close()


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    """(with stems, schema 5 without them): the same articles."""
    root = tmp_path_factory.mktemp("stems")
    stemmed = build(root / "stems.db")
    old = root / "old.db"
    shutil.copy(stemmed, old)
    to_schema_5(old)
    return stemmed, old


def ids(db: Path, query: str) -> list[int]:
    return [hit.id for hit in search(db, query, limit=50)]


# -- stems and queries -------------------------------------------------------------------------------

def test_stems_of_an_indonesian_article_and_none_for_english():
    article = {"language": "id", "title": "Pertahanan pantai", "lead": "Guru mengajar.",
               "body": "Guru mengajar. Mahasiswa belajar; kebijakan dipertahankan di 2024."}
    assert stemming.stems_text(article) == "tahan ajar bijak"
    assert stemming.stems_text({**article, "language": "en"}) is None
    assert stemming.stems_text({"language": "id", "title": "Guru dan murid", "body": None}) is None


@pytest.mark.parametrize("typed, run", [
    ("mengajar", "(mengajar OR search_stems:ajar)"),
    ("Pelajaran sejarah", "(Pelajaran OR search_stems:ajar) AND sejarah"),
    ("defense OR pertahanan", "defense OR (pertahanan OR search_stems:tahan)"),
    ("sekolah NOT dipertahankan", "sekolah NOT (dipertahankan OR search_stems:tahan)"),
    ("guru AND (belajar OR ujian)", "guru AND ((belajar OR search_stems:ajar) OR (ujian OR search_stems:uji))"),
    # FTS5 reads "a b" as "a AND b" but rejects "a (b OR c)": a group beside an operand gets an explicit AND
    ("mengajar pelajaran", "(mengajar OR search_stems:ajar) AND (pelajaran OR search_stems:ajar)"),
    ('guru mengajar "anak nelayan"', 'guru AND (mengajar OR search_stems:ajar) AND "anak nelayan"'),
    ("guru mengajar OR ujian", "guru AND (mengajar OR search_stems:ajar) OR (ujian OR search_stems:uji)"),
    ("ajar", "ajar"),  # a root finds its forms through the stems column as it is
    ('"pertahanan pantai"', '"pertahanan pantai"'),  # phrases,
    ("pertahanan*", "pertahanan*"),  # prefixes,
    ("^pertahanan", "^pertahanan"),  # initial tokens,
    ("title: pertahanan", "title: pertahanan"),  # column filters and what they apply to,
    ("title: (pertahanan OR bertahan) belajar", "title: (pertahanan OR bertahan) AND (belajar OR search_stems:ajar)"),
    ("{title body}: pertahanan", "{title body}: pertahanan"),
    ("NEAR(pertahanan pantai, 3)", "NEAR(pertahanan pantai, 3)"),  # NEAR groups,
    ("pertahanan + pantai", "pertahanan + pantai"),  # and + phrases stay as typed
    ("Japan budget", "Japan budget"),
    ('COVID-19 "', 'COVID-19 "'),  # what FTS5 cannot parse: its error names what was typed
])
def test_which_query_words_are_expanded(typed, run):
    assert fts_query(typed) == run
    assert fts_query(typed, stems=False) == typed


# -- finding -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, first, found", [
    ("ajar", None, [1, 2, 3]), ("mengajar", 1, [1, 2, 3]), ("pelajaran", 2, [1, 2, 3]), ("belajar", 3, [1, 2, 3]),
    ("tahan", None, [4, 5, 6]), ("pertahanan", 4, [4, 5, 6]), ("bertahan", 5, [4, 5, 6]),
    ("dipertahankan", 6, [4, 5, 6]), ("mengajar pelajaran", 2, [1, 2, 3]), ("pertahanan OR mengajar", None, [1, 2, 3, 4, 5, 6]),
])
def test_inflected_forms_are_found_by_their_stem_and_by_each_other(indexes, query, first, found):
    stemmed, _ = indexes
    assert sorted(ids(stemmed, query)) == found
    if first is not None:  # the article holding the very form typed ranks first
        assert ids(stemmed, query)[0] == first


def test_the_old_index_finds_only_the_form_typed(indexes):
    _, old = indexes
    assert ids(old, "mengajar") == [1] and ids(old, "ajar") == [] and ids(old, "bertahan") == [5]


def test_snippets_come_from_the_text_never_from_the_stems(indexes):
    stemmed, _ = indexes
    hits = {hit.id: hit.snippet for hit in search(stemmed, "mengajar")}
    # FTS5 picks the title of 1, and the stems column of 2 and 3 ("[ajar] mulai buka"): those take the body
    # around its word of the stem.
    assert hits == {1: "Guru desa [mengajar] anak nelayan",
                    2: "Sekolah kota membuka kembali [pelajaran] sejarah untuk kelas lima.",
                    3: "Ratusan mahasiswa [belajar] bersama menjelang ujian akhir semester."}
    assert not any("search_stems" in s or s.strip() == "ajar" for s in hits.values())


def test_english_results_are_unchanged(indexes):
    stemmed, old = indexes
    for query in ENGLISH_QUERIES:
        new, before = search_result(stemmed, query, limit=50).hits, search_result(old, query, limit=50).hits
        assert new, query
        assert [(h.id, h.snippet) for h in new] == [(h.id, h.snippet) for h in before], query


def test_cli_and_export_find_by_stem(indexes, tmp_path):
    stemmed, _ = indexes
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(stemmed, data / "index.db")
    result = newsarchive("search", "pelajaran", "--format", "json", "--data", str(data))
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert [hit["id"] for hit in hits][0] == 2 and sorted(hit["id"] for hit in hits) == [1, 2, 3]
    assert hits[0]["snippet"] == "[Pelajaran] sejarah dimulai lagi"
    out = tmp_path / "tahan.jsonl"
    assert export_articles(stemmed, "jsonl", out, query="bertahan") == 3
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["id"] for row in rows] == [4, 5, 6] and "search_stems" not in rows[0]


def test_datasette_table_search_finds_stems(indexes):
    from datasette.app import Datasette

    stemmed, _ = indexes

    async def rows(query: str) -> list[int]:
        ds = Datasette([str(stemmed)])
        response = await ds.client.get("/stems/articles.json", params={"_search": query, "_searchmode": "raw",
                                                                       "_shape": "array", "_col": "id"})
        assert response.status_code == 200, response.text
        return sorted(row["id"] for row in response.json())

    assert asyncio.run(rows("search_stems:ajar")) == [1, 2, 3]
    assert asyncio.run(rows("search_stems:tahan")) == [4, 5, 6]
    assert asyncio.run(rows("ajar")) == [1, 2, 3]  # a root typed in the search box finds its forms too


# -- migration ---------------------------------------------------------------------------------------

def test_a_schema_5_index_is_migrated_with_every_article_searchable(indexes, tmp_path):
    stemmed, old = indexes
    path = tmp_path / "migrated.db"
    shutil.copy(old, path)
    index = Index(path)
    conn = index.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert fulltext.indexed_columns(conn) == fulltext.COLUMNS
    conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
    assert dict(conn.execute("SELECT k, v FROM articles_fts_config"))["rank"] == "bm25(4.0, 2.0, 1.0, 2.0, 1.0)"
    migrated = conn.execute("SELECT id, search_stems FROM articles ORDER BY id").fetchall()
    index.close()
    fresh = sqlite3.connect(stemmed).execute("SELECT id, search_stems FROM articles ORDER BY id").fetchall()
    assert [tuple(row) for row in migrated] == fresh
    assert fresh[:6] == [(1, "ajar tiap baca"), (2, "ajar mulai buka"), (3, "ajar pustaka ratus sama jelang uji"),
                         (4, "tahan kuat perintah"), (5, "tahan bunyi"), (6, "bijak tahan putus")]
    assert all(row[1] is None for row in fresh[6:])
    for n, (title, _) in enumerate(INDONESIAN + ENGLISH, 1):  # every article found by its title words
        assert n in ids(path, f'"{title}"'), title
    assert sqlite_utils.Database(path)["articles"].detect_fts() == "articles_fts"
    assert ids(path, "mengajar") == ids(stemmed, "mengajar")


# -- a crawled archive -------------------------------------------------------------------------------

def test_crawl_and_reindex_give_the_same_stems(tmp_path):
    """The mirror's Inakoran articles get their stems as the crawl indexes them; reindex gives the same."""
    from mirror import Mirror

    data = tmp_path / "data"
    no_delay = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    with Mirror(articles=8, seed=5) as mirror:
        result = newsarchive("crawl", "inakoran", "--base-url", f"inakoran={mirror.base_urls['inakoran']}",
                             "--data", str(data), *no_delay)
    assert result.returncode == 0, result.stdout + result.stderr

    def stems(path: Path) -> dict[str, str | None]:
        conn = sqlite3.connect(path)
        try:
            return dict(conn.execute("SELECT canonical_url, search_stems FROM articles WHERE language = 'id'"))
        finally:
            conn.close()

    crawled = stems(data / "index.db")
    assert len(crawled) == 8 and all(crawled.values())
    for url, held in crawled.items():  # each the stems of its own text
        article = Index(data / "index.db", readonly=True)
        try:
            assert held == stemming.stems_text(article.article(url)), url
        finally:
            article.close()
    result = newsarchive("reindex", "--data", str(data))
    assert result.returncode == 0, result.stdout + result.stderr
    assert stems(data / "index.db") == crawled
    word = next(iter(crawled.values())).split()[0]  # a stem some article's words share: found by it
    assert search(data / "index.db", f"search_stems:{word}")

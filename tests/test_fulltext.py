"""The full-text index is the one sqlite-utils and Datasette recognise, stays in step with `articles` through
inserts, edits, recaptures and deletes, and an index file of schema 2 gets the current update trigger."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from archive import fulltext
from archive.index import SCHEMA_VERSION, Capture, Index
from archive.search import search
from support import ArticleFields


def capture(n: int, fetched: str) -> Capture:
    return Capture(url=f"https://kyodo.example/a/{n}", site="kyodo", status=200, content_type="text/html",
                   fetched_at=fetched, payload_digest=f"sha1:{n}{fetched}", warc_file="t.warc.gz",
                   warc_offset=n * 100, warc_length=100, record_id=f"<urn:uuid:{n}-{fetched}>")


def article(n: int, lead: str, rest: str, title: str = "Headline") -> ArticleFields:
    return ArticleFields({"url": f"https://kyodo.example/a/{n}", "site": "kyodo", "title": f"{title} {n}",
                          "lead": lead, "body": f"{lead}\n\n{rest}" if lead else rest, "authors": ["Aiko Sato"],
                          "access": "full", "published": "2026-11-20T09:00:00+09:00", "parser": "kyodo",
                          "parser_version": "1"})


def store(index: Index, n: int, fetched: str, **fields) -> str:
    cap = capture(n, fetched)
    return index.upsert_article(article(n, **fields), index.add_capture(cap), cap)


def postings(db: sqlite3.Connection) -> list[tuple[str, int, str]]:
    """(term, article id, column) for every token in the full-text index."""
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, articles_fts, instance)")
    return sorted(tuple(row) for row in db.execute("SELECT term, doc, col FROM temp.fts_terms"))


def integrity_check(db: sqlite3.Connection) -> None:
    """Raises unless the index holds exactly the tokens of the text it reads (FTS5's own check)."""
    db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")


def test_sqlite_utils_and_datasette_find_the_index(tmp_path):
    index = Index(tmp_path / "index.db")
    store(index, 1, "2026-11-20T01:00:00Z", lead="Quokka lead words.", rest="Wombat closing words.")
    store(index, 2, "2026-11-20T01:00:00Z", lead="Narwhal summary.", rest="Nothing else.")
    index.close()
    db = sqlite_utils.Database(tmp_path / "index.db")
    assert db["articles"].detect_fts() == "articles_fts"  # the test Datasette uses too
    assert [row["id"] for row in db["articles"].search("wombat")] == [1]
    assert [hit.id for hit in search(tmp_path / "index.db", "lead: narwhal")] == [2]


def test_edits_recaptures_and_deletes_keep_the_index_in_step(tmp_path):
    index = Index(tmp_path / "index.db")
    store(index, 1, "2026-11-20T01:00:00Z", lead="Alpaca lead.", rest="Original ending.")
    store(index, 2, "2026-11-20T01:00:00Z", lead="Bison lead.", rest="Stays as it is.")
    index.commit()
    data_rows = index.conn.execute("SELECT count(*) FROM articles_fts_data").fetchone()[0]

    assert store(index, 2, "2026-11-21T01:00:00Z", lead="Bison lead.", rest="Stays as it is.") == "updated"
    index.commit()
    assert index.conn.execute("SELECT count(*) FROM articles_fts_data").fetchone()[0] == data_rows, \
        "a recapture of unchanged text rewrote the full-text index"

    assert store(index, 1, "2026-11-21T01:00:00Z", lead="Alpaca lead.", rest="Edited ending.") == "edited"
    index.conn.execute("DELETE FROM article_authors WHERE article_id = 2")
    index.conn.execute("DELETE FROM article_versions WHERE article_id = 2")
    index.conn.execute("DELETE FROM articles WHERE id = 2")
    index.commit()
    terms = {term for term, _, _ in postings(index.conn)}
    assert {"edit", "alpaca"} <= terms and not {"origin", "bison"} & terms
    integrity_check(index.conn)
    index.close()


def test_an_index_of_schema_2_gets_the_current_update_trigger(tmp_path):
    path = tmp_path / "index.db"
    index = Index(path)
    store(index, 1, "2026-11-20T01:00:00Z", lead="Capybara lead.", rest="Gazelle ending.")
    index.close()
    # Schema 2: sqlite-utils' own triggers, the update one firing on every UPDATE.
    db = sqlite3.connect(path)
    for trigger in ("articles_ai", "articles_ad", "articles_au"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP TABLE articles_fts")
    sqlite_utils.Database(db)["articles"].enable_fts(list(fulltext.COLUMNS), create_triggers=True,
                                                     tokenize=fulltext.TOKENIZE)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    assert "WHEN" not in db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_au'").fetchone()[0]
    db.close()

    index = Index(path)
    assert index.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "WHEN" in index.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_au'").fetchone()[0]
    store(index, 2, "2026-11-21T01:00:00Z", lead="Dingo lead.", rest="Gazelle again.")
    assert store(index, 1, "2026-11-21T01:00:00Z", lead="Capybara lead.", rest="Gazelle, edited.") == "edited"
    index.commit()
    integrity_check(index.conn)
    index.close()
    assert sorted(hit.id for hit in search(path, "gazelle")) == [1, 2]
    assert [hit.id for hit in search(path, "edited")] == [1]


def test_the_tuning_is_stored_in_the_index(tmp_path):
    Index(tmp_path / "index.db").close()
    db = sqlite3.connect(tmp_path / "index.db")
    held = dict(db.execute("SELECT k, v FROM articles_fts_config"))
    assert {key: held.get(key) for key in fulltext.SETTINGS} == fulltext.SETTINGS


def test_rebuilding_gives_what_the_triggers_gave(tmp_path: Path):
    """`rebuild` reads the articles table; the triggers must have indexed the same text."""
    index = Index(tmp_path / "index.db")
    for n, (lead, rest) in enumerate([("Élan vital.", "Après ça."), ("", "No lead at all."),
                                      ("Short.", "Short.\n\nShort again.")]):
        store(index, n, "2026-11-20T01:00:00Z", lead=lead, rest=rest)
    index.commit()
    by_triggers = postings(index.conn)
    index.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    index.commit()
    assert postings(index.conn) == by_triggers
    integrity_check(index.conn)
    index.close()


def test_sqlite_utils_search_ranks_as_newsarchive_search_does(tmp_path):
    """The index stores FTS5's `rank` as newsarchive's weighted bm25 (a title match counts four body ones), so
    `sqlite-utils search` and a plain `ORDER BY rank` agree with `newsarchive search`; unweighted bm25 would put
    the long article that says "lantern" twice in its body before the one with it in its title."""
    index = Index(tmp_path / "index.db")
    store(index, 1, "2026-11-20T01:00:00Z", lead="A festival.", rest="Lantern makers and lantern sellers met.")
    store(index, 2, "2026-11-20T01:00:00Z", lead="A short note on a parade and its many visitors.",
          rest="The parade went on for hours.", title="Lantern")
    store(index, 3, "2026-11-20T01:00:00Z", lead="Nothing.", rest="A lantern once.")
    index.close()
    ours = [hit.url for hit in search(tmp_path / "index.db", "lantern")]
    db = sqlite_utils.Database(tmp_path / "index.db")
    theirs = [row["url"] for row in db["articles"].search("lantern")]
    plain = [row[0] for row in db.conn.execute("SELECT a.url FROM articles_fts f JOIN articles a ON a.id = f.rowid "
                                               "WHERE articles_fts MATCH 'lantern' ORDER BY rank")]
    unweighted = [row[0] for row in db.conn.execute(
        "SELECT a.url FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH 'lantern' "
        "ORDER BY bm25(articles_fts)")]
    assert ours == theirs == plain and ours[0] == "https://kyodo.example/a/2"
    assert unweighted != ours
    assert dict(db.conn.execute("SELECT k, v FROM articles_fts_config"))["rank"] == "bm25(4.0, 2.0, 1.0, 2.0, 1.0)"

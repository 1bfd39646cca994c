"""The full-text index indexes each word of an article once, stays in step with `articles` through inserts,
edits, recaptures and deletes, and an index file of schema 2 is rebuilt into the current design."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from archive import fulltext
from archive.index import Capture, Index
from archive.search import search


def capture(n: int, fetched: str) -> Capture:
    return Capture(url=f"https://kyodo.example/a/{n}", site="kyodo", status=200, content_type="text/html",
                   fetched_at=fetched, payload_digest=f"sha1:{n}{fetched}", warc_file="t.warc.gz",
                   warc_offset=n * 100, warc_length=100, record_id=f"<urn:uuid:{n}-{fetched}>")


def article(n: int, lead: str, rest: str, title: str = "Headline") -> dict:
    return {"url": f"https://kyodo.example/a/{n}", "site": "kyodo", "title": f"{title} {n}", "lead": lead,
            "body": f"{lead}\n\n{rest}" if lead else rest, "authors": ["Aiko Sato"], "access": "full",
            "published": "2026-11-20T09:00:00+09:00", "parser": "kyodo", "parser_version": "1"}


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


def test_the_lead_is_indexed_once_and_still_matches(tmp_path):
    index = Index(tmp_path / "index.db")
    store(index, 1, "2026-11-20T01:00:00Z", lead="Quokka lead words.", rest="Wombat closing words.")
    store(index, 2, "2026-11-20T01:00:00Z", lead="Narwhal summary.", rest="Body that repeats no lead.")
    index.conn.execute("UPDATE articles SET body = 'Walrus only.' WHERE id = 2")  # a body without its lead
    index.commit()
    terms = postings(index.conn)
    assert [(doc, col) for term, doc, col in terms if term == "quokka"] == [(1, "lead")]
    assert [(doc, col) for term, doc, col in terms if term == "wombat"] == [(1, "body")]
    assert [(doc, col) for term, doc, col in terms if term in ("narwhal", "walru")] == [(2, "lead"), (2, "body")]
    integrity_check(index.conn)
    index.close()
    assert [hit.id for hit in search(tmp_path / "index.db", "quokka")] == [1]
    assert [hit.id for hit in search(tmp_path / "index.db", "quokka wombat")] == [1]
    assert [hit.id for hit in search(tmp_path / "index.db", "lead: quokka")] == [1]


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


def test_an_index_of_schema_2_is_rebuilt_into_the_current_design(tmp_path):
    path = tmp_path / "index.db"
    index = Index(path)
    store(index, 1, "2026-11-20T01:00:00Z", lead="Capybara lead.", rest="Gazelle ending.")
    index.close()
    # Schema 2: sqlite-utils' own triggers over the table itself, the lead tokenized twice.
    db = sqlite3.connect(path)
    for trigger in fulltext.TRIGGERS:
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP TABLE articles_fts")
    db.execute(f"DROP VIEW {fulltext.SOURCE}")
    sqlite_utils.Database(db)["articles"].enable_fts(list(fulltext.COLUMNS), create_triggers=True,
                                                     tokenize=fulltext.TOKENIZE)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    assert [col for term, _, col in postings(db) if term == "capybara"] == ["body", "lead"]
    db.close()

    index = Index(path)
    store(index, 2, "2026-11-21T01:00:00Z", lead="Dingo lead.", rest="Gazelle again.")
    index.commit()
    assert index.conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert [col for term, _, col in postings(index.conn) if term == "capybara"] == ["lead"]
    integrity_check(index.conn)
    index.close()
    assert sorted(hit.id for hit in search(path, "gazelle")) == [1, 2]


def test_the_tuning_is_stored_in_the_index(tmp_path):
    Index(tmp_path / "index.db").close()
    db = sqlite3.connect(tmp_path / "index.db")
    held = dict(db.execute("SELECT k, v FROM articles_fts_config"))
    assert {key: held.get(key) for key in fulltext.SETTINGS} == fulltext.SETTINGS


def test_the_view_and_triggers_read_the_same_text(tmp_path: Path):
    """`rebuild` reads the view; the triggers compute the same text inline: both must index alike."""
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

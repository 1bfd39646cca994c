"""The batched index path (archive.bulk.add_pages) stores exactly what one-by-one upserts store, and the
index writer loses only the bad page of a batch."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from archive.bulk import add_page, add_pages
from archive.index import Capture, Index
from archive.writer import IndexWriter
from support import ArticleFields


def page(n: int, fetched: str, title: str = "Title", access: str = "full", revisit_of: str | None = None,
         authors: tuple[str, ...] = ("Aiko Sato",)) -> tuple[ArticleFields, Capture]:
    url = f"https://english.kyodonews.net/articles/-/{n}"
    article = ArticleFields({"url": url, "canonical_url": url, "site": "kyodo", "title": f"{title} {n}",
                             "authors": list(authors), "published": "2026-11-20T09:00:00+09:00", "lead": "Lead.",
                             "body": f"Lead.\n\nBody of {title} {n}.", "access": access, "word_count": 5,
                             "parser": "kyodo", "parser_version": "1", "warnings": []})
    record = f"<urn:uuid:{n}-{fetched}-{access}>"
    capture = Capture(url=url, site="kyodo", status=200, content_type="text/html", fetched_at=fetched,
                      payload_digest=f"sha1:{n}{title}", warc_file="a.warc.gz", warc_offset=n * 100,
                      warc_length=99, record_id=record, record_type="revisit" if revisit_of else "response",
                      revisit_of=revisit_of)
    return article, capture


def dump(path: Path) -> dict[str, list]:
    """Every table by content (row ids aside: a batch inserts new articles before the others)."""
    db = sqlite3.connect(path)
    url_of = dict(db.execute("SELECT id, canonical_url FROM articles"))
    record_of = dict(db.execute("SELECT id, record_id FROM captures"))
    columns = [c[1] for c in db.execute("PRAGMA table_info(articles)") if c[1] not in ("id", "capture_id")]
    return {
        "articles": sorted(db.execute(f"SELECT {', '.join(columns)} FROM articles")),
        "article_capture": sorted((url, record_of[cid]) for url, cid in db.execute(
            "SELECT canonical_url, capture_id FROM articles")),
        "versions": sorted((url_of[a], record_of[c], t, b, h) for a, c, t, b, h in db.execute(
            "SELECT article_id, capture_id, title, body, content_hash FROM article_versions")),
        "authors": sorted((url_of[a], name, pos) for a, name, pos in db.execute(
            "SELECT article_id, name, position FROM article_authors JOIN authors ON authors.id = author_id")),
        "captures": sorted(r[1:] for r in db.execute("SELECT * FROM captures")),
        "fts": sorted(db.execute("SELECT rowid IN (SELECT id FROM articles) FROM articles_fts WHERE articles_fts MATCH 'body'")),
    }


def test_a_batch_stores_what_one_by_one_upserts_store(tmp_path):
    earlier = [page(1, "2026-11-20T01:00:00Z"), page(2, "2026-11-20T01:00:00Z")]
    batch = [
        page(3, "2026-11-21T01:00:00Z"),  # new
        page(1, "2026-11-21T01:00:00Z", title="Edited"),  # held: an edit
        page(2, "2026-11-21T01:00:00Z", access="gated"),  # held: a gated view keeps the full text
        page(4, "2026-11-21T01:00:00Z", authors=("Kenji Kato", "Aiko Sato")),  # new, two authors
        page(4, "2026-11-21T02:00:00Z", title="Edited", authors=("Kenji Kato",)),  # new above: then edited
        page(3, "2026-11-22T01:00:00Z", revisit_of="<urn:uuid:3-2026-11-21T01:00:00Z-full>"),  # a revisit
        page(5, "2026-11-22T01:00:00Z", revisit_of="<urn:uuid:5-2026-11-19T01:00:00Z-full>"),  # new, seen before
    ]
    outcomes = {}
    for name, write in (("one", lambda ix: [add_page(ix, *p) for p in batch]), ("batch", lambda ix: add_pages(ix, batch))):
        index = Index(tmp_path / f"{name}.db")
        for p in earlier:
            add_page(index, *p)
        index.add_capture(page(5, "2026-11-19T01:00:00Z")[1])  # archived then, not indexed as an article
        index.commit()
        index.begin()
        outcomes[name] = write(index)
        index.commit()
        index.close()
    assert outcomes["batch"] == outcomes["one"] == ["new", "edited", "kept", "new", "edited", "updated", "new"]
    assert dump(tmp_path / "batch.db") == dump(tmp_path / "one.db")



def test_new_articles_split_over_several_statements_are_stored_alike(tmp_path):
    pages = [page(n, "2026-11-21T01:00:00Z", authors=("Aiko Sato", f"Writer {n}")) for n in range(1, 8)]
    writes = (("one", lambda ix: [add_page(ix, *p) for p in pages]), ("batch", lambda ix: add_pages(ix, pages)))
    for name, write in writes:
        index = Index(tmp_path / f"{name}.db")
        index.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)  # two or three rows per INSERT
        index.begin()
        assert write(index) == ["new"] * 7
        index.commit()
        index.close()
    assert dump(tmp_path / "batch.db") == dump(tmp_path / "one.db")
    with sqlite3.connect(tmp_path / "batch.db") as db:
        db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
        assert db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'body'").fetchone()[0] == 7

def test_the_writer_loses_only_the_bad_page_of_a_batch(tmp_path):
    writer = IndexWriter(tmp_path / "index.db", batch=50)
    bad = page(99, "2026-11-21T01:00:00Z")
    del bad[0]["url"], bad[0]["canonical_url"]  # KeyError inside the batch
    pages = [page(n, "2026-11-21T01:00:00Z") for n in range(1, 11)]
    for article, capture in pages[:5] + [bad] + pages[5:]:
        writer.add_article(article, capture)
    writer.flush()
    writer.close()
    assert writer.outcomes == {"new": 10, "errors": 1}
    assert "KeyError" in writer.errors[0]
    with sqlite3.connect(tmp_path / "index.db") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 10
        assert db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 10
        assert db.execute("SELECT count(*) FROM captures").fetchone()[0] == 10


def test_a_page_failing_late_in_a_batch_costs_no_other_article(tmp_path):
    # The batch fails after it has added the new articles and their authors; tried again one by one, those
    # articles must not link to author rows the rollback took away.
    writer = IndexWriter(tmp_path / "index.db", batch=50)
    pages = [page(n, "2026-11-21T01:00:00Z", authors=("Aiko Sato", f"Writer {n}")) for n in range(1, 4)]
    bad = page(1, "2026-11-21T02:00:00Z", title="Edited")  # held by then: upserted after the new ones
    bad[0]["published"] = 5  # TypeError where the publication time is read
    for article, capture in pages + [bad]:
        writer.add_article(article, capture)
    writer.flush()
    writer.close()
    assert writer.outcomes == {"new": 3, "errors": 1}, writer.errors
    assert "TypeError" in writer.errors[0]
    with sqlite3.connect(tmp_path / "index.db") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
        assert sorted(db.execute("SELECT name, count(*) FROM article_authors JOIN authors ON authors.id = author_id "
                                 "GROUP BY name")) == [("Aiko Sato", 3), ("Writer 1", 1), ("Writer 2", 1),
                                                       ("Writer 3", 1)]


def _in_transaction(writer: IndexWriter) -> bool:
    """Whether the writer thread holds uncommitted rows, asked in order with the queued rows."""
    answer, done = [], threading.Event()
    writer.call(lambda index: (answer.append(index.conn.in_transaction), done.set()))
    assert done.wait(10)
    return answer[0]


def test_the_writer_commits_after_a_batch_or_a_time_bound_not_after_each_row(tmp_path):
    slow = IndexWriter(tmp_path / "slow.db", batch=4, commit_seconds=60)  # the question counts as a job
    for n in (1, 2):
        slow.add_capture(page(n, "2026-11-21T01:00:00Z")[1])
    assert _in_transaction(slow), "two rows of a batch of four were committed early"
    slow.add_capture(page(3, "2026-11-21T01:00:00Z")[1])
    assert not _in_transaction(slow), "a full batch stayed uncommitted"
    slow.close()

    quick = IndexWriter(tmp_path / "quick.db", batch=1000, commit_seconds=0.2)
    quick.add_capture(page(1, "2026-11-21T01:00:00Z")[1])
    deadline = time.monotonic() + 10
    with sqlite3.connect(tmp_path / "quick.db") as db:
        while db.execute("SELECT count(*) FROM captures").fetchone()[0] == 0:
            assert time.monotonic() < deadline, "a lone row was never committed"
            time.sleep(0.05)
    quick.close()


def test_text_sqlite_cannot_store_is_stored_replaced_with_a_warning(tmp_path):
    # The parsers hand over storable text; this is the index's own guard for what slips past them (an older
    # parser, a bug): a lone surrogate cannot be encoded at all, a NUL ends the text for SQL's functions.
    bad, _ = page(7, "2026-11-21T01:00:00Z", title="A \ud800 B", authors=("Aiko \udfff Sato",))
    capture = page(7, "2026-11-21T01:00:00Z")[1]
    bad.update(body="Lead.\n\nBody\x00 text.", warnings=["a parser warning"])
    writer = IndexWriter(tmp_path / "index.db")
    writer.add_capture(capture)
    writer.add_article(ArticleFields(bad), capture)
    writer.flush()
    writer.close()
    assert writer.outcomes == {"new": 1}, writer.errors
    with sqlite3.connect(tmp_path / "index.db") as db:
        (title, body, authors, warnings), = db.execute("SELECT title, body, authors, warnings FROM articles")
        assert (title, body) == ("A \ufffd B 7", "Lead.\n\nBody\ufffd text.")
        assert json.loads(authors) == ["Aiko \ufffd Sato"]
        assert json.loads(warnings) == ["a parser warning",
                                        "title: unstorable text replaced with U+FFFD by the index",
                                        "authors: unstorable text replaced with U+FFFD by the index",
                                        "body: unstorable text replaced with U+FFFD by the index"]
        assert db.execute("SELECT name FROM authors").fetchall() == [("Aiko \ufffd Sato",)]
        assert db.execute("SELECT title FROM article_versions").fetchall() == [("A \ufffd B 7",)]
        assert db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'text'").fetchone() == (1,)

    held, _ = page(7, "2026-11-22T01:00:00Z", title="A \ud800 C")  # one by one, as an edit of a held article
    index = Index(tmp_path / "index.db")
    index.begin()
    assert add_page(index, held, page(7, "2026-11-22T01:00:00Z")[1]) == "edited"
    index.commit()
    assert index.article(held["url"])["title"] == "A \ufffd C 7"
    index.close()

"""The crawl's read-only index lookups answer "nothing" for an index not made yet or made before its tables, and
find a URL's newest full capture from another thread than the one that asked first."""

from __future__ import annotations

import sqlite3
import threading

from archive.index import Capture, Index
from archive.lookups import LastFullCaptures, articles_held, crawl_ids, previous_crawl

URL = "http://127.0.0.1:9/list"


def capture(n: int, status: int = 200, record_type: str = "response") -> Capture:
    return Capture(url=URL, site="kyodo", status=status, content_type="text/html", fetched_at=f"2026-01-0{n}T00:00:00Z",
                   payload_digest=None, warc_file=f"f{n}.warc.gz", warc_offset=n * 100, warc_length=10,
                   record_id=f"<urn:uuid:{n}>", crawl_id="c1", record_type=record_type)


def test_no_index_and_no_tables_mean_nothing_held(tmp_path):
    for db in (tmp_path / "missing.db", tmp_path / "empty.db"):
        if db.name == "empty.db":
            sqlite3.connect(db).execute("CREATE TABLE other (x)").connection.close()
        assert articles_held(db, "kyodo", lambda fetched_at, access: access) == {}
        assert previous_crawl(db, "kyodo", None) is None
        assert crawl_ids(db) == set()
        lookups = LastFullCaptures(db)
        assert lookups.find(URL) is None
        lookups.close()


def test_newest_full_capture_found_from_another_thread(tmp_path):
    index = Index(tmp_path / "index.db")
    index.start_crawl("c1", ["kyodo"], {}, "2026-01-01T00:00:00Z")
    for cap in (capture(1), capture(2), capture(3, status=304), capture(4, record_type="revisit")):
        index.add_capture(cap)
    index.commit()
    lookups = LastFullCaptures(index.path)
    assert lookups.find(URL) == ("f2.warc.gz", 200)
    found = []
    thread = threading.Thread(target=lambda: found.append(lookups.find(URL)))
    thread.start()
    thread.join()
    assert found == [("f2.warc.gz", 200)]
    lookups.close()
    index.close()

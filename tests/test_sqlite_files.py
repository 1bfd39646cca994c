"""Processes that create the project's SQLite files at the same moment (a scheduler starting both sites'
crawls) all get a working database, never "database is locked"."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from archive.dedupe import DigestIndex
from archive.index import Index
from crawler.scheduling.store import ScheduleStore

OPENERS = {
    "digests": lambda data: DigestIndex(data / "digests.db").close(),
    "index": lambda data: Index(data / "index.db").conn.close(),
    "schedules": lambda data: ScheduleStore(data).close(),
}


def _open_after(start, kind: str, data) -> None:
    start.wait()
    OPENERS[kind](data)


@pytest.mark.parametrize("kind", sorted(OPENERS))
def test_concurrent_creation_of_a_fresh_file(tmp_path, kind):
    ctx = multiprocessing.get_context("fork")
    for round_ in range(25):
        data = tmp_path / str(round_)
        start = ctx.Event()
        workers = [ctx.Process(target=_open_after, args=(start, kind, data)) for _ in range(6)]
        for worker in workers:
            worker.start()
        start.set()
        for worker in workers:
            worker.join(60)
        assert [w.exitcode for w in workers] == [0] * 6, f"round {round_}: a process failed to open {kind}"
        db_file = next(p for p in data.iterdir() if p.suffix == ".db")
        with sqlite3.connect(db_file) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

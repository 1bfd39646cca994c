"""Catching the index up with the WARC files after a killed crawl (crash-safe resume).

The WARC writer flushes every exchange before the index hears of it, and the index commits in batches,
so a crawl killed with SIGKILL leaves archived records that no index row points at yet, and captures whose
page was still being parsed (the capture row committed, the article row not). Before the next crawl
starts, those records are indexed, and those pages parsed, exactly as `reindex` would (same parser, same
order, same best-version rule, each capture's role and needed_by read from its metadata record), so
nothing fetched is lost and nothing archived needs fetching again: the spiders hold a URL once it has an
article row (crawler/spiders/state.py).

Only files that may hold unindexed records are read: files no capture row mentions, and files of crawls
whose row is not settled (a killed crawl's row stays `running`, and so does that of a crawl whose index
writer stopped on a full disk: crawler/run.py leaves it so; a crawl that stopped on a full disk with its
index intact is `disk_full`, settled like `failed`). Once read, a dead crawl's row becomes `interrupted`,
so its files are not read again, and a page that is no article is parsed once, not at every start.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive import crawllock
from archive.decoding import MAX_BODY_BYTES
from archive.index import Index
from archive.members import Damage
from archive.recovery import recover_open_files
from archive.reindex import ParseFn, ReindexReport, _Builder, warc_files_in_order
from archive.storage import DISK_FULL, STORAGE_ERROR

# Crawl statuses after which the crawl's pipeline wrote everything, or a catch-up read its files.
DONE = ("finished", "degraded", "failed", "interrupted", "reindexed", DISK_FULL, STORAGE_ERROR)


@dataclass
class CatchUp:
    files_read: list[str] = field(default_factory=list)
    captures_added: int = 0
    pages_reparsed: int = 0  # captured pages whose article row the kill lost, parsed from their record
    damaged: list[Damage] = field(default_factory=list)  # unreadable ranges of the files read, skipped
    articles_before: int = 0
    articles_after: int = 0
    crawls_marked: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def articles_added(self) -> int:
        return self.articles_after - self.articles_before

    def summary(self) -> str:
        damaged = "".join(f"; DAMAGED {d} (skipped)" for d in self.damaged)
        if not self.files_read and not self.recovered:
            return "index is up to date with the WARC files" + damaged
        return (f"caught up the index from {len(self.files_read)} WARC file(s) left by an interrupted crawl: "
                f"{self.captures_added} captures, {self.articles_added} articles added"
                + (f", {self.pages_reparsed} captured pages parsed" if self.pages_reparsed else "")
                + (f"; recovered {', '.join(self.recovered)}" if self.recovered else "") + damaged)


def catch_up(warc_dir: str | Path, db_path: str | Path, parse: ParseFn,
             max_body_bytes: int = MAX_BODY_BYTES) -> CatchUp:
    """Index the records of `warc_dir` the index at `db_path` has not heard of. Pages larger than
    `max_body_bytes` (as stored or decoded) are captured but not parsed, and named in `problems`."""
    warc_dir, db_path = Path(warc_dir), Path(db_path)
    result = CatchUp()
    if not warc_dir.is_dir():
        return result
    result.recovered = [r.short() for r in recover_open_files(warc_dir)]
    index = Index(db_path)
    try:
        suspects = _suspect_files(index.conn, warc_dir)
        if not suspects:
            return result
        # Decided before reading: a crawl that dies meanwhile stays `running` and is caught up next time.
        running = [r[0] for r in index.conn.execute(
            f"SELECT id FROM crawls WHERE status IS NULL OR status NOT IN ({', '.join('?' * len(DONE))})", DONE)]
        dead = {c for c in running if not crawllock.alive(db_path.parent, c)}
        result.articles_before = index.count("articles")
        report = ReindexReport(db_path=db_path)
        builder = _Builder(index, warc_dir, parse, report, workers=1, max_body_bytes=max_body_bytes)
        builder.known_crawls.update(r[0] for r in index.conn.execute("SELECT id FROM crawls"))
        for path in suspects:
            known = {r[0] for r in index.conn.execute("SELECT record_id FROM captures WHERE warc_file = ?",
                                                      [path.name])}
            before = report.captures, report.reparsed
            builder.add_file(path, skip_ids=known, reparse_ids=_unparsed(index.conn, path.name, dead))
            builder.drain()
            if (report.captures, report.reparsed) != before:
                result.files_read.append(path.name)
        builder.finish()
        result.captures_added = report.captures
        result.pages_reparsed = report.reparsed
        result.damaged = list(report.damaged)
        result.problems = list(report.problems)
        index.begin()
        for crawl_id in running:
            if crawl_id in dead:
                index.conn.execute("UPDATE crawls SET status = 'interrupted' WHERE id = ?", [crawl_id])
                result.crawls_marked.append(crawl_id)
        index.commit()
        for crawl_id in result.crawls_marked:  # a killed crawl's lock file: nobody takes that id again
            crawllock.lock_path(db_path.parent, crawl_id).unlink(missing_ok=True)
        result.articles_after = index.count("articles")
        return result
    finally:
        index.close()


def _suspect_files(conn: sqlite3.Connection, warc_dir: Path) -> list[Path]:
    referenced = {r[0] for r in conn.execute("SELECT DISTINCT warc_file FROM captures")}
    unfinished = {r[0] for r in conn.execute(
        "SELECT DISTINCT c.warc_file FROM captures c JOIN crawls k ON k.id = c.crawl_id "
        f"WHERE k.status IS NULL OR k.status NOT IN ({', '.join('?' * len(DONE))})", DONE)}
    return [p for p in warc_files_in_order(warc_dir) if p.name not in referenced or p.name in unfinished]


def _unparsed(conn: sqlite3.Connection, warc_file: str, dead: set[str]) -> set[str]:
    """Record ids of captured pages in `warc_file` that a dead crawl fetched but never got into `articles`:
    status 200, HTML, a page (requisites are never parsed), and no article row for the URL that was seen at or
    after the capture (a capture's article row, whatever the upsert's outcome, has `last_seen` at least its date).
    Pages that are no article have no row either; they are parsed once, as the crawl is then marked `interrupted`.
    A live crawl's are left to it: it may be parsing them right now."""
    if not dead:
        return set()
    rows = conn.execute(
        "SELECT c.record_id, c.crawl_id FROM captures c WHERE c.warc_file = ? AND c.status = 200 AND c.role = 'page' "
        "AND (c.content_type IS NULL OR c.content_type LIKE '%html%') "
        "AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = c.url AND a.last_seen >= c.fetched_at) "
        "AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.canonical_url = c.url AND a.last_seen >= c.fetched_at)",
        [warc_file])
    return {record_id for record_id, crawl_id in rows if crawl_id in dead}

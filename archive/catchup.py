"""Catching the index up with the WARC files after a killed crawl (crash-safe resume).

The WARC writer flushes every exchange before the index hears of it, and the index commits in batches,
so a crawl killed with SIGKILL leaves archived records that no index row points at yet. Before the next
crawl starts, those records are indexed exactly as `reindex` would (same parser, same order, same
best-version rule), so nothing fetched is lost and nothing archived needs fetching again.

Only files that may hold unindexed records are read: files no capture row mentions, and files of crawls
whose row is not `finished` (a killed crawl's row stays `running`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive.decoding import MAX_BODY_BYTES
from archive.index import Index
from archive.reindex import ParseFn, ReindexReport, _Builder, warc_files_in_order
from archive.warc import recover_open_files


@dataclass
class CatchUp:
    files_read: list[str] = field(default_factory=list)
    captures_added: int = 0
    articles_before: int = 0
    articles_after: int = 0
    crawls_marked: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def articles_added(self) -> int:
        return self.articles_after - self.articles_before

    def summary(self) -> str:
        if not self.files_read and not self.recovered:
            return "index is up to date with the WARC files"
        return (f"caught up the index from {len(self.files_read)} WARC file(s) left by an interrupted crawl: "
                f"{self.captures_added} captures, {self.articles_added} articles added"
                + (f"; recovered {', '.join(self.recovered)}" if self.recovered else ""))


def catch_up(warc_dir: str | Path, db_path: str | Path, parse: ParseFn,
             max_body_bytes: int = MAX_BODY_BYTES) -> CatchUp:
    """Index the records of `warc_dir` the index at `db_path` has not heard of. Pages larger than
    `max_body_bytes` (as stored or decoded) are captured but not parsed, and named in `problems`."""
    warc_dir, db_path = Path(warc_dir), Path(db_path)
    result = CatchUp()
    if not warc_dir.is_dir():
        return result
    result.recovered = [f"{r.open_file} -> {r.warc_file or 'removed'}" for r in recover_open_files(warc_dir)]
    index = Index(db_path)
    try:
        suspects = _suspect_files(index.conn, warc_dir)
        if not suspects:
            return result
        result.articles_before = index.count("articles")
        report = ReindexReport(db_path=db_path)
        builder = _Builder(index, warc_dir, parse, report, workers=1, max_body_bytes=max_body_bytes)
        builder.known_crawls.update(r[0] for r in index.conn.execute("SELECT id FROM crawls"))
        for path in suspects:
            known = {r[0] for r in index.conn.execute("SELECT record_id FROM captures WHERE warc_file = ?",
                                                      [path.name])}
            before = report.captures
            builder.add_file(path, skip_ids=known)
            builder.drain()
            if report.captures > before:
                result.files_read.append(path.name)
        builder.finish()
        result.captures_added = report.captures
        result.problems = list(report.problems)
        index.begin()
        for (crawl_id,) in index.conn.execute("SELECT id FROM crawls WHERE status = 'running'").fetchall():
            if not _crawl_alive(crawl_id, warc_dir):
                index.conn.execute("UPDATE crawls SET status = 'interrupted' WHERE id = ?", [crawl_id])
                result.crawls_marked.append(crawl_id)
        index.commit()
        result.articles_after = index.count("articles")
        return result
    finally:
        index.close()


def _suspect_files(conn: sqlite3.Connection, warc_dir: Path) -> list[Path]:
    referenced = {r[0] for r in conn.execute("SELECT DISTINCT warc_file FROM captures")}
    unfinished = {r[0] for r in conn.execute(
        "SELECT DISTINCT c.warc_file FROM captures c JOIN crawls k ON k.id = c.crawl_id "
        "WHERE k.status IS NULL OR k.status NOT IN ('finished', 'failed', 'interrupted', 'reindexed')")}
    return [p for p in warc_files_in_order(warc_dir) if p.name not in referenced or p.name in unfinished]


def _crawl_alive(crawl_id: str, warc_dir: Path) -> bool:
    """A crawl is still running if a WARC file of its process is still open."""
    from archive.warc import _writer_alive

    return any(_writer_alive(p.name) for p in warc_dir.glob("*.open"))

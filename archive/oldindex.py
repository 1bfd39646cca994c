"""What a rebuild (archive/reindex.py) owes the index it replaces: its rows that no WARC file holds, a check
that nothing it held is lost, and a replacement that leaves nothing of it behind.

The old index may be damaged itself: garbage bytes, a truncated SQLite file, a file with other tables. Each
table is read on its own, and what cannot be read is named in the report instead of stopping the rebuild,
whose whole point may be to replace that file.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

# Rows no WARC file can give back. The health tables came with schema 5: an older index has none to carry.
CARRIED = ("crawls", "fetch_errors", "crawl_sites", "crawl_skips", "crawl_findings", "alarms")
SINCE_SCHEMA_5 = ("crawl_sites", "crawl_skips", "crawl_findings", "alarms")
CARRIED_TEXT = "crawls, fetch_errors and the crawl health tables"
EXAMPLES = 5  # lost URLs named in the report


@dataclass
class Loss:
    """What the rebuilt index would not hold that the old one did."""

    old_articles: int | None = None  # None: could not be counted
    new_articles: int = 0
    articles: int = 0  # old articles (by canonical URL) missing from the new index
    article_urls: list[str] = field(default_factory=list)  # the first few
    old_captures: int | None = None
    captures: int = 0  # old captures (by WARC record id) missing from the new index
    capture_urls: list[str] = field(default_factory=list)
    not_compared: str | None = None  # why the comparison could not be made

    @property
    def any(self) -> bool:
        return bool(self.articles or self.captures)

    def lines(self, replaced: bool) -> list[str]:
        if self.not_compared:
            return [f"cannot compare with the old index ({self.not_compared}): whether anything it held is "
                    "lost is not known"]
        if not self.any:
            return [f"nothing lost: the old index held {self.old_articles:,} article(s), the new one holds "
                    f"{self.new_articles:,}"]
        verb = "LOST (accepted)" if replaced else "the new index would lose"
        lines = [f"{verb}: {self.articles:,} of the old index's {self.old_articles:,} article(s) and "
                 f"{self.captures:,} of its {self.old_captures:,} capture(s)"]
        lines += [f"    article {url}" for url in self.article_urls]
        if self.articles > len(self.article_urls):
            lines.append(f"    … and {self.articles - len(self.article_urls):,} more article(s)")
        others = [url for url in self.capture_urls if url not in self.article_urls]
        lines += [f"    capture {url}" for url in others]
        if self.captures > len(self.capture_urls):
            lines.append(f"    … and {self.captures - len(self.capture_urls):,} more capture(s)")
        return lines


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # "file is not a database" shows here
    return conn


def _why(exc: sqlite3.Error) -> str:
    return str(exc) or type(exc).__name__


def carry_over(old_path: Path, new: sqlite3.Connection) -> tuple[dict[str, list[tuple]], list[str]]:
    """The rows of `CARRIED` tables in the old index, per table, as (columns, rows) ready to insert into
    `new`, and a line for each table that could not be read (and so is not carried over)."""
    carried: dict[str, list] = {}
    missing: list[str] = []
    try:
        old = _open(old_path)
    except sqlite3.Error as exc:
        return carried, [f"old index unreadable ({_why(exc)}): {CARRIED_TEXT} not carried over"]
    try:
        tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in CARRIED:
            if table not in tables:
                if table in SINCE_SCHEMA_5:
                    continue
                missing.append(f"old index has no {table} table: none carried over")
                continue
            try:
                old_cols = [r[1] for r in old.execute(f"PRAGMA table_info({table})")]
                new_cols = {r[1] for r in new.execute(f"PRAGMA table_info({table})")}
                cols = [c for c in old_cols if c in new_cols]
                rows = old.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY rowid").fetchall()
            except sqlite3.Error as exc:
                missing.append(f"old index's {table} table unreadable ({_why(exc)}): not carried over")
                continue
            carried[table] = [cols, rows]
    except sqlite3.Error as exc:
        missing.append(f"old index unreadable ({_why(exc)}): {CARRIED_TEXT} not carried over")
    finally:
        old.close()
    return carried, missing


def compare(old_path: Path, new_path: Path) -> Loss:
    """Articles (by canonical URL) and captures (by WARC record id) of the old index that the new one lacks.
    Done in SQL over both files (the new one attached), so memory does not grow with the archive."""
    loss = Loss()
    try:
        conn = _open(old_path)
    except sqlite3.Error as exc:
        loss.not_compared = f"old index unreadable: {_why(exc)}"
        return loss
    try:
        conn.execute("ATTACH DATABASE ? AS rebuilt", [f"file:{new_path}?mode=ro"])
        loss.new_articles = conn.execute("SELECT count(*) FROM rebuilt.articles").fetchone()[0]
        for table, key, label in (("articles", "canonical_url", "articles"), ("captures", "record_id", "captures")):
            try:
                total = conn.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0]
                gone = (f"FROM main.{table} o WHERE NOT EXISTS "
                        f"(SELECT 1 FROM rebuilt.{table} n WHERE n.{key} = o.{key})")
                count = conn.execute(f"SELECT count(*) {gone}").fetchone()[0]
                urls = [r[0] for r in conn.execute(f"SELECT o.url {gone} ORDER BY o.rowid LIMIT {EXAMPLES}")]
            except sqlite3.Error as exc:
                loss.not_compared = f"its {table} table cannot be read: {_why(exc)}"
                return loss
            if label == "articles":
                loss.old_articles, loss.articles, loss.article_urls = total, count, urls
            else:
                loss.old_captures, loss.captures, loss.capture_urls = total, count, urls
    except sqlite3.Error as exc:
        loss.not_compared = _why(exc)
    finally:
        conn.close()
    return loss


class ReplaceRefused(RuntimeError):
    pass


def replace(new: Path, target: Path) -> None:
    """Move the finished index over the old one. A readable old index's WAL is checkpointed and emptied first,
    so no stale write-ahead log is left beside the new file (a busy one stops the swap); an unreadable old
    index's -wal and -shm files are removed: SQLite would otherwise apply that log to the new file."""
    if target.exists():
        readable = True
        conn = sqlite3.connect(target, timeout=10)
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ReplaceRefused(f"cannot take over {target}: {exc}") from None
            readable, busy = False, 0
        except sqlite3.DatabaseError:  # not a database, malformed: nothing in it to keep
            readable, busy = False, 0
        finally:
            conn.close()
        if busy:
            raise ReplaceRefused(f"{target} is in use by another process: the old index is kept")
        if not readable:
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(new, target)
    wal = Path(f"{target}-wal")  # left (empty) when a reader still had the old file open
    if wal.exists() and wal.stat().st_size == 0:
        wal.unlink(missing_ok=True)

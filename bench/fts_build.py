"""The synthetic full-text index of `bench/fts.py` (and `bench/readingroom.py`), built once and cached.

Building 1M articles takes many minutes, so the built index is kept under `.cache/bench/` (or
$NEWSARCHIVE_BENCH_CACHE), named after the article count and a key of everything that shapes it: CORPUS_VERSION
(bump it when `Corpus` or `populate` change), the index schema version, and the full-text columns, tokenizer
and settings (a changed FTS table makes a new index, never a stale one). Beside it, a JSON file keeps what the
build measured (insert time of ours and of the bare baseline, sizes), so a cached run still reports them.

The build is the path of `newsarchive reindex`: `archive.bulk.add_pages` into an `Index` with the bulk page
cache and `synchronous=OFF`, finished with `journal_mode=DELETE` and `PRAGMA optimize`; same schema,
triggers and FTS settings, FTS segments merged by FTS5's automerge as a crawl's or a reindex's are. Only the
transaction size (BATCH articles a commit) is the bench's: larger than a crawl's, for speed (measured at 20k:
5,000 a commit with synchronous=OFF inserts 2,880 articles/s, 1,000 with NORMAL 1,950).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

CORPUS_VERSION = 1
BATCH = 5000
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Built:
    path: Path
    articles: int
    build_seconds: float  # inserting through archive.bulk (generating the articles not counted)
    bare_seconds: float  # the same articles by executemany into a bare table
    size_bytes: int
    bare_size_bytes: int
    segments: int  # FTS5 segments the automerge left
    cached: bool = False


def cache_dir() -> Path:
    return Path(os.environ.get("NEWSARCHIVE_BENCH_CACHE") or ROOT / ".cache" / "bench")


def shape_key() -> str:
    """What the index is made of, beyond the corpus: a different schema or FTS table is a different index."""
    from archive import fulltext
    from archive.schema import SCHEMA_VERSION

    shape = [CORPUS_VERSION, SCHEMA_VERSION, list(fulltext.COLUMNS), fulltext.TOKENIZE, fulltext.SETTINGS, BATCH]
    return hashlib.sha1(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()[:10]


def fts_segments(path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        # Every segment has at least one row (its first leaf) in the %_idx table.
        return conn.execute("SELECT count(DISTINCT segid) FROM articles_fts_idx").fetchone()[0]
    finally:
        conn.close()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def built_index(n: int) -> Built:
    """The index of `n` synthetic articles: from the cache, or built now (with progress on stderr)."""
    directory = cache_dir()
    path = directory / f"fts-{n}-{shape_key()}.db"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        fields = json.loads(meta.read_text())
        return Built(**{**fields, "path": path, "cached": True})
    directory.mkdir(parents=True, exist_ok=True)
    tmp, bare = path.with_suffix(".building"), path.with_suffix(".bare")
    for stale in (tmp, bare):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{stale}{suffix}").unlink(missing_ok=True)
    say(f"building the {n:,}-article bench index in {path} (once; cached for later runs)")
    began = time.perf_counter()
    built_seconds, bare_seconds = populate(tmp, bare, n, progress=lambda done: say(
        f"  {done:,}/{n:,} articles, {time.perf_counter() - began:,.0f} s"))
    bare_size = bare.stat().st_size
    bare.unlink()
    tmp.replace(path)
    Path(f"{tmp}.lock").unlink(missing_ok=True)  # the Index's lock file, as reindex removes it
    built = Built(path=path, articles=n, build_seconds=built_seconds, bare_seconds=bare_seconds,
                  size_bytes=path.stat().st_size, bare_size_bytes=bare_size, segments=fts_segments(path))
    meta.write_text(json.dumps({k: v for k, v in asdict(built).items() if k not in ("path", "cached")}, indent=2))
    say(f"built in {time.perf_counter() - began:,.0f} s: {built.size_bytes / 1e9:.2f} GB, {built.segments} FTS segments")
    return built


def populate(path: Path, baseline_path: Path, n: int, progress=None) -> tuple[float, float]:
    """Insert `n` synthetic articles twice: through `archive.bulk.add_pages` as `reindex` does (captures,
    articles, FTS triggers, versions, authors), and by one plain executemany per batch into a bare `articles`
    table (no FTS, triggers, indexes or versions). Returns the seconds each spent; generating the articles
    is timed in neither."""
    import sqlite3

    from archive.bulk import add_pages
    from archive.index import BULK_CACHE_MB, Capture, Index, _utc
    from bench.fts import BASELINE_COLUMNS, BASELINE_TABLE, Corpus
    from crawler.parsers import Article

    corpus = Corpus()
    index = Index(path, cache_mb=BULK_CACHE_MB)
    index.conn.execute("PRAGMA synchronous=OFF")  # as reindex: a failed build is thrown away
    bare = sqlite3.connect(baseline_path, isolation_level=None)
    bare.execute("PRAGMA journal_mode=WAL")
    bare.execute("PRAGMA synchronous=OFF")
    bare.execute(BASELINE_TABLE)
    insert = f"INSERT INTO articles ({', '.join(BASELINE_COLUMNS)}) VALUES ({', '.join('?' for _ in BASELINE_COLUMNS)})"
    spent_index = spent_bare = 0.0
    reported = 0
    try:
        for start in range(0, n, BATCH):
            articles = [corpus.article(i, n) for i in range(start, min(n, start + BATCH))]
            captures = [Capture(url=a["url"], site=a["site"], status=200, content_type="text/html",
                                fetched_at=a["published"], payload_digest=f"sha1:{i}", warc_file="bench.warc.gz",
                                warc_offset=i * 9000, warc_length=9000, record_id=f"<urn:uuid:bench-{i}>")
                        for i, a in enumerate(articles, start)]
            pages = [(Article(**a), capture) for a, capture in zip(articles, captures)]  # as a parser returns it
            began = time.perf_counter()
            index.begin()
            add_pages(index, pages)
            index.commit()
            spent_index += time.perf_counter() - began
            began = time.perf_counter()
            rows = [[json.dumps(a[c], ensure_ascii=False) if isinstance(a[c], (list, dict)) else a[c]
                     for c in BASELINE_COLUMNS[:-1]] + [_utc(a["published"])] for a in articles]
            bare.execute("BEGIN")
            bare.executemany(insert, rows)
            bare.execute("COMMIT")
            spent_bare += time.perf_counter() - began
            done = start + len(articles)
            if progress and (done - reported >= max(n // 20, BATCH) or done == n):
                progress(done)
                reported = done
        index.conn.execute("PRAGMA journal_mode=DELETE")  # as reindex: one self-contained file
        index.conn.execute("PRAGMA optimize")
    finally:
        index.close()
        bare.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        bare.close()
    return spent_index, spent_bare


if __name__ == "__main__":  # `python -m bench.fts_build N...`: build (or show) the cached indexes
    for count in sys.argv[1:] or ["200000", "1000000"]:
        say(str(built_index(int(count))))

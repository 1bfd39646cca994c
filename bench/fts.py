"""Full-text search at scale: query latency of `archive.search.search` vs plain `ORDER BY rank`, bulk insert
rate through `Index.upsert_article` vs a bare executemany, and index size per article.

Synthetic corpus (no network, deterministic): wire-style English with a Zipf-Mandelbrot word distribution
over a 50,000-entry vocabulary, so the top words ("Japan", "government", ...) occur in nearly every
article and the tail words in a few hundred; a handful of multiword units ("prime minister") make phrase
queries meaningful. ~4 KB bodies; publication dates rise with the row id over three years, as in an
archive that grows by crawling.
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path

from bench.common import Row

# Frequent words first: their Zipf rank decides in how many rows they occur.
HEAD = ("the of and to in a said on for that with was is as by at from Japan it government its has be "
        "will minister an year are were Tokyo have not prime_minister which also percent officials after "
        "more people country but been new than two first would policy economy China last ministry over "
        "United_States election party company market this they their about who could up against told").split()
MID = ("agreement budget trade security defense energy nuclear tax spending growth inflation yen bank "
       "prices interest rate exports imports tourism earthquake tsunami typhoon rain flood rescue police "
       "court ruling lawsuit trial verdict judge prosecutors suspect arrest investigation hospital health "
       "vaccine infection patients doctors school students teachers university research scientists space "
       "rocket satellite launch railway station airport flights airline shipping port fishing rice farmers "
       "wages workers union employment pension elderly population birth children families housing rent "
       "village town city prefecture region island coast mountain river forest wildlife climate emissions "
       "carbon solar wind hydrogen battery electric vehicle automaker chip semiconductor factory supply "
       "chain investment startup technology internet data privacy cyber attack military missile drill "
       "alliance summit talks treaty sanctions embassy diplomat visit delegation envoy negotiations "
       "Bank_of_Japan Liberal_Democratic_Party Diet cabinet lawmakers opposition coalition vote poll survey "
       "festival shrine temple museum exhibition concert film baseball soccer Olympics tournament champion "
       "record medal athlete coach season league stadium fans ticket").split()
SITES = ("kyodo", "kyodo", "kyodo", "inakoran", "inakoran")  # 60 / 40
VOCABULARY = 50_000
TOKENS_PER_PARAGRAPH = 100
PARAGRAPHS = 5  # ~500 words, ~4 KB


def _tail_word(rng: random.Random) -> str:
    onsets = "b c d f g h j k l m n p r s t v w z br cr dr fl gr kr pl pr sh st tr th".split()
    vowels = "a e i o u ai ea io ou".split()
    return "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(2, 4))) + rng.choice(
        ["", "n", "s", "r", "t", "l"])


def vocabulary(seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    words = [w.replace("_", " ") for w in HEAD + MID]
    seen = {w.lower() for w in words}
    while len(words) < VOCABULARY:
        word = _tail_word(rng)
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Corpus:
    """Deterministic synthetic articles. Bodies are windows of one pre-drawn token pool, so generating
    200k of them takes seconds while word frequencies follow the Zipf law of the pool."""

    def __init__(self, seed: int = 11, pool_size: int = 2_000_000):
        self.words = vocabulary()
        rng = random.Random(seed)
        weights = list(accumulate(1.0 / (rank + 2.7) for rank in range(len(self.words))))
        self.pool = rng.choices(self.words, cum_weights=weights, k=pool_size)
        self.rng = rng
        self.authors = [f"{rng.choice(['Aiko', 'Kenji', 'Rina', 'Taro', 'Dewi', 'Budi', 'Sari', 'Hiro'])} "
                        f"{rng.choice(['Sato', 'Suzuki', 'Tanaka', 'Kato', 'Putri', 'Santoso', 'Wijaya'])}{i}"
                        for i in range(300)]
        self.start = datetime(2022, 1, 1, tzinfo=timezone.utc)

    def _text(self, n: int) -> str:
        offset = self.rng.randrange(len(self.pool) - n)
        text = " ".join(self.pool[offset:offset + n])
        return text[:1].upper() + text[1:] + "."

    def article(self, i: int, total: int) -> dict:
        rng = self.rng
        site = SITES[i % len(SITES)]
        moment = self.start + timedelta(days=3 * 365 * i / total, minutes=rng.randrange(-600, 600))
        published = moment.astimezone(timezone(timedelta(hours=9 if site == "kyodo" else 7))).isoformat()
        paragraphs = [self._text(rng.randint(TOKENS_PER_PARAGRAPH - 30, TOKENS_PER_PARAGRAPH + 30))
                      for _ in range(PARAGRAPHS)]
        url = f"https://{site}.example/news/{i:07d}"
        return {
            "url": url, "canonical_url": url, "site": site, "language": "en", "title": self._text(10)[:-1],
            "authors": rng.sample(self.authors, rng.choice((0, 1, 1, 1, 2))), "credit": None,
            "published": published, "modified": None, "date_source": {"published": "meta"}, "categories": ["News"],
            "dateline": "TOKYO", "lead": paragraphs[0], "body": "\n\n".join(paragraphs), "images": [],
            "access": "full" if site == "kyodo" else "open", "word_count": sum(p.count(" ") + 1 for p in paragraphs),
            "parser": site, "parser_version": "1", "warnings": [],
        }


BASELINE_TABLE = """CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT, canonical_url TEXT, site TEXT,
    language TEXT, title TEXT, authors TEXT, credit TEXT, published TEXT, modified TEXT, date_source TEXT, categories TEXT,
    dateline TEXT, lead TEXT, body TEXT, images TEXT, access TEXT, word_count INTEGER, parser TEXT,
    parser_version TEXT, warnings TEXT, published_utc TEXT)"""
BASELINE_COLUMNS = ("url", "canonical_url", "site", "language", "title", "authors", "credit", "published", "modified",
                    "date_source", "categories", "dateline", "lead", "body", "images", "access", "word_count", "parser",
                    "parser_version", "warnings", "published_utc")


def populate(path: Path, baseline_path: Path, n: int, corpus: Corpus, batch: int = 1000) -> tuple[float, float]:
    """Insert `n` synthetic articles twice: through `archive.bulk.add_pages` (the path of the crawl's index
    writer and of `reindex`: captures, articles, FTS triggers, versions, authors; a commit per `batch`, with
    reindex's page cache), and with one plain executemany per batch into a bare `articles` table (no FTS,
    triggers, indexes or versions). Returns the seconds each spent; generating the articles is timed in
    neither."""
    from archive.bulk import add_pages
    from archive.index import BULK_CACHE_MB, Capture, Index, _utc
    from crawler.parsers import Article

    index = Index(path, cache_mb=BULK_CACHE_MB)  # a bulk load, as `reindex` does it
    bare = sqlite3.connect(baseline_path, isolation_level=None)
    bare.execute("PRAGMA journal_mode=WAL")
    bare.execute("PRAGMA synchronous=NORMAL")
    bare.execute(BASELINE_TABLE)
    insert = f"INSERT INTO articles ({', '.join(BASELINE_COLUMNS)}) VALUES ({', '.join('?' for _ in BASELINE_COLUMNS)})"
    spent_index = spent_bare = 0.0
    try:
        for start in range(0, n, batch):
            articles = [corpus.article(i, n) for i in range(start, min(n, start + batch))]
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
    finally:
        index.close()
        bare.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        bare.close()
    return spent_index, spent_bare


def query_mix(words: list[str]) -> list[tuple[str, str, dict]]:
    """(class, query, filters): common words, rare words, two-word AND, phrases; each without a filter, with
    a site, with the last quarter and with one month in the middle of the three years."""
    queries = [("common", "Japan"), ("common", "government"), ("rare", words[20_000]), ("rare", words[40_000]),
               ("and", "Japan budget"), ("and", "election nuclear"), ("phrase", '"prime minister"'),
               ("phrase", '"Bank of Japan"')]
    filters = [{}, {"site": "kyodo"}, {"since": "2024-10-01"}, {"since": "2023-03-01", "until": "2023-03-31"}]
    return [(kind, query, f) for kind, query in queries for f in filters]


def plain_rank(db_path: Path, query: str, filters: dict) -> list:
    """What `newsarchive search` did before: every match scored by bm25 (`ORDER BY rank`), filters joined."""
    from archive.search import Filters

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        conditions, params = Filters(**filters).where(conn, alias="articles")
        sql = ("SELECT articles.id, snippet(articles_fts, -1, '[', ']', '…', 12), articles_fts.rank FROM articles_fts "
               "JOIN articles ON articles.id = articles_fts.rowid WHERE articles_fts MATCH ?"
               + "".join(f" AND {c}" for c in conditions) + " ORDER BY articles_fts.rank LIMIT 10")
        return conn.execute(sql, [query, *params]).fetchall()
    finally:
        conn.close()


def latencies(fn, mix, rounds: int) -> dict[str, list[float]]:
    """Milliseconds per call, by query class; every query runs once untimed first (warm page cache)."""
    for _, query, filters in mix:
        fn(query, filters)
    samples: dict[str, list[float]] = {}
    for _ in range(rounds):
        for kind, query, filters in mix:
            began = time.perf_counter()
            fn(query, filters)
            samples.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
    return samples


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(quick: bool) -> list[Row]:
    from archive.search import CANDIDATES, search

    n = 20_000 if quick else 200_000
    corpus = Corpus()
    with tempfile.TemporaryDirectory(prefix="bench-fts-") as tmp:
        path, bare = Path(tmp) / "index.db", Path(tmp) / "bare.db"
        spent_index, spent_bare = populate(path, bare, n, corpus)
        size, bare_size = path.stat().st_size / n / 1024, bare.stat().st_size / n / 1024
        mix = query_mix(corpus.words)
        ours = latencies(lambda q, f: search(path, q, limit=10, **f), mix, 5)
        plain = latencies(lambda q, f: plain_rank(path, q, f), mix, 2 if not quick else 3)
    label = f"fts search, {n // 1000}k articles"
    all_ours = [v for values in ours.values() for v in values]
    all_plain = [v for values in plain.values() for v in values]
    rows = [
        Row(label, "p50 latency, query mix", percentile(all_ours, 0.5), "ms", "plain ORDER BY rank",
            percentile(all_plain, 0.5), ""),
        Row(label, "p95 latency, query mix", percentile(all_ours, 0.95), "ms", "plain ORDER BY rank",
            percentile(all_plain, 0.95), "p95 < 50 ms at 200k"),
    ]
    for kind in ("common", "rare", "and", "phrase"):
        rows.append(Row(label, f"p95 {kind} (±site/date)", percentile(ours[kind], 0.95), "ms",
                        "plain ORDER BY rank", percentile(plain[kind], 0.95),
                        f"top-{CANDIDATES} newest ranked" if kind == "common" else ""))
    rows += [
        Row(f"index insert, {n // 1000}k articles", "insert rate", n / spent_index, "articles/s",
            "executemany, no FTS/triggers", n / spent_bare, ">= 2,000 articles/s"),
        Row(f"index size, {n // 1000}k articles", "DB size per article", size, "KB",
            "bare table, no FTS/versions", bare_size, ""),
    ]
    return rows

"""Full-text search at scale: query latency of `archive.search.search` vs plain `ORDER BY rank`, bulk insert
rate through `Index.upsert_article` vs a bare executemany, and index size per article.

Synthetic corpus (no network, deterministic): wire-style English with a Zipf-Mandelbrot word distribution
over a 50,000-entry vocabulary, so the top words ("Japan", "government", ...) occur in nearly every
article and the tail words in a few hundred; a handful of multiword units ("prime minister") make phrase
queries meaningful. ~4 KB bodies; publication dates rise with the row id over three years, as in an
archive that grows by crawling.
"""

from __future__ import annotations

import random
import sqlite3
import sys
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


KINDS = ("common", "rare", "and", "or", "phrase")


def query_mix(corpus: Corpus) -> list[tuple[str, str, dict]]:
    """(class, query, filters): common words, rare words, two-word AND, OR, phrases; each without a filter,
    with a site, with the last quarter, with one month in the middle of the three years, and with an
    author (one of 300, ~1 in 400 articles)."""
    words = corpus.words
    queries = [("common", "Japan"), ("common", "government"), ("rare", words[20_000]), ("rare", words[40_000]),
               ("and", "Japan budget"), ("and", "election nuclear"), ("or", "earthquake OR tsunami"),
               ("or", f"{words[20_000]} OR {words[30_000]}"), ("phrase", '"prime minister"'),
               ("phrase", '"Bank of Japan"')]
    filters = [{}, {"site": "kyodo"}, {"since": "2024-10-01"}, {"since": "2023-03-01", "until": "2023-03-31"},
               {"author": corpus.authors[7]}]
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
    rows = []
    for n in ((20_000,) if quick else (200_000, 1_000_000)):
        rows += run_size(n, plain_rounds=3 if quick else 2 if n <= 200_000 else 1)
    return rows


def run_size(n: int, plain_rounds: int) -> list[Row]:
    from archive.search import Filters, search_result
    from bench.fts_build import built_index

    built = built_index(n)  # cached under .cache/bench: the first run builds it (minutes at 1M)
    path = built.path
    mix = query_mix(Corpus())
    plans: dict[str, str] = {}

    def ours(query: str, filters: dict) -> None:
        plans[query] = search_result(path, query, Filters(**filters), limit=10).ranking

    print(f"  timing {len(mix)} queries at {n:,} articles ...", file=sys.stderr, flush=True)
    mine = latencies(ours, mix, 5)
    plain = latencies(lambda q, f: plain_rank(path, q, f), mix, plain_rounds)
    label = f"fts search, {n // 1000:,}k articles"
    all_ours = [v for values in mine.values() for v in values]
    all_plain = [v for values in plain.values() for v in values]
    goal = "p95 <= 20 ms at 1M" if n >= 1_000_000 else ""
    rows = [
        Row(label, "p50 latency, query mix", percentile(all_ours, 0.5), "ms", "plain ORDER BY rank",
            percentile(all_plain, 0.5), ""),
        Row(label, "p95 latency, query mix", percentile(all_ours, 0.95), "ms", "plain ORDER BY rank",
            percentile(all_plain, 0.95), goal),
    ]
    for kind in KINDS:
        ranked = sorted({plans[q] for k, q, _ in mix if k == kind})
        rows.append(Row(label, f"p95 {kind} (±site/date/author)", percentile(mine[kind], 0.95), "ms",
                        "plain ORDER BY rank", percentile(plain[kind], 0.95), "ranked by " + "/".join(ranked)))
    build = f"{n // 1000:,}k articles" + (" (cached build)" if built.cached else "")
    rows += [
        Row(f"index insert, {build}", "insert rate", n / built.build_seconds, "articles/s",
            "executemany, no FTS/triggers", n / built.bare_seconds, ">= 2,000 articles/s"),
        Row(f"index build, {build}", "build time (reindex path)", built.build_seconds, "s",
            "executemany, no FTS/triggers", built.bare_seconds, f"{built.segments} FTS segments after automerge"),
        Row(f"index size, {n // 1000:,}k articles", "DB size per article", built.size_bytes / n / 1024, "KB",
            "bare table, no FTS/versions", built.bare_size_bytes / n / 1024,
            f"{built.size_bytes / 1e9:.1f} GB in all"),
    ]
    return rows

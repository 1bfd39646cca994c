"""Trends at scale: `archive.trend.trend` (matches per site and day through the trend tables of
archive/trend_index.py) against the naive SQL (`archive.trend.plain_counts`: the FTS matches joined to
`articles`, each site's articles per day grouped over `articles`), on an index built with bench/fts.py's corpus.

Topic queries: words found in one to five percent of the articles (by the corpus' Zipf law, the same vocabulary
ranks at any size), a two-word OR, and the same with a site or a year, by day and by week.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.common import Row
from bench.fts import Corpus, latencies, percentile


def topic_queries(words: list[str]) -> list[tuple[str, str, dict]]:
    """(class, query, options): a word in ~5%, ~2.5% and ~1.8% of the corpus' articles, an OR of two, each
    over the whole archive by week, by day, for one site, and for one year."""
    queries = [("topic", words[1000]), ("topic", words[2000]), ("topic", words[3000]),
               ("topic OR", f"{words[1500]} OR {words[2500]}")]
    options = [{"by": "week"}, {"by": "day"}, {"by": "week", "site": "kyodo"},
               {"by": "month", "since": "2023-01-01", "until": "2023-12-31"}]
    return [(kind, query, dict(o)) for kind, query in queries for o in options]


def naive(conn: sqlite3.Connection, query: str, options: dict) -> object:
    """What a trend costs without the trend tables: the same periods from plain SQL over `articles`."""
    from archive import trend as trend_module

    present = trend_module.trend_index.present
    trend_module.trend_index.present = lambda conn: False  # the fallback path, timed whole
    try:
        return trend_module.trend(conn, query, **options)
    finally:
        trend_module.trend_index.present = present


def run_on(db_path: str | Path, queries: list[tuple[str, str, dict]], rounds: int = 5,
           naive_rounds: int = 2) -> list[Row]:
    """p50/p95 of `trend` over `queries` ((class, query, options) as `topic_queries` gives) on the index at
    `db_path`, beside the naive SQL, one read-only connection each (as the reading room holds one)."""
    from archive.trend import trend

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        total = conn.execute("SELECT count(*) FROM trend_keys").fetchone()[0]
        matches = [conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [q]).fetchone()[0]
                   for _, q, _ in queries]
        ours = latencies(lambda q, o: trend(conn, q, **o), queries, rounds)
        plain = latencies(lambda q, o: naive(conn, q, o), queries, naive_rounds)
    finally:
        conn.close()
    label = f"trend, {total // 1000}k articles" if total >= 1000 else f"trend, {total} articles"
    every_ours = [v for values in ours.values() for v in values]
    every_plain = [v for values in plain.values() for v in values]
    share = f"matches {min(matches) / total:.1%}-{max(matches) / total:.1%} of articles"
    rows = [Row(label, "p50 latency, topic queries", percentile(every_ours, 0.5), "ms", "naive join + GROUP BY",
                percentile(every_plain, 0.5), share),
            Row(label, "p95 latency, topic queries", percentile(every_ours, 0.95), "ms", "naive join + GROUP BY",
                percentile(every_plain, 0.95), "p95 <= 100 ms at 1M")]
    for kind in ours:
        rows.append(Row(label, f"p95 {kind} (by day/week/month, ±site)", percentile(ours[kind], 0.95), "ms",
                        "naive join + GROUP BY", percentile(plain[kind], 0.95), ""))
    return rows


def run(quick: bool) -> list[Row]:
    """The topic queries on the bench index of bench/fts_build.py (cached): 20k articles (quick), else 1M."""
    from bench.fts_build import built_index

    return run_on(built_index(20_000 if quick else 1_000_000).path, topic_queries(Corpus().words))


if __name__ == "__main__":
    import sys

    from bench.common import table
    from bench.fts import vocabulary

    if len(sys.argv) > 1:  # python -m bench.trend INDEX.db: an index built already with the corpus
        print(table(run_on(Path(sys.argv[1]), topic_queries(vocabulary()))))
    else:
        print(table(run(quick=True)))

"""The reading room at scale: HTTP GETs through an in-process Datasette (the project's plugin loaded from its
entry point) over the synthetic index of `bench/fts_build.py` (1M articles; 20k quick), each page beside a
baseline Datasette serves without the plugin:

- the article page `/{db}/-/article/{id}` vs Datasette's own row page `/{db}/articles/{id}`;
- the trend page `/{db}/-/trend?q=...` for the trend bench's topic queries (bench/trend.py), and apart for a
  word in nearly every article, vs a naive GROUP BY over every matching row (month x site) through
  Datasette's SQL endpoint.

A page that answers 404 is reported as "route missing" (its plugin module is not on this branch yet) rather
than timed. `python -m bench.readingroom [--quick]` runs it alone; `bench/run.py` runs it as "readingroom".
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from urllib.parse import urlencode

from bench.common import Row
from bench.fts import Corpus, percentile
from bench.trend import topic_queries

ARTICLES_SAMPLED = 25  # article ids, spread evenly over the index
# The views of bench/trend.py's topic queries, by their options
VIEWS = {json.dumps(o, sort_keys=True): name for o, name in (
    ({"by": "week"}, "3 years by week (1.3k marks)"), ({"by": "day"}, "3 years by day (1,097 periods)"),
    ({"by": "week", "site": "kyodo"}, "one site by week"),
    ({"by": "month", "since": "2023-01-01", "until": "2023-12-31"}, "one year by month"))}
# The worst case, apart from the goal: a word in nearly every article, counted over three years by week.
EVERY_ARTICLE_QUERY = "Japan"
ROUNDS = 4
NAIVE_TREND = ("SELECT substr(a.published_utc, 1, 7) AS month, a.site, count(*) AS articles FROM articles_fts f "
               "JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH :q GROUP BY month, a.site ORDER BY month")


class RouteMissing(Exception):
    pass


def _routed(path: str) -> bool:
    """Whether `path` is Datasette's own or a route of the reading room's page modules. Asked before the GET:
    Datasette 0.65 with a recent `rich` fails on a 404 raised outside an except block (its error page
    prints the exception) instead of answering 404."""
    import importlib
    import re

    from archive.readingroom.plugin import PAGE_MODULES

    if "/-/" not in path:
        return True
    route = path.split("?", 1)[0]
    return any(re.match(regex, route) for name in PAGE_MODULES
               for regex, _ in importlib.import_module(f"archive.readingroom.{name}").ROUTES)


async def _timed(ds, paths: list[str], rounds: int) -> list[float]:
    """Milliseconds per GET over `rounds` passes, each path fetched once untimed first. A 404 raises
    RouteMissing; any other status but 200 is a failure of the page, raised as such."""
    for path in paths:
        if not _routed(path):
            raise RouteMissing(path)
        response = await ds.client.get(path)
        if response.status_code == 404:
            raise RouteMissing(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status_code}: {response.text[:200]}")
    samples = []
    for _ in range(rounds):
        for path in paths:
            began = time.perf_counter()
            response = await ds.client.get(path)
            samples.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
    return samples


async def _measure(path, n: int, rounds: int) -> list[Row]:
    from datasette.app import Datasette

    ds = Datasette(immutables=[str(path)], settings={"sql_time_limit_ms": 120_000})
    await ds.invoke_startup()
    db = path.stem
    ids = [max(1, round(n * (i + 0.5) / ARTICLES_SAMPLED)) for i in range(ARTICLES_SAMPLED)]
    topics = topic_queries(Corpus().words)
    pages = {
        "article page": ([f"/{db}/-/article/{i}" for i in ids], "Datasette row page",
                         [f"/{db}/articles/{i}" for i in ids]),
        # The trend bench's topic queries (a word in 2-5% of the articles, an OR), the page as a reader opens it,
        # one row per view: three years by week (the page's default) or by day, one site, one year by month
        **{f"trend page, {VIEWS[json.dumps(options, sort_keys=True)]}": (
            [f"/{db}/-/trend?{urlencode({'q': q, **o})}" for _, q, o in topics if o == options],
            "naive GROUP BY via SQL", [f"/{db}.json?{urlencode({'sql': NAIVE_TREND, 'q': q, '_shape': 'array'})}"
                                       for q in dict.fromkeys(q for _, q, o in topics if o == options)])
           for options in [json.loads(key) for key in VIEWS]},
        "trend page, a word in nearly every article": (
            [f"/{db}/-/trend?{urlencode({'q': EVERY_ARTICLE_QUERY})}"], "naive GROUP BY via SQL",
            [f"/{db}.json?{urlencode({'sql': NAIVE_TREND, 'q': EVERY_ARTICLE_QUERY, '_shape': 'array'})}"]),
    }
    rows = []
    label = f"reading room, {n // 1000:,}k articles"
    for name, (ours, baseline_name, theirs) in pages.items():
        print(f"  {name}: {len(ours)} paths x {rounds} ...", file=sys.stderr, flush=True)
        base = await _timed(ds, theirs, max(1, rounds // 2))
        try:
            mine = await _timed(ds, ours, rounds)
        except RouteMissing as missing:
            rows.append(Row(label, f"p95 {name}", math.nan, "ms", baseline_name, percentile(base, 0.95),
                            f"route missing: {missing} (after merging)"))
            continue
        goal = "" if name.endswith("every article") else "p95 <= 100 ms at 1M"
        rows += [Row(label, f"p50 {name}", percentile(mine, 0.5), "ms", baseline_name, percentile(base, 0.5), ""),
                 Row(label, f"p95 {name}", percentile(mine, 0.95), "ms", baseline_name, percentile(base, 0.95), goal)]
    return rows


def run(quick: bool) -> list[Row]:
    from bench.fts_build import built_index

    n = 20_000 if quick else 1_000_000
    built = built_index(n)  # the index bench/fts.py searches: built once, cached
    return asyncio.run(_measure(built.path, n, 2 if quick else ROUNDS))


if __name__ == "__main__":
    from bench.common import table

    print(table(run("--quick" in sys.argv)))

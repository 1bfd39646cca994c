"""`python -m bench.run [--quick]`: run every benchmark, print one table, write bench/results.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import crawl, fts, fulltext_capture, parse, readingroom, requisites, trend
from bench.common import machine, table, write_results

BENCHMARKS = {"parse": parse.run, "crawl": crawl.run, "requisites": requisites.run, "fts": fts.run,
              "trend": trend.run,
              "readingroom": readingroom.run, "fulltext-capture": fulltext_capture.run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced sizes (full-text capture: one simulated day instead of a week)")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append")
    args = parser.parse_args(argv)
    rows = []
    for name, run in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(run(args.quick))
    print(f"machine: {machine()}")
    print(table(rows))
    out = Path(__file__).with_name("results.json")
    write_results(rows, out, args.quick)
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

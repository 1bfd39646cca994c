"""`make soak`: a long crawl of the mirror with faults and two SIGKILLs, then an exactly-once audit.

    python -m bench.soak [--articles 5000] [--fault-rate 0.03] [--kills 2] [--seed 1] [--data DIR]

`--articles` is per site (two sites: 10,000 articles by default). The mirror runs in its own process
with a fault plan (timeouts, resets, 500s, truncated bodies on the first request of some article URLs);
the crawl is killed with SIGKILL at random moments and resumed with the same command; then:
`newsarchive verify` must pass, every mirror article must be in the index exactly once with the mirror's
ground-truth fields, or in fetch_errors with a reason. Lost (neither) must be 0. Exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("title", "authors", "published", "modified", "body", "lead", "dateline", "credit", "categories",
          "access", "images")
JSON_FIELDS = ("authors", "categories", "images")


def start_mirror(articles: int, fault_rate: float, seed: int) -> tuple[subprocess.Popen, dict[str, str]]:
    code = ("import sys; from crawler.mirror import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.Popen([sys.executable, "-c", code, "--articles", str(articles), "--seed", str(seed),
                             "--fault-rate", str(fault_rate), "--fault-seed", str(seed),
                             "--fault-kinds", "timeout,reset,500,truncated", "--fault-hang-ms", "3000"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    urls = dict(proc.stdout.readline().split() for _ in range(2))
    return proc, urls


def crawl_command(urls: dict[str, str], data: Path) -> list[str]:
    args = [sys.executable, "-m", "crawler.cli", "crawl", "kyodo", "inakoran", "--data", str(data), "--quiet",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=2",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "RETRY_TIMES=3"]
    for site, url in urls.items():
        args += ["--base-url", f"{site}={url}"]
    return args


def indexed(data: Path) -> int:
    try:
        with sqlite3.connect(data / "index.db", timeout=30) as db:
            return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000, help="per site (default 5000: 10,000 in all)")
    parser.add_argument("--fault-rate", type=float, default=0.03)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=None, help="archive directory (default: a temporary one)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    data = args.data or Path(tempfile.mkdtemp(prefix="newsarchive-soak-"))
    started = time.monotonic()
    mirror, urls = start_mirror(args.articles, args.fault_rate, args.seed)
    try:
        total = 2 * args.articles
        for kill in range(args.kills):
            target = rng.randint(total * (kill + 1) // (args.kills + 2), total * (kill + 2) // (args.kills + 2))
            proc = subprocess.Popen(crawl_command(urls, data), cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            while proc.poll() is None and indexed(data) < target:
                time.sleep(0.05)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                print(f"SIGKILL {kill + 1} at {indexed(data):,} indexed articles ({time.monotonic() - started:.0f}s)",
                      flush=True)
        runs = 0
        while True:  # resume until a run completes; faults were injected on first requests only
            runs += 1
            final = subprocess.run(crawl_command(urls, data), cwd=ROOT, capture_output=True, text=True)
            print(final.stdout.rstrip(), flush=True)
            if final.returncode == 0 or runs >= 3:
                break
        truth = {}
        for site, url in urls.items():
            for row in json.load(urllib.request.urlopen(f"{url}/_mirror/truth.json", timeout=30)):
                truth[row["url"]] = row
    finally:
        mirror.terminate()
        mirror.wait(timeout=10)

    verify = subprocess.run([sys.executable, "-m", "crawler.cli", "verify", "--data", str(data)], cwd=ROOT,
                            capture_output=True, text=True)
    with sqlite3.connect(data / "index.db") as db:
        db.row_factory = sqlite3.Row
        rows = {}
        duplicates = 0
        for row in db.execute(f"SELECT url, {', '.join(FIELDS)} FROM articles"):
            duplicates += row["url"] in rows
            rows[row["url"]] = row
        failed = {u: r for u, r in db.execute("SELECT url, reason FROM fetch_errors")}
    mismatched, failed_only = [], {}
    for url, expected in truth.items():
        row = rows.get(url)
        if row is None:
            if url in failed:
                failed_only[url] = failed[url]
            continue
        got = {f: (json.loads(row[f]) if f in JSON_FIELDS and row[f] is not None else row[f]) for f in FIELDS}
        if any(got[f] != expected[f] for f in FIELDS):
            mismatched.append(url)
    lost = [u for u in truth if u not in rows and u not in failed_only]
    print(f"\nsoak: {len(truth):,} articles expected, {sum(u in rows for u in truth):,} indexed "
          f"({len(mismatched)} with fields differing from the mirror), {len(failed_only)} failed with a reason "
          f"{sorted(set(failed_only.values()))}, {len(lost)} lost, {duplicates} duplicate rows; "
          f"verify exit {verify.returncode}; {time.monotonic() - started:.0f}s; archive {data}")
    if verify.returncode != 0:
        print(verify.stdout[-3000:])
    ok = not lost and not mismatched and not duplicates and verify.returncode == 0
    if ok and args.data is None:
        shutil.rmtree(data, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

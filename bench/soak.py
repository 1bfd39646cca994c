"""`make soak`: a long crawl of the mirror under every fault an archive meets, then an exactly-once audit.

    python -m bench.soak [--articles 5000] [--fault-rate 0.03] [--kills 2] [--seed 1] [--data DIR]
                         [--no-disk-full] [--no-damage]

`--articles` is per site (two sites: 10,000 articles by default). The mirror runs in its own process with a
fault plan (timeouts, resets, 500s, truncated bodies on the first request of some article URLs). Episodes:

1. SIGKILL at random moments, each followed **at once** by the same command, while the killed process is
   not yet reaped (as systemd `Restart=` or a scheduler would restart it).
2. A full disk (as root): the archive lives on a tmpfs, which is shrunk to a few MB more than it holds
   before a run; the crawl must stop by itself within a minute with a non-zero exit; the tmpfs is then
   grown again and the crawl resumed.
3. A damaged WARC file once the crawl is complete: 16 bytes flipped inside one response record. `verify`
   must report it, and `reindex` must refuse to swap in an index that would lose that record's article.
   The file is then restored from a copy (as from a replica) and the index rebuilt.

Then: `newsarchive verify` must pass, and every mirror article must be in the index exactly once with the
mirror's ground-truth fields, or in fetch_errors with a reason. Lost (neither) must be 0. Exit 1 otherwise.
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

from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("title", "authors", "published", "modified", "body", "lead", "dateline", "credit", "categories",
          "access", "images")
JSON_FIELDS = ("authors", "categories", "images")
TMPFS_SIZE = "6g"  # the archive of 10,000 articles and its index take well under 1 GB
DISK_FULL_HEADROOM = 4 << 20  # what the full disk leaves free when its run starts
DISK_FULL_STOP_SECONDS = 60


def start_mirror(articles: int, fault_rate: float, seed: int) -> tuple[subprocess.Popen, dict[str, str]]:
    code = ("import sys; from mirror import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.Popen([sys.executable, "-c", code, "--articles", str(articles), "--seed", str(seed),
                             "--fault-rate", str(fault_rate), "--fault-seed", str(seed),
                             "--fault-kinds", "timeout,reset,500,truncated", "--fault-hang-ms", "3000"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    urls = dict(proc.stdout.readline().split() for _ in range(3))  # kyodo, inakoran, kyodo-assets
    return proc, urls


def newsarchive(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *args]


def crawl_command(urls: dict[str, str], data: Path) -> list[str]:
    args = newsarchive("crawl", "kyodo", "inakoran", "--data", str(data), "--quiet",
                       "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=2",
                       "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "RETRY_TIMES=3")
    for site in ("kyodo", "inakoran"):
        args += ["--base-url", f"{site}={urls[site]}"]
    return args + ["--asset-url", f"kyodo={urls['kyodo-assets']}"]  # with their requisites, as a real crawl


def indexed(data: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data / 'index.db'}?mode=ro", uri=True, timeout=30) as db:
            return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def run(args: list[str], timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


class Tmpfs:
    """The archive's own small file system, so the soak can fill it (root only)."""

    def __init__(self, path: Path):
        self.path = path
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(path)], check=True,
                       capture_output=True)

    def resize(self, size: str | int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True, capture_output=True)

    def used(self) -> int:
        return shutil.disk_usage(self.path).used

    def unmount(self) -> None:
        subprocess.run(["umount", str(self.path)], capture_output=True)


def kill_and_restart(urls: dict[str, str], data: Path, kills: int, rng: random.Random, started: float,
                     total: int) -> subprocess.Popen:
    """SIGKILL a running crawl `kills` times, starting the next run at once each time; the last run is returned
    still running. The killed processes are reaped only after their successor has started."""
    proc = subprocess.Popen(crawl_command(urls, data), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for kill in range(kills):
        target = rng.randint(total * (kill + 1) // (kills + 2), total * (kill + 2) // (kills + 2))
        while proc.poll() is None and indexed(data) < target:
            time.sleep(0.05)
        if proc.poll() is not None:
            break
        os.kill(proc.pid, signal.SIGKILL)
        killed, proc = proc, subprocess.Popen(crawl_command(urls, data), cwd=ROOT, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL)
        print(f"SIGKILL {kill + 1} at {indexed(data):,} indexed articles ({time.monotonic() - started:.0f}s); "
              "restarted at once", flush=True)
        killed.wait()
    return proc


def disk_full_episode(urls: dict[str, str], data: Path, tmpfs: Tmpfs, started: float) -> list[str]:
    """Shrink the archive's file system to a little more than it holds, crawl into it, then grow it back."""
    problems = []
    tmpfs.resize(tmpfs.used() + DISK_FULL_HEADROOM)
    began = time.monotonic()
    try:
        full = run(crawl_command(urls, data), timeout=600)
    finally:
        tmpfs.resize(TMPFS_SIZE)
    took = time.monotonic() - began
    last_line = (full.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
    print(f"disk full at {indexed(data):,} indexed articles ({time.monotonic() - started:.0f}s): exit "
          f"{full.returncode} after {took:.1f}s: {last_line}", flush=True)
    if full.returncode == 0:
        problems.append("the crawl on a full disk exited 0")
    if "Traceback" in full.stderr:
        problems.append("the crawl on a full disk printed a traceback")
    if took > DISK_FULL_STOP_SECONDS and full.returncode != 0:
        problems.append(f"the crawl on a full disk took {took:.0f}s to stop")
    return problems


def response_to_damage(warc_dir: Path) -> tuple[Path, int, int, str]:
    """A response record in the middle of the largest WARC file: (file, offset, length, url)."""
    path = max(warc_dir.glob("*.warc.gz"), key=lambda p: p.stat().st_size)
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        found = []
        for record in records:
            if record.rec_type == "response" and record.http_headers.get_statuscode() == "200":
                url = record.rec_headers.get_header("WARC-Target-URI")
                found.append((records.get_record_offset(), records.get_record_length(), url))
    offset, length, url = found[len(found) // 2]
    return path, offset, length, url


def damage_episode(data: Path) -> list[str]:
    """Flip 16 bytes inside one response record: verify reports it, reindex refuses to lose its article."""
    problems = []
    path, offset, length, url = response_to_damage(data / "warc")
    replica = data.parent / f"{data.name}-replica-{path.name}"
    shutil.copy2(path, replica)
    with open(path, "r+b") as fh:
        fh.seek(offset + length // 2)
        chunk = fh.read(16)
        fh.seek(offset + length // 2)
        fh.write(bytes(b ^ 0xFF for b in chunk))
    before = indexed(data)
    verify = run(newsarchive("verify", "--data", str(data)))
    reindex = run(newsarchive("reindex", "--data", str(data)))
    after = indexed(data)
    print(f"damaged {path.name} at {offset + length // 2} (response for {url}): verify exit {verify.returncode}, "
          f"reindex exit {reindex.returncode}, articles {before:,} -> {after:,}", flush=True)
    if verify.returncode == 0:
        problems.append("verify passed a damaged WARC file")
    if reindex.returncode == 0 or after != before:
        problems.append(f"reindex over a damaged WARC swapped in an index with {after:,} articles for {before:,}")
    shutil.move(replica, path)  # restored, as from a replica
    rebuilt = run(newsarchive("reindex", "--data", str(data)))
    print(f"restored {path.name} from its copy: reindex exit {rebuilt.returncode}, {indexed(data):,} articles",
          flush=True)
    if rebuilt.returncode != 0:
        problems.append(f"reindex after the restore failed: {rebuilt.stderr.strip()[-500:]}")
    return problems


def audit(urls: dict[str, str], data: Path) -> tuple[dict, list, dict, int, list]:
    truth = {}
    for site in ("kyodo", "inakoran"):
        for row in json.load(urllib.request.urlopen(f"{urls[site]}/_mirror/truth.json", timeout=30)):
            truth[row["url"]] = row
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
    return truth, mismatched, failed_only, duplicates, lost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000, help="per site (default 5000: 10,000 in all)")
    parser.add_argument("--fault-rate", type=float, default=0.03)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=None, help="archive directory (default: a temporary one)")
    parser.add_argument("--no-disk-full", action="store_true", help="skip the full-disk episode")
    parser.add_argument("--no-damage", action="store_true", help="skip the damaged-WARC episode")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    data = args.data or Path(tempfile.mkdtemp(prefix="newsarchive-soak-"))
    data.mkdir(parents=True, exist_ok=True)
    tmpfs = None
    if not args.no_disk_full:
        if os.geteuid() != 0 or any(data.iterdir()):
            print("full-disk episode skipped: it needs root and an empty archive directory (for its tmpfs)")
        else:
            tmpfs = Tmpfs(data)
    problems: list[str] = []
    started = time.monotonic()
    mirror, urls = start_mirror(args.articles, args.fault_rate, args.seed)
    try:
        total = 2 * args.articles
        last = kill_and_restart(urls, data, args.kills, rng, started, total)
        if tmpfs is not None and last.poll() is None:
            # Let the restarted run get going, then stop it cleanly; the next run meets a full disk.
            while last.poll() is None and indexed(data) < total * (args.kills + 1) // (args.kills + 2):
                time.sleep(0.05)
            last.send_signal(signal.SIGTERM)
        last.wait()
        if tmpfs is not None:
            problems += disk_full_episode(urls, data, tmpfs, started)
        runs = 0
        while True:  # resume until a run completes; faults were injected on first requests only
            runs += 1
            final = run(crawl_command(urls, data), timeout=3600)
            print(final.stdout.rstrip(), flush=True)
            if final.returncode == 0 or runs >= 3:
                break
        if final.returncode != 0:
            problems.append(f"the last crawl exited {final.returncode}: {final.stderr.strip()[-500:]}")
        if not args.no_damage:
            problems += damage_episode(data)
        truth, mismatched, failed_only, duplicates, lost = audit(urls, data)
    finally:
        mirror.terminate()
        mirror.wait(timeout=10)

    verify = run(newsarchive("verify", "--data", str(data)))
    print(f"\nsoak: {len(truth):,} articles expected, {len(truth) - len(lost) - len(failed_only):,} indexed "
          f"({len(mismatched)} with fields differing from the mirror), {len(failed_only)} failed with a reason "
          f"{sorted(set(failed_only.values()))}, {len(lost)} lost, {duplicates} duplicate rows; "
          f"verify exit {verify.returncode}; {time.monotonic() - started:.0f}s; archive {data}")
    for problem in problems:
        print(f"problem: {problem}")
    if verify.returncode != 0:
        print(verify.stdout[-3000:])
    ok = not lost and not mismatched and not duplicates and verify.returncode == 0 and not problems
    if ok and args.data is None:
        if tmpfs is not None:
            tmpfs.unmount()
        shutil.rmtree(data, ignore_errors=True)
    elif tmpfs is not None:
        print(f"the archive is kept on its tmpfs: `umount {data}` when done with it")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

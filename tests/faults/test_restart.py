"""Restart at once: SIGKILL a crawl and start it again before anyone reaps the killed process.

This is what systemd's `Restart=` or a scheduler does. The killed crawl is a zombie during the whole rerun
(its pid still answers `kill(pid, 0)`), so only the lock its WARC writer held can tell that nobody is
writing its `.open` file any more.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.cdxj import cdxj_path
from archive.verify import verify_archive
from archive.openfiles import being_written
from archive.recovery import recover_open_files
from mirror import Mirror

from support import NO_DELAY, ROOT


def command(mirror: Mirror, data: Path) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "kyodo", "inakoran", "--data", str(data),
            "--base-url", f"kyodo={mirror.base_urls['kyodo']}",
            "--base-url", f"inakoran={mirror.base_urls['inakoran']}", *NO_DELAY]


def index_counts(data: Path) -> tuple[int, int]:
    """(captures, articles) committed so far; (0, 0) before the index has its tables."""
    try:
        with sqlite3.connect(f"file:{data / 'index.db'}?mode=ro", uri=True, timeout=30) as db:
            return (db.execute("SELECT count(*) FROM captures").fetchone()[0],
                    db.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0, 0


def process_state(pid: int) -> str:
    """The kernel's one-letter state of `pid` (Z for a zombie), read without reaping it."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def records(data: Path) -> list[dict]:
    """Every record of the closed WARC files: its file, type, id, URL and WARC-Refers-To."""
    found = []
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                headers = record.rec_headers
                found.append({"file": path.name, "type": record.rec_type, "id": headers.get_header("WARC-Record-ID"),
                              "url": headers.get_header("WARC-Target-URI") or "",
                              "refers_to": headers.get_header("WARC-Refers-To")})
    return found


def opened_at(name: str) -> float:
    """When a WARC file was opened: the timestamp17 in its name, as a POSIX time."""
    stamp = re.search(r"-(\d{17})-\d+-", name).group(1)
    return datetime.strptime(stamp + "000", "%Y%m%d%H%M%S%f").replace(tzinfo=timezone.utc).timestamp()


def kill_while_the_index_lags(proc: subprocess.Popen, data: Path, articles_first: int) -> None:
    """SIGKILL just after an index commit, once `articles_first` articles are in: the WARC file then holds
    records the index has not heard of, and captures whose articles are still being parsed."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if index_counts(data)[1] >= articles_first:
            break
        time.sleep(0.005)
    committed = index_counts(data)[0]
    while time.monotonic() < deadline and proc.poll() is None:
        if index_counts(data)[0] != committed:
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the crawl finished before it could be killed: make the mirror bigger"
    os.kill(proc.pid, signal.SIGKILL)


def test_sigkill_and_restart_at_once_before_the_killed_crawl_is_reaped(tmp_path):
    articles_first = int(os.environ.get("RESTART_ARTICLES_FIRST", "80"))
    with Mirror(articles=250, seed=13) as mirror:
        first = subprocess.Popen(command(mirror, tmp_path), cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        kill_while_the_index_lags(first, tmp_path, articles_first)
        # No wait() for `first`: it stays a zombie, as under a supervisor that restarts before it reaps.
        open_at_kill = {p.name[: -len(".open")] for p in (tmp_path / "warc").glob("*.open")}
        rerun = subprocess.run(command(mirror, tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=300)
        zombie_during_rerun = process_state(first.pid) == "Z"
        first.wait(timeout=10)
        truth = {t["url"] for site in ("kyodo", "inakoran") for t in mirror.truth(site)}

    assert zombie_during_rerun, "the killed crawl must still be unreaped while the rerun runs"
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-3000:]
    assert open_at_kill, "the crawl was killed before it opened a WARC file"
    recovered = set(re.findall(r"\S+\.warc\.gz\.open -> (\S+?\.warc\.gz)", rerun.stderr))
    assert open_at_kill <= recovered, f"left unrecovered by the rerun: {open_at_kill - recovered}"
    assert not list((tmp_path / "warc").glob("*.open"))

    report = verify_archive(tmp_path)
    assert report.ok, report.faults[:10]

    with sqlite3.connect(tmp_path / "index.db") as db:
        indexed = Counter(u for (u,) in db.execute("SELECT url FROM articles"))
        versions = db.execute("SELECT count(*), count(DISTINCT article_id) FROM article_versions").fetchone()
    assert set(indexed) == truth and max(indexed.values()) == 1, "every mirror article indexed exactly once"
    assert versions[0] == versions[1] == len(truth), "one version per article: nothing parsed twice"

    found = records(tmp_path)
    fetches = Counter(r["url"] for r in found if r["type"] in ("response", "revisit") and r["url"] in truth)
    twice = sorted(url for url, n in fetches.items() if n > 1)
    assert not twice, f"{len(twice)} articles archived by the first run were fetched again: {twice[:5]}"

    # No revisit refers into a file that was `.open` when the revisit was written: the killed crawl's files
    # were closed (renamed, their CDXJ written last) before the rerun opened its first file.
    rerun_files = {r["file"] for r in found} - open_at_kill
    rerun_began = min(opened_at(name) for name in rerun_files)
    for name in open_at_kill:
        assert cdxj_path(tmp_path / "warc" / name).stat().st_mtime <= rerun_began + 0.001, f"{name} closed late"
    file_of = {r["id"]: r["file"] for r in found}
    rerun_revisits = [r for r in found if r["type"] == "revisit" and r["file"] in rerun_files]
    assert rerun_revisits, "the rerun wrote no revisit: the scenario did not exercise the digest index"
    assert all(file_of.get(r["refers_to"]) for r in rerun_revisits), "every revisit's original is in a closed file"
    assert "caught up the index" in rerun.stderr, "killed while the index was up to date: nothing to catch up"


# -- the lock on a `.open` file, alone -------------------------------------------------------------------

WRITER = """
import subprocess, sys, time
from datetime import datetime, timezone
from archive.warc import HttpExchange, WarcFileWriter

writer = WarcFileWriter(sys.argv[1], prefix="newsarchive-kyodo")
writer.write_exchange(HttpExchange(url="http://127.0.0.1:9/a", method="GET", request_headers=[],
                                   protocol="HTTP/1.1", status=200, response_headers=[], body=b"page",
                                   fetched_at=datetime.now(timezone.utc)), {"discoveredBy": "seed"})
# A child of the writer's started as permissively as Popen allows: it must not inherit the lock.
helper = subprocess.Popen(["sleep", "120"], close_fds=False) if len(sys.argv) > 2 else None
print(writer.current_file, helper.pid if helper else "", flush=True)
time.sleep(120)
"""


def start_writer(directory: Path, with_helper: bool = False) -> tuple[subprocess.Popen, Path, int | None]:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(directory), *(["helper"] if with_helper else [])],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    name, _, helper = proc.stdout.readline().strip().partition(" ")
    assert name, "the writer did not start"
    return proc, directory / (name + ".open"), int(helper) if helper else None


def kill_leaving_a_zombie(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while process_state(proc.pid) != "Z":
        assert time.monotonic() < deadline, "the killed writer never became a zombie"
        time.sleep(0.01)
    os.kill(proc.pid, 0)  # the pid named in the file still answers: it cannot tell that nobody writes


def test_a_live_writer_holds_its_file_and_a_killed_unreaped_one_does_not(tmp_path):
    proc, path, _ = start_writer(tmp_path)
    try:
        assert being_written(path)
        assert recover_open_files(tmp_path) == [] and path.exists(), "a live writer's file is left alone"
        kill_leaving_a_zombie(proc)
        assert not being_written(path)
        (recovered,) = recover_open_files(tmp_path)
    finally:
        proc.kill()
        proc.wait()
    assert recovered.warc_file == path.name[: -len(".open")] and recovered.records_kept == 4
    assert (tmp_path / recovered.warc_file).exists() and not path.exists()


def test_a_child_of_the_writer_does_not_keep_its_file_in_use(tmp_path):
    proc, path, helper = start_writer(tmp_path, with_helper=True)
    try:
        kill_leaving_a_zombie(proc)
        os.kill(helper, 0)  # still running, holding whatever it inherited
        assert not being_written(path)
        assert [r.open_file for r in recover_open_files(tmp_path)] == [path.name]
    finally:
        proc.kill()
        proc.wait()
        os.kill(helper, signal.SIGKILL)

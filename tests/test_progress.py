"""What a crawl shows while it runs and leaves behind: a live line on a terminal, plain log lines for cron,
the summary table, and the run's row in `crawls`."""

from __future__ import annotations

import json
import os
import pty
import re
import sqlite3
import subprocess
import sys
import threading

import pytest

from mirror import Mirror
from tests.support import NO_DELAY, ROOT

LIVE_LINE = re.compile(r"\r\x1b\[Kkyodo: (\d+) pages, (\d+) articles, (\d+) requisites, (\d+) errors \| \d+ pages/s")


@pytest.fixture(scope="module")
def mirror():
    with Mirror(articles=12, seed=21) as running:
        yield running


def crawl(mirror: Mirror, data, *options: str, terminal: bool) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of a Kyodo crawl, its stderr a terminal or a pipe."""
    args = [sys.executable, "-m", "crawler.cli", "crawl", "kyodo", "--data", str(data),
            "--base-url", f"kyodo={mirror.base_urls['kyodo']}", *NO_DELAY, *options]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NEWSARCHIVE_DATA", None)
    if not terminal:
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr
    controller, terminal_end = pty.openpty()
    received = bytearray()

    def read_terminal():
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the crawl closed its end
                return
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=read_terminal)
    reader.start()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=terminal_end, text=True)
    os.close(terminal_end)
    stdout, _ = proc.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(controller)
    return proc.returncode, stdout, received.decode("utf-8", "replace")


def summary_row(stdout: str, site: str) -> list[int]:
    row = next(line.split() for line in stdout.splitlines() if line.startswith(site + " "))
    return [int(cell.replace(",", "")) for cell in row[1:]]


def test_a_terminal_gets_a_live_line_that_ends_at_the_summarys_numbers(mirror, tmp_path):
    status, stdout, terminal = crawl(mirror, tmp_path, terminal=True)
    assert status == 0, stdout + terminal[-2000:]
    lines = LIVE_LINE.findall(terminal)
    assert lines, terminal[-2000:]
    pages, articles, requisites, errors, *_ = summary_row(stdout, "kyodo")
    assert tuple(map(int, lines[-1])) == (pages, articles, requisites, errors) and articles == 12
    assert terminal.endswith("\n")  # the live line is ended before anything else is written
    with sqlite3.connect(tmp_path / "index.db") as db:
        row = db.execute("SELECT status, pages, articles, errors, warc_bytes, warc_files FROM crawls").fetchone()
    assert row[:4] == ("finished", pages, articles, errors)
    files = sorted(f.name for f in (tmp_path / "warc").glob("*.warc.gz"))
    assert row[4] == summary_row(stdout, "total")[-1] == sum((tmp_path / "warc" / f).stat().st_size for f in files)
    assert sorted(json.loads(row[5])) == files and len(files) == summary_row(stdout, "total")[-2]


def test_quiet_on_a_terminal_shows_only_the_summary(mirror, tmp_path):
    status, stdout, terminal = crawl(mirror, tmp_path, "--quiet", terminal=True)
    assert status == 0 and "\x1b[K" not in terminal and "INFO" not in terminal
    assert summary_row(stdout, "kyodo")[1] == 12


def test_without_a_terminal_the_log_is_plain_lines_for_cron(mirror, tmp_path):
    status, stdout, log = crawl(mirror, tmp_path, terminal=False)
    assert status == 0 and "\r" not in log and "\x1b" not in log
    assert "[scrapy.core.engine] INFO: Spider opened" in log and "Crawled 0 pages" in log
    assert summary_row(stdout, "kyodo")[1] == 12

"""A crawl opens no server of its own: no Telnet console, no RemoteControl HTTP endpoint (Scrapy 2.19 runs one
that executes Python code sent to it), nothing listening on any port while it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from mirror import Mirror
from crawler.run import project_settings
from support import ROOT

LISTEN = "0A"  # TCP state in /proc/net/tcp


def listening_inodes(pid: int) -> set[str]:
    """Inodes of the TCP sockets in LISTEN state in the network namespace of `pid`."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == LISTEN:
                inodes.add(fields[9])
    return inodes


def socket_inodes(pid: int) -> set[str]:
    """Inodes of the sockets `pid` holds open (its fds read `socket:[INODE]`)."""
    found = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return found
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


def test_remote_control_and_telnet_are_off_in_the_settings():
    settings = project_settings()
    extensions = settings.getdict("EXTENSIONS")
    assert extensions["scrapy.extensions.remote_control.RemoteControl"] is None
    assert extensions["scrapy.extensions.telnet.TelnetConsole"] is None
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False


def test_a_running_crawl_listens_on_no_port(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HOME": str(tmp_path / "home")}
    env.pop("NEWSARCHIVE_DATA", None)
    with Mirror(articles=6, seed=2) as mirror:
        # A delay between requests keeps the crawl running long enough to be looked at many times.
        args = [sys.executable, "-m", "crawler.cli", "crawl", "kyodo", "--data", str(tmp_path / "data"),
                "--base-url", f"kyodo={mirror.base_urls['kyodo']}", "--max-pages", "8",
                "-s", "DOWNLOAD_DELAY=0.3", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "PARSER_PROCESSES=0"]
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True)
        listening, looks, connected = set(), 0, 0
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            sockets = socket_inodes(process.pid)
            listening |= sockets & listening_inodes(process.pid)
            looks += 1
            connected += bool(sockets)
            time.sleep(0.05)
        output = process.communicate(timeout=60)[0]
    assert process.returncode == 0, output
    assert connected >= 10, f"the crawl was seen with sockets open only {connected} times: {output}"
    assert not listening, f"the crawl listened on a port (socket inodes {sorted(listening)})"
    assert not (tmp_path / "home").exists(), "the crawl wrote into $HOME (RemoteControl's job file?)"

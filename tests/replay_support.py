"""What the replay tests share: pywb in a virtualenv of its own, a `wayback` server on loopback, pywb
collections made from WARC files or a WACZ, and Debian's Chromium for the browser test.

pywb pins old werkzeug, redis, fakeredis and pyOpenSSL, so it lives in its own virtual environment, made
on first use in `.cache/pywb-venv` (`NEWSARCHIVE_PYWB_VENV` to put it elsewhere) by archive.replay.install, the
installer of `newsarchive replay install`. Chromium comes from the distribution (`/usr/bin/chromium`,
`NEWSARCHIVE_CHROMIUM` to use another), installed with apt-get when missing and the tests run as root;
Playwright drives it, so no browser is ever downloaded by Playwright itself. A tool that cannot be installed
skips its tests with the reason, unless NEWSARCHIVE_REQUIRE_PYWB=1 or NEWSARCHIVE_REQUIRE_BROWSER=1 makes that
a failure (CI sets them where the tools must be there).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from archive.replay import PYWB_VERSION

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("NEWSARCHIVE_PYWB_VENV") or ROOT / ".cache" / "pywb-venv")
CHROMIUM = Path(os.environ.get("NEWSARCHIVE_CHROMIUM") or "/usr/bin/chromium")
APT_NETWORK_ERRORS = ("Temporary failure resolving", "Could not resolve", "Failed to fetch",
                      "Unable to connect", "Connection failed", "Network is unreachable")
# Unframed replay: the page itself at the top, as a reader's browser would load it, without pywb's frame
# and banner (non-framed replay inserts only the custom banner, an empty template by default).
UNFRAMED_CONFIG = "framed_replay: false\n"


def pywb_bin(name: str) -> Path:
    return VENV / "bin" / name


def ensure_pywb() -> float:
    """Make the pywb virtualenv if missing (archive.replay.install, the installer `newsarchive replay install`
    runs); returns the seconds it took (0 when it was there)."""
    from archive.replay import InstallError, install

    try:
        return install(VENV)
    except InstallError as exc:
        if exc.network and os.environ.get("NEWSARCHIVE_REQUIRE_PYWB") != "1":
            pytest.skip(f"pywb {PYWB_VERSION} could not be installed (no network?): {exc}")
        pytest.fail(f"pywb {PYWB_VERSION} could not be installed: {exc}")


def ensure_chromium() -> float:
    """Install Debian's `chromium` with apt-get if CHROMIUM is missing; returns the seconds it took (0 when
    it was there). Skips (or fails, with NEWSARCHIVE_REQUIRE_BROWSER=1) where it cannot be installed."""
    if CHROMIUM.exists():
        return 0.0
    if os.environ.get("NEWSARCHIVE_CHROMIUM"):
        _browser_unavailable(f"NEWSARCHIVE_CHROMIUM={CHROMIUM} does not exist")
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        _browser_unavailable(f"{CHROMIUM} is missing and {'apt-get is not here' if apt is None else 'not root'}: "
                             "install Debian's chromium (`apt-get install chromium`)")
    (ROOT / ".cache").mkdir(exist_ok=True)
    with open(ROOT / ".cache" / "chromium-apt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if CHROMIUM.exists():
            return 0.0
        started = time.monotonic()
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        output = ""
        for step in ([apt, "install", "-y", "-q", "chromium"], [apt, "update", "-q"],
                     [apt, "install", "-y", "-q", "chromium"]):
            try:
                done = subprocess.run(step, capture_output=True, text=True, timeout=900, env=env)
            except subprocess.TimeoutExpired:
                _browser_unavailable(f"`{' '.join(step)}` timed out")
            output = done.stdout + done.stderr
            if done.returncode == 0 and step[1] == "install":
                break
        if not CHROMIUM.exists():
            _browser_unavailable(f"`apt-get install chromium` failed"
                                 f"{' (no network?)' if any(e in output for e in APT_NETWORK_ERRORS) else ''}:"
                                 f"\n{output[-2000:]}")
        return time.monotonic() - started


def _browser_unavailable(message: str) -> None:
    if os.environ.get("NEWSARCHIVE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"no browser for the replay test: {message}")
    pytest.skip(f"no browser for the replay test: {message}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def wayback_timestamp(warc_date: str) -> str:
    return re.sub(r"\D", "", warc_date)[:14]


def wb_manager(root: Path, *args: str) -> None:
    done = subprocess.run([str(pywb_bin("wb-manager")), *args], cwd=root, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"wb-manager {' '.join(args[:3])}: {done.stdout}{done.stderr}"


class Wayback:
    """`wayback` serving the collections under `root`, on loopback only; `config` (YAML text), when given,
    is written to `root/config.yaml` first."""

    def __init__(self, root: Path, config: str | None = None):
        if config is not None:
            (root / "config.yaml").write_text(config)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(root / "wayback.log", "w")
        self.process = subprocess.Popen([str(pywb_bin("wayback")), "-b", "127.0.0.1", "-p", str(self.port)],
                                        cwd=root, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"wayback exited {self.process.returncode}: {self.log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if fetch(self.base + "/")[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"wayback not ready after 60 s: {self.log_text()}")
            time.sleep(0.2)

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()[-3000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


@contextlib.contextmanager
def chromium_page(width: int = 1100, height: int = 1000):
    """A page of Debian's Chromium, headless, driven by Playwright (installed first if missing)."""
    ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()

"""Replay of the exact capture: wayback URLs that name a capture by its time, and pywb (a real replay engine, in
a virtual environment of its own) serving the archive's WARC files on 127.0.0.1 for `newsarchive serve`.

Where pywb is found: the virtual environment named by NEWSARCHIVE_PYWB_VENV, else the default one
(`$XDG_DATA_HOME/newsarchive/pywb-venv`, i.e. `~/.local/share/newsarchive/pywb-venv`), else a `wayback` on
PATH. pywb pins old werkzeug, redis, fakeredis and pyOpenSSL, so it never goes into the project's own
environment: `install()` (`newsarchive replay install`) makes that venv with pywb==PYWB_VERSION, and the tests
use the same installer.

`ReplayServer` makes a pywb collection in a temporary directory: its config names the archive's WARC directory
as the collection's archive path (no copies, no symlinks) and one CDXJ index, the sorted merge of the CDXJ
files beside the closed WARC files (archive/cdxj.py: the lines pywb is proven to accept, tests/
test_replay_pywb.py). A closed WARC file without its CDXJ is indexed into the temporary directory, never
beside it (serving writes nothing into the archive). The index is made once, at start: WARC files closed
later are not replayed until a restart, as Datasette (opened immutable) does not see their rows either.
"""

from __future__ import annotations

import fcntl
import heapq
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable

from archive import childproc

DEFAULT_REPLAY_PORT = 8002  # `newsarchive serve`: Datasette on 8001, pywb beside it
COLLECTION = "newsarchive"  # pywb collection name
DEFAULT_REPLAY_BASE = f"http://127.0.0.1:{DEFAULT_REPLAY_PORT}/{COLLECTION}"
PYWB_VERSION = "2.10.0"  # pinned: the version tests/test_replay_pywb.py proves our CDXJ and WARC files with
VENV_ENV = "NEWSARCHIVE_PYWB_VENV"
HOW_TO_GET = f"`newsarchive replay install` installs pywb {PYWB_VERSION} in a virtual environment of its own"
NETWORK_ERRORS = ("Failed to establish a new connection", "Temporary failure in name resolution",
                  "Network is unreachable", "Name or service not known", "Connection refused", "timed out",
                  "No matching distribution found", "Could not find a version that satisfies",
                  "ProxyError", "SSLError", "ConnectionError", "HTTPSConnectionPool")
MERGE_FAN_IN = 200  # CDXJ files merged at once: well under the usual limit of 1024 open files


def timestamp14(fetched_at: str) -> str:
    """A capture time as stored in the index (ISO 8601, UTC) as the 14-digit timestamp of a wayback URL."""
    digits = re.sub(r"\D", "", fetched_at or "")
    if len(digits) < 14:
        raise ValueError(f"not a capture time: {fetched_at!r}")
    return digits[:14]


def replay_url(base: str, url: str, fetched_at: str, modifier: str = "") -> str:
    """The URL under which pywb at `base` (a collection, e.g. http://127.0.0.1:8002/newsarchive) replays the
    capture of `url` made at `fetched_at`: `{base}/{timestamp}{modifier}/{url}`. With no modifier pywb shows
    it framed, with its capture time above; `mp_` unframed, `id_` the archived bytes."""
    return f"{base.rstrip('/')}/{timestamp14(fetched_at)}{modifier}/{url}"


# -- finding and installing pywb ----------------------------------------------------------------------------

def default_venv() -> Path:
    """Where `newsarchive replay install` puts pywb when NEWSARCHIVE_PYWB_VENV is not set."""
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "newsarchive" / "pywb-venv"


def venv_path() -> Path:
    return Path(os.environ.get(VENV_ENV) or default_venv())


def find_wayback() -> Path | None:
    """pywb's `wayback` program: in the venv (NEWSARCHIVE_PYWB_VENV, else the default), else on PATH."""
    in_venv = venv_path() / "bin" / "wayback"
    if in_venv.is_file() and os.access(in_venv, os.X_OK):
        return in_venv
    on_path = shutil.which("wayback")
    return Path(on_path) if on_path else None


def pywb_version(wayback: Path) -> str | None:
    """The version `wayback --version` reports ("2.10.0"), or None when it does not answer."""
    try:
        done = subprocess.run([str(wayback), "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"pywb\s+(\S+)", done.stdout + done.stderr)
    return found.group(1) if done.returncode == 0 and found else None


class InstallError(RuntimeError):
    """pywb could not be installed; `network` when the output looks like no network (no index reachable)."""

    def __init__(self, message: str, network: bool = False):
        super().__init__(message)
        self.network = network


def install(venv: str | os.PathLike | None = None, progress: Callable[[str], None] | None = None,
            timeout: float = 900) -> float:
    """Make the pywb venv (default: `venv_path()`) with pywb==PYWB_VERSION unless it is there; returns the
    seconds it took (0 when it was there). One installer at a time (a lock file beside the venv); a marker
    file written last tells a finished venv from one an interrupted run left, which is made again."""
    venv = Path(venv or venv_path()).absolute()
    marker = venv / f".pywb-{PYWB_VERSION}"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and (venv / "bin" / "wayback").exists():
            return 0.0
        if venv.exists() and any(venv.iterdir()) and not (venv / "pyvenv.cfg").exists():
            raise InstallError(f"{venv} exists and is not a virtual environment: name an empty or new directory")
        if progress:
            progress(f"installing pywb {PYWB_VERSION} into {venv} (a minute or two)")
        shutil.rmtree(venv, ignore_errors=True)  # a half-made one from an interrupted run
        started = time.monotonic()
        steps = [[sys.executable, "-m", "venv", str(venv)],
                 [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                  "--no-input", "--quiet", f"pywb=={PYWB_VERSION}"]]
        for step in steps:
            try:
                done = subprocess.run(step, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                shutil.rmtree(venv, ignore_errors=True)
                raise InstallError(f"`{' '.join(step[:5])} ...` timed out after {timeout:.0f} s", network=True)
            if done.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                output = done.stdout + done.stderr
                raise InstallError(f"`{' '.join(step[:5])} ...` failed:\n{output[-2000:]}",
                                   network=any(e in output for e in NETWORK_ERRORS))
        marker.write_text(f"pywb {PYWB_VERSION}\n")
        return time.monotonic() - started


# -- the collection's index ----------------------------------------------------------------------------------

def closed_warc_files(warc_dir: str | os.PathLike) -> list[Path]:
    """The WARC files a crawl has closed (an open one is `NAME.warc.gz.open`, renamed when it closes)."""
    warc_dir = Path(warc_dir)
    return sorted(p for pattern in ("*.warc.gz", "*.warc") for p in warc_dir.glob(pattern) if p.is_file())


def write_merged_cdxj(warc_dir: str | os.PathLike, target: Path) -> int:
    """Write the sorted merge of the CDXJ lines of every closed WARC file in `warc_dir` to `target` (CDXJ
    files beside them; one missing is made in `target`'s directory); returns the number of lines."""
    from archive.cdxj import cdxj_path

    work = target.parent
    sources = []
    for n, warc in enumerate(closed_warc_files(warc_dir)):
        beside = cdxj_path(warc)
        sources.append(beside if beside.is_file() else _index_into(warc, work / f"made-{n}.cdxj"))
    round_ = 0
    while len(sources) > MERGE_FAN_IN:  # merge in rounds rather than hold thousands of files open
        round_ += 1
        groups = [sources[i:i + MERGE_FAN_IN] for i in range(0, len(sources), MERGE_FAN_IN)]
        sources = [work / f"merge-{round_}-{i}.cdxj" for i in range(len(groups))]
        for group, out in zip(groups, sources):
            _merge(group, out)
    return _merge(sources, target)


def _index_into(warc: Path, out: Path) -> Path:
    from archive.cdxj import CdxjLines
    from archive.records import WarcRecords

    lines = CdxjLines()
    for at in WarcRecords(warc):
        lines.add(at.record, warc.name, at.offset, at.length)
    out.write_text("".join(lines.sorted_lines()), encoding="utf-8")
    return out


def _merge(sources: Iterable[Path], target: Path) -> int:
    handles = [open(path, encoding="utf-8") for path in sources]
    count = 0
    try:
        with open(target, "w", encoding="utf-8") as out:
            for line in heapq.merge(*handles):
                if line.strip() and not line.startswith("!"):  # no blank or header lines in the merge
                    out.write(line if line.endswith("\n") else line + "\n")
                    count += 1
    finally:
        for handle in handles:
            handle.close()
    return count


# -- the server ----------------------------------------------------------------------------------------------

class ReplayUnavailable(RuntimeError):
    """No pywb here; the message says how to get it."""


class ReplayPortInUse(OSError):
    pass


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


class ReplayServer:
    """pywb's `wayback` replaying the WARC files of `data_dir/warc` as collection COLLECTION on `host:port`
    (this machine only by default). Use as a context manager, or `start()`, `wait_ready()`, `stop()`."""

    def __init__(self, data_dir: str | os.PathLike, port: int = DEFAULT_REPLAY_PORT, host: str = "127.0.0.1",
                 wayback: str | os.PathLike | None = None):
        self.warc_dir = Path(data_dir).resolve() / "warc"
        self.port, self.host = port, host
        self.wayback = Path(wayback) if wayback else None
        self.process: subprocess.Popen | None = None
        self.indexed_lines = 0
        self._tmp: Path | None = None
        self._log = None

    @property
    def base(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/{COLLECTION}"

    def start(self) -> "ReplayServer":
        wayback = self.wayback or find_wayback()
        if wayback is None:
            raise ReplayUnavailable(f"no pywb here (no {venv_path()}/bin/wayback, no `wayback` on PATH): "
                                    f"{HOW_TO_GET}")
        if port_in_use(self.host, self.port):
            raise ReplayPortInUse(f"replay port {self.port} on {self.host} is in use: choose another with "
                                  "--replay-port, or --no-replay")
        self._tmp = Path(tempfile.mkdtemp(prefix="newsarchive-replay-"))
        try:
            index = self._tmp / "index.cdxj"
            self.indexed_lines = write_merged_cdxj(self.warc_dir, index)
            # JSON is YAML: pywb reads config.yaml from its working directory.
            config = {"collections": {COLLECTION: {"index_paths": str(index),
                                                   "archive_paths": str(self.warc_dir) + os.sep}},
                      "framed_replay": True, "enable_memento": True}
            (self._tmp / "config.yaml").write_text(json.dumps(config, indent=1), encoding="utf-8")
            self._log = open(self._tmp / "wayback.log", "w")
            self.process = subprocess.Popen([str(wayback), "-b", self.host, "-p", str(self.port)], cwd=self._tmp,
                                            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                            preexec_fn=childproc.die_with_parent)
        except BaseException:
            self.stop()
            raise
        return self

    def log_text(self, chars: int = 2000) -> str:
        if self._log is None or self._tmp is None:
            return ""
        self._log.flush()
        return (self._tmp / "wayback.log").read_text(errors="replace")[-chars:]

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the collection answers (pywb loads in a second or two)."""
        childproc.wait_answering(self.process, self.base.replace("0.0.0.0", "127.0.0.1") + "/", timeout, "pywb",
                                 lambda: self.log_text(500))

    def stop(self) -> None:
        childproc.stop(self.process)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "ReplayServer":
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

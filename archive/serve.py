"""Browsing the index in Datasette (`newsarchive serve`): read-only, on this machine only by default.

The database is opened immutable (`datasette -i`): Datasette never writes to it and SQLite takes no locks,
so nothing a browser sends can change the index. Immutable mode also ignores the write-ahead log, so the
log is checkpointed into the database file first (a crawl running meanwhile is not seen until a restart).
The metadata (descriptions of every table and column, facets, full-text search, canned queries), the
stylesheet and the reading room come from the project's Datasette plugin (archive/readingroom, installed with
the package), as they do for a plain `datasette index.db`; the server adds only a plugin of its own
(`archive.serve_guard`, copied to a temporary directory for its lifetime) that answers every request other
than a read with 403. Paths on this machine are not shown: Datasette is given the index's file name and runs
in its directory. Beside it, pywb replays the archived pages on 127.0.0.1 (archive.replay.ReplayServer), its
base URL given to the reading room's pages.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from archive import childproc
from archive.readingroom.metadata import metadata  # noqa: F401  the Python API, as before
from archive.readingroom.pages import REPLAY_ENV
from archive.replay import DEFAULT_REPLAY_PORT

DEFAULT_PORT = 8001
DEFAULT_HOST = "127.0.0.1"
SETTINGS = {"sql_time_limit_ms": 5000, "facet_time_limit_ms": 2000, "default_page_size": 50}


def datasette_args(db_path: str | Path, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST,
                   metadata_path: str | Path | None = None, plugins_dir: str | Path | None = None) -> list[str]:
    """Arguments for `datasette` (after the program name) serving the index immutable (`-i`)."""
    args = ["serve", "-i", str(db_path), "--host", host, "--port", str(port)]
    if metadata_path is not None:
        args += ["--metadata", str(metadata_path)]
    if plugins_dir is not None:
        args += ["--plugins-dir", str(plugins_dir)]
    for name, value in SETTINGS.items():
        args += ["--setting", name, str(value)]
    return args


def checkpoint(db_path: str | Path) -> str | None:
    """Fold the write-ahead log into the database file (immutable readers ignore the log); a warning or None."""
    try:
        conn = sqlite3.connect(db_path, timeout=5)
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"could not checkpoint {db_path} ({exc}): rows still in its write-ahead log are not shown"
    if busy:
        return "a crawl is writing the index: rows written from now on are not shown until a restart"
    return None


class Server:
    """A Datasette process serving one index file. Use as a context manager, or `start()` / `stop()`."""

    def __init__(self, db_path: str | Path, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST):
        self.db_path, self.port, self.host = Path(db_path), port, host
        self.process: subprocess.Popen | None = None
        self.warning: str | None = None
        self._tmp: str | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/{self.db_path.stem}"

    def start(self, **popen) -> "Server":
        if not self.db_path.exists():
            raise FileNotFoundError(f"no index at {self.db_path}")
        self.warning = checkpoint(self.db_path)
        self._tmp = tempfile.mkdtemp(prefix="newsarchive-serve-")
        plugins = Path(self._tmp) / "plugins"
        plugins.mkdir()
        shutil.copy(Path(__file__).with_name("serve_guard.py"), plugins / "newsarchive_read_only.py")
        # Datasette lists each database's path as it was given (`/-/databases.json`): the file name alone, run
        # from its directory, so the page does not tell visitors where the archive lives on this machine.
        args = datasette_args(self.db_path.name, self.port, self.host, plugins_dir=plugins)
        popen.setdefault("cwd", self.db_path.resolve().parent)
        self.process = subprocess.Popen([sys.executable, "-m", "datasette", *args], **popen)
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        probe = self.url.rsplit("/", 1)[0].replace("0.0.0.0", "127.0.0.1") + "/-/versions.json"
        childproc.wait_answering(self.process, probe, timeout, "datasette")

    def stop(self) -> None:
        childproc.stop(self.process)
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(db_path: str | Path, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, replay: bool = True,
          replay_port: int = DEFAULT_REPLAY_PORT) -> int:
    """Serve until interrupted (the twin of `newsarchive serve`); returns Datasette's exit status.

    With `replay`, pywb replays the archive's WARC files beside it on 127.0.0.1:`replay_port` (archive.replay)
    and Datasette's pages get its base URL (env NEWSARCHIVE_REPLAY_URL). Without pywb one line says how to get
    it and Datasette runs anyway. Raises archive.replay.ReplayPortInUse when that port is taken."""
    server = Server(db_path, port, host)
    replayer = None
    # A plain `kill` must not leave Datasette or pywb running without us: turn SIGTERM/SIGHUP into an exit.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)
    try:
        env = dict(os.environ)
        if replay:
            replayer = start_replay(server.db_path.resolve().parent, replay_port)
            if replayer is not None:
                env[REPLAY_ENV] = replayer.base
        server.start(env=env, preexec_fn=childproc.die_with_parent)  # even a `kill -9` of serve leaves no Datasette
        try:
            server.wait_ready()
        except RuntimeError:
            return server.process.wait()  # Datasette said why (a port in use, say)
        if server.warning:
            print(f"warning: {server.warning}", file=sys.stderr)
        print(f"serving {server.db_path} read-only at {server.url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        if replayer is not None:
            print(f"replaying its archived pages with pywb at {replayer.base} ({replayer.indexed_lines:,} records "
                  "indexed; WARC files closed from now on are replayed after a restart)", file=sys.stderr, flush=True)
        return server.process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
        if replayer is not None:
            replayer.stop()


def start_replay(data_dir: Path, port: int):
    """pywb on 127.0.0.1:`port`, ready, or None (with one line on stderr) when pywb is not here or fails."""
    from archive.replay import ReplayServer, ReplayUnavailable

    replayer = ReplayServer(data_dir, port)
    try:
        replayer.start()
        replayer.wait_ready()
    except ReplayUnavailable as exc:
        print(f"warning: no replay of archived pages: {exc}", file=sys.stderr, flush=True)
        return None
    except (RuntimeError, TimeoutError) as exc:
        replayer.stop()
        print(f"warning: no replay of archived pages: {' '.join(str(exc).split())[:300]}", file=sys.stderr,
              flush=True)
        return None
    except BaseException:
        replayer.stop()
        raise
    return replayer


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(128 + signum)

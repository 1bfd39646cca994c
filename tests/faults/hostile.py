"""Small real HTTP servers on 127.0.0.1 that answer what a test tells them to, and log every request.

A route maps a path (with its query) to a `Reply`; a body may be bytes or a function returning an iterator of
chunks, so a server can stream a body larger than it would hold. Anything not routed is a 404. Peak memory
of a command is measured with `run_measured`: wait4() reports the largest resident set of the command and
of every process it waited for (parser and writer processes included).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

from support import ROOT


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Callable[[], Iterator[bytes]] = b""
    length: int | None = None  # Content-Length of a streamed body (bytes bodies get theirs)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:  # a client that hangs up mid-body is normal here
        pass


class HostileServer:
    def __init__(self, routes: dict[str, Reply] | None = None):
        self.routes: dict[str, Reply] = dict(routes or {})
        self.requests: list[str] = []  # "GET /path?query", in arrival order
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_GET(self):
                owner.requests.append(f"GET {self.path}")
                owner._answer(self)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "HostileServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        reply = self.routes.get(handler.path) or Reply(404, [("Content-Type", "text/plain")], b"not here")
        body = reply.body
        length = len(body) if isinstance(body, bytes) else reply.length
        handler.send_response(reply.status)
        for name, value in reply.headers:
            handler.send_header(name, value)
        if length is not None:
            handler.send_header("Content-Length", str(length))
        else:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        try:
            if isinstance(body, bytes):
                handler.wfile.write(body)
            else:
                for chunk in body():
                    handler.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):  # the crawler stopped reading: what we test for
            handler.close_connection = True


def streamed(total: int, head: bytes = b"<!DOCTYPE html><html><body>") -> Callable[[], Iterator[bytes]]:
    """A body of `total` bytes sent in 1 MiB chunks, never held whole."""
    block = b"<p>" + b"x" * ((1 << 20) - 8) + b"</p>\n"

    def chunks() -> Iterator[bytes]:
        yield head
        left = total - len(head)
        while left > 0:
            piece = block[:left]
            left -= len(piece)
            yield piece

    return chunks


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_mb: float  # largest resident set of the command or any process it waited for
    seconds: float


def run_measured(args: list[str], timeout: float = 300, cwd: Path = ROOT, env: dict[str, str] | None = None,
                 address_space: int | None = None) -> Measured:
    """Run `python ARGS` and measure its peak memory with wait4(), which reports that child's own rusage.
    `address_space` caps each process of the command (RLIMIT_AS, inherited): a regression then ends in a
    MemoryError instead of taking gigabytes from a machine other work shares."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    env.pop("NEWSARCHIVE_DATA", None)
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"hostile-{os.getpid()}-{time.monotonic_ns()}"
    started = time.monotonic()
    with open(f"{out_path}.out", "w+") as out, open(f"{out_path}.err", "w+") as err:
        def cap() -> None:
            if address_space:
                resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

        proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=out, stderr=err,
                                preexec_fn=cap)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = Measured(proc.returncode, out.read(), err.read(), usage.ru_maxrss / 1024,
                          time.monotonic() - started)
    Path(f"{out_path}.out").unlink(missing_ok=True)
    Path(f"{out_path}.err").unlink(missing_ok=True)
    return result


def cli(*args: str) -> list[str]:
    """Arguments for `run_measured` that run `newsarchive ARGS`."""
    return ["-m", "crawler.cli", *args]


"""Work in child processes, driven by the reactor's own event loop: no helper threads in the crawl process.

WARC writing and page parsing are CPU work in Python. Done on a thread of the crawl process they compete with
the reactor for the GIL: measured on 2 cores, a WARC write that takes 0.7 ms alone took 2.4 ms (p50) and
12 ms (p90) inside a crawl, and capture cut throughput by a third although the writer thread was idle most of
the time. `ProcessPoolExecutor` moves the work out but adds two threads of its own to the crawl process.

Here a child (`python -m crawler.workers.process MODULE:CLASS PARENT_PID`) builds `CLASS(*init_args)` and answers each call
with `handler.handle(message)`, in order. Messages are pickled frames on the child's stdin and stdout pipes,
which the parent reads and writes with the event loop's `add_reader`/`add_writer`. A child ignores SIGINT and
SIGTERM (the crawl decides when it stops and closes it), leaves when its stdin closes (calling
`handler.abandon()` if there is one) and, on Linux, dies with the crawl process.
"""

from __future__ import annotations

import asyncio
import collections
import importlib
import os
import pickle
import signal
import struct
import subprocess
import sys
from typing import Any

from archive.storage import storage_problem

_FRAME = struct.Struct("!I")


class WorkerError(RuntimeError):
    """The child raised while handling a call (the message names the exception), or it died. `storage` says
    whether the child's exception was a failure of the storage (archive.storage: "disk_full", ...)."""

    def __init__(self, message: str, storage: str | None = None):
        super().__init__(message)
        self.storage = storage


class WorkerProcess:
    """One child process serving `call(message)` in order. Started on first use; restarted after it died."""

    def __init__(self, target: str, *init_args: Any, name: str = "worker"):
        self.target = target
        self.init_args = init_args
        self.name = name
        self.proc: subprocess.Popen | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: collections.deque[asyncio.Future] = collections.deque()
        self._out: collections.deque[memoryview] = collections.deque()
        self._in = bytearray()
        self._writing = False
        self._wfd = self._rfd = -1

    @property
    def load(self) -> int:
        return len(self._pending)

    # -- calls -------------------------------------------------------------------------------------------

    def call(self, message: Any) -> asyncio.Future:
        """Send one message; the future resolves to the handler's return value or fails with WorkerError."""
        self._ensure_started(asyncio.get_running_loop())
        future = self._loop.create_future()
        self._pending.append(future)
        self._send(message)
        return future

    def call_sync(self, message: Any) -> Any:
        """A blocking call, for shutdown code that cannot await. Calls still in flight are answered first."""
        if self.proc is None:
            raise WorkerError(f"{self.name} is not running")
        self._detach()
        os.set_blocking(self._wfd, True)
        os.set_blocking(self._rfd, True)
        try:
            results = []
            try:
                while self._out:
                    self._write_all(self._out.popleft())
                self._write_all(_frame(message))
            except BrokenPipeError:
                raise WorkerError(self._died()) from None
            while len(results) <= len(self._pending):
                chunk = os.read(self._rfd, 1 << 16)
                if not chunk:  # what it answered before it died still counts
                    for result in results:
                        self._settle(self._pending.popleft(), result)
                    raise WorkerError(self._died())
                self._in += chunk
                results.extend(self._frames())
        finally:
            if self.proc is not None and self.proc.poll() is None:
                os.set_blocking(self._wfd, False)
                os.set_blocking(self._rfd, False)
                self._attach()
        *earlier, (ok, value) = results
        for result in earlier:
            self._settle(self._pending.popleft(), result)
        if not ok:
            raise _error(self.name, value)
        return value

    def close(self, timeout: float = 30) -> int | None:
        """Close the child's stdin (it leaves when it has answered what it read) and wait; its exit code."""
        if self.proc is None:
            return None
        code = self._release(timeout)
        self._fail_pending(f"{self.name} was closed")
        return code

    # -- plumbing ----------------------------------------------------------------------------------------

    def _ensure_started(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.proc is not None and self._loop is loop:
            return
        if self.proc is not None:
            self.close()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))  # a scrapyd egg, too
        # close_fds (Popen's default): a child must not inherit the crawl's descriptors, among them the per-site
        # lock, which it would otherwise keep held after a killed crawl.
        self.proc = subprocess.Popen([sys.executable, "-m", "crawler.workers.process", self.target, str(os.getpid())],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        # Own the pipe ends as plain descriptors: the loop reads and writes them without blocking.
        self._wfd, self._rfd = os.dup(self.proc.stdin.fileno()), os.dup(self.proc.stdout.fileno())
        self.proc.stdin.close()
        self.proc.stdout.close()
        os.set_blocking(self._wfd, False)
        os.set_blocking(self._rfd, False)
        self._loop = loop
        self._in.clear()
        self._out.clear()
        self._writing = False
        self._attach()
        self._send(self.init_args)

    def _attach(self) -> None:
        self._loop.add_reader(self._rfd, self._on_readable)
        if self._out:
            self._loop.add_writer(self._wfd, self._on_writable)
            self._writing = True

    def _detach(self) -> None:
        if self._loop is not None and self.proc is not None:
            self._loop.remove_reader(self._rfd)
            self._loop.remove_writer(self._wfd)
            self._writing = False

    def _send(self, message: Any) -> None:
        data = memoryview(_frame(message))
        if not self._out:
            try:
                data = data[os.write(self._wfd, data):]
            except BlockingIOError:
                pass
            except BrokenPipeError:
                self._died()
                return
        if data:
            self._out.append(data)
            if not self._writing:
                self._loop.add_writer(self._wfd, self._on_writable)
                self._writing = True

    def _on_writable(self) -> None:
        try:
            while self._out:
                head = self._out[0]
                written = os.write(self._wfd, head)
                if written < len(head):
                    self._out[0] = head[written:]
                    return
                self._out.popleft()
        except BlockingIOError:
            return
        except BrokenPipeError:
            self._died()
            return
        self._loop.remove_writer(self._wfd)
        self._writing = False

    def _on_readable(self) -> None:
        try:
            chunk = os.read(self._rfd, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            self._died()
            return
        self._in += chunk
        for result in self._frames():
            self._settle(self._pending.popleft(), result)

    def _frames(self) -> list[tuple[bool, Any]]:
        results = []
        while len(self._in) >= _FRAME.size:
            (size,) = _FRAME.unpack_from(self._in)
            if len(self._in) < _FRAME.size + size:
                break
            results.append(pickle.loads(self._in[_FRAME.size:_FRAME.size + size]))
            del self._in[:_FRAME.size + size]
        return results

    def _settle(self, future: asyncio.Future, result: tuple[bool, Any]) -> None:
        if future.cancelled():
            return
        ok, value = result
        if ok:
            future.set_result(value)
        else:
            future.set_exception(_error(self.name, value))

    def _write_all(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._wfd, view):]

    def _died(self) -> str:
        """The child's pipe closed: it is exiting. Its calls fail with a note naming its exit status, known only
        once it is reaped: the kernel closes a dying process's pipes before its parent can reap it, so a
        status read at once (poll) may find it still running. The wait is short (the child is on its way
        out, and `_release` closes its stdin, which ends a live one) and bounded, as is the loop's stall."""
        code = self._release(5)
        note = f"{self.name} process exited (code {code})"
        self._fail_pending(note)
        return note

    def _release(self, timeout: float) -> int | None:
        """Stop watching the pipes, close them and reap the child (killed if it outstays `timeout`)."""
        self._detach()
        proc, self.proc = self.proc, None
        for fd in (self._wfd, self._rfd):
            try:
                os.close(fd)
            except OSError:
                pass
        if proc is None:
            return None
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def _fail_pending(self, note: str) -> None:
        while self._pending:
            future = self._pending.popleft()
            if not future.done():
                future.set_exception(WorkerError(note))


def _error(name: str, failure: tuple[str, str | None] | str) -> WorkerError:
    message, storage = failure if isinstance(failure, tuple) else (failure, None)
    return WorkerError(f"{name}: {message}", storage)


def _frame(message: Any) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _FRAME.pack(len(payload)) + payload


# -- the child -----------------------------------------------------------------------------------------

def _read_exactly(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def _die_with_parent(parent_pid: int) -> None:
    """On Linux, be killed the moment the crawl process dies, as a thread of it would be: a SIGKILLed crawl
    leaves its files exactly as it had them, for the next run to repair (the kernel sends the signal when
    the thread that started us ends; that is the reactor thread). Elsewhere, stdin's EOF ends us."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the line above took effect
        os._exit(0)


def _child(target: str, parent_pid: int) -> int:
    _die_with_parent(parent_pid)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    results = os.dup(1)
    os.dup2(2, 1)  # a stray print() goes to stderr, never into the result pipe
    sys.stdout = sys.stderr
    requests = sys.stdin.buffer

    def receive():
        header = _read_exactly(requests, _FRAME.size)
        if header is None:
            return None
        body = _read_exactly(requests, _FRAME.unpack(header)[0])
        return None if body is None else (pickle.loads(body),)

    def reply(result: tuple[bool, Any]) -> None:
        try:
            frame = _frame(result)
        except Exception as exc:  # an unpicklable result is an error of that call, not of the worker
            frame = _frame((False, f"unpicklable result: {type(exc).__name__}: {exc}"))
        view = memoryview(frame)
        while view:
            view = view[os.write(results, view):]

    first = receive()
    if first is None:
        return 0
    module, _, name = target.partition(":")
    try:
        handler = getattr(importlib.import_module(module), name)(*first[0])
        broken = None
    except Exception as exc:
        handler, broken = None, f"could not start {target}: {type(exc).__name__}: {exc}"
    while (message := receive()) is not None:
        if broken:
            reply((False, broken))
            continue
        try:
            reply((True, handler.handle(message[0])))
        except Exception as exc:
            reply((False, (f"{type(exc).__name__}: {exc}", storage_problem(exc))))
    if handler is not None and hasattr(handler, "abandon"):
        handler.abandon()
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], int(sys.argv[2])))

"""crawler.workers.process: calls answered in order, errors carried back, a dead child noticed and replaced, a
blocking call for shutdown, and a child that leaves (calling `abandon`) when its parent's pipe closes."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from crawler.workers.process import WorkerError, WorkerProcess


class Echo:
    """The handler the tests start in a child process."""

    def __init__(self, abandon_file: str = ""):
        self.abandon_file = abandon_file

    def handle(self, message):
        kind, value = message
        if kind == "fail":
            raise ValueError(value)
        if kind == "sleep":
            time.sleep(value)
        if kind == "pid":
            return os.getpid()
        if kind == "linger":  # the pipe closes first, the exit comes later: a dying process, slowed down
            os.closerange(3, 1 << 16)
            time.sleep(value)
            os._exit(3)
        return value

    def abandon(self):
        if self.abandon_file:
            Path(self.abandon_file).write_text("abandoned")


def test_calls_are_answered_in_order_and_errors_come_back():
    async def main():
        worker = WorkerProcess("test_workerproc:Echo", name="echo")
        try:
            big = os.urandom(3_000_000)  # more than a pipe holds: written as the child reads
            results = await asyncio.gather(*(worker.call(("echo", i)) for i in range(200)),
                                           worker.call(("echo", big)))
            assert results[:200] == list(range(200)) and results[200] == big
            with pytest.raises(WorkerError, match="echo: ValueError: bad page"):
                await worker.call(("fail", "bad page"))
            assert await worker.call(("echo", "still serving")) == "still serving"
            assert worker.call_sync(("echo", "at shutdown")) == "at shutdown"
        finally:
            assert worker.close() == 0
    asyncio.run(main())


def test_a_dead_child_fails_its_calls_and_is_replaced():
    async def main():
        worker = WorkerProcess("test_workerproc:Echo", name="echo")
        try:
            first = await worker.call(("pid", None))
            pending = worker.call(("sleep", 5))
            await asyncio.sleep(0.2)
            os.kill(first, signal.SIGKILL)
            with pytest.raises(WorkerError, match="echo process exited"):
                await pending
            second = await worker.call(("pid", None))
            assert second != first
        finally:
            worker.close()
    asyncio.run(main())


def test_a_child_that_closes_its_pipe_before_it_exits_is_reported_by_its_exit_status():
    # A killed child's pipe closes before the kernel lets its parent reap it; the note must not be written in
    # between. Here the gap is widened to 0.3 s, so the answer cannot depend on how the processes are scheduled.
    async def main():
        worker = WorkerProcess("test_workerproc:Echo", name="echo")
        try:
            with pytest.raises(WorkerError, match=r"echo process exited \(code 3\)"):
                await worker.call(("linger", 0.3))
            assert await worker.call(("echo", "replaced")) == "replaced"
            with pytest.raises(WorkerError, match=r"echo process exited \(code 3\)"):
                worker.call_sync(("linger", 0.3))  # the blocking call of shutdown code, too
        finally:
            worker.close()
    asyncio.run(main())


def test_a_blocking_call_to_a_child_that_died_unnoticed_fails_as_a_worker_error():
    # Shutdown code catches WorkerError (crawler/downloadermiddlewares/capture.py); the write to the dead child's pipe must not
    # escape as a BrokenPipeError.
    async def main():
        worker = WorkerProcess("test_workerproc:Echo", name="echo")
        try:
            pid = await worker.call(("pid", None))
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.3)  # blocking: the event loop never gets to read the pipe's end
            with pytest.raises(WorkerError, match=r"echo process exited \(code -9\)"):
                worker.call_sync(("echo", 1))
        finally:
            worker.close()
    asyncio.run(main())


def test_a_child_ignores_sigterm_and_leaves_when_its_pipe_closes(tmp_path):
    marker = tmp_path / "abandoned"

    async def main():
        worker = WorkerProcess("test_workerproc:Echo", str(marker), name="echo")
        pid = await worker.call(("pid", None))
        os.kill(pid, signal.SIGTERM)  # the crawl decides when its helpers stop
        assert await worker.call(("echo", 1)) == 1
        return worker
    worker = asyncio.run(main())
    assert worker.close(timeout=10) == 0
    assert marker.read_text() == "abandoned"


def test_a_handler_that_cannot_start_fails_every_call():
    async def main():
        worker = WorkerProcess("test_workerproc:Missing", name="missing")
        try:
            for _ in range(2):
                with pytest.raises(WorkerError, match="could not start test_workerproc:Missing"):
                    await worker.call(("echo", 1))
        finally:
            worker.close()
    asyncio.run(main())

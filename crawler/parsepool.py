"""Site parsers run in worker processes, so parsing uses the cores the reactor thread cannot.

Parsing is the crawl's largest CPU cost (about 1-2 ms a page, under the GIL). With PARSER_PROCESSES > 0
pages are parsed in that many processes while the reactor keeps fetching and archiving; 0 parses inline.
Parsers are pure functions of (bytes, URL, capture time), so a page parses the same either way.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

from crawler.parsers import ParseResult, parse_page

_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def default_processes() -> int:
    return max(0, (os.cpu_count() or 1) - 1)


def _get_pool(processes: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    if _pool is None or _pool_size != processes:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        # spawn, not fork: a forked worker would inherit the crawl's open files, among them the per-site lock,
        # and keep it held after the crawl itself is killed (the next run would find the site "busy").
        context = multiprocessing.get_context("spawn")
        _pool = ProcessPoolExecutor(processes, mp_context=context, initializer=_exit_with_parent,
                                    initargs=(os.getpid(),))
        _pool_size = processes
    return _pool


def _exit_with_parent(parent_pid: int) -> None:
    """In a worker: leave when the crawl process is gone (a SIGKILLed crawl cannot shut its pool down)."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(shutdown)


async def parse_async(html: bytes, url: str, fetched_at: datetime, site: str | None,
                      processes: int) -> ParseResult:
    """Parse in a worker process when possible (asyncio reactor and processes > 0), else inline."""
    if processes <= 0:
        return parse_page(html, url, fetched_at, site=site)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return parse_page(html, url, fetched_at, site=site)
    return await loop.run_in_executor(_get_pool(processes), parse_page, html, url, fetched_at, site)

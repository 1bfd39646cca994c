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
        # forkserver/spawn would re-import Scrapy per worker; fork is cheap and the parsers hold no locks.
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        _pool = ProcessPoolExecutor(processes, mp_context=context)
        _pool_size = processes
    return _pool


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

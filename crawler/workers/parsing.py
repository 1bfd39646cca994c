"""Site parsers run in worker processes, so parsing uses the cores the reactor thread cannot.

Parsing is the crawl's largest CPU cost (about 2 ms a page). With PARSER_PROCESSES > 0 pages are parsed in
that many child processes (crawler/workers/process.py) while the reactor keeps fetching; 0 parses inline. A page
goes to the worker as received: undoing its Content-Encoding is part of the worker's job, so the reactor
never decompresses an article page (see `ParserDecodedCompression`). Parsers are pure functions of
(bytes, URL, capture time), so a page parses the same either way.

The same task that parses a page lists its requisites (crawler/parsers/requisites.py), from the one decoded
body: reading the HTML a second time on the reactor thread would cost what moving parsing here saved.
Stylesheets are read here too, for what they load.
"""

from __future__ import annotations

import asyncio
import atexit
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from archive.decoding import MAX_BODY_BYTES, BodyTooLarge, decode_content
from crawler.parsers import Article, ParseResult, parse_page
from crawler.parsers.listings import Listing, kyodo_listing
from crawler.parsers.requisites import Requisite, css_requisites, page_requisites
from crawler.workers.process import WorkerProcess

_workers: list[WorkerProcess] = []


@dataclass
class Oversized:
    """A page not parsed because its body decodes to more than the limit (a decompression bomb): an answer,
    not an error, so the spider records it as `too_large` rather than as a parser failure."""

    detail: str


def parse_body(body: bytes, content_encoding: str | None, url: str, fetched_at: datetime,
               site: str | None, max_size: int = MAX_BODY_BYTES, requisites: str = "none",
               other_page: str = "listing") -> tuple[ParseResult | Oversized, list[Requisite]]:
    """The parser's own answer, the Article or NotArticle itself (it crosses the pipe as it is), and the page's
    requisites in mode `requisites` ("none", "pages", "all"): those of an article page when it is one, else
    of an `other_page` ("home" or "listing"). One decode of the body serves both."""
    try:
        html = decode_content(body, content_encoding, max_size)
    except BodyTooLarge as exc:
        return Oversized(f"{exc}; archived as received, not parsed"), []
    result = parse_page(html, url, fetched_at, site=site)
    page = "article" if isinstance(result, Article) else other_page
    return result, page_requisites(html, url, page, requisites) if requisites != "none" else []


def kyodo_listing_body(body: bytes, content_encoding: str | None, max_size: int = MAX_BODY_BYTES,
                       url: str = "", requisites: str = "none") -> tuple[Listing | Oversized, list[Requisite]]:
    """A Kyodo listing page read for its links, and its requisites in mode `requisites`."""
    try:
        html = decode_content(body, content_encoding, max_size)
    except BodyTooLarge as exc:
        return Oversized(f"{exc}; archived as received, not parsed"), []
    return kyodo_listing(html), page_requisites(html, url, "listing", requisites) if requisites != "none" else []


def page_requisites_body(body: bytes, content_encoding: str | None, url: str, page: str, mode: str,
                         max_size: int = MAX_BODY_BYTES) -> list[Requisite] | Oversized:
    """The requisites of a page whose text is not parsed again (one confirmed by a 304)."""
    try:
        return page_requisites(decode_content(body, content_encoding, max_size), url, page, mode)
    except BodyTooLarge as exc:
        return Oversized(f"{exc}; archived as received, not read")


def css_requisites_body(body: bytes, content_encoding: str | None, url: str,
                        max_size: int = MAX_BODY_BYTES) -> list[Requisite] | Oversized:
    """What a stylesheet loads: its @import rules and url() values (fonts, images)."""
    try:
        return css_requisites(decode_content(body, content_encoding, max_size), url)
    except BodyTooLarge as exc:
        return Oversized(f"{exc}; archived as received, not read")


TASKS = {"article": parse_body, "kyodo-listing": kyodo_listing_body, "requisites": page_requisites_body,
         "css": css_requisites_body}


class PageParser:
    """The worker's handler: one (task name, arguments) per call, a task of TASKS."""

    def handle(self, message: tuple):
        task, args = message
        return TASKS[task](*args)


def _pool(processes: int) -> list[WorkerProcess]:
    while len(_workers) < processes:
        _workers.append(WorkerProcess("crawler.workers.parsing:PageParser", name=f"parser {len(_workers) + 1}"))
    return _workers[:processes]


def shutdown() -> None:
    while _workers:
        _workers.pop().close()


atexit.register(shutdown)


async def in_parser(task: str, *args: Any, processes: int):
    """Run TASKS[task](*args) in the least busy worker process when possible (asyncio reactor, processes
    > 0), else inline."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        processes = 0
    if processes <= 0:
        return TASKS[task](*args)
    worker = min(_pool(processes), key=lambda w: w.load)
    return await worker.call((task, args))


async def parse_async(body: bytes, content_encoding: str | None, url: str, fetched_at: datetime,
                      site: str | None, processes: int, max_size: int = MAX_BODY_BYTES, requisites: str = "none",
                      other_page: str = "listing") -> tuple[ParseResult | Oversized, list[Requisite]]:
    return await in_parser("article", body, content_encoding, url, fetched_at, site, max_size, requisites,
                           other_page, processes=processes)

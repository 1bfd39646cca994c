"""Extension: the crawl's log handlers escape control characters (archive.terminal.EscapeControls), so a
page's title or date text in a log line cannot drive the terminal or a log viewer. An extension rather than
code in crawler/run.py, so `scrapy crawl` and scrapyd jobs get it too; Scrapy has installed its root log
handler by the time extensions load."""

from __future__ import annotations

import logging

from archive.terminal import EscapeControls


class SafeLogs:
    @classmethod
    def from_crawler(cls, crawler) -> "SafeLogs":
        install()
        return cls()


def install(logger: logging.Logger | None = None) -> None:
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, EscapeControls) for f in handler.filters):
            handler.addFilter(EscapeControls())

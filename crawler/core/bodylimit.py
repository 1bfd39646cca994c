"""The crawl's one body size limit, NEWSARCHIVE_MAX_BODY_BYTES (default `archive.decoding.MAX_BODY_BYTES`).

It bounds what is received and what it decodes to. Received: DOWNLOAD_MAXSIZE follows it unless set itself
(Scrapy's default, 1 GiB, let a 300 MB page be archived), and crawler/core/download.py keeps what came up to there,
archived as truncated. Decoded: ParserDecodedCompression (crawler/downloadermiddlewares/compression.py) and the parser processes
(crawler/workers/parsing.py) stop decoding there. Either way the page is archived as it came, recorded
`too_large`, and never handed to a parser.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.settings import SETTINGS_PRIORITIES

from archive.decoding import MAX_BODY_BYTES

SETTING = "NEWSARCHIVE_MAX_BODY_BYTES"


class TooLarge(IgnoreRequest):
    """A response archived as received but not handed to the spider: its body is larger than the limit, or
    decodes to more. The request's errback records it (crawler/spiders/failures.py: reason `too_large`)."""


def max_body_bytes(settings) -> int:
    return settings.getint(SETTING) or MAX_BODY_BYTES


def derive_size_settings(settings) -> None:
    """DOWNLOAD_MAXSIZE from the limit, DOWNLOAD_WARNSIZE at half of it, each unless set by hand. Called by the
    spiders' `update_settings`, at spider priority as `derive_user_agent` is, for the same reason."""
    limit = max_body_bytes(settings)
    for name, value in (("DOWNLOAD_MAXSIZE", limit), ("DOWNLOAD_WARNSIZE", limit // 2)):
        if (settings.getpriority(name) or 0) <= SETTINGS_PRIORITIES["default"]:
            settings.set(name, value, priority="spider")

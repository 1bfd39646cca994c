"""Downloader middleware: Scrapy's decompression, left to the parser process for article pages, and the one
place a body over the size limit stops before a callback would parse it."""

from __future__ import annotations

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest

from crawler.core.bodylimit import TooLarge, max_body_bytes
from crawler.meta import MAXSIZE_FLAG, PARSER_DECODES_META_KEY


class ParserDecodedCompression(HttpCompressionMiddleware):
    """Scrapy's HttpCompressionMiddleware, except for responses whose request says `parser_decodes`: a page
    that only goes to the site parser keeps its Content-Encoding and is decompressed in the parser process
    (crawler/workers/parsing.py), off the reactor thread. Everything else is decompressed here as usual.

    It is also where a body over the size limit (crawler/core/bodylimit.py) stops, archived already (the capture
    middleware sits closer to the downloader): one cut at DOWNLOAD_MAXSIZE, or one that decodes to more than
    NEWSARCHIVE_MAX_BODY_BYTES, raises TooLarge instead of reaching a callback that would parse it."""

    def __init__(self, stats=None, *, crawler=None):
        super().__init__(stats, crawler=crawler)
        if crawler is not None:  # Scrapy caps decompression at DOWNLOAD_MAXSIZE; ours is the one body limit
            self._max_size = max_body_bytes(crawler.settings)

    def process_response(self, request, response, spider=None):
        if MAXSIZE_FLAG in response.flags:
            raise TooLarge(f"body cut at {len(response.body):,} bytes (DOWNLOAD_MAXSIZE); archived as "
                           "truncated, not parsed")
        if request.meta.get(PARSER_DECODES_META_KEY):
            return response
        try:
            return super().process_response(request, response)
        except IgnoreRequest:  # Scrapy's way of saying the body decoded past the limit (and logging it)
            raise TooLarge(f"body decodes to more than {self._max_size:,} bytes, the body size limit; "
                           "archived as received, not parsed") from None

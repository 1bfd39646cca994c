"""An HTTP/1.1 download handler that keeps the status line's reason phrase, which Scrapy drops, refuses
requests a component vetoes as they reach the wire (the `veto_download` signal: a host whose circuit breaker
opened meanwhile, crawler/downloadermiddlewares/politeness.py), and keeps the first
DOWNLOAD_MAXSIZE bytes of a body that is too large instead of throwing them away.

WARC response records should carry the status line as received ("200 Fine Thanks", not a made-up
phrase). A body over DOWNLOAD_MAXSIZE is stopped there and delivered flagged `download_stopped` (Scrapy's own
handler cancels it and keeps nothing): the capture middleware archives it with `WARC-Truncated: length`, as
Heritrix does, and the spider records it as `too_large` without indexing it. A request with its own
`download_maxsize` meta key keeps Scrapy's behaviour. Everything else is Scrapy's own HTTP11DownloadHandler.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, _ScrapyAgent
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.meta import DOWNLOAD_STOPPED_FLAG, MAXSIZE_FLAG, REASON_META_KEY
from crawler.signals import veto_download

logger = logging.getLogger(__name__)


class DownloadVetoed(IgnoreRequest):
    """A request a `veto_download` receiver refused; the message is its reason."""


class _ReasonKeepingAgent(_ScrapyAgent):
    def download_request(self, request):
        self._newsarchive_request = request
        return super().download_request(request)

    def _cb_bodydone(self, result, url: str) -> Response:
        response = super()._cb_bodydone(result, url)
        phrase = getattr(result["txresponse"], "phrase", b"") or b""
        self._newsarchive_request.meta[REASON_META_KEY] = (
            phrase.decode("latin-1") if isinstance(phrase, bytes) else str(phrase))
        return response


class WireHTTP11DownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._received: dict[int, int] = {}  # id(request) -> body bytes so far, for requests cut at maxsize
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    def _bytes_received(self, data: bytes, request, spider) -> None:
        if id(request) not in self._received:
            return
        self._received[id(request)] += len(data)
        if self._received[id(request)] > self._default_maxsize:
            raise StopDownload(fail=False)

    async def download_request(self, request) -> Response:
        for _, reason in self._crawler.signals.send_catch_log(signal=veto_download, request=request):
            if isinstance(reason, str) and reason:
                raise DownloadVetoed(reason)
        from scrapy.core.downloader.handlers.http11 import (ResponseDataLossError, get_dataloss_msg,
                                                            logger as scrapy_logger, wrap_twisted_exceptions)

        cut_here = bool(self._default_maxsize) and "download_maxsize" not in request.meta
        agent = _ReasonKeepingAgent(
            contextFactory=self._contextFactory, bindAddress=self._bind_address, pool=self._pool,
            maxsize=0 if cut_here else self._default_maxsize, warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss, crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging)
        if cut_here:
            self._received[id(request)] = 0
        try:
            with wrap_twisted_exceptions():
                response = await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                scrapy_logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise
        finally:
            received = self._received.pop(id(request), 0)
        if cut_here and DOWNLOAD_STOPPED_FLAG in response.flags and received > self._default_maxsize:
            response.flags.append(MAXSIZE_FLAG)
            logger.warning("%s: body cut at %d bytes (DOWNLOAD_MAXSIZE %d); archived as truncated",
                           request.url, len(response.body), self._default_maxsize)
        return response

"""An HTTP/1.1 download handler that keeps the status line's reason phrase, which Scrapy drops, and
refuses requests to a host whose circuit breaker is open (crawler/politeness.py).

WARC response records should carry the status line as received ("200 Fine Thanks", not a made-up
phrase). Everything else is Scrapy's own HTTP11DownloadHandler.
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, _ScrapyAgent
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future

REASON_META_KEY = "http_reason"  # request.meta: the reason phrase as latin-1 text (Response has __slots__)


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
    async def download_request(self, request) -> Response:
        from crawler.politeness import CircuitOpen, refusal

        reason = refusal(self._crawler, request)
        if reason:
            raise CircuitOpen(reason)
        from scrapy.core.downloader.handlers.http11 import (ResponseDataLossError, get_dataloss_msg,
                                                            logger, wrap_twisted_exceptions)

        agent = _ReasonKeepingAgent(
            contextFactory=self._contextFactory, bindAddress=self._bind_address, pool=self._pool,
            maxsize=self._default_maxsize, warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss, crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging)
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise

"""Turning a Scrapy/Twisted failure into a fetch_errors reason and a sentence."""

from __future__ import annotations

from scrapy.exceptions import (CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError,
                               DownloadTimeoutError, IgnoreRequest, ResponseDataLossError)
from twisted.internet import defer, error
from twisted.web._newclient import ResponseFailed

from crawler.core.bodylimit import TooLarge

# Scrapy (2.14+) wraps Twisted's download errors in its own exceptions; both kinds are listed.
_TIMEOUTS = (error.TimeoutError, defer.TimeoutError, DownloadTimeoutError)
_CONNECTION = (error.ConnectionRefusedError, error.ConnectionLost, error.ConnectionDone, error.DNSLookupError,
               ResponseFailed, error.ConnectError, DownloadConnectionRefusedError, CannotResolveHostError,
               DownloadFailedError)


def classify_failure(failure) -> tuple[str, str]:
    exc = failure.value
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TooLarge):
        return "too_large", text
    if isinstance(exc, IgnoreRequest) and "circuit open" in text:
        return "circuit", text
    if "maxsize" in text.lower() or "max size" in text.lower():  # the download, or its decompression
        return "too_large", text
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in text:
            return "robots", "forbidden by robots.txt"
        if "max redirections" in text.lower():
            return "other", f"too many redirects: {text}"
        return "other", f"ignored: {text}"
    if isinstance(exc, _TIMEOUTS) or "took longer than" in text:
        return "timeout", text
    if isinstance(exc, ResponseDataLossError):
        return "connection", "connection closed before the whole body arrived (shorter than its Content-Length)"
    if isinstance(exc, _CONNECTION):
        cause = exc.__cause__ if isinstance(exc, DownloadFailedError) and exc.__cause__ is not None else exc
        if isinstance(cause, ResponseFailed) and cause.reasons:  # e.g. ConnectionLost after a TCP reset
            cause = cause.reasons[0].value
        return "connection", f"{type(cause).__name__}: {cause}"
    return "other", f"{type(exc).__name__}: {text}"

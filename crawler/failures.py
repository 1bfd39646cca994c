"""Turning a Scrapy/Twisted failure into a fetch_errors reason and a sentence."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from twisted.internet import defer, error
from twisted.web._newclient import ResponseFailed


def classify_failure(failure) -> tuple[str, str]:
    exc = failure.value
    text = str(exc) or type(exc).__name__
    if isinstance(exc, IgnoreRequest):
        if "circuit open" in text:
            return "circuit", text
        if "robots.txt" in text:
            return "robots", "forbidden by robots.txt"
        return "other", f"ignored: {text}"
    if isinstance(exc, (error.TimeoutError, defer.TimeoutError)) or "took longer than" in text:
        return "timeout", text
    if isinstance(exc, defer.CancelledError) and "max size" in text.lower():
        return "too_large", text
    if "maxsize" in text.lower() or "max size" in text.lower():
        return "too_large", text
    if isinstance(exc, (error.ConnectionRefusedError, error.ConnectionLost, error.ConnectionDone,
                        error.DNSLookupError, ResponseFailed, error.ConnectError)):
        return "connection", f"{type(exc).__name__}: {text}"
    return "other", f"{type(exc).__name__}: {text}"

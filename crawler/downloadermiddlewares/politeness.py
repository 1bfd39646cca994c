"""Politeness Scrapy does not do by itself: robots.txt Crawl-delay, Retry-After, backoff, circuit breaker.

All per origin: each host (with its port, when the URL names one) has a download slot of its own, so a
site's Crawl-delay never slows its asset host (a CDN), nor the asset host's its site. Scrapy keys slots by
host name alone, which would put a mirror's site and its asset origin (both on 127.0.0.1) in one slot; for
the real sites, on default ports, the key is Scrapy's own. Configured by settings:
  ROBOTSTXT_CRAWL_DELAY_MAX  cap on a site's Crawl-delay, seconds (default 60)
  RETRY_AFTER_MAX            cap on a Retry-After pause, seconds (default 300)
  BACKOFF_MAX_DELAY          cap on the exponential backoff delay after failures (default 60)
  CIRCUIT_BREAKER_FAILURES   consecutive failures that open a host's circuit (default 10; 0 = never)
  CIRCUIT_BREAKER_COOLDOWN   seconds an open circuit refuses requests before one trial (default 300)
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.task import deferLater

from crawler.meta import CIRCUIT_TRIAL_META_KEY
from crawler.signals import veto_download

logger = logging.getLogger(__name__)

BACKOFF_STATUSES = {429, 500, 502, 503, 504, 522, 524}



def slot_key(request: Request) -> str:
    """The download slot of a request: its host, and its port when the URL names one."""
    parts = urlparse_cached(request)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:  # a port out of range: the scope refuses the URL anyway
        port = None
    return f"{host}:{port}" if port else host


class CircuitOpen(IgnoreRequest):
    """A request refused because its host kept failing (see CIRCUIT_BREAKER_* settings)."""


@dataclass
class HostState:
    base_delay: float | None = None  # the slot's delay before any backoff
    crawl_delay: float = 0.0
    failures: int = 0
    open_until: float = 0.0
    trial_in_flight: bool = False
    pause_until: float = 0.0  # monotonic time before which Retry-After forbids requests to this host


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP-date. None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class PolitenessMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        # A request queued behind a failing host is refused at the wire too, not only as it enters the queue.
        crawler.signals.connect(self.refusal, signal=veto_download)
        # The slot is named before the request is queued: Scrapy's scheduler queues requests per slot.
        crawler.signals.connect(self.assign_slot, signal=signals.request_scheduled)
        settings = crawler.settings
        self.crawl_delay_max = settings.getfloat("ROBOTSTXT_CRAWL_DELAY_MAX", 60)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 300)
        self.backoff_max = settings.getfloat("BACKOFF_MAX_DELAY", 60)
        self.breaker_failures = settings.getint("CIRCUIT_BREAKER_FAILURES", 10)
        self.breaker_cooldown = settings.getfloat("CIRCUIT_BREAKER_COOLDOWN", 300)
        self.user_agent = settings.get("USER_AGENT", "")
        self.hosts: dict[str, HostState] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # -- plumbing ----------------------------------------------------------------------------------------

    def _slot(self, request: Request):
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        return key, downloader.slots.get(key)

    def _state(self, request: Request) -> tuple[str, HostState]:
        host = urlparse_cached(request).netloc
        return host, self.hosts.setdefault(host, HostState())

    def _robots_delay(self, host: str) -> float | None:
        for mw in self.crawler.engine.downloader.middleware.middlewares:
            parsers = getattr(mw, "_parsers", None)
            if parsers is not None:
                parser = parsers.get(host)
                if parser is not None and hasattr(parser, "crawl_delay"):
                    return parser.crawl_delay(self.user_agent)
        return None

    def _set_delay(self, request: Request, state: HostState, delay: float) -> None:
        _, slot = self._slot(request)
        if slot is None:
            return
        if state.base_delay is None:
            state.base_delay = slot.delay
        slot.delay = max(delay, state.crawl_delay)

    def _restore_delay(self, request: Request, state: HostState) -> None:
        _, slot = self._slot(request)
        if slot is not None and state.base_delay is not None:
            slot.delay = max(state.base_delay, state.crawl_delay)
            state.base_delay = None

    # -- middleware --------------------------------------------------------------------------------------

    def assign_slot(self, request: Request, spider=None) -> None:
        # Always set, never by default only: a redirect copies meta, and its target may be another host.
        request.meta["download_slot"] = slot_key(request)

    def refusal(self, request: Request) -> str | None:
        """Why a request must not go out now (its host's circuit is open), or None. Also the `veto_download`
        receiver: the download handler asks again at the wire, so requests already queued behind a failing host
        are refused at once too."""
        host, state = self._state(request)
        if state.open_until and (time.monotonic() < state.open_until or state.trial_in_flight) \
                and not request.meta.get(CIRCUIT_TRIAL_META_KEY):
            return (f"circuit open for {host}: {state.failures} consecutive failures; "
                    f"next trial in {max(0, state.open_until - time.monotonic()):.0f}s")
        return None

    async def process_request(self, request: Request):
        self.assign_slot(request)  # robots.txt and conditional re-reads were never scheduled
        host, state = self._state(request)
        await self._wait_for_pause(state)
        reason = self.refusal(request)
        if reason:
            self.crawler.stats.inc_value("politeness/circuit_refused")
            raise CircuitOpen(reason)
        if state.open_until:
            state.trial_in_flight = True  # half-open: this request decides
            request.meta[CIRCUIT_TRIAL_META_KEY] = True
        if not state.crawl_delay:
            delay = self._robots_delay(host)
            if delay:
                state.crawl_delay = min(float(delay), self.crawl_delay_max)
                logger.info("robots.txt of %s asks Crawl-delay %.1fs; obeying", host, state.crawl_delay)
                self.crawler.stats.set_value(f"politeness/crawl_delay/{host}", state.crawl_delay)
        _, slot = self._slot(request)
        if slot is not None and state.crawl_delay:
            # Crawl-delay is a minimum: Scrapy would wait a random 0.5-1.5x of the slot's delay, and
            # AutoThrottle may have lowered the delay itself.
            slot.jitter = 0.0
            slot.delay = max(slot.delay, state.crawl_delay)
        return None

    def process_response(self, request: Request, response: Response):
        host, state = self._state(request)
        if response.status in BACKOFF_STATUSES:
            pause = retry_after_seconds(response.headers.get(b"Retry-After"))
            if pause is not None:
                pause = min(pause, self.retry_after_max)
                state.pause_until = max(state.pause_until, time.monotonic() + pause)
                self.crawler.stats.inc_value("politeness/retry_after")
                logger.info("%s answered %d with Retry-After %.0fs: pausing that host", host, response.status, pause)
            self._failure(request, state, pause)
        else:
            self._success(request, state)
        return response

    async def _wait_for_pause(self, state: HostState) -> None:
        """Hold a request until its host's Retry-After pause is over. The slot delay set with the pause is
        not enough on its own: Scrapy randomises it (0.5-1.5 x) and a success of a request already in flight
        would restore it early."""
        waited = False
        while (wait := state.pause_until - time.monotonic()) > 0:
            if not waited:
                self.crawler.stats.inc_value("politeness/retry_after_waits")
                waited = True
            await maybe_deferred_to_future(deferLater(_reactor(), wait, lambda: None))

    def process_exception(self, request: Request, exception):
        if isinstance(exception, IgnoreRequest):
            return None
        _, state = self._state(request)
        # A host that refuses or resets connections is down, not overloaded: no backoff delay (which would
        # hold every queued request), only the circuit breaker's count. Timeouts do back off.
        slow = "timeout" in type(exception).__name__.lower() or "took longer" in str(exception)
        self._failure(request, state, None, back_off=slow)
        reason = self.refusal(request)
        if reason:  # raising here keeps RetryMiddleware (later in the chain) from rescheduling it
            self.crawler.stats.inc_value("politeness/circuit_refused")
            raise CircuitOpen(f"{reason} (last error: {type(exception).__name__}: {exception})")
        return None

    def _failure(self, request: Request, state: HostState, pause: float | None, back_off: bool = True) -> None:
        state.failures += 1
        if back_off or pause:
            _, slot = self._slot(request)
            current = slot.delay if slot is not None else 0.0
            backoff = min(max(current * 2, 0.5), self.backoff_max) if back_off else 0.0
            self._set_delay(request, state, max(backoff, pause or 0.0))
        already_open = state.open_until > time.monotonic()  # requests in flight when it opened fail too
        if state.trial_in_flight or (self.breaker_failures and state.failures >= self.breaker_failures
                                     and not already_open):
            state.trial_in_flight = False
            state.open_until = time.monotonic() + self.breaker_cooldown
            self._restore_delay(request, state)  # let queued requests drain (and be refused) at once
            self.crawler.stats.inc_value("politeness/circuit_opened")
            logger.warning("%s failed %d times in a row: not requesting it for %.0fs (circuit breaker)",
                           urlparse_cached(request).netloc, state.failures, self.breaker_cooldown)

    def _success(self, request: Request, state: HostState) -> None:
        if state.failures or state.open_until:
            state.failures = 0
            state.open_until = 0.0
            state.trial_in_flight = False
            self._restore_delay(request, state)


def _reactor():
    from twisted.internet import reactor

    return reactor

"""Fault injection for the mirror's normal article pages (for crawler robustness and soak tests).

    plan = FaultPlan(rate=0.05, seed=3, kinds=("timeout", "reset", "500", "truncated"))
    with Mirror(articles=200, seed=1, faults=plan) as mirror:
        mirror.planned_faults()      # {url: kind} for every article URL the plan picks (known in advance)
        ... crawl ...
        mirror.fault_log             # [{"site", "url", "path", "kind", "attempt"}, ...] in the order injected

Which article URLs fail, and how, is a pure function of (plan seed, site, path): the same plan picks the same
URLs in every run. A picked URL's first `times` requests (any method) fail with its fault; every later
request is answered normally, so a crawler that retries (or a resumed crawl) ends up with every page.
Only article pages are picked (never home, lists, feeds, sitemaps, robots.txt, assets or `/_zoo/`).

Kinds:
  timeout    hold the connection `hang_ms` (default 40 s, above the crawler's DOWNLOAD_TIMEOUT of 30 s)
             without answering, then close it (FIN); lower both in tests
  reset      close the connection at once with a TCP RST (SO_LINGER 0), nothing answered
  500, 503   an nginx-style error page with that status
  429        "Too Many Requests" with `Retry-After: 1`
  truncated  the normal status line and headers (true Content-Length), 40 % of the body, then close
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict, dataclass, field

KINDS = ("timeout", "reset", "500", "503", "429", "truncated")
DEFAULT_KINDS = ("timeout", "reset", "500", "truncated")


@dataclass(frozen=True)
class FaultPlan:
    rate: float = 0.05  # share of article URLs that fail
    seed: int = 0
    kinds: tuple[str, ...] = DEFAULT_KINDS  # a picked URL gets one of these (deterministically)
    times: int = 1  # failing requests per picked URL before it is served normally
    hang_ms: int = 40_000  # how long a "timeout" holds the connection
    sites: tuple[str, ...] = ("kyodo", "inakoran")

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError("rate must be within [0, 1]")
        object.__setattr__(self, "kinds", tuple(self.kinds))
        object.__setattr__(self, "sites", tuple(self.sites))
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
        if self.times < 1 or self.hang_ms < 0:
            raise ValueError("times must be >= 1 and hang_ms >= 0")

    def pick(self, site: str, path: str) -> str | None:
        """The fault planned for this article path on this site, or None."""
        if site not in self.sites or self.rate <= 0:
            return None
        digest = hashlib.sha256(f"{self.seed}:{site}:{path}".encode("utf-8")).digest()
        if int.from_bytes(digest[:8], "big") / 2 ** 64 >= self.rate:
            return None
        return self.kinds[int.from_bytes(digest[8:12], "big") % len(self.kinds)]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FaultState:
    """What was injected so far (one per Mirror). Thread-safe."""

    plan: FaultPlan | None = None
    log: list[dict] = field(default_factory=list)
    _counts: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, site: str, base: str, path: str) -> str | None:
        """The fault to inject for this request of an article path (consuming one failure), or None."""
        if self.plan is None:
            return None
        kind = self.plan.pick(site, path)
        if kind is None:
            return None
        with self._lock:
            attempt = self._counts.get((site, path), 0) + 1
            self._counts[(site, path)] = attempt
            if attempt > self.plan.times:
                return None
            self.log.append({"site": site, "url": base + path, "path": path, "kind": kind, "attempt": attempt})
        return kind

"""The mirror's command line, defined once (`OPTIONS`) for both entries: `main(argv)` (argparse, `from mirror
import main`) and `newsarchive mirror` (click options built from the same list in crawler/cli/crawl.py). Both
call `serve(options)`, which prints one `<name> <url>` line per origin (kyodo, inakoran, kyodo-assets), then one
`edited <url>` line per story `--edit` changed and one `redesign <site> <kind>` line per redesign, and serves
until SIGINT/SIGTERM. A mistake (a bad value, a port in use) is one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import datetime

from mirror.faults import DEFAULT_KINDS, KINDS, FaultPlan
from mirror.instance import Mirror
from mirror.redesign import KINDS as REDESIGNS
from mirror.server import ASSET_SERVER, CACHE_BYTES

PORT_NAMES = ("kyodo", "inakoran", ASSET_SERVER)


class UsageError(Exception):
    """A command-line value the mirror cannot use: reported in one line, exit status 2."""


@dataclass(frozen=True)
class Option:
    flag: str
    kind: type | None  # int, float, str; None: a switch
    default: object
    help: str
    low: float | None = None  # bounds of a number
    high: float | None = None
    repeat: bool = False

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


PORT_MAX = 65535
OPTIONS = (
    Option("--articles", int, 200, "stories per site", 1, 1_000_000),
    Option("--seed", int, 1, "content seed", 0, 2 ** 32 - 1),
    Option("--now", str, None, "mirror clock, ISO 8601 with offset (default: now, to the minute)"),
    Option("--host", str, "127.0.0.1", "address to listen on"),
    Option("--port", int, None, "kyodo on PORT, inakoran on PORT+1, kyodo-assets on PORT+2", 1, PORT_MAX - 2),
    Option("--ports", str, None, "fixed ports by name: kyodo=P,inakoran=Q,kyodo-assets=R (any subset)"),
    Option("--kyodo-port", int, 0, "(default: any free port)", 0, PORT_MAX),
    Option("--inakoran-port", int, 0, "(default: any free port)", 0, PORT_MAX),
    Option("--kyodo-assets-port", int, 0, "Kyodo's CDN stand-in (default: any free port)", 0, PORT_MAX),
    Option("--no-zoo", None, False, "do not serve /_zoo/ (test endpoints)"),
    Option("--cache-mb", int, CACHE_BYTES >> 20, "rendered pages kept per site, in MB; benchmarks raise it so that "
           "serving, not rendering, is all the mirror does once warm", 0, 1_000_000),
    Option("--redesign", str, (), f"serve SITE redesigned, KIND one of {', '.join(REDESIGNS)} (default markup); "
           "repeatable", repeat=True),
    Option("--edit", int, 0, "edit the N most recent stories of each site at start and print their URLs", 0, 1_000_000),
    Option("--fault-rate", float, 0.0, "share of article URLs whose first request fails (default 0: no faults)", 0, 1),
    Option("--fault-seed", int, 0, "which URLs the faults pick", 0, 2 ** 32 - 1),
    Option("--fault-kinds", str, ",".join(DEFAULT_KINDS), f"comma-separated, of {','.join(KINDS)}"),
    Option("--fault-times", int, 1, "failing requests per picked URL", 1, 1000),
    Option("--fault-hang-ms", int, 40_000, "how long a timeout fault holds a request", 0, 3_600_000),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="newsarchive mirror", description="Serve the offline mirror sites.")
    for opt in OPTIONS:
        if opt.kind is None:
            parser.add_argument(opt.flag, action="store_true", help=opt.help)
        else:
            parser.add_argument(opt.flag, type=opt.kind, default=opt.default, help=opt.help,
                                action="append" if opt.repeat else "store")
    try:
        args = vars(parser.parse_args(argv))
        for opt in OPTIONS:
            value = args[opt.dest]
            if opt.low is not None and value is not None and not opt.low <= value <= opt.high:
                raise UsageError(f"{opt.flag}: {value} is not in {opt.low}..{opt.high}")
        return serve(args)
    except UsageError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2


def build(options: dict) -> Mirror:
    """The Mirror the options describe (not started). Raises UsageError."""
    get = options.get
    now = None
    if get("now"):
        try:
            now = datetime.fromisoformat(get("now"))
        except ValueError:
            raise UsageError(f"--now: {get('now')!r} is not an ISO 8601 time") from None
        if now.tzinfo is None:
            raise UsageError("--now: give a UTC offset, e.g. 2026-03-02T09:00:00+09:00")
    plan = None
    if get("fault_rate", 0) > 0:
        kinds = tuple(k.strip() for k in get("fault_kinds", ",".join(DEFAULT_KINDS)).split(","))
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise UsageError(f"--fault-kinds: unknown {', '.join(unknown)}; known: {', '.join(KINDS)}")
        plan = FaultPlan(rate=get("fault_rate"), seed=get("fault_seed", 0), kinds=kinds,
                         times=get("fault_times", 1), hang_ms=get("fault_hang_ms", 40_000))
    return Mirror(get("articles", 200), get("seed", 1), now, host=get("host", "127.0.0.1"), ports=ports(options),
                  zoo=not get("no_zoo", False), faults=plan, cache_mb=get("cache_mb", CACHE_BYTES >> 20),
                  redesign=redesigns(get("redesign") or ()))


def ports(options: dict) -> dict[str, int]:
    """--port, then --ports, then the per-site flags (when not 0): the later names a port, the more it wins."""
    out = {name: 0 for name in PORT_NAMES}
    if options.get("port"):
        out = {name: options["port"] + k for k, name in enumerate(PORT_NAMES)}
    for item in filter(None, (options.get("ports") or "").split(",")):
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in PORT_NAMES or not value.strip().isdigit() or not 0 < int(value) <= PORT_MAX:
            raise UsageError(f"--ports: {item.strip()!r} is not NAME=PORT with NAME one of {', '.join(PORT_NAMES)}")
        out[name] = int(value)
    for name in PORT_NAMES:
        if options.get(f"{name.replace('-', '_')}_port"):
            out[name] = options[f"{name.replace('-', '_')}_port"]
    return out


def redesigns(values) -> dict[str, str]:
    out = {}
    for value in values:
        site, _, kind = value.partition(":")
        if site not in PORT_NAMES[:2] or (kind or "markup") not in REDESIGNS:
            raise UsageError(f"--redesign: {value!r} is not SITE[:KIND] with SITE kyodo or inakoran and KIND one of "
                             f"{', '.join(REDESIGNS)}")
        out[site] = kind or "markup"
    return out


def serve(options: dict) -> int:
    """Build, start, print the origins (and edits, redesigns), serve until SIGINT/SIGTERM."""
    mirror = build(options)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        mirror.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"{exc.strerror}") from None
        raise UsageError(f"cannot listen on {options.get('host', '127.0.0.1')}: {exc.strerror or exc}") from None
    for name, url in mirror.base_urls.items():
        print(f"{name} {url}")
    print(f"{ASSET_SERVER} {mirror.asset_urls['kyodo']}")
    for truth in mirror.edit_articles(options.get("edit") or 0):
        print(f"edited {truth['url']}")
    for site, kind in mirror.redesigns.items():
        print(f"redesign {site} {kind}")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    mirror.stop()
    return 0


def serve_forever(articles: int = 200, seed: int = 1, cache_mb: int = CACHE_BYTES >> 20) -> int:
    return serve({"articles": articles, "seed": seed, "cache_mb": cache_mb})

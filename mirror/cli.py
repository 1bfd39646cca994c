"""The mirror's command line: `main(argv)` (flags in the package docstring) and `serve_forever`, which
`newsarchive mirror` runs. Both print one `<name> <url>` line per origin and serve until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime

from mirror.faults import DEFAULT_KINDS, KINDS, FaultPlan
from mirror.instance import Mirror
from mirror.server import ASSET_SERVER, CACHE_BYTES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsarchive mirror", description="Serve the offline mirror sites.")
    parser.add_argument("--articles", type=int, default=200, help="stories per site (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--now", help="mirror clock, ISO 8601 with offset (default: now, to the minute)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--kyodo-port", type=int, default=0)
    parser.add_argument("--inakoran-port", type=int, default=0)
    parser.add_argument("--kyodo-assets-port", type=int, default=0, help="Kyodo's CDN stand-in (default: any free port)")
    parser.add_argument("--no-zoo", action="store_true", help="do not serve /_zoo/ (test endpoints)")
    parser.add_argument("--cache-mb", type=int, default=CACHE_BYTES >> 20,
                        help=f"rendered pages kept per site, in MB (default {CACHE_BYTES >> 20}); benchmarks raise it "
                             "so that serving, not rendering, is all the mirror does once warm")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="share of article URLs whose first request fails (default 0: no faults)")
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--fault-kinds", default=",".join(DEFAULT_KINDS), help=f"comma-separated, of {','.join(KINDS)}")
    parser.add_argument("--fault-times", type=int, default=1, help="failing requests per picked URL (default 1)")
    parser.add_argument("--fault-hang-ms", type=int, default=40_000, help="how long a timeout fault holds a request")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now) if args.now else None
    plan = None
    if args.fault_rate > 0:
        plan = FaultPlan(rate=args.fault_rate, seed=args.fault_seed, kinds=tuple(args.fault_kinds.split(",")),
                         times=args.fault_times, hang_ms=args.fault_hang_ms)
    mirror = Mirror(args.articles, args.seed, now, host=args.host,
                    ports={"kyodo": args.kyodo_port, "inakoran": args.inakoran_port,
                           ASSET_SERVER: args.kyodo_assets_port}, zoo=not args.no_zoo,
                    faults=plan, cache_mb=args.cache_mb)
    return _serve(mirror)


def serve_forever(articles: int = 200, seed: int = 1, cache_mb: int = CACHE_BYTES >> 20) -> int:
    return _serve(Mirror(articles, seed, cache_mb=cache_mb))


def _serve(mirror: Mirror) -> int:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    mirror.start()
    for name, url in mirror.base_urls.items():
        print(f"{name} {url}")
    print(f"{ASSET_SERVER} {mirror.asset_urls['kyodo']}")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    mirror.stop()
    return 0


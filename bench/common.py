"""What every benchmark shares: the result row, timing, and the report table."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable


@dataclass
class Row:
    benchmark: str
    measure: str
    value: float
    unit: str
    baseline_name: str
    baseline: float | None
    target: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0) or self.value != self.value:  # NaN: not measured (a route missing)
            return None
        return self.value / self.baseline


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    """Fastest wall time of `repeats` runs: the least disturbed by other load on the machine."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def machine() -> str:
    import os

    return f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores"


def table(rows: list[Row]) -> str:
    header = ("benchmark", "measure", "value", "baseline", "baseline value", "ratio", "target")
    cells = [header] + [(r.benchmark, r.measure, f"{r.value:,.2f} {r.unit}", r.baseline_name,
                         "" if r.baseline is None else f"{r.baseline:,.2f} {r.unit}",
                         "" if r.ratio is None else f"{r.ratio:.2f}x", r.target) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_results(rows: list[Row], path: Path, quick: bool) -> None:
    payload = {"machine": machine(), "quick": quick, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "rows": [dict(asdict(r), ratio=r.ratio) for r in rows]}
    path.write_text(json.dumps(payload, indent=2) + "\n")

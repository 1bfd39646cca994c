"""The mirror's moving clock: which stories appear as `Mirror.set_now` / `Mirror.advance` move time forward.

Each local calendar day of a site (JST for Kyodo, WIB for Inakoran) has its own publishing schedule, drawn from
`random.Random(f"{seed}:{site}:day:<date>")` alone, so the stories published between two moments depend only on
the seed and those moments, not on how the clock got there. Rates are the real sites' (Kyodo News English puts
out roughly 60-120 stories a day, Inakoran 20-40): a weekday and a weekend rate, each varied by up to
+-JITTER per day, spread over the day by an hourly profile (newsrooms publish little at night).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from mirror.timefmt import JST, WIB

RATES = {"kyodo": (100, 70), "inakoran": (34, 24)}  # stories per (weekday, weekend day)
JITTER = 0.15  # a day's count varies by up to this share either way
ZONES = {"kyodo": JST, "inakoran": WIB}
# Relative publishing activity per local hour 0..23
HOURLY = {
    "kyodo": (2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 8, 8, 8, 8, 8, 8, 7, 6, 5, 4, 3, 3),  # a wire: around the clock
    "inakoran": (0, 0, 0, 0, 0, 1, 3, 6, 8, 9, 9, 8, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1, 1, 0),  # office hours
}


def day_count(site: str, seed: int, day: date) -> int:
    """How many stories `site` publishes on its local calendar day `day`."""
    return len(day_schedule(site, seed, day))


@lru_cache(maxsize=4096)
def day_schedule(site: str, seed: int, day: date) -> tuple[datetime, ...]:
    """Publication times (UTC-aware, whole minutes, sorted) of the stories of one local day."""
    rng = random.Random(f"{seed}:{site}:day:{day.isoformat()}")
    weekday, weekend = RATES[site]
    mean = weekend if day.weekday() >= 5 else weekday
    count = round(mean * rng.uniform(1 - JITTER, 1 + JITTER))
    midnight = datetime.combine(day, time(0), ZONES[site])
    hours = rng.choices(range(24), weights=HOURLY[site], k=count)
    return tuple(sorted(midnight + timedelta(hours=h, minutes=rng.randrange(60)) for h in hours))


def due(site: str, seed: int, after: datetime, until: datetime) -> list[datetime]:
    """Publication times in (after, until], oldest first (equal times keep their schedule order)."""
    zone = ZONES[site]
    day, last = after.astimezone(zone).date(), until.astimezone(zone).date()
    out: list[datetime] = []
    while day <= last:
        out += [t for t in day_schedule(site, seed, day) if after < t <= until]
        day += timedelta(days=1)
    return out

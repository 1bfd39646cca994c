"""What a spider knows before it starts: the articles already held (incremental crawls) and the date
window it was asked for. Read from the index, so it survives a killed process (JOBDIR does not)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from archive.health import COMPLETED
from archive.lookups import articles_held, previous_crawl
from archive.times import aware, parse_time as iso_time


@dataclass(frozen=True)
class Held:
    fetched_at: datetime
    access: str | None


def load_held(db_path: Path, site: str) -> dict[str, Held]:
    """URL -> what the index holds for it (both the fetched URL and the canonical URL are keys)."""
    return articles_held(db_path, site, lambda fetched_at, access: Held(parse_time(fetched_at), access))


def parse_time(value: str | None) -> datetime | None:
    """A date from the index, a sitemap or a feed: ISO 8601 or, as RSS prints it, RFC 2822; no offset is UTC."""
    if not value:
        return None
    moment = iso_time(value.strip())
    if moment is None:
        try:
            moment = aware(parsedate_to_datetime(value))
        except (TypeError, ValueError):
            return None
    return moment


@dataclass(frozen=True)
class Window:
    """--since / --until: inclusive calendar days, in UTC unless the value carries an offset."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(cls, since: str | None, until: str | None) -> "Window":
        return cls(_bound(since, start=True), _bound(until, start=False))

    def contains(self, moment: datetime | None) -> bool:
        if moment is None:
            return True  # unknown dates are fetched: the parser will tell
        return (self.since is None or moment >= self.since) and (self.until is None or moment <= self.until)

    def older_than_window(self, moment: datetime | None) -> bool:
        return moment is not None and self.since is not None and moment < self.since

    def newer_than_window(self, moment: datetime | None) -> bool:
        return moment is not None and self.until is not None and moment > self.until


def _bound(value: str | None, start: bool) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        moment = parse_time(value)
        if moment is None:
            raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD or an ISO 8601 time)") from None
        return moment
    if start:
        return datetime.combine(day, time.min, tzinfo=timezone.utc)
    return datetime.combine(day, time.min, tzinfo=timezone.utc) + timedelta(days=1) - timedelta(microseconds=1)


def previous_crawl_status(db_path: Path, site: str, current_crawl: str | None) -> tuple[str, str] | None:
    """(id, status) of the latest earlier crawl (canaries aside) that included `site`, or None."""
    return previous_crawl(db_path, site, current_crawl)


def previous_crawl_unfinished(db_path: Path, site: str, current_crawl: str | None) -> tuple[str, str] | None:
    """(id, status) of the latest earlier crawl of `site` when it did not run to its end, else None. A
    `degraded` crawl did (its output only looked wrong): its listings were walked as far as they go."""
    previous = previous_crawl_status(db_path, site, current_crawl)
    return previous if previous and previous[1] not in COMPLETED else None

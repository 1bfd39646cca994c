"""Readers for Kyodo's legacy template (english.kyodonews.net before the mid-2025 relaunch).

Only the pieces that differ from the current template live here; `kyodo.py` assembles the Article.
Legacy markup (from third-party sources): headline in `div.main h1`, a credit line
`p.credit` reading "KYODO NEWS - Aug 28, 2024 - 15:00 | All, Japan, World" (recent items:
"KYODO NEWS - 2 hours ago - 15:00 | ..."), the photo in `div.mainpic` (lazy `data-src`, placeholder
`src`), paragraphs in `div.article-body`, JSON-LD dates naive ("2024-08-28 15:00:00", JST).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.parsers.common import clean_text
from crawler.sites import get_site

TZ = ZoneInfo(get_site("kyodo").timezone)

# /news/2024/03/858c8ddf5f8d-26-hospitalized-after-taking-japan-drugmakers-health-supplements.html
ARTICLE_PATH = re.compile(r"^/news/\d{4}/\d{2}/[0-9a-f]{12}-[^/]+\.html$")
SECTION_PATH = re.compile(r"^/news(?:/[a-z0-9_-]+)?/?$")  # /news/, /news/japan: legacy listings

PLACEHOLDER_IMG = re.compile(r"/thumbnail\.png$|^data:", re.I)

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
# "Aug 28, 2024", "Sept. 27, 2026", "August 28, 2024"; optional " - 15:00" after it
_ABS_DATE = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})(?:\s*[-–,]\s*(\d{1,2}):(\d{2}))?")
_REL_DATE = re.compile(r"^(\d+|an?|one)\s+(min(?:ute)?|hour|hr|day|week)s?\s+ago$", re.I)
_HM = re.compile(r"^(\d{1,2}):(\d{2})$")
_UNIT_SECONDS = {"min": 60, "minute": 60, "hour": 3600, "hr": 3600, "day": 86400, "week": 604800}


def parse_display_date(text: str) -> datetime | None:
    """ "- Sep 27, 2026 - 14:01" or "Aug 28, 2024 - 15:00" as a JST datetime (midnight if no time)."""
    match = _ABS_DATE.search(text or "")
    if not match:
        return None
    month = _MONTHS.get(match.group(1)[:3].lower())
    if month is None:
        return None
    hour, minute = (int(match.group(4)), int(match.group(5))) if match.group(4) else (0, 0)
    try:
        return datetime(int(match.group(3)), month, int(match.group(2)), hour, minute, tzinfo=TZ)
    except ValueError:
        return None


def resolve_relative(text: str, hour_minute: str | None, fetched_at: datetime,
                     warnings: list[str]) -> datetime | None:
    """ "2 hours ago" (plus the printed "15:00", when there is one) against the capture time, in JST.

    With the clock time printed, the result is exact: the JST day whose HH:MM lies closest to
    capture-minus-delta. Without it, capture-minus-delta to the minute, and a warning says so.
    """
    text = clean_text(text).lower()
    captured = (fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=ZoneInfo("UTC"))).astimezone(TZ)
    if text in ("just now", "now"):
        delta = timedelta(0)
    elif text == "yesterday":
        delta = timedelta(days=1)
    else:
        match = _REL_DATE.match(text)
        if not match:
            return None
        try:  # "99999999999 weeks ago" reaches further back than datetime does (and int() refuses 5,000 digits)
            amount = 1 if match.group(1) in ("a", "an", "one") else int(match.group(1))
            delta = timedelta(seconds=amount * _UNIT_SECONDS[match.group(2).lower()])
            captured - delta - timedelta(days=1)
        except (OverflowError, ValueError):
            return None
    approx = captured - delta
    hm = _HM.match(hour_minute or "")
    if not hm or int(hm.group(1)) > 23 or int(hm.group(2)) > 59:
        warnings.append(f"relative date {text!r} has no clock time; resolved to the minute against capture time")
        return approx.replace(second=0, microsecond=0)
    day = approx.replace(hour=int(hm.group(1)), minute=int(hm.group(2)), second=0, microsecond=0)
    return min((day + timedelta(days=d) for d in (-1, 0, 1)), key=lambda c: abs((c - approx).total_seconds()))


@dataclass
class CreditLine:
    credit: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    categories: list[str] = field(default_factory=list)


def parse_credit_line(text: str, link_texts: list[str], fetched_at: datetime, warnings: list[str],
                      split_names) -> CreditLine:
    """ "[By NAME, ]KYODO NEWS - <date> - HH:MM | All, Japan, World" -> its parts.

    Categories come from the links in the credit line when it has them, else from the text after "|".
    `split_names` is the byline splitter of the current template (one rule for both templates).
    """
    line = CreditLine()
    text = clean_text(text)
    left, _, right = text.partition("|")
    names = [clean_text(t) for t in link_texts] if link_texts else [clean_text(t) for t in right.split(",")]
    line.categories = [n for n in names if n and n.lower() != "all"]
    parts = [clean_text(p) for p in re.split(r"\s+[-–]\s+", left.strip().rstrip("-–").strip())]
    parts = [p for p in parts if p]
    if not parts:
        return line
    who = parts[0]
    if who.lower().startswith("by ") and "," in who:  # [I] signed legacy copy: "By A and B, KYODO NEWS"
        people, _, who = who.rpartition(",")
        line.authors = split_names(people)
    line.credit = clean_text(who) or None
    when = " - ".join(parts[1:])
    if not when:
        return line
    line.published = parse_display_date(when)
    if line.published is None and len(parts) > 1:
        line.published = resolve_relative(parts[1], parts[2] if len(parts) > 2 else None, fetched_at, warnings)
    if line.published is None:
        warnings.append(f"credit line date {when!r} not understood")
    return line

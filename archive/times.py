"""Times written as text, read one way: ISO 8601 (index and schedule rows, sitemap and listing dates,
`--fetched-at`) and WARC-Date into aware datetimes, and the UTC text form the index stores.

One reading, so a time one component writes reads the same in every other: "Z" or an offset as given, a value
without one taken to be in a zone the caller names (UTC unless it says). Dates as a site prints them for
readers are the site parsers' to read.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo

UTC = timezone.utc


def aware(moment: datetime, default_zone: tzinfo | None = UTC) -> datetime:
    """`moment` as it is when it carries an offset, else read as a time in `default_zone`."""
    return moment if moment.tzinfo else moment.replace(tzinfo=default_zone)


def parse_time(text: str | None, default_zone: tzinfo | None = UTC) -> datetime | None:
    """ISO 8601 text (a WARC-Date is one) as an aware datetime; None for empty or unreadable text (surrounding
    space too: text read off a page is the caller's to strip). `default_zone=None` leaves a time without an
    offset naive, for a caller to whom such a time means nothing."""
    if not text:
        return None
    # "Z" spelled as an offset: fromisoformat takes "Z" only after a time. After a bare date it reads "+00:00" as
    # the time 00:00 and leaves it naive ("2024-03-05Z" is that midnight): UTC all the same.
    utc = isinstance(text, str) and text.endswith("Z")  # not text at all: fromisoformat's TypeError says so
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if utc else text)
    except ValueError:
        return None
    return aware(moment, UTC if utc else default_zone)


def utc_text(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`: times of any offset compare correctly as text. OverflowError when the UTC time
    is before year 1 or after 9999."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def warc_date_to_datetime(value: str) -> datetime:
    """A WARC-Date as an aware datetime; ValueError when it is not one."""
    moment = parse_time(value)
    if moment is None:
        raise ValueError(f"not a WARC-Date: {value!r}")
    return moment

"""A small synthetic index for the trend tests: two sites, ten articles of our own text over eight days, a week
across a month end, articles near midnight in each site's zone, and two without a date.

Matches of `volcano` per site's calendar day (matches / published):

    day          kyodo (+09:00)   inakoran (+07:00)
    2024-04-29   1/1              0/0
    2024-04-30   0/1              1/1   (inakoran's 06:30 is 29 April in UTC)
    2024-05-01   1/1              0/1   (kyodo's 08:00 is 30 April in UTC)
    2024-05-02   0/0              0/1
    2024-05-03   0/0              0/0
    2024-05-04   0/0              0/0
    2024-05-05   0/0              1/1   (a Sunday: ISO week 18 runs 29 April to 5 May)
    2024-05-06   1/1              0/0
    undated      1                0     (kyodo has 1 undated article, inakoran 1 not matching)
"""

from __future__ import annotations

from pathlib import Path

from archive.index import Capture, Index

ARTICLES = [  # (site, published, text)
    ("kyodo", "2024-04-29T10:00:00+09:00", "Ash rose from the volcano above the harbour town."),
    ("kyodo", "2024-04-30T23:30:00+09:00", "Farmers began the rice harvest early this year."),
    ("kyodo", "2024-05-01T08:00:00+09:00", "Residents near the volcano were told to stay indoors."),
    ("kyodo", "2024-05-06T12:00:00+09:00", "The volcano quietened before the harvest festival."),
    ("kyodo", None, "A volcano observatory opened to visitors."),
    ("inakoran", "2024-04-30T06:30:00+07:00", "Warga mengungsi dari lereng volcano itu."),
    ("inakoran", "2024-05-01T12:00:00+07:00", "Petani memulai harvest padi lebih awal."),
    ("inakoran", "2024-05-02T00:15:00+07:00", "Harga beras turun setelah harvest besar."),
    ("inakoran", "2024-05-05T22:00:00+07:00", "Status volcano diturunkan menjadi waspada."),
    ("inakoran", None, "Festival harvest digelar di alun-alun."),
]


def build_index(path: Path) -> Path:
    return _build(path, ARTICLES)


def _build(path: Path, articles: list[tuple[str, str | None, str]]) -> Path:
    index = Index(path)
    try:
        for n, (site, published, text) in enumerate(articles, 1):
            url = f"https://{site}.example/news/{n}"
            capture = Capture(url=url, site=site, status=200, content_type="text/html",
                              fetched_at="2024-05-07T00:00:00Z", payload_digest=f"sha1:{n}", warc_file="t.warc.gz",
                              warc_offset=n * 1000, warc_length=1000, record_id=f"<urn:uuid:trend-{n}>")
            capture_id = index.add_capture(capture)
            index.upsert_article_fields({
                "url": url, "canonical_url": url, "site": site, "language": "en" if site == "kyodo" else "id",
                "title": f"Story {n}", "authors": [], "published": published, "lead": text, "body": text,
                "access": "open", "categories": [], "images": [], "warnings": [], "date_source": {},
            }, capture_id, capture)
        index.commit()
    finally:
        index.close()
    return path


# -- a season: twelve weeks of daily articles from both sites, a typhoon that Kyodo covers first -------------

SEASON_START = "2024-06-03"  # a Monday
SEASON_WEEKS = 12
# typhoon articles per day, by week: Kyodo's coverage rises and falls two weeks before Inakoran's
TYPHOON_PER_DAY = {"kyodo": (0, 0, 1, 1, 2, 3, 3, 2, 1, 0, 0, 0), "inakoran": (0, 0, 0, 0, 1, 1, 2, 3, 2, 1, 0, 0)}
ZONES = {"kyodo": "+09:00", "inakoran": "+07:00"}


def season_articles() -> list[tuple[str, str, str]]:
    """(site, published, text): Kyodo publishes 4 or 5 articles a day, Inakoran 3; the first few of a day are
    about the typhoon, as TYPHOON_PER_DAY says."""
    from datetime import date, timedelta

    start = date.fromisoformat(SEASON_START)
    rows = []
    for d in range(SEASON_WEEKS * 7):
        day = start + timedelta(days=d)
        for site, per_day in (("kyodo", 4 + d % 2), ("inakoran", 3)):
            for n in range(per_day):
                about = "typhoon" if n < TYPHOON_PER_DAY[site][d // 7] else "market"
                rows.append((site, f"{day.isoformat()}T{8 + 3 * n:02d}:00:00{ZONES[site]}",
                             f"Report {n} of the day on the {about} and the town council."))
    return rows


def build_season(path: Path) -> Path:
    return _build(path, season_articles())

"""A small index of synthetic versions for the edits and citation tests: one Kyodo article captured three times
(a silent edit of its body, then an announced edit of its title and byline), one Inakoran article never edited.
All text is our own."""

from __future__ import annotations

from pathlib import Path

from archive.bulk import add_page
from archive.index import Capture, Index
from crawler.parsers.model import Article

KYODO_URL = "https://english.kyodonews.net/articles/-/900"
INAKORAN_URL = "https://www.inakoran.com/banjir-reda/p900"
BODY_1 = "Tokyo will build a new seawall.\n\nWork starts in May."
BODY_2 = "Tokyo will build a new seawall.\n\nWork starts in June."
BODY_3 = "Tokyo will build a new seawall.\n\nWork starts in June.\n\nThe cost is not yet known."


def capture(url: str, site: str, n: int) -> Capture:
    return Capture(url=url, site=site, status=200, content_type="text/html", fetched_at=f"2026-11-2{n}T01:00:00Z",
                   payload_digest=f"sha1:{site}{n}", warc_file="a.warc.gz", warc_offset=n * 100, warc_length=99,
                   record_id=f"<urn:uuid:0000000{n}-{site}>")


def kyodo(title: str, body: str, authors: list[str], modified: str) -> Article:
    return Article(url=KYODO_URL, canonical_url=KYODO_URL, site="kyodo", language="en", title=title,
                   authors=authors, credit="KYODO NEWS", published="2026-11-21T08:30:00+09:00", modified=modified,
                   lead=body.split("\n\n")[0], body=body, access="full", word_count=len(body.split()),
                   parser="kyodo", parser_version="1")


def build(path: Path) -> Path:
    """The index at `path` (index.db); returns its path."""
    index = Index(path)
    index.begin()
    add_page(index, kyodo("Minister backs seawall plan", BODY_1, ["AIKO SATO"], "2026-11-21T09:00:00+09:00"),
             capture(KYODO_URL, "kyodo", 1))
    add_page(index, kyodo("Minister backs seawall plan", BODY_2, ["AIKO SATO"], "2026-11-21T09:00:00+09:00"),
             capture(KYODO_URL, "kyodo", 2))
    add_page(index, kyodo("Minister drops seawall plan", BODY_3, ["AIKO SATO", "KENJI KATO"],
                          "2026-11-23T09:30:00+09:00"), capture(KYODO_URL, "kyodo", 3))
    add_page(index, Article(url=INAKORAN_URL, canonical_url=INAKORAN_URL, site="inakoran", language="id",
                            title="Banjir reda di Jakarta", authors=[], credit=None,
                            published="2026-11-21T10:00:00+07:00", lead="Air mulai surut.",
                            body="Air mulai surut.", access="open", word_count=3, parser="inakoran",
                            parser_version="1"),
             capture(INAKORAN_URL, "inakoran", 1))
    index.close()
    return path

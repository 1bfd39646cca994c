"""The accounting's pieces without a crawl: the login pattern, the skip-URL cap, the rows and the reader."""

from __future__ import annotations

import sqlite3

import pytest

from archive.accounting import format_missed, missed, record_sites, site_rows
from archive.schema import migrate
from crawler.extensions.accounting import site_record
from crawler.sites import is_login_redirect
from crawler.spiders.ledger import MAX_SKIP_URLS, Ledger

ARTICLE = "https://english.kyodonews.net/articles/-/1"


@pytest.mark.parametrize("final, expected", [
    ("https://english.kyodonews.net/login?next=/articles/-/1", True),
    ("https://english.kyodonews.net/auth/sign-in", True),
    ("https://english.kyodonews.net/consent", True),
    ("https://english.kyodonews.net/subscribe.html", True),
    ("https://english.kyodonews.net/articles/-/2", False),
    ("https://english.kyodonews.net/articles/-/how-to-login-tips", False),
])
def test_login_pages_are_judged_by_path(final, expected):
    assert is_login_redirect([ARTICLE], final) is expected
    assert is_login_redirect([], final) is False  # not redirected: not a login redirect


def test_a_login_page_inside_the_chain_counts():
    assert is_login_redirect([ARTICLE, "https://english.kyodonews.net/signin?r=1"], "https://english.kyodonews.net/")


class Stats(dict):
    def set_value(self, key, value):
        self[key] = value


def test_budget_urls_past_the_cap_are_counted_not_kept():
    ledger = Ledger()
    for n in range(MAX_SKIP_URLS + 5):
        ledger.found(f"http://m/articles/-/{n}", "listing")
        ledger.skip(f"http://m/articles/-/{n}", "budget", "--max-articles 1 reached")
    ledger.request("http://m/articles/-/0")  # requested from another page after all: not skipped
    ledger.skip("http://m/articles/-/x", "held")
    stats = Stats(item_scraped_count=1)
    ledger.write_stats(stats)
    row = site_record("kyodo", stats)
    assert row["discovered"] == MAX_SKIP_URLS + 6 and row["requested"] == 1
    assert row["skipped"] == {"budget": MAX_SKIP_URLS + 4, "window": 0, "robots": 0, "offsite": 0, "held": 1,
                              "circuit": 0}
    assert len(row["skips"]) == MAX_SKIP_URLS and stats["accounting/skip_urls_overflow"] == 4
    assert row["discovery"]["listing"]["links"] == MAX_SKIP_URLS + 5
    assert "skipped URLs" in repr(stats["accounting/skip_urls"])  # the stats dump stays short

    conn = sqlite3.connect(":memory:")
    migrate(conn)
    conn.execute("INSERT INTO crawls (id, sites, started) VALUES ('c1', 'kyodo', '2026-12-01T00:00:00+00:00')")
    record_sites(conn, "c1", [row])
    record_sites(conn, "c1", [row])  # again: replaced, not doubled
    assert conn.execute("SELECT count(*) FROM crawl_skips").fetchone()[0] == MAX_SKIP_URLS
    stored = site_rows(conn, "c1")[0]
    assert stored["skipped"] == row["skipped"] and stored["discovery"] == row["discovery"]
    found = missed(conn)
    assert found.crawl_id == "c1" and len(found.urls) == MAX_SKIP_URLS
    assert found.unlisted == {"kyodo": {"budget": 4, "held": 1}}
    text = format_missed(found)
    assert "  kyodo: 10,006 article URLs discovered, 0 fetched; not fetched: 10,004 budget, 1 held" in text
    assert "  kyodo: counted, URLs not listed: 4 budget, 1 held" in text

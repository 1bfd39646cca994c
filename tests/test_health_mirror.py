"""A site that changes under the crawler is noticed, for real. Against the loopback mirror on a moving clock,
20 healthy daily runs of both sites raise nothing; then each redesign the mirror can do (markup, feed, login)
makes the next crawl of that site `degraded` (exit 3) with the right finding and sends one alarm to the
operator's webhook (DATA/newsarchive.toml); a second broken run sends no second alarm, and the first run after
the site is restored sends the recovery.

The tests of this module run in order on one archive: each redesign is judged against the healthy history
the ones before it left (their broken runs do not become the baseline: archive/health_checks.py)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from mirror import Mirror
from support import NO_DELAY, WebhookReceiver, newsarchive

START = datetime(2026, 10, 5, 5, 30, tzinfo=timezone.utc)  # a Monday; days of every kind follow
HEALTHY_RUNS = 20
DEGRADED = 3


def take(webhook: WebhookReceiver) -> list[tuple[str, str, str]]:
    """(event, site, check) of the alarm events received since the last call."""
    taken = [(e["event"], e["site"], e["check"]) for body in webhook.bodies for e in body["events"]]
    webhook.posts.clear()
    return taken


class Archive:
    def __init__(self, data, mirror, webhook):
        self.data, self.mirror, self.webhook = data, mirror, webhook

    def next_day(self, *sites: str, later: timedelta = timedelta(days=1)):
        """The mirror's clock a day on (a day's stories published), or `later`, then a crawl of `sites`."""
        self.mirror.advance(later)
        args = [a for site in sites for a in ("--base-url", f"{site}={self.mirror.base_urls[site]}")]
        if "kyodo" in sites:
            args += ["--asset-url", f"kyodo={self.mirror.asset_urls['kyodo']}"]
        return newsarchive("crawl", *sites, *args, "--requisites", "none", "-q", *NO_DELAY,
                           "-s", "PARSER_PROCESSES=1", "--data", str(self.data))

    def rows(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(self.data / "index.db") as db:
            return db.execute(sql, params).fetchall()

    def latest_findings(self) -> dict[str, str]:
        """{check: message} of the latest crawl."""
        [(crawl_id,)] = self.rows("SELECT id FROM crawls ORDER BY started DESC, id DESC LIMIT 1")
        return dict(self.rows("SELECT check_name, message FROM crawl_findings WHERE crawl_id = ?", crawl_id))

    def broken_then_restored(self, site: str, kind: str,
                             restored_after: timedelta = timedelta(hours=1)) -> dict[str, str]:
        """Redesign `site`, crawl it twice, restore it, crawl it again: the first broken run's findings, after
        checking the alarms went out once, stayed open through the second broken run, and cleared once.

        The second broken run comes an hour after the first: too few new stories to judge most checks, so it
        neither raises again nor clears (archive/health_checks.py unsettled). The restored run comes
        `restored_after` later: an hour for Kyodo, which gates a story a day after publication (a day later,
        the stories the broken listings did not yield would be caught up gated, and the access check would
        rightly say so); a day for Inakoran, which publishes too little in an hour to show it is well again."""
        self.mirror.redesign(site, kind)
        first = self.next_day(site)
        assert first.returncode == DEGRADED, first.stdout + first.stderr[-2000:]
        assert "DEGRADED: " in first.stdout
        findings = self.latest_findings()
        raised = take(self.webhook)
        assert sorted(raised) == sorted(("raised", site, check) for check in findings)
        again = self.next_day(site, later=timedelta(hours=1))  # few new stories: it may not judge (exit 0)
        assert again.returncode in (0, DEGRADED), again.stdout + again.stderr[-2000:]
        assert take(self.webhook) == [], "one alarm per problem, not one per run while it lasts"
        open_alarms = self.rows("SELECT site, check_name FROM alarms WHERE cleared IS NULL")
        assert sorted(open_alarms) == sorted((site, check) for check in findings), "nothing cleared it meanwhile"
        self.mirror.redesign(site, None)
        restored = self.next_day(site, later=restored_after)
        assert restored.returncode == 0, restored.stdout + restored.stderr[-2000:]
        assert sorted(take(self.webhook)) == sorted(("cleared", site, check) for check in findings)
        assert self.rows("SELECT count(*) FROM alarms WHERE cleared IS NULL") == [(0,)]
        return findings


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    data = tmp_path_factory.mktemp("health-mirror")
    webhook = WebhookReceiver()
    (data / "newsarchive.toml").write_text(f'[alarms]\nwebhook = "{webhook.url}"\n')
    mirror = Mirror(articles=40, seed=17, now=START).start()
    archive = Archive(data, mirror, webhook)
    archive.healthy = [archive.next_day("kyodo", "inakoran") for _ in range(HEALTHY_RUNS)]
    yield archive
    mirror.stop()
    webhook.close()


def test_twenty_healthy_runs_with_day_to_day_variation_raise_nothing(archive):
    for run in archive.healthy:
        assert run.returncode == 0, run.stdout + run.stderr[-2000:]
        assert "DEGRADED" not in run.stdout
    assert archive.rows("SELECT status, count(*) FROM crawls GROUP BY status") == [("finished", HEALTHY_RUNS)]
    assert archive.rows("SELECT count(*) FROM crawl_findings") == [(0,)]
    assert archive.rows("SELECT count(*) FROM alarms") == [(0,)] and take(archive.webhook) == []
    # the variation was real: articles per run differ from day to day (weekends lower) on both sites
    for site in ("kyodo", "inakoran"):
        counts = [n for (n,) in archive.rows("SELECT articles FROM crawl_sites WHERE site = ? ORDER BY crawl_id", site)]
        assert len(counts) == HEALTHY_RUNS and min(counts) > 0
        assert max(counts) >= 1.3 * min(counts), counts


def test_kyodo_markup_redesign_is_missing_fields_and_empty_listings(archive):
    """Renamed classes: bodies and images gone, listings yield nothing (the feed still names 25 stories).
    Authors are not among the findings: most Kyodo stories carry no byline (about 60% in the mirror, as on
    the real site), so 25 of 25 unsigned is no sure sign (binomial tail 3e-6 > ALPHA)."""
    findings = archive.broken_then_restored("kyodo", "markup")
    assert set(findings) == {"missing_body", "missing_images", "discovery", "few_discovered"}, findings
    assert findings["missing_body"].startswith("kyodo: body missing on 25 of 25 articles, 0 of ")
    assert findings["discovery"].startswith("kyodo: listing failed on 15 of 15 requests (read in 10 of the last ")


def test_kyodo_feed_moved_is_a_discovery_failure(archive):
    findings = archive.broken_then_restored("kyodo", "feed")
    assert set(findings) == {"discovery"}, findings
    assert findings["discovery"].startswith("kyodo: feed failed on 1 of 1 requests (read in ")


def test_kyodo_behind_a_login_is_login_redirects(archive):
    findings = archive.broken_then_restored("kyodo", "login")
    assert "login_redirects" in findings, findings
    assert "redirected to a login or consent page" in findings["login_redirects"]


def test_inakoran_markup_redesign_is_missing_fields(archive):
    findings = archive.broken_then_restored("inakoran", "markup", restored_after=timedelta(days=1))
    assert {"missing_authors", "missing_images"} <= set(findings), findings


def test_inakoran_feed_and_home_moved_is_nothing_discovered(archive):
    findings = archive.broken_then_restored("inakoran", "feed", restored_after=timedelta(days=1))
    assert "no_articles" in findings, findings


def test_inakoran_behind_a_login_is_login_redirects(archive):
    findings = archive.broken_then_restored("inakoran", "login", restored_after=timedelta(days=1))
    assert "login_redirects" in findings, findings


def test_schedule_check_and_stats_show_what_happened(archive):
    stats = newsarchive("stats", "--data", str(archive.data))
    assert stats.returncode == 0, stats.stderr
    assert "crawl health: open alarms\nnone" in stats.stdout


def test_the_report_shows_an_open_alarm_and_the_crawl_days_in_a_browser(archive):
    """What an archivist looks at, in Chromium: the report of this archive with a problem open (Kyodo behind a
    login): the alarm and its finding, the days crawls ran under each site's articles per day, what the
    crawls missed. The screenshot is kept in tests/artifacts/report/ (git-ignored)."""
    from replay_support import ROOT, chromium_page

    archive.mirror.redesign("kyodo", "login")
    broken = archive.next_day("kyodo")
    assert broken.returncode == DEGRADED, broken.stdout + broken.stderr[-2000:]
    archive.mirror.redesign("kyodo", None)
    report = archive.data / "report.html"
    assert newsarchive("report", "-o", str(report), "--data", str(archive.data)).returncode == 0
    artifacts = ROOT / "tests" / "artifacts" / "report"
    artifacts.mkdir(parents=True, exist_ok=True)
    with chromium_page(1280, 900) as page:
        page.goto(report.as_uri())
        health = page.locator("h2", has_text="Crawl health")
        assert health.is_visible()
        alarm = page.locator("tr[data-alarm='kyodo/login_redirects']")
        assert alarm.is_visible() and "redirected to a login or consent page" in alarm.inner_text()
        assert page.locator("tr[data-finding='login_redirects']").first.is_visible()
        assert page.locator("h2", has_text="What recent crawls missed").is_visible()
        missed = page.locator("table.missed tr[data-site='kyodo']").first
        assert missed.is_visible() and int(missed.locator("td[data-reason=held]").inner_text().replace(",", "")) > 0
        # Under each site's articles per day, the days its crawls ran: all today, on the real clock, while
        # the mirror's stories are dated by its own; the days between are gaps, crawled on the last only.
        for site in ("kyodo", "inakoran"):
            today = page.locator(f"rect.crawl-day[data-site='{site}']").last.get_attribute("data-day")
            assert page.locator(f"rect.gap[data-site='{site}'][data-day='{today}']").count() == 1
            note = page.locator(f"p.crawlgaps[data-site='{site}']")
            assert note.is_visible() and int(note.get_attribute("data-crawled")) >= 1
        page.screenshot(path=str(artifacts / "report.png"), full_page=True)
        health.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "report-health.png"))

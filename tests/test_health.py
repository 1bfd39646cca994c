"""Crawl health checks (archive/health.py) on synthetic crawl_sites histories: exact findings for each check,
silence on first runs and over healthy runs that vary as real days do."""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta, timezone

import pytest
from statistics import median

from archive import accounting, health
from archive.health_checks import binomial_tail
from archive.index import Index

T0 = datetime(2026, 7, 1, 6, tzinfo=timezone.utc)


@pytest.fixture
def conn(tmp_path):
    index = Index(tmp_path / "index.db")
    yield index.conn
    index.close()


def kyodo(articles=40, **overrides):
    """A healthy Kyodo run: 60 URLs discovered, every article fetched, a few unsigned and imageless."""
    row = {"site": "kyodo", "discovered": 60, "requested": articles, "fetched": articles, "articles": articles,
           "not_articles": 0, "http_errors": 0, "login_redirects": 0, "skipped": {"held": 60 - articles},
           "discovery": {"feed": {"requests": 1, "ok": 1, "links": 30},
                         "listing": {"requests": 6, "ok": 6, "links": 45}},
           "missing": {"authors": articles // 40, "published": 0, "body": 0, "images": articles // 4},
           "body_median": 2400, "access": {"full": max(0, articles - 2), "open": min(2, articles)}}
    row.update(overrides)
    return row


class Runs:
    def __init__(self, conn):
        self.conn, self.n = conn, 0

    def add(self, *rows, status="finished", schedule=None, kind="crawl", args=None) -> str:
        crawl_id = f"c{self.n:03d}"
        started = (T0 + timedelta(hours=self.n)).isoformat()
        self.n += 1
        self.conn.execute("INSERT INTO crawls (id, sites, args, started, status, schedule, kind) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)",
                          [crawl_id, ",".join(r["site"] for r in rows), json.dumps(args or {}), started, status,
                           schedule, kind])
        accounting.record_sites(self.conn, crawl_id, [dict(r) for r in rows])
        return crawl_id

    def judge(self, *rows, **kwargs) -> list[str]:
        """Add a run, assess it, record its findings (as run.py does); the messages."""
        crawl_id = self.add(*rows, **kwargs)
        findings = health.assess(self.conn, crawl_id)
        health.record(self.conn, crawl_id, findings, "now")
        if findings and kwargs.get("status", "finished") == "finished":
            self.conn.execute("UPDATE crawls SET status = 'degraded' WHERE id = ?", [crawl_id])
        return [f.message for f in findings]


@pytest.fixture
def runs(conn):
    return Runs(conn)


def history(runs, n=10, **overrides):
    for i in range(n):
        runs.add(kyodo(**overrides))


def test_missing_authors_against_pooled_history(runs):
    for missing_authors in (0, 1, 0, 1, 1, 0, 0, 0, 0, 0):
        runs.add(kyodo(articles=6, skipped={"held": 54},
                       missing={"authors": missing_authors, "published": 0, "body": 0, "images": 1},
                       access={"full": 6}))
    assert runs.judge(kyodo(articles=25, missing={"authors": 25, "published": 0, "body": 0, "images": 6})) == [
        "kyodo: authors missing on 25 of 25 articles, 3 of 60 in the last 10 runs"]


def test_each_field_and_body_length(runs):
    history(runs)
    lost = {"authors": 40, "published": 40, "body": 40, "images": 40}
    assert runs.judge(kyodo(missing=lost, body_median=None)) == [
        "kyodo: authors missing on 40 of 40 articles, 10 of 400 in the last 10 runs",
        "kyodo: published missing on 40 of 40 articles, 0 of 400 in the last 10 runs",
        "kyodo: body missing on 40 of 40 articles, 0 of 400 in the last 10 runs",
        "kyodo: images missing on 40 of 40 articles, 100 of 400 in the last 10 runs"]
    assert runs.judge(kyodo(body_median=310)) == [
        "kyodo: median body length 310 over 40 articles, 2,400 (median) in the last 10 runs"]
    assert runs.judge(kyodo(body_median=9000)) == [
        "kyodo: median body length 9,000 over 40 articles, 2,400 (median) in the last 10 runs"]


def test_few_articles_and_few_discovered(runs):
    history(runs)
    assert runs.judge(kyodo(articles=4, discovered=5, skipped={"held": 1})) == [
        "kyodo: 4 articles (5 article URLs discovered), 40 per run (median) in the last 10 runs",
        "kyodo: 5 article URLs discovered, 60 per run (median) in the last 10 runs"]
    assert runs.judge(kyodo(articles=0, discovered=5, skipped={"held": 1})) == [
        "kyodo: no articles (5 article URLs discovered), 40 per run (median) in the last 10 runs",
        "kyodo: 5 article URLs discovered, 60 per run (median) in the last 10 runs"]


def test_few_articles_explained_by_held_budget_or_window(runs):
    history(runs)
    assert runs.judge(kyodo(articles=3, skipped={"held": 57})) == []  # a quiet hour: all discovered, all held
    assert runs.judge(kyodo(articles=5, skipped={"budget": 55})) == []  # --max-articles 5
    assert runs.judge(kyodo(articles=2, discovered=4, skipped={"window": 2}),
                      args={"spider_args": {"since": "2026-01-01"}}) == []  # a backfill: absolute checks only


def test_nothing_discovered_is_absolute_and_compared_when_history_exists(runs):
    assert runs.judge(kyodo(articles=0, discovered=0, requested=0, skipped={})) == [
        "kyodo: no articles: no article URL discovered"]
    for table in ("crawl_findings", "crawl_sites", "crawls"):
        runs.conn.execute(f"DELETE FROM {table}")
    history(runs, 2)
    assert runs.judge(kyodo(articles=0, discovered=0, requested=0, skipped={})) == [
        "kyodo: no articles: no article URL discovered, 60 per run (median) in the last 2 runs"]


def test_discovery_sources_failing(runs):
    broken = {"feed": {"requests": 1, "http_errors": 1}, "listing": {"requests": 15, "http_errors": 15}}
    assert runs.judge(kyodo(articles=0, discovered=0, requested=0, skipped={}, discovery=broken)) == [
        "kyodo: feed failed on 1 of 1 requests; listing failed on 15 of 15 requests; nothing was discovered "
        "from any source",
        "kyodo: no articles: no article URL discovered"]
    history(runs, 3)
    moved = {"feed": {"requests": 1, "http_errors": 1}, "sitemap": {"requests": 1, "unparseable": 1},
             "listing": {"requests": 6, "ok": 6, "links": 45}}
    # the sitemap was never read here before: not news; the feed was
    assert runs.judge(kyodo(discovery=moved)) == ["kyodo: feed failed on 1 of 1 requests (read in 3 of the last 3 runs)"]
    # one page of a listing failing is not the listing failing
    assert runs.judge(kyodo(discovery={**kyodo()["discovery"],
                                       "listing": {"requests": 6, "ok": 5, "http_errors": 1}})) == []


def test_chronically_failing_source_is_no_news(runs):
    """Inakoran's mirror announces a comments feed it does not serve: every run, the first included."""
    inakoran = {"site": "inakoran", "discovered": 30, "articles": 25, "not_articles": 0, "skipped": {},
                "discovery": {"home": {"requests": 1, "ok": 1, "links": 80},
                              "feed": {"requests": 2, "http_errors": 2}}}
    for _ in range(5):
        assert runs.judge(inakoran) == []


def test_not_articles_and_login_redirects(runs):
    history(runs)
    # 20 held and 2 articles explain a quiet run; 38 fetched pages that are no articles do not
    assert runs.judge(kyodo(articles=2, not_articles=38, skipped={"held": 20},
                            missing={"authors": 0, "published": 0, "body": 0, "images": 0}, access={"full": 2})) == [
        "kyodo: 38 of 40 promised article URLs parsed as not an article, 0 of 400 in the last 10 runs"]
    login = kyodo(articles=0, not_articles=40, login_redirects=40, requested=40, skipped={}, missing={}, access={})
    assert runs.judge(login) == [
        "kyodo: 40 of 40 article requests redirected to a login or consent page, 0 of 362 in the last 10 runs",
        "kyodo: no articles (60 article URLs discovered), 40 per run (median) in the last 10 runs",
        "kyodo: 40 of 40 promised article URLs parsed as not an article, 0 of 400 in the last 10 runs"]


def test_login_redirects_on_a_first_run(runs):
    assert runs.judge(kyodo(articles=0, not_articles=12, login_redirects=12, requested=12)) == [
        "kyodo: 12 of 12 article requests redirected to a login or consent page"]
    assert runs.judge(kyodo(login_redirects=2)) == []  # 2: a stray "my page" link, not a login wall


def test_access_shift(runs):
    history(runs)
    assert runs.judge(kyodo(articles=25, access={"gated": 25})) == [
        "kyodo: 25 of 25 articles gated, 0 of 400 in the last 10 runs"]


def test_no_history_based_findings_on_first_runs(runs):
    bad = kyodo(articles=1, discovered=2, skipped={}, body_median=5, access={"gated": 1},
                missing={"authors": 1, "published": 1, "body": 0, "images": 1})
    runs.add(kyodo())
    runs.add(kyodo())
    assert runs.judge(bad) == []


def test_history_is_same_schedule_and_kind_with_fallback(runs):
    for _ in range(3):
        runs.add(kyodo(articles=40), schedule="daily")
        runs.add(kyodo(articles=5, discovered=6, skipped={"held": 1}), schedule="hourly")
        runs.add(kyodo(articles=5, discovered=6, skipped={"held": 1}), kind="canary")
    # hourly runs are judged against hourly ones, canaries against canaries
    assert runs.judge(kyodo(articles=5, discovered=6, skipped={"held": 1}), schedule="hourly") == []
    assert runs.judge(kyodo(articles=5, discovered=6, skipped={"held": 1}), kind="canary") == []
    assert runs.judge(kyodo(articles=5, discovered=6, skipped={"held": 1}), schedule="daily") == [
        "kyodo: 5 articles (6 article URLs discovered), 40 per run (median) in the last 3 runs",
        "kyodo: 6 article URLs discovered, 60 per run (median) in the last 3 runs"]
    # a new schedule with fewer than 3 runs falls back to the site's runs of the same kind, whatever schedule
    assert len(runs.judge(kyodo(articles=40), schedule="weekly")) == 0


def test_failed_runs_are_no_history_and_flagged_runs_are_not_their_own_baseline(runs):
    history(runs, 3)
    runs.add(kyodo(articles=0, discovered=0, skipped={}), status="failed")
    lost = {"authors": 40, "published": 0, "body": 0, "images": 10}
    for _ in range(12):  # the redesign lasts: still found, against the last clean runs
        assert runs.judge(kyodo(missing=lost)) == [
            "kyodo: authors missing on 40 of 40 articles, 3 of 120 in the last 3 runs"]


def test_binomial_tail():
    assert binomial_tail(0, 10, 0.3) == 1.0
    assert binomial_tail(11, 10, 0.3) == 0.0
    assert binomial_tail(10, 10, 0.5) == pytest.approx(0.5 ** 10)
    assert binomial_tail(1, 2, 0.5) == pytest.approx(0.75)


def healthy_day(rng: random.Random, day: int, site: str) -> dict:
    """A realistic healthy run: +-30% output, weekend dips, a few unsigned articles, bodies varying."""
    usual = 40 if site == "kyodo" else 25
    weekend = 0.5 if day % 7 in (5, 6) else 1.0
    articles = max(1, round(usual * weekend * rng.uniform(0.7, 1.3)))
    discovered = articles + rng.randint(10, 30)
    unsigned = sum(rng.random() < 0.08 for _ in range(articles))
    imageless = sum(rng.random() < 0.3 for _ in range(articles))
    undated = sum(rng.random() < 0.01 for _ in range(articles))
    gated = sum(rng.random() < 0.1 for _ in range(articles)) if site == "kyodo" else 0
    not_articles = sum(rng.random() < 0.03 for _ in range(articles))
    discovery = ({"feed": {"requests": 1, "ok": 1, "links": 30}, "listing": {"requests": 6, "ok": 6, "links": 45}}
                 if site == "kyodo" else
                 {"home": {"requests": 1, "ok": 1, "links": 90}, "feed": {"requests": 2, "http_errors": 2}})
    if rng.random() < 0.2:  # a listing page now and then times out
        discovery["listing" if site == "kyodo" else "home"] = {"requests": 6, "ok": 5, "failed": 1}
    return {"site": site, "discovered": discovered, "requested": articles + not_articles,
            "fetched": articles + not_articles, "articles": articles, "not_articles": not_articles,
            "http_errors": rng.randint(0, 2), "login_redirects": int(rng.random() < 0.1),
            "skipped": {"held": discovered - articles - not_articles},
            "discovery": discovery, "missing": {"authors": unsigned, "published": undated, "body": gated,
                                                "images": imageless},
            "body_median": round(median(rng.lognormvariate(math.log(2400 if site == "kyodo" else 1800), 0.6)
                                        for _ in range(articles - gated))) if articles > gated else None,
            "access": ({"full": articles - gated, "gated": gated} if site == "kyodo" else {"open": articles})}


@pytest.mark.parametrize("seed", range(50))
def test_no_false_alarms_over_20_healthy_runs(runs, seed):
    rng = random.Random(seed)
    for day in range(20):
        assert runs.judge(healthy_day(rng, day, "kyodo"), healthy_day(rng, day, "inakoran")) == [], (seed, day)


def test_a_run_that_cannot_judge_a_check_leaves_it_unsettled(runs):
    """What may clear an alarm (archive/alarms.py): not a run too small to have found the problem, nor one whose
    figures are as bad as a finding's without being significant; a healthy run of its size clears it."""
    history(runs)
    lost = {"authors": 40, "published": 0, "body": 0, "images": 10}
    assert runs.judge(kyodo(missing=lost)) == ["kyodo: authors missing on 40 of 40 articles, 10 of 400 in the last 10 runs"]
    small = runs.add(kyodo(articles=4, missing={"authors": 4, "published": 0, "body": 0, "images": 1}))
    assert health.assess(runs.conn, small) == []  # 4 of 4 unsigned: too few for a finding
    assert {"missing_authors", "missing_body", "access", "body_length"} <= {c for _, c in health.unsettled(runs.conn, small)}
    still_bad = runs.add(kyodo(articles=8, missing={"authors": 4, "published": 0, "body": 0, "images": 2}))
    assert health.assess(runs.conn, still_bad) == [] and ("kyodo", "missing_authors") in health.unsettled(runs.conn, still_bad)
    healthy = runs.add(kyodo(articles=8, missing={"authors": 0, "published": 0, "body": 0, "images": 2}))
    assert ("kyodo", "missing_authors") not in health.unsettled(runs.conn, healthy)
    windowed = runs.add(kyodo(), args={"spider_args": {"since": "2026-01-01"}})
    assert ("kyodo", "few_articles") in health.unsettled(runs.conn, windowed)

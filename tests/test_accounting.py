"""What each crawl discovered, fetched and missed (crawl_sites, crawl_skips), checked against the mirror's truth:
real crawls of the loopback mirror, counted URL by URL."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import statistics
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from archive.accounting import missed, site_rows
from archive.report import write_report
from mirror import Mirror
from mirror.kyodo_chrome import PER_PAGE
from support import NO_DELAY, newsarchive

FEED = "/list/feed/rss4kyodonews-fzone"
ARTICLE = re.compile(r"/articles/-/\d+$")


def crawl(mirror: Mirror, data: Path, *extra: str, sites=("kyodo",), base_urls=None, status=0):
    """Crawl and return (crawl id, the finished process); `status` is the exit status expected: 3 where the
    health checks judge the crawl degraded (archive/health.py)."""
    base_urls = base_urls or mirror.base_urls
    args = ["crawl", *sites, "--data", str(data), *NO_DELAY, *extra]
    for site in sites:
        args += ["--base-url", f"{site}={base_urls[site]}"]
    if "kyodo" in sites and base_urls is mirror.base_urls:
        args += ["--asset-url", f"kyodo={mirror.asset_urls['kyodo']}"]
    result = newsarchive(*args)
    assert result.returncode == status, result.stdout + result.stderr[-3000:]
    conn = sqlite3.connect(data / "index.db")
    crawl_id = conn.execute("SELECT id FROM crawls ORDER BY started DESC, id DESC LIMIT 1").fetchone()[0]
    return crawl_id, result


def listed(mirror: Mirror, url: str) -> set[str] | None:
    """The article URLs the mirror's Kyodo feed or listing page `url` names (from its catalogue), or None for
    a page that is neither."""
    parts = urlsplit(url)
    path, page = parts.path.rstrip("/"), int(parse_qs(parts.query).get("page", ["1"])[0])
    catalogue, base = mirror.sites["kyodo"].cat, mirror.base_urls["kyodo"]
    if path == FEED:
        return {base + s.path for s in catalogue.newest()[:25]}
    if path == "/list/news":
        key = ""
    elif path.startswith("/list/news/"):
        key = path.rsplit("/", 1)[1]
    elif path.startswith("/list/partners/"):
        key = "partner:" + path.rsplit("/", 1)[1]
    else:
        return None
    return {base + s.path for s in catalogue.newest(key)[(page - 1) * PER_PAGE: page * PER_PAGE]}


def crawl_captures(data: Path, crawl_id: str) -> list[tuple[str, int]]:
    conn = sqlite3.connect(data / "index.db")
    return conn.execute("SELECT url, status FROM captures WHERE crawl_id = ? AND role = 'page'", [crawl_id]).fetchall()


def discovered_on(mirror: Mirror, data: Path, crawl_id: str) -> dict[str, set[str]]:
    """{feed/listing page URL fetched by the crawl: the article URLs the mirror lists on it}."""
    return {url: found for url, _ in crawl_captures(data, crawl_id) if (found := listed(mirror, url)) is not None}


def kyodo_row(data: Path, crawl_id: str) -> dict:
    conn = sqlite3.connect(data / "index.db")
    return next(r for r in site_rows(conn, crawl_id) if r["site"] == "kyodo")


@pytest.fixture(scope="module")
def budget(tmp_path_factory):
    """Kyodo with --max-articles 20, then again with no bound over the unchanged mirror."""
    data = tmp_path_factory.mktemp("budget")
    with Mirror(articles=120, seed=11) as mirror:
        first, result = crawl(mirror, data, "--max-articles", "20")
        pages = discovered_on(mirror, data, first)
        truth = {t["url"]: t for t in mirror.truth("kyodo")}
        second, second_result = crawl(mirror, data)
        second_pages = discovered_on(mirror, data, second)
    return {"data": data, "first": first, "second": second, "pages": pages, "second_pages": second_pages,
            "truth": truth, "result": result, "second_result": second_result}


def test_max_articles_records_every_other_discovered_url_as_a_budget_skip(budget):
    data, first = budget["data"], budget["first"]
    discovered = set().union(*budget["pages"].values())
    fetched = {url for url, _ in crawl_captures(data, first) if ARTICLE.search(url)}
    assert len(fetched) == 20 and fetched <= discovered
    row = kyodo_row(data, first)
    assert (row["discovered"], row["requested"], row["fetched"], row["articles"]) == (len(discovered), 20, 20, 20)
    assert row["skipped"] == {"budget": len(discovered) - 20, "window": 0, "robots": 0, "offsite": 0, "held": 0,
                              "circuit": 0}
    assert len(discovered) - 20 > 50  # most of what the feed and first listing pages name
    conn = sqlite3.connect(data / "index.db")
    skips = conn.execute("SELECT url, reason, detail FROM crawl_skips WHERE crawl_id = ? AND site = 'kyodo'",
                         [first]).fetchall()
    assert {url for url, _, _ in skips} == discovered - fetched
    assert {(reason, detail) for _, reason, detail in skips} == {("budget", "--max-articles 20 reached")}
    assert (row["not_articles"], row["http_errors"], row["login_redirects"]) == (0, 0, 0)


def test_discovery_sources_are_counted_per_source(budget):
    data, first, pages = budget["data"], budget["first"], budget["pages"]
    listings = {url: found for url, found in pages.items() if urlsplit(url).path != FEED}
    row = kyodo_row(data, first)
    assert row["discovery"]["home"] == {"requests": 1, "ok": 1, "not_modified": 0, "http_errors": 0, "failed": 0,
                                        "unparseable": 0, "links": 0}
    assert row["discovery"]["feed"] == {"requests": 1, "ok": 1, "not_modified": 0, "http_errors": 0, "failed": 0,
                                        "unparseable": 0, "links": 25}
    empty = sum(1 for url, found in listings.items() if not found and "page=" not in url)  # partners with none
    assert empty == 3
    assert row["discovery"]["listing"] == {
        "requests": len(listings), "ok": len(listings), "not_modified": 0, "http_errors": 0, "failed": 0,
        "unparseable": empty, "links": len(set().union(*listings.values()))}
    assert len(listings) >= 15  # every section and partner listing's first page
    assert "sitemap" not in row["discovery"]  # not asked for


def test_field_figures_match_the_truth_of_the_articles_fetched(budget):
    data, first, truth = budget["data"], budget["first"], budget["truth"]
    fetched = [truth[url] for url, _ in crawl_captures(data, first) if ARTICLE.search(url)]
    row = kyodo_row(data, first)
    assert row["missing"] == {"authors": sum(not t["authors"] for t in fetched),
                              "published": sum(t["published"] is None for t in fetched),
                              "body": sum(not (t["body"] or "").strip() for t in fetched),
                              "images": sum(not t["images"] for t in fetched)}
    assert row["body_median"] == round(statistics.median(len(t["body"]) for t in fetched if (t["body"] or "").strip()))
    access: dict[str, int] = {}
    for t in fetched:
        access[t["access"]] = access.get(t["access"], 0) + 1
    assert row["access"] == access
    assert 0 < row["missing"]["authors"] < 20  # the mirror signs some stories and not others


def test_a_second_run_counts_what_the_index_already_holds(budget):
    data, second = budget["data"], budget["second"]
    row = kyodo_row(data, second)
    discovered = set().union(*budget["second_pages"].values())
    assert row["skipped"]["held"] == 20 and row["skipped"]["budget"] == 0
    assert row["discovered"] == len(discovered) and row["requested"] == row["fetched"] == len(discovered) - 20
    answers = [status for url, status in crawl_captures(data, second) if url in budget["second_pages"]]
    assert row["discovery"]["feed"]["not_modified"] == 1  # unchanged since the first run: a 304
    listing = row["discovery"]["listing"]
    assert listing["not_modified"] == answers.count(304) - 1 and listing["ok"] == answers.count(200)
    assert listing["not_modified"] >= 15  # every first page fetched last time


def test_crawl_summary_says_what_was_missed(budget):
    first = budget["first"]
    row = kyodo_row(budget["data"], first)
    line = (f"  kyodo: {row['discovered']} article URLs discovered, 20 fetched; not fetched: "
            f"{row['skipped']['budget']} budget")
    assert line in budget["result"].stdout.splitlines()
    assert f"kyodo: {row['discovered']} article URLs discovered" in budget["result"].stdout
    second = kyodo_row(budget["data"], budget["second"])
    assert (f"  kyodo: {second['discovered']} article URLs discovered, {second['fetched']} fetched; "
            "not fetched: 20 held") in budget["second_result"].stdout.splitlines()


def test_missed_lists_the_budget_skips_and_fails_in_one_line(budget):
    data, first = budget["data"], budget["first"]
    conn = sqlite3.connect(data / "index.db")
    skipped = {r[0] for r in conn.execute("SELECT url FROM crawl_skips WHERE crawl_id = ?", [first])}
    out = newsarchive("missed", first, "--site", "kyodo", "--reason", "budget", "--format", "json", "--data", str(data))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["crawl_id"] == first and {u["url"] for u in result["urls"]} == skipped
    assert {(u["reason"], u["table"]) for u in result["urls"]} == {("budget", "crawl_skips")}
    table = newsarchive("missed", first, "--data", str(data))
    assert table.returncode == 0
    assert f"  kyodo: {len(skipped) + 20} article URLs discovered, 20 fetched; not fetched: {len(skipped)} budget" \
        in table.stdout.splitlines()
    assert sum(1 for line in table.stdout.splitlines() if line.startswith("kyodo     budget   ")) == len(skipped)
    latest = newsarchive("missed", "--data", str(data))  # the latest crawl: the second, which skipped held URLs
    assert latest.returncode == 0 and latest.stdout.startswith(f"crawl {budget['second']}\n")
    assert "  kyodo: counted, URLs not listed: 20 held" in latest.stdout.splitlines()
    for args in (["no-such-crawl"], ["--reason", "lost"]):
        bad = newsarchive("missed", *args, "--data", str(data))
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: "), bad.stderr
        assert "Traceback" not in bad.stderr


def test_stats_shows_per_site_discovered_fetched_and_skipped(budget):
    data = budget["data"]
    first, second = kyodo_row(data, budget["first"]), kyodo_row(data, budget["second"])
    out = newsarchive("stats", "--data", str(data))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("article URLs discovered and fetched, crawls since"))
    assert lines[at + 1].split() == ["site", "crawls", "discovered", "fetched", "budget", "held"]
    assert lines[at + 3].split() == ["kyodo", "2", f"{first['discovered'] + second['discovered']:,}",
                                     f"{20 + second['fetched']:,}", f"{first['skipped']['budget']:,}", "20"]
    as_json = json.loads(newsarchive("stats", "--format", "json", "--data", str(data)).stdout)
    assert as_json["missed"]["kyodo"]["skipped"]["held"] == 20 and as_json["missed"]["kyodo"]["crawls"] == 2


def test_report_shows_the_days_crawls_ran_beside_gap_days(budget, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(budget["data"], data, ignore=shutil.ignore_patterns("warc"))
    conn = sqlite3.connect(data / "index.db")
    published = [datetime.fromisoformat(p) for (p,) in conn.execute(
        "SELECT published FROM articles WHERE site = 'kyodo' AND published IS NOT NULL")]
    zone = published[0].tzinfo
    days = {p.date() for p in published}
    gaps = [min(days) + timedelta(days=i) for i in range((max(days) - min(days)).days)
            if min(days) + timedelta(days=i) not in days]
    assert len(gaps) >= 2, "the mirror's articles should leave gap days"
    # One more crawl, on the first gap day (noon there): "nothing published" that day, while crawling.
    noon = datetime.combine(gaps[0], datetime.min.time(), zone) + timedelta(hours=12)
    conn.execute("INSERT INTO crawls (id, sites, started, ended, status) VALUES ('on-a-gap-day', 'kyodo', ?, ?, "
                 "'finished')", [noon.astimezone(timezone.utc).isoformat(timespec="seconds")] * 2)
    conn.commit()
    page = write_report(data / "index.db", tmp_path / "report.html").read_text()
    kyodo_days = set(re.findall(r"<rect class=crawl-day data-site='kyodo' data-day='([\d-]+)'", page))
    today = datetime.now(timezone.utc).astimezone(zone).date()
    assert kyodo_days == {str(gaps[0]), str(today)}
    note = re.search(r"<p class=crawlgaps data-site='kyodo' data-crawled=(\d+) data-not-crawled=(\d+)>", page)
    assert note and (int(note[1]), int(note[2])) == (1, len(gaps) - 1)
    assert f"<rect class=gap data-site='kyodo' data-day='{gaps[0]}'" in page
    # What recent crawls missed: one row per crawl and site with accounting, newest first.
    rows = re.findall(r"<tr data-crawl='([^']+)' data-site='kyodo'>(.*?)</tr>", page)
    assert [crawl_id for crawl_id, _ in rows] == [budget["second"], budget["first"]]
    first = kyodo_row(data, budget["first"])
    assert f"<td class=num data-reason=budget>{first['skipped']['budget']:,}</td>" in rows[1][1]
    assert "<td class=num data-reason=held>20</td>" in rows[0][1]


def test_since_window_is_counted(tmp_path):
    with Mirror(articles=120, seed=11) as mirror:
        stories = sorted(mirror.sites["kyodo"].cat.stories, key=lambda s: s.published)
        since = stories[len(stories) // 2].published.astimezone(timezone.utc).date()
        boundary = datetime.combine(since, datetime.min.time(), timezone.utc)
        # Listings print minutes: no story within a minute of the boundary, or the count would hang on seconds.
        assert not [s for s in stories if abs(s.published - boundary) < timedelta(minutes=1)]
        crawl_id, _ = crawl(mirror, tmp_path, "--since", since.isoformat())
        pages = discovered_on(mirror, tmp_path, crawl_id)
        published = {mirror.base_urls["kyodo"] + s.path: s.published for s in stories}
    discovered = set().union(*pages.values())
    older = {url for url in discovered if published[url] < boundary}
    row = kyodo_row(tmp_path, crawl_id)
    assert older and row["skipped"]["window"] == len(older)
    assert row["discovered"] == len(discovered) and row["requested"] == len(discovered) - len(older)
    assert row["skipped"]["budget"] == row["skipped"]["held"] == 0
    conn = sqlite3.connect(tmp_path / "index.db")
    assert conn.execute("SELECT count(*) FROM crawl_skips WHERE crawl_id = ?", [crawl_id]).fetchone()[0] == 0


def test_max_pages_leaves_the_queued_articles_as_budget_skips(tmp_path):
    with Mirror(articles=120, seed=11) as mirror:
        crawl_id, _ = crawl(mirror, tmp_path, "--max-pages", "30")
        pages = discovered_on(mirror, tmp_path, crawl_id)
    discovered = set().union(*pages.values())
    fetched = {url for url, _ in crawl_captures(tmp_path, crawl_id) if ARTICLE.search(url)}
    row = kyodo_row(tmp_path, crawl_id)
    assert row["requested"] == row["fetched"] == len(fetched) > 0
    assert row["skipped"]["budget"] == len(discovered) - len(fetched) and row["discovered"] == len(discovered)
    conn = sqlite3.connect(tmp_path / "index.db")
    skips = conn.execute("SELECT url, detail FROM crawl_skips WHERE crawl_id = ?", [crawl_id]).fetchall()
    assert {url for url, _ in skips} == discovered - fetched
    assert {detail for _, detail in skips} <= {"--max-pages 30 reached", None}


def test_robots_and_offsite_urls_appear_in_missed(tmp_path):
    with Mirror(articles=20, seed=3) as mirror:
        crawl_id, _ = crawl(mirror, tmp_path, sites=("inakoran",))
    conn = sqlite3.connect(tmp_path / "index.db")
    for reason in ("robots", "offsite"):
        expected = {r[0] for r in conn.execute("SELECT url FROM fetch_errors WHERE crawl_id = ? AND reason = ?",
                                               [crawl_id, reason])}
        assert expected, reason  # the mirror forbids /ina/ and links to social networks
        found = missed(conn, crawl_id, reason=reason)
        assert {u.url for u in found.urls} == expected and {u.table for u in found.urls} == {"fetch_errors"}
        out = newsarchive("missed", "--reason", reason, "--data", str(tmp_path))
        assert out.returncode == 0 and sum(f" {reason} " in line for line in out.stdout.splitlines()) == len(expected)
    row = site_rows(conn, crawl_id)[0]
    assert row["articles"] == 20 and row["discovered"] == row["requested"] == row["fetched"]


def test_kyodo_pointed_at_inakoran_shows_its_discovery_failing(tmp_path):
    """The issue's reproduction: a redesign, simulated by crawling another site's pages: 16 x 404."""
    with Mirror(articles=20, seed=3) as mirror:
        crawl_id, result = crawl(mirror, tmp_path, base_urls={"kyodo": mirror.base_urls["inakoran"]}, status=3)
    row = kyodo_row(tmp_path, crawl_id)
    assert row["discovery"]["feed"] == {"requests": 1, "ok": 0, "not_modified": 0, "http_errors": 1, "failed": 0,
                                        "unparseable": 0, "links": 0}
    assert row["discovery"]["listing"] == {"requests": 15, "ok": 0, "not_modified": 0, "http_errors": 15,
                                           "failed": 0, "unparseable": 0, "links": 0}
    assert sum(source["http_errors"] for source in row["discovery"].values()) == 16
    assert (row["discovered"], row["fetched"], row["articles"]) == (0, 0, 0)
    assert "  kyodo: 0 article URLs discovered, 0 fetched; nothing skipped" in result.stdout.splitlines()


class _LoginSite(BaseHTTPRequestHandler):
    """A Kyodo-shaped site whose articles send readers to a login page: 1-3 to one /login (only the first
    request gets there, the others are the duplicate filter's), 4-5 to a sign-in page of their own; 6 is no
    article, 7 is gone."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = urlsplit(self.path).path
        number = int(path.rsplit("/", 1)[1]) if ARTICLE.search(path) else 0
        if path == FEED:
            items = "".join(f"<item><title>Story {n}</title><link>/articles/-/{n}</link></item>" for n in range(1, 8))
            self._send(200, f"<?xml version='1.0'?><rss version='2.0'><channel>{items}</channel></rss>",
                       "application/xml")
        elif number in (1, 2, 3):
            self._send(302, "", location="/login")
        elif number in (4, 5):
            self._send(302, "", location=f"/signin?next=/articles/-/{number}")
        elif path in ("/", "/login", "/signin") or number == 6:
            self._send(200, "<html><head><title>Log in</title></head><body><p>Please log in.</p></body></html>")
        else:
            self._send(404, "<html><body>gone</body></html>")

    def _send(self, status, body, content_type="text/html; charset=utf-8", location=None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(data)


def test_login_redirects_not_articles_and_http_errors_are_counted(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LoginSite)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        result = newsarchive("crawl", "kyodo", "--base-url", f"kyodo={base}", "--discover", "feed",
                             "--data", str(tmp_path), *NO_DELAY)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 3, result.stdout + result.stderr[-3000:]  # degraded: the health checks' login finding
    assert "kyodo: 5 of 7 article requests redirected to a login or consent page" in result.stdout
    conn = sqlite3.connect(tmp_path / "index.db")
    row = site_rows(conn, conn.execute("SELECT id FROM crawls").fetchone()[0])[0]
    assert (row["discovered"], row["requested"], row["fetched"], row["articles"]) == (7, 7, 7, 0)
    assert (row["login_redirects"], row["not_articles"], row["http_errors"]) == (5, 1, 1)
    assert row["discovery"]["feed"]["links"] == 7 and row["discovery"]["feed"]["ok"] == 1


def test_inakoran_max_articles_is_a_bound_on_articles(tmp_path):
    """Inakoran's sitemap names every story at once: a candidate takes its share of --max-articles when it is
    requested, and gives it back when it parses as no article, so the crawl archives exactly the 20 asked for
    and leaves the rest as budget skips (it used to request all of them)."""
    with Mirror(articles=60, seed=3) as mirror:
        crawl_id, result = crawl(mirror, tmp_path, "--max-articles", "20", "--requisites", "none",
                                 sites=("inakoran",))
        stories = {t["url"] for t in mirror.truth("inakoran")}
    conn = sqlite3.connect(tmp_path / "index.db")
    row = next(r for r in site_rows(conn, crawl_id) if r["site"] == "inakoran")
    articles = {url for (url,) in conn.execute("SELECT url FROM articles")}
    assert len(articles) == row["articles"] == 20 and articles <= stories
    assert row["skipped"]["budget"] == row["discovered"] - row["requested"] > 0
    skipped = {url for (url,) in conn.execute("SELECT url FROM crawl_skips WHERE crawl_id = ? AND reason = 'budget'",
                                              [crawl_id])}
    assert len(skipped) == row["skipped"]["budget"] and not skipped & articles
    assert f"inakoran: {row['discovered']} article URLs discovered, {row['fetched']} fetched; not fetched: " \
           f"{row['skipped']['budget']} budget" in result.stdout

"""The mirror changing like real sites do: redesigns (markup, feed, login), edits, fixed ports, a moving clock."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from crawler.parsers import parse_page
from crawler.parsers.listings import kyodo_listing
from mirror import Mirror, clock
from support import NO_DELAY, ROOT, newsarchive

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)  # a Monday, 12:00 JST


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def get(url: str) -> tuple[int, str | None, bytes]:
    try:
        with _OPENER.open(url, timeout=10) as response:
            return response.status, response.headers.get("Location"), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location"), exc.read()


def article(mirror: Mirror, site: str, kind: str | None = None) -> dict:
    return next(t for t in mirror.truth(site) if kind is None or mirror.story(site, t["url"]).kind == kind)


def parsed(mirror: Mirror, site: str, url: str):
    status, _, body = get(url)
    assert status == 200
    return parse_page(body, url, NOW + timedelta(minutes=1), site=site)


# --- markup ------------------------------------------------------------------------------------------------

def test_markup_redesign_loses_kyodo_byline_body_and_listing_links_and_restores():
    with Mirror(articles=30, now=NOW, redesign={"kyodo": "markup"}) as mirror:
        truth = next(t for t in mirror.truth("kyodo") if t["authors"] and t["access"] == "full")
        result = parsed(mirror, "kyodo", truth["url"])
        assert (result.title, result.authors, result.body, result.images, result.categories) == \
            (truth["title"], [], None, [], [])
        assert result.published == truth["published"]  # JSON-LD survives the new theme
        assert "no body text found" in result.warnings
        assert kyodo_listing(get(mirror.base_urls["kyodo"] + "/list/news")[2]).entries == []
        mirror.redesign("kyodo", None)
        result = parsed(mirror, "kyodo", truth["url"])
        assert (result.authors, result.body) == (truth["authors"], truth["body"])
        assert len(kyodo_listing(get(mirror.base_urls["kyodo"] + "/list/news")[2]).entries) == 20


def test_markup_redesign_loses_inakoran_byline_photos_and_links():
    with Mirror(articles=30, now=NOW) as mirror:
        mirror.redesign("inakoran", "markup")
        base = mirror.base_urls["inakoran"]
        for template in ("a", "b"):
            truth = article(mirror, "inakoran", template)
            result = parsed(mirror, "inakoran", truth["url"])
            assert (result.title, result.authors, result.images, result.categories) == (truth["title"], [], [], [])
            assert (result.body, result.published) == (truth["body"], truth["published"])
        paths = {t["url"][len(base):] for t in mirror.truth("inakoran")}
        for page in ("/", "/kategori/nasional", "/indeks/page/2", paths.copy().pop()):
            hrefs = re.findall(r'(?<![-\w])href="([^"]*)"', get(base + page)[2].decode())
            assert not [h for h in hrefs if h in paths or h.removeprefix(base) in paths], page
        assert mirror.redesigns == {"inakoran": "markup"}


# --- feed and login ----------------------------------------------------------------------------------------

def test_feed_redesign_moves_kyodo_feed_and_sitemaps():
    with Mirror(articles=20, now=NOW, redesign={"kyodo": "feed"}) as mirror:
        base = mirror.base_urls["kyodo"]
        for old in ("/list/feed/rss4kyodonews-fzone", "/sitemap.xml", "/sitemap-2026.xml", "/sitemap-static.xml"):
            assert get(base + old)[0] == 404
        status, _, index = get(base + "/sitemaps/index.xml")
        assert status == 200 and f"<loc>{base}/sitemaps/news-2026.xml</loc>".encode() in index
        assert get(base + "/sitemaps/news-2026.xml")[0] == get(base + "/rss/news.xml")[0] == 200
        assert f"Sitemap: {base}/sitemaps/index.xml".encode() in get(base + "/robots.txt")[2]


def test_feed_redesign_moves_inakoran_sitemap_and_home():
    with Mirror(articles=20, now=NOW, redesign={"inakoran": "feed"}) as mirror:
        base = mirror.base_urls["inakoran"]
        assert get(base + "/sitemap.xml")[0] == 404
        assert f"Sitemap: {base}/sitemap.xml".encode() in get(base + "/robots.txt")[2]  # stale, as it happens
        assert get(base + "/sitemap_index.xml")[0] == 200
        home = get(base + "/")[2].decode()
        assert re.findall(r'href="([^"]*)"', home) == ["https://www.inakoran.id/"]
        mirror.redesign("inakoran", None)
        assert get(base + "/sitemap.xml")[0] == 200


@pytest.mark.parametrize("site", ["kyodo", "inakoran"])
def test_login_redesign_redirects_articles_to_a_login_form(site):
    with Mirror(articles=20, now=NOW, redesign={site: "login"}) as mirror:
        base = mirror.base_urls[site]
        url = mirror.truth(site)[3]["url"]
        path = url[len(base):]
        status, location, _ = get(url)
        assert (status, location) == (302, f"{base}/login?next={urllib.request.quote(path)}")
        status, _, page = get(location)
        assert status == 200 and b'type="password"' in page
        assert type(parse_page(page, location, NOW, site=site)).__name__ == "NotArticle"
        assert get(base + "/")[0] == 200  # discovery pages still answer


# --- edits, ports, clock -----------------------------------------------------------------------------------

def test_edit_articles_edits_the_most_recent_stories():
    with Mirror(articles=20, now=NOW) as mirror:
        newest = [mirror.sites["kyodo"].base + s.path for s in mirror.sites["kyodo"].cat.newest()[:3]]
        before = {t["url"]: t for t in mirror.truth("kyodo")}
        edited = mirror.edit_articles(3, "kyodo")
        assert [t["url"] for t in edited] == newest
        for truth in edited:
            assert truth["title"] == "UPDATE1: " + before[truth["url"]]["title"]
            assert truth["modified"] > before[truth["url"]]["modified"]
        assert len(mirror.edit_articles(2)) == 4  # two per site


def _free_ports(n: int) -> list[int]:
    for start in range(20000, 60000, 97):
        ports = list(range(start, start + n))
        try:
            socks = []
            for port in ports:
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return ports
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports")


def _start_cli(*args: str) -> tuple[subprocess.Popen, list[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "mirror", "--articles", "5", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, [proc.stdout.readline().strip() for _ in range(3)]


@pytest.mark.parametrize("how", ["port", "ports"])
def test_cli_binds_the_given_ports_and_refuses_one_in_use(how):
    ports = _free_ports(3)
    args = ["--port", str(ports[0])] if how == "port" else \
        ["--ports", f"kyodo={ports[0]},inakoran={ports[1]},kyodo-assets={ports[2]}"]
    proc, lines = _start_cli(*args, "--edit", "1", "--redesign", "inakoran:login")
    try:
        assert lines == [f"{name} http://127.0.0.1:{port}" for name, port in
                         zip(("kyodo", "inakoran", "kyodo-assets"), ports)]
        extra = [proc.stdout.readline().strip() for _ in range(3)]
        assert [line.split()[0] for line in extra] == ["edited", "edited", "redesign"]
        assert extra[0].startswith(f"edited http://127.0.0.1:{ports[0]}/articles/-/")
        assert extra[2] == "redesign inakoran login"
        again = newsarchive("mirror", "--port", str(ports[0]), timeout=30)
        assert again.returncode == 2 and again.stdout == ""
        assert again.stderr.count("\n") == 1 and "Address already in use" in again.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_clock_publishes_deterministically_at_varying_daily_rates():
    counts = {site: [clock.day_count(site, 1, (NOW + timedelta(days=d)).date()) for d in range(14)]
              for site in ("kyodo", "inakoran")}
    assert all(60 <= n <= 120 for n in counts["kyodo"]) and all(20 <= n <= 40 for n in counts["inakoran"])
    assert len(set(counts["kyodo"])) > 5 and len(set(counts["inakoran"])) > 5
    weekdays = [n for d, n in enumerate(counts["kyodo"]) if (NOW + timedelta(days=d)).weekday() < 5]
    weekends = [n for d, n in enumerate(counts["kyodo"]) if (NOW + timedelta(days=d)).weekday() >= 5]
    assert min(weekdays) > max(weekends)
    with Mirror(articles=10, now=NOW) as stepwise, Mirror(articles=10, now=NOW) as at_once:
        published = {"kyodo": 0, "inakoran": 0}
        for _ in range(8):
            for site, n in stepwise.advance(timedelta(hours=6)).items():
                published[site] += n
        assert at_once.set_now(NOW + timedelta(days=2)) == published
        expected = {site: len(clock.due(site, 1, NOW, NOW + timedelta(days=2))) for site in published}
        assert published == expected
        for site in published:
            def strip(truth, mirror):  # absolute URLs differ by the port only
                return json.dumps(truth).replace(mirror.base_urls[site], "").replace(mirror.asset_urls["kyodo"], "")
            assert strip(stepwise.truth(site), stepwise) == strip(at_once.truth(site), at_once)
            assert len(stepwise.truth(site)) == 10 + published[site]
        with pytest.raises(ValueError):
            at_once.set_now(NOW)


def test_clock_moves_kyodo_gating_and_the_feed():
    with Mirror(articles=10, now=NOW) as mirror:
        mirror.advance(timedelta(hours=3))
        base = mirror.base_urls["kyodo"]
        fresh = next(t for t in reversed(mirror.truth("kyodo")) if mirror.story("kyodo", t["url"]).kind == "kyodo")
        assert fresh["access"] == "full" and datetime.fromisoformat(fresh["published"]) > NOW
        assert fresh["url"].encode() in get(base + "/list/feed/rss4kyodonews-fzone")[2]
        request = urllib.request.Request(base + "/_mirror/clock", data=json.dumps({"advance_s": 86400}).encode(),
                                         method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response) == {"now": (NOW + timedelta(hours=27)).isoformat()}
        assert next(t for t in mirror.truth("kyodo") if t["url"] == fresh["url"])["access"] == "gated"
        assert parsed(mirror, "kyodo", fresh["url"]).access == "gated"
        mirror.set_now(NOW + timedelta(days=95))
        assert next(t for t in mirror.truth("kyodo") if t["url"] == fresh["url"])["access"] == "expired"


# --- real crawls -------------------------------------------------------------------------------------------

def _crawl(mirror: Mirror, site: str, data, *options: str) -> sqlite3.Connection:
    result = newsarchive("crawl", site, "--data", str(data), "--base-url", f"{site}={mirror.base_urls[site]}",
                         "--quiet", "--requisites", "none", *NO_DELAY, *options)
    assert result.returncode in (0, 3), result.stdout + result.stderr[-3000:]
    return sqlite3.connect(data / "index.db")


def test_crawl_of_kyodo_redesigns(tmp_path):
    with Mirror(articles=25, now=NOW, redesign={"kyodo": "markup"}) as mirror:
        db = _crawl(mirror, "kyodo", tmp_path / "markup")
        rows = db.execute("SELECT body, authors FROM articles").fetchall()
        assert len(rows) == 25 and all(body is None for body, _ in rows)  # the feed still names them all
        mirror.redesign("kyodo", "feed")
        db = _crawl(mirror, "kyodo", tmp_path / "feed", "--discover", "feed,sitemap")
        missing = db.execute("SELECT url FROM captures WHERE status = 404 ORDER BY url").fetchall()
        base = mirror.base_urls["kyodo"]
        assert missing == [(base + "/list/feed/rss4kyodonews-fzone",), (base + "/sitemap.xml",)]
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        mirror.redesign("kyodo", "login")
        db = _crawl(mirror, "kyodo", tmp_path / "login")
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM captures WHERE status = 302").fetchone()[0] == 25


def test_crawl_of_inakoran_feed_redesign_finds_nothing(tmp_path):
    with Mirror(articles=20, now=NOW, redesign={"inakoran": "feed"}) as mirror:
        db = _crawl(mirror, "inakoran", tmp_path)
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        base = mirror.base_urls["inakoran"]
        assert db.execute("SELECT url FROM captures WHERE status = 404").fetchall() == [(base + "/sitemap.xml",)]
        assert db.execute("SELECT url, reason FROM fetch_errors").fetchall() == \
            [("https://www.inakoran.id/", "offsite")]  # the home page's only link

"""Crawls against hostile servers on 127.0.0.1 (GitHub issue #14, items 1 and 2).

Bombs: a server standing in for Kyodo serves a feed whose articles are decompression bombs (brotli, zstd,
gzip, deflate, gzip under brotli) and a body larger than the raw cap, plus seed pages that are bombs too (those
are decompressed by the crawl process, articles by its parser processes). With the default body size limit
(32 MiB) the crawl finishes in seconds and within a few hundred MB; every bomb is archived as received and
recorded `too_large`, never parsed; reindex, catch-up, verify and `show --html` over that archive stay
within memory too.

Scope: a site on one port links and redirects to an "internal service" on another port (and to another
scheme and a subdomain). Only the site's own origin is fetched: the internal server sees no request at all,
and each skipped URL is a `fetch_errors` row with reason `offsite`, not counted as an error.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from bombs import BOMBS
from hostile import HostileServer, Reply, cli, run_measured, streamed
from support import NO_DELAY, ROOT

MIB = 1 << 20
LIMIT = 32 * MIB  # the default NEWSARCHIVE_MAX_BODY_BYTES
HUGE = 48 * MIB
ARTICLE = (ROOT / "tests" / "fixtures" / "kyodo" / "full_caption_author.html").read_bytes()
HTML = "text/html; charset=utf-8"
ROBOTS = Reply(200, [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n")
# The crawl's own memory is capped too, per process, so a regression fails here with MemoryError instead of
# taking gigabytes from a shared machine; few malloc arenas keep the reserved (not used) address space small.
CAPPED = {"MALLOC_ARENA_MAX": "2"}
ADDRESS_SPACE = 2 << 30


def feed(links: list[str]) -> Reply:
    items = "".join(f"<item><title>Story {n}</title><link>{link}</link><guid>{link}</guid></item>"
                    for n, link in enumerate(links))
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    return Reply(200, [("Content-Type", "application/rss+xml")], body.encode())


def encoded(body: bytes, coding: str) -> Reply:
    return Reply(200, [("Content-Type", HTML), ("Content-Encoding", coding)], body)


def huge() -> Reply:
    return Reply(200, [("Content-Type", HTML)], streamed(HUGE), length=HUGE)


FEED = "/list/feed/rss4kyodonews-fzone"
BOMB_ARTICLES = {f"/articles/-/{n}": coding for n, coding in enumerate(BOMBS, start=2)}
BOMB_SEEDS = {"/pages/br": "br", "/pages/gzip": "gzip", "/pages/zstd": "zstd"}


@pytest.fixture(scope="module")
def bombs():
    return {coding: make() for coding, make in BOMBS.items()}


@pytest.fixture(scope="module")
def bomb_crawl(tmp_path_factory, bombs):
    data = tmp_path_factory.mktemp("bombs")
    routes = {"/robots.txt": ROBOTS, "/articles/-/1": encoded(gzip.compress(ARTICLE), "gzip"),
              "/articles/-/9": huge(), "/pages/huge": huge()}
    routes.update({path: encoded(bombs[coding], coding) for path, coding in BOMB_ARTICLES.items()})
    routes.update({path: encoded(bombs[coding], coding) for path, coding in BOMB_SEEDS.items()})
    with HostileServer(routes) as site:
        site.routes[FEED] = feed([site.url(p) for p in ("/articles/-/1", *BOMB_ARTICLES, "/articles/-/9")])
        args = ["crawl", "kyodo", "--data", str(data), "--base-url", f"kyodo={site.base}", "--discover", "feed",
                *NO_DELAY]
        for path in (*BOMB_SEEDS, "/pages/huge"):
            args += ["--seed", f"kyodo={site.url(path)}"]
        run = run_measured(cli(*args), env=CAPPED, address_space=ADDRESS_SPACE)
        base = site.base
    db = sqlite3.connect(data / "index.db")
    errors = {url: (reason, detail) for url, reason, detail in db.execute(
        "SELECT url, reason, detail FROM fetch_errors")}
    captures = {url: status for url, status in db.execute("SELECT url, status FROM captures")}
    articles = [row[0] for row in db.execute("SELECT url FROM articles")]
    db.close()
    return {"data": data, "base": base, "run": run, "errors": errors, "captures": captures, "articles": articles}


def stored(data: Path) -> dict[str, tuple[object, object, bytes]]:
    """URL -> (WARC headers, HTTP headers, payload as stored) of each response record."""
    out = {}
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    out[record.rec_headers.get_header("WARC-Target-URI")] = (
                        record.rec_headers, record.http_headers, record.raw_stream.read())
    return out


def test_a_crawl_of_bombs_finishes_quickly_within_bounded_memory(bomb_crawl):
    run = bomb_crawl["run"]
    assert run.returncode == 0, run.stdout + run.stderr[-4000:]
    assert "Traceback" not in run.stderr and "MemoryError" not in run.stderr
    assert run.seconds < 90, f"took {run.seconds:.0f} s"
    assert run.peak_mb < 500, f"peak {run.peak_mb:.0f} MB"
    assert bomb_crawl["articles"] == [bomb_crawl["base"] + "/articles/-/1"], "the one real article is indexed"


@pytest.mark.parametrize("path", [*BOMB_ARTICLES, *BOMB_SEEDS])
def test_a_bomb_is_archived_as_received_recorded_too_large_and_never_parsed(bomb_crawl, bombs, path):
    url = bomb_crawl["base"] + path
    coding = {**BOMB_ARTICLES, **BOMB_SEEDS}[path]
    headers, http, payload = stored(bomb_crawl["data"])[url]
    assert payload == bombs[coding] and http.get_header("Content-Encoding") == coding, "the bytes as sent"
    assert headers.get_header("WARC-Truncated") is None
    assert bomb_crawl["captures"][url] == 200
    reason, detail = bomb_crawl["errors"][url]
    assert reason == "too_large" and "33,554,432" in detail, detail
    assert url not in bomb_crawl["articles"]


@pytest.mark.parametrize("path", ["/articles/-/9", "/pages/huge"])
def test_a_body_over_the_raw_cap_is_cut_there_archived_truncated_and_recorded(bomb_crawl, path):
    url = bomb_crawl["base"] + path
    headers, http, payload = stored(bomb_crawl["data"])[url]
    assert headers.get_header("WARC-Truncated") == "length"
    assert LIMIT <= len(payload) < LIMIT + 2 * MIB and http.get_header("Content-Length") == str(HUGE)
    reason, detail = bomb_crawl["errors"][url]
    assert reason == "too_large" and "body cut at" in detail, detail
    assert url not in bomb_crawl["articles"]


def copy_of(bomb_crawl, tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(bomb_crawl["data"], data)
    return data


def test_reindex_skips_each_bomb_with_a_problem_line_within_bounded_memory(bomb_crawl, tmp_path):
    data = copy_of(bomb_crawl, tmp_path)
    run = run_measured(cli("reindex", "--data", str(data)), address_space=ADDRESS_SPACE)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stdout + run.stderr[-4000:]
    problems = [line for line in run.stdout.splitlines() if line.strip().startswith("problem:")]
    for path in (*BOMB_ARTICLES, *BOMB_SEEDS):
        assert any(bomb_crawl["base"] + path in line and "33,554,432" in line for line in problems), path
    assert "articles 1," in run.stdout
    assert run.peak_mb < 400, f"peak {run.peak_mb:.0f} MB"


def test_catch_up_skips_each_bomb_with_a_problem_within_bounded_memory(bomb_crawl, tmp_path):
    data = copy_of(bomb_crawl, tmp_path)
    for name in ("index.db", "index.db-wal", "index.db-shm"):
        (data / name).unlink(missing_ok=True)
    code = ("import sys; from archive.catchup import catch_up; from crawler.reindex import parse_for_index\n"
            "result = catch_up(sys.argv[1] + '/warc', sys.argv[1] + '/index.db', parse_for_index)\n"
            "print(result.articles_added); print('\\n'.join(result.problems))")
    run = run_measured(["-c", code, str(data)], address_space=ADDRESS_SPACE)
    assert run.returncode == 0, run.stderr[-4000:]
    added, *problems = run.stdout.splitlines()
    assert added == "1"
    for path in (*BOMB_ARTICLES, *BOMB_SEEDS):
        assert any(bomb_crawl["base"] + path in line for line in problems), path
    assert run.peak_mb < 400, f"peak {run.peak_mb:.0f} MB"


def test_verify_warns_about_each_bomb_within_bounded_memory(bomb_crawl):
    run = run_measured(cli("verify", "--data", str(bomb_crawl["data"])), address_space=ADDRESS_SPACE)
    assert run.returncode == 0, run.stdout + run.stderr[-4000:]
    warnings = [line for line in run.stdout.splitlines() if line.strip().startswith("warning:")]
    for path in (*BOMB_ARTICLES, *BOMB_SEEDS):
        assert any(bomb_crawl["base"] + path in line and "not decoded" in line for line in warnings), path
    assert run.peak_mb < 300, f"peak {run.peak_mb:.0f} MB"


def test_show_html_of_a_bomb_record_is_one_error_line_within_bounded_memory(bomb_crawl, tmp_path):
    # An index that points an article at a bomb's record, as an archive crawled before the limit could.
    data = copy_of(bomb_crawl, tmp_path)
    db = sqlite3.connect(data / "index.db")
    bomb = bomb_crawl["base"] + "/articles/-/2"
    db.execute("UPDATE articles SET (warc_file, warc_offset, warc_length, record_id) = (SELECT warc_file, "
               "warc_offset, warc_length, record_id FROM captures WHERE url = ?)", [bomb])
    db.commit()
    db.close()
    run = run_measured(cli("show", "1", "--html", "--data", str(data)), address_space=ADDRESS_SPACE)
    assert run.returncode == 2 and run.stdout == "", run.stderr[-4000:]
    (line,) = run.stderr.splitlines()
    assert line.startswith("error: ") and "33,554,432" in line and "article 1" in line, line
    assert run.peak_mb < 200, f"peak {run.peak_mb:.0f} MB"


# -- scope: scheme, host and port ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scope_crawl(tmp_path_factory):
    data = tmp_path_factory.mktemp("scope")
    with HostileServer() as internal, HostileServer() as site:
        other_port = internal.url("/articles/-/2")
        other_scheme = f"https://127.0.0.1:{site.port}/articles/-/3"
        subdomain = f"http://internal.127.0.0.1:{site.port}/articles/-/4"
        redirected = internal.url("/articles/-/5")
        seed_redirected = internal.url("/admin")
        page = encoded(gzip.compress(ARTICLE), "gzip")
        site.routes.update({
            "/robots.txt": ROBOTS, "/articles/-/1": page, "/": Reply(200, [("Content-Type", HTML)], b"<html></html>"),
            FEED: feed([site.url("/articles/-/1"), other_port, other_scheme, subdomain, site.url("/articles/-/5")]),
            "/articles/-/5": Reply(302, [("Location", redirected)]),
            "/go": Reply(307, [("Location", seed_redirected)]),
            "/links": Reply(200, [("Content-Type", HTML)],
                            f'<html><body><a href="{internal.url("/metadata")}">x</a></body></html>'.encode()),
        })
        args = ["crawl", "kyodo", "--data", str(data), "--base-url", f"kyodo={site.base}", "--discover", "feed",
                "--seed", f"kyodo={site.url('/go')}", "--seed", f"kyodo={site.url('/links')}", "--requisites", "none",
                *NO_DELAY]
        run = run_measured(cli(*args))
        seen_by_internal = list(internal.requests)
    db = sqlite3.connect(data / "index.db")
    errors = {}
    for url, reason, detail in db.execute("SELECT url, reason, detail FROM fetch_errors"):
        errors.setdefault(url, []).append((reason, detail))
    statuses = {url: status for url, status in db.execute("SELECT url, status FROM captures")}
    crawl_errors = db.execute("SELECT errors FROM crawls").fetchone()[0]
    db.close()
    return {"run": run, "internal": seen_by_internal, "errors": errors, "statuses": statuses, "site": site.base,
            "crawl_errors": crawl_errors, "offsite": {"other_port": other_port, "other_scheme": other_scheme,
                                                      "subdomain": subdomain, "redirected": redirected,
                                                      "seed_redirected": seed_redirected,
                                                      "linked": internal.url("/metadata")}}


def test_the_internal_service_on_another_port_gets_no_request_at_all(scope_crawl):
    assert scope_crawl["run"].returncode == 0, scope_crawl["run"].stderr[-4000:]
    assert scope_crawl["internal"] == []
    assert scope_crawl["statuses"][scope_crawl["site"] + "/articles/-/1"] == 200


@pytest.mark.parametrize("kind", ["other_port", "other_scheme", "subdomain", "redirected", "seed_redirected",
                                  "linked"])
def test_each_url_off_the_sites_origin_is_recorded_offsite_not_fetched(scope_crawl, kind):
    url = scope_crawl["offsite"][kind]
    assert [reason for reason, _ in scope_crawl["errors"].get(url, [])] == ["offsite"], scope_crawl["errors"]
    assert url not in scope_crawl["statuses"]


def test_a_redirect_off_the_origin_is_archived_and_not_followed(scope_crawl):
    site = scope_crawl["site"]
    assert scope_crawl["statuses"][site + "/articles/-/5"] == 302
    assert scope_crawl["statuses"][site + "/go"] == 307
    ((_, detail),) = scope_crawl["errors"][scope_crawl["offsite"]["redirected"]]
    assert f"redirected from {site}/articles/-/5" in detail, detail


def test_offsite_urls_are_not_counted_as_errors(scope_crawl):
    assert scope_crawl["crawl_errors"] == 0

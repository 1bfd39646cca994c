"""`newsarchive serve`: Datasette on the index, read-only, with facets, full-text search and canned queries."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from archive.schema import TABLES
from archive.serve import datasette_args, metadata
from mirror import Mirror

ROOT = Path(__file__).resolve().parent.parent
NO_DELAY = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(base: str, path: str, **params) -> tuple[int, dict | list]:
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve")
    env = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DATA"}
    with Mirror(articles=20, seed=3) as mirror:
        truth = mirror.truth("kyodo")
        crawl = subprocess.run(cli("crawl", "kyodo", "inakoran", "--base-url", f"kyodo={mirror.base_urls['kyodo']}",
                                   "--base-url", f"inakoran={mirror.base_urls['inakoran']}", "--data", str(data),
                                   *NO_DELAY), cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    db = data / "index.db"
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    port = free_port()
    log = open(data / "serve.log", "w")  # not a pipe: nobody reads it, and a full pipe would stall the server
    process = subprocess.Popen(cli("serve", "--port", str(port), "--no-replay", "--data", str(data)), cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (data / "serve.log").read_text()
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "datasette did not start"
            time.sleep(0.2)
    yield base, db, truth, digest
    process.terminate()
    assert process.wait(timeout=20) is not None
    log.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(base + "/-/versions.json", timeout=2)  # Datasette stopped with it


def test_full_text_search(server):
    base, _, truth, _ = server
    title = truth[0]["title"]
    word = max(title.replace(":", " ").split(), key=len).strip(".,;!?\"'")
    status, body = get(base, "/index/articles.json", _search=word, _shape="objects", _size="max")
    assert status == 200 and body["rows"]
    assert title in [row["title"] for row in body["rows"]]
    assert all(word.lower() in (r["title"] + (r["lead"] or "") + (r["body"] or "") + r["authors"]).lower()
               for r in body["rows"])


def test_facets_on_site_and_authors(server):
    base, db, _, _ = server
    conn = sqlite3.connect(db)
    sites = dict(conn.execute("SELECT site, count(*) FROM articles GROUP BY site").fetchall())
    status, body = get(base, "/index/articles.json", _facet="site", _size="0")
    assert status == 200
    assert {r["value"]: r["count"] for r in body["facet_results"]["site"]["results"]} == sites == \
        {"kyodo": 20, "inakoran": 20}
    status, body = get(base, "/index/articles.json", _facet_array="authors", _size="0")
    top = body["facet_results"]["authors"]["results"][0]
    assert top["count"] == conn.execute("SELECT count(*) FROM articles, json_each(articles.authors) "
                                        "WHERE json_each.value = ?", [top["value"]]).fetchone()[0]


def test_canned_queries_match_sql(server):
    base, db, _, _ = server
    conn = sqlite3.connect(db)
    status, rows = get(base, "/index/articles_per_day_per_site.json", _shape="array")
    assert status == 200
    assert Counter({(r["site"], r["day"]): r["articles"] for r in rows}) == Counter({
        (site, day): n for site, day, n in conn.execute(
            "SELECT site, substr(published, 1, 10), count(*) FROM articles WHERE published IS NOT NULL GROUP BY 1, 2")})
    status, rows = get(base, "/index/top_authors.json", _shape="array")
    assert status == 200 and rows
    for row in rows:
        assert row["articles"] == conn.execute(
            "SELECT count(*) FROM article_authors JOIN authors ON authors.id = author_id WHERE name = ?",
            [row["author"]]).fetchone()[0]
    status, rows = get(base, "/index/recent_fetch_errors.json", _shape="array")
    assert status == 200 and len(rows) == conn.execute("SELECT count(*) FROM fetch_errors").fetchone()[0]
    status, rows = get(base, "/index/gap_days.json", _shape="array")
    assert status == 200
    for row in rows:
        assert not conn.execute("SELECT 1 FROM articles WHERE site = ? AND substr(published, 1, 10) = ?",
                                [row["site"], row["day"]]).fetchone()


def test_the_index_cannot_be_written(server):
    base, db, _, digest = server
    status, body = get(base, "/index.json", sql="DELETE FROM articles")
    assert status == 400 and "SELECT" in body["error"]
    status, body = get(base, "/index.json", sql="UPDATE articles SET title = 'x'")
    assert status == 400
    status, databases = get(base, "/-/databases.json")
    assert [d["is_mutable"] for d in databases if d["name"] == "index"] == [False]
    status, body = get(base, "/index.json", sql="SELECT count(*) AS n FROM articles", _shape="array")
    assert body == [{"n": 40}]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def test_no_absolute_path_is_shown(server):
    base, db, _, _ = server
    for path in ("/-/databases.json", "/index.json", "/-/settings.json", "/-/metadata.json"):
        with urllib.request.urlopen(base + path, timeout=10) as response:
            text = response.read().decode()
        assert str(db.parent) not in text and "/tmp" not in text, path
    status, databases = get(base, "/-/databases.json")
    assert [d["path"] for d in databases] == ["index.db"]


@pytest.mark.parametrize("path", ["/index/articles/-/insert", "/index/-/create", "/index/articles/1/-/delete",
                                  "/index", "/-/databases.json"])
def test_a_write_request_is_refused_with_403(server, path):
    base, db, _, digest = server
    request = urllib.request.Request(base + path, data=json.dumps({"row": {"title": "x"}}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert "read-only" in json.load(refused.value)["error"]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def test_metadata_describes_every_table_and_column():
    meta = metadata()
    tables = meta["databases"]["index"]["tables"]
    conn = sqlite3.connect(":memory:")
    for name, ddl in TABLES.items():
        conn.execute(ddl)
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({name})")]
        assert tables[name]["description"]
        assert sorted(tables[name]["columns"]) == sorted(columns), name
    assert tables["articles"]["fts_table"] == "articles_fts"
    assert {"array": "authors"} in tables["articles"]["facets"] and "site" in tables["articles"]["facets"]
    assert {"articles_per_day_per_site", "top_authors", "recent_fetch_errors"} <= set(
        meta["databases"]["index"]["queries"])
    assert "://" not in json.dumps(meta)  # no external resources


def test_datasette_arguments_are_read_only_and_local_by_default():
    args = datasette_args("data/index.db")
    assert args[:3] == ["serve", "-i", "data/index.db"]
    assert args[args.index("--host") + 1] == "127.0.0.1" and args[args.index("--port") + 1] == "8001"
    assert "--metadata" in datasette_args("x.db", 9000, "0.0.0.0", "meta.json")

"""`newsarchive export wacz`: a package `wacz validate` accepts, our pages.jsonl, WARC files left in place."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archive.index import Index
from archive.wacz import export_wacz, resource_name
from test_verify import crawl_mirror, newsarchive


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("wacz") / "data"
    crawl_mirror(data, articles=5, times=2)  # the second crawl holds revisits of the first one's records
    return data


def digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(path)], capture_output=True,
                          text=True, timeout=300)


def crawls(data: Path) -> list[dict]:
    index = Index(data / "index.db", readonly=True)
    rows = [dict(r) for r in index.conn.execute("SELECT id, warc_files FROM crawls ORDER BY started, id")]
    index.conn.close()
    return rows


def test_export_all_validates_and_lists_every_article(data, tmp_path):
    before = digests(data / "warc")
    out = tmp_path / "all.wacz"
    result = newsarchive("export", "wacz", "-o", str(out), "--data", str(data))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"wrote {out}") and "4 WARC file(s), 10 page(s)" in result.stdout

    checked = validate(out)
    assert checked.returncode == 0 and "Validation succeeded" in checked.stdout, checked.stdout + checked.stderr
    assert digests(data / "warc") == before  # nothing moved, deleted or changed

    with zipfile.ZipFile(out) as package:
        names = package.namelist()
        for name in (p for p in before if p.endswith(".warc.gz")):
            info = package.getinfo(f"archive/{name}")
            assert info.compress_type == zipfile.ZIP_STORED
            assert package.read(info) == (data / "warc" / name).read_bytes()
        assert {"pages/pages.jsonl", "indexes/index.cdx.gz", "indexes/index.idx", "datapackage.json",
                "datapackage-digest.json"} <= set(names)
        lines = [json.loads(line) for line in package.read("pages/pages.jsonl").decode().splitlines()]
        datapackage = json.loads(package.read("datapackage.json"))
    assert lines[0] == {"format": "json-pages-1.0", "id": "pages", "title": f"newsarchive {data.name}"}
    index = Index(data / "index.db", readonly=True)
    articles = {row["url"]: row for row in index.articles()}
    captures = {r["id"]: dict(r) for r in index.conn.execute("SELECT * FROM captures")}
    index.conn.close()
    pages = lines[1:]
    assert sorted(p["url"] for p in pages) == sorted(articles)
    for page in pages:
        article = articles[page["url"]]
        assert page["title"] == article["title"] and page["authors"] == article["authors"]
        assert page["published"] == article["published"]
        capture = captures[article["capture_id"]]
        assert page["ts"] == capture["fetched_at"] and capture["record_type"] == "response"
        assert page["id"] in capture["record_id"]
    assert all(r["name"] == resource_name(r["name"]) for r in datapackage["resources"])
    assert {r["path"] for r in datapackage["resources"]} >= {f"archive/{n}" for n in before if n.endswith(".warc.gz")}


def test_export_one_crawl_brings_the_originals_of_its_revisits(data, tmp_path):
    first, second = crawls(data)
    out = tmp_path / "second.wacz"
    result = export_wacz(data, out, crawl_id=second["id"])
    own = set(json.loads(second["warc_files"]))
    # the second crawl's pages are revisits: the package also needs the files holding their payloads
    assert own < set(result.warc_files) <= own | set(json.loads(first["warc_files"]))
    checked = validate(out)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with zipfile.ZipFile(out) as package:
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").decode().splitlines()[1:]]
    index = Index(data / "index.db", readonly=True)
    captured = {r[0]: r[1] for r in index.conn.execute(
        "SELECT url, fetched_at FROM captures WHERE crawl_id = ? AND status = 200 "
        "AND url IN (SELECT url FROM articles)", [second["id"]])}
    index.conn.close()
    # the articles that crawl fetched (an incremental crawl may skip them all), at that crawl's capture
    assert result.pages == len(pages) == len(captured)
    assert {page["url"]: page["ts"] for page in pages} == captured


def test_export_first_crawl_lists_its_articles(data, tmp_path):
    first, _ = crawls(data)
    result = export_wacz(data, tmp_path / "first.wacz", crawl_id=first["id"])
    assert result.warc_files == sorted(json.loads(first["warc_files"])) and result.pages == 10
    assert validate(tmp_path / "first.wacz").returncode == 0


def test_unknown_crawl_is_an_error_and_writes_nothing(data, tmp_path):
    out = tmp_path / "x.wacz"
    result = newsarchive("export", "wacz", "--crawl", "no-such-crawl", "-o", str(out), "--data", str(data))
    assert result.returncode == 2 and "no crawl 'no-such-crawl'" in result.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_resource_names_conform_to_data_package():
    assert resource_name("newsarchive-kyodo-20261126-00001-123~Host.warc.gz") == \
        "newsarchive-kyodo-20261126-00001-123-host.warc.gz"
    assert os.path.basename(resource_name("pages/pages.jsonl")) == "pages.jsonl"


# -- a site, a window of publication, the main page -------------------------------------------------------


def package(path: Path) -> tuple[list[dict], dict]:
    with zipfile.ZipFile(path) as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode().splitlines()[1:]]
        return pages, json.loads(wacz.read("datapackage.json"))


def rows(data: Path, sql: str, params=()) -> list[tuple]:
    index = Index(data / "index.db", readonly=True)
    try:
        return [tuple(r) for r in index.conn.execute(sql, params)]
    finally:
        index.conn.close()


def test_export_one_site_holds_its_files_and_opens_on_its_home_page(data, tmp_path):
    first, second = crawls(data)
    (own,) = [name for name in json.loads(first["warc_files"]) if "-inakoran-" in name]
    # the second crawl's file holds the conditional captures of the requisites these pages need
    (later,) = [name for name in json.loads(second["warc_files"]) if "-inakoran-" in name]
    out = tmp_path / "inakoran.wacz"
    result = newsarchive("export", "wacz", "--site", "inakoran", "-o", str(out), "--data", str(data))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 WARC file(s), 5 page(s)" in result.stdout
    assert validate(out).returncode == 0
    pages, datapackage = package(out)
    assert sorted(p["url"] for p in pages) == sorted(r[0] for r in rows(data, "SELECT url FROM articles "
                                                                        "WHERE site = 'inakoran'"))
    assert [r["path"] for r in datapackage["resources"] if r["path"].startswith("archive/")] == \
        [f"archive/{own}", f"archive/{later}"]
    # the home page: captured 200 by the first crawl (the second one's answer was a 304, not a page)
    ((home, fetched_at, status),) = rows(data, "SELECT url, fetched_at, status FROM captures WHERE site = 'inakoran' "
                                               "AND crawl_id = ? AND url LIKE '%/' AND status = 200 "
                                               "AND url NOT LIKE '%feed/'", [first["id"]])
    assert home.endswith("/") and home.count("/") == 3
    assert (datapackage["mainPageURL"], datapackage["mainPageDate"]) == (home, fetched_at)
    assert rows(data, "SELECT status FROM captures WHERE url = ? AND crawl_id = ?", [home, second["id"]]) == [(304,)]


def test_export_a_window_of_publication_and_the_newest_article_as_main_page(data, tmp_path):
    first, _ = crawls(data)
    (own,) = [name for name in json.loads(first["warc_files"]) if "-kyodo-" in name]
    kyodo = rows(data, "SELECT url, published_utc, fetched_at FROM articles WHERE site = 'kyodo' "
                       "ORDER BY published_utc")
    assert len(kyodo) == 5
    window = kyodo[1:4]  # --until with a time includes that second
    out = tmp_path / "window.wacz"
    result = export_wacz(data, out, site="kyodo", since=window[0][1], until=window[-1][1])
    assert result.warc_files == [own] and result.pages == 3
    pages, datapackage = package(out)
    assert [p["url"] for p in sorted(pages, key=lambda p: p["published"])] == [url for url, _, _ in window]
    # the front page was captured after the window: the newest article page of the selection opens
    newest = max(pages, key=lambda p: p["ts"])
    assert (datapackage["mainPageURL"], datapackage["mainPageDate"]) == (newest["url"], newest["ts"])
    assert validate(out).returncode == 0
    # nothing published in the window: nothing to export, one line, exit 2
    empty = newsarchive("export", "wacz", "--site", "kyodo", "--since", "2001-01-01", "--until", "2001-01-02",
                        "-o", str(tmp_path / "none.wacz"), "--data", str(data))
    assert empty.returncode == 2 and empty.stderr == "error: no articles match the selection: nothing to export\n"


def test_export_one_site_of_one_crawl(data, tmp_path):
    first, _ = crawls(data)
    (own,) = [name for name in json.loads(first["warc_files"]) if "-kyodo-" in name]
    result = export_wacz(data, tmp_path / "first.wacz", crawl_id=first["id"], site="kyodo")
    assert result.warc_files == [own] and result.pages == 5
    # Kyodo's front page, captured by that crawl, opens the package
    home = rows(data, "SELECT url, fetched_at FROM captures WHERE site = 'kyodo' AND crawl_id = ? AND status = 200 "
                      "AND role = 'page' AND url LIKE '%/' AND url NOT LIKE '%/list/%'", [first["id"]])
    assert len(home) == 1 and home[0][0].count("/") == 3
    assert (result.main_page["url"], result.main_page["ts"]) == home[0]
    assert validate(tmp_path / "first.wacz").returncode == 0


def test_export_brings_the_requisites_its_pages_needed(data, tmp_path):
    """Captures with `needed_by` (the requisites' column) of a selected page come along, with the file of
    the original a requisite's revisit refers to; the requisites of other pages do not."""
    import shutil
    import sqlite3
    from datetime import datetime, timezone

    from archive.warc import HttpExchange, WarcFileWriter

    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    kyodo = rows(copy, "SELECT url FROM articles WHERE site = 'kyodo' ORDER BY published_utc")
    (wanted,), (other,) = kyodo[-1], kyodo[0]
    conn = sqlite3.connect(copy / "index.db")
    assert {"role", "needed_by"} <= {row[1] for row in conn.execute("PRAGMA table_info(captures)")}
    first, _ = crawls(copy)
    ((original, original_file),) = rows(copy, "SELECT record_id, warc_file FROM captures WHERE crawl_id = ? AND "
                                              "site = 'inakoran' AND status = 200 AND url LIKE '%/' AND url NOT "
                                              "LIKE '%feed/'", [first["id"]])
    files = {}
    for prefix, page in (("req-wanted", wanted), ("req-other", other)):
        writer = WarcFileWriter(copy / "warc", prefix=prefix, cdxj=True)
        image = f"http://127.0.0.1:9/mwimgs/a/b/635m/img_{prefix}.jpg"
        at = writer.write_exchange(HttpExchange(
            url=image, method="GET", request_headers=[], protocol="HTTP/1.1", status=200,
            response_headers=[("Content-Type", "image/jpeg"), ("Content-Length", "4")], body=b"\xff\xd8\xff\xd9",
            fetched_at=datetime(2026, 11, 26, tzinfo=timezone.utc)))
        writer.close()
        files[prefix] = at.warc_file
        conn.execute("INSERT INTO captures (url, site, status, content_type, fetched_at, payload_digest, warc_file, "
                     "warc_offset, warc_length, record_id, record_type, revisit_of, role, needed_by) VALUES "
                     "(?, 'kyodo', 200, 'image/jpeg', ?, ?, ?, ?, ?, ?, 'revisit', ?, 'requisite', ?)",
                     [image, at.warc_date, at.payload_digest, at.warc_file, at.offset, at.length, at.record_id,
                      original, page])  # said to be a revisit: the selection follows the row's revisit_of
    conn.commit()
    conn.close()
    (own,) = [r[0] for r in rows(copy, "SELECT DISTINCT warc_file FROM articles WHERE url = ?", [wanted])]
    result = export_wacz(copy, tmp_path / "req.wacz", site="kyodo", since=rows(
        copy, "SELECT published_utc FROM articles WHERE url = ?", [wanted])[0][0])
    assert result.pages == 1 and result.warc_files == sorted([own, files["req-wanted"], original_file])
    assert validate(tmp_path / "req.wacz").returncode == 0


def test_the_index_leaves_out_the_304s_as_the_cdxj_beside_each_file_does(data, tmp_path):
    """A replay tool given a 304 serves it, empty, to a page captured after it: the second crawl's conditional
    requests (listings, requisites) must not shadow the captures they confirmed."""
    out = tmp_path / "all.wacz"
    assert newsarchive("export", "wacz", "-o", str(out), "--data", str(data)).returncode == 0
    with zipfile.ZipFile(out) as package:
        lines = gzip.decompress(package.read("indexes/index.cdx.gz")).decode().splitlines()
    indexed = [json.loads(line.split(" ", 2)[2]) for line in lines]
    not_modified = rows(data, "SELECT url, warc_file, warc_offset FROM captures WHERE status = 304")
    assert not_modified, "the fixture's second crawl should have 304 answers"
    assert not [entry for entry in indexed if entry.get("status") == "304"]
    beside = {(json.loads(line.split(" ", 2)[2])["filename"], json.loads(line.split(" ", 2)[2])["offset"])
              for cdxj in (data / "warc").glob("*.cdxj") for line in cdxj.read_text().splitlines()}
    assert beside <= {(entry["filename"], entry["offset"]) for entry in indexed}  # every line of ours is there

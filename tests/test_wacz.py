"""`newsarchive export wacz`: a package `wacz validate` accepts, our pages.jsonl, WARC files left in place."""

from __future__ import annotations

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

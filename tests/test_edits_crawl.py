"""`newsarchive edits`, `cite` and `export --versions` on a real archive: the mirror crawled, one article edited
on the mirror, crawled again."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys

import pytest

from archive.replay import DEFAULT_REPLAY_BASE, replay_url
from mirror import Mirror
from support import NO_DELAY, ROOT


def newsarchive(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=240)


def crawl(mirror: Mirror, data) -> None:
    out = newsarchive("crawl", "kyodo", "--data", str(data), *NO_DELAY, "--discover", "feed,listings,sitemap",
                      "--base-url", f"kyodo={mirror.base_urls['kyodo']}")
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    data = tmp_path_factory.mktemp("edited")
    with Mirror(articles=12, seed=6) as mirror:
        crawl(mirror, data)
        with_text = next(i for i, t in enumerate(mirror.truth("kyodo")) if t["access"] in ("full", "open"))
        before = dict(mirror.truth("kyodo")[with_text])
        after = mirror.edit_article("kyodo", with_text)
        crawl(mirror, data)
    db = sqlite3.connect(data / "index.db")
    article_id = db.execute("SELECT id FROM articles WHERE url = ?", [after["url"]]).fetchone()[0]
    yield data, db, article_id, before, after
    db.close()


def test_edits_lists_the_edit_the_refresh_crawl_found(archive):
    data, db, article_id, before, after = archive
    out = newsarchive("edits", "--data", str(data), "--format", "json")
    assert out.returncode == 0, out.stderr
    [edited] = json.loads(out.stdout)
    assert (edited["id"], edited["url"], edited["title"], edited["versions"]) == \
        (article_id, after["url"], after["title"], 2)
    [change] = edited["changes"]
    assert change["changed"][0] == "title" and "dates" in change["changed"]
    assert change["silent"] is False  # the mirror's edit bumps the modified date
    assert change["modified"] == [before["modified"], after["modified"]]
    table = newsarchive("edits", "--data", str(data))
    assert table.stdout.startswith(f"{article_id:>7}  v1->v2  ") and after["title"] in table.stdout
    assert "SILENT" not in table.stdout and table.stderr.strip() == "1 change(s) in 1 article(s)"
    assert newsarchive("edits", "--silent", "--data", str(data)).stdout.strip() == "no edited articles"
    assert newsarchive("edits", "--since", "tomorrow", "--data", str(data)).returncode == 2


def test_cite_names_the_capture_of_each_version(archive):
    data, db, article_id, before, after = archive
    record_1, fetched_1 = db.execute("SELECT c.record_id, c.fetched_at FROM article_versions v JOIN captures c "
                                     "ON c.id = v.capture_id WHERE v.article_id = ? ORDER BY v.fetched_at",
                                     [article_id]).fetchone()
    out = newsarchive("cite", after["url"], "--version", "1", "--data", str(data))
    assert out.returncode == 0, out.stderr
    assert f"). {before['title']}" in out.stdout and "Kyodo News." in out.stdout
    assert f"(WARC-Record-ID {record_1}): {replay_url(DEFAULT_REPLAY_BASE, after['url'], fetched_1)}" in out.stdout
    [item] = json.loads(newsarchive("cite", str(article_id), "--format", "csl-json", "--data", str(data)).stdout)
    assert (item["title"], item["URL"], item["container-title"], item["type"]) == \
        (after["title"], after["url"], "Kyodo News", "article-newspaper")
    missing = newsarchive("cite", str(article_id), "--version", "3", "--data", str(data))
    assert (missing.returncode, missing.stderr) == (1, f"error: article {article_id} has 2 version(s), no version 3\n")


def test_export_versions_in_every_format(archive, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    data, db, article_id, before, after = archive
    total = db.execute("SELECT count(*) FROM article_versions").fetchone()[0]
    out = newsarchive("export", "--versions", "--data", str(data))
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == total == db.execute("SELECT count(*) FROM articles").fetchone()[0] + 1
    mine = [r for r in rows if r["article_id"] == article_id]
    assert [(r["version"], r["title"]) for r in mine] == [(1, before["title"]), (2, after["title"])]
    for row in mine:
        fetched, record = db.execute("SELECT fetched_at, record_id FROM captures WHERE id = ?",
                                     [row["capture_id"]]).fetchone()
        assert (row["fetched_at"], row["record_id"]) == (fetched, record)
        assert row["replay_url"] == replay_url(DEFAULT_REPLAY_BASE, after["url"], fetched)
        assert row["published"] == after["published"] and row["site"] == "kyodo"

    out = newsarchive("export", "--versions", "--format", "csv", "--data", str(data))
    table = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["version_id"], r["replay_url"]) for r in table] == [(str(r["version_id"]), r["replay_url"]) for r in rows]

    out = newsarchive("export", "--versions", "--format", "parquet", "-o", str(tmp_path / "v.parquet"), "--data", str(data))
    assert out.returncode == 0 and out.stderr.strip() == f"wrote {total} versions to {tmp_path / 'v.parquet'}"
    parquet = pq.read_table(tmp_path / "v.parquet")
    types = {name: parquet.schema.field(name).type for name in parquet.column_names}
    assert {n: str(t) for n, t in types.items() if pa.types.is_timestamp(t)} == {
        "published": "timestamp[ms, tz=UTC]", "published_utc": "timestamp[ms, tz=UTC]",
        "version_published": "timestamp[ms, tz=UTC]", "modified": "timestamp[ms, tz=UTC]",
        "fetched_at": "timestamp[us, tz=UTC]"}
    assert parquet.column("published_local").to_pylist() == [r["published"] for r in rows]
    first = parquet.slice(0, 1).to_pylist()[0]
    assert first["published"].isoformat().replace("+00:00", "Z") == rows[0]["published_utc"]

    articles = newsarchive("export", "--format", "parquet", "-o", str(tmp_path / "a.parquet"), "--data", str(data))
    assert articles.returncode == 0
    table = pq.read_table(tmp_path / "a.parquet")
    assert str(table.schema.field("first_seen").type) == "timestamp[us, tz=UTC]"
    assert table.column("replay_url").to_pylist()[0].startswith(DEFAULT_REPLAY_BASE + "/")

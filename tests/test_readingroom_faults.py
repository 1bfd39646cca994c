"""The reading room when replay is configured, and when the archive is damaged: a copy of a small crawled
archive served by Datasette in process (the plugin loads from its entry point, as in a plain `datasette`)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3

import pytest
from datasette.app import Datasette

from archive.replay import replay_url
from mirror import Mirror
from readingroom_support import Page, crawl

REPLAY_BASE = "http://127.0.0.1:8002/newsarchive"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    data = tmp_path_factory.mktemp("room-faults")
    with Mirror(articles=3, seed=5) as mirror:
        crawl(mirror, data)
    return data


def get(data, path: str, **config):
    async def fetch():
        ds = Datasette([str(data / "index.db")], metadata={"plugins": {"newsarchive": config}} if config else None)
        await ds.invoke_startup()
        response = await ds.client.get(path)
        return response.status_code, response.text
    return asyncio.run(fetch())


def first_article(data):
    conn = sqlite3.connect(data / "index.db")
    conn.row_factory = sqlite3.Row
    return conn.execute("SELECT * FROM articles ORDER BY id LIMIT 1").fetchone()


def test_article_links_its_capture_replayed_by_timestamp(archive, monkeypatch):
    monkeypatch.delenv("NEWSARCHIVE_REPLAY_URL", raising=False)
    article = first_article(archive)
    status, page = get(archive, f"/index/-/article/{article['id']}", replay_url=REPLAY_BASE)
    assert status == 200
    expected = replay_url(REPLAY_BASE, article["url"], article["fetched_at"])
    assert expected.startswith(f"{REPLAY_BASE}/{article['fetched_at'][:4]}")
    assert expected in Page(page).hrefs and "Replay needs pywb" not in page
    monkeypatch.setenv("NEWSARCHIVE_REPLAY_URL", "http://127.0.0.1:9/other")  # `newsarchive serve` sets it
    status, page = get(archive, f"/index/-/article/{article['id']}")
    assert replay_url("http://127.0.0.1:9/other", article["url"], article["fetched_at"]) in Page(page).hrefs


def test_missing_warc_file_is_a_500_page_with_the_reason(archive, tmp_path):
    data = tmp_path / "copy"
    shutil.copytree(archive, data)
    article = first_article(data)
    (data / "warc" / article["warc_file"]).unlink()
    status, page = get(data, f"/index/-/capture/{article['capture_id']}/raw")
    assert status == 500
    assert f"WARC file {article['warc_file']} (capture {article['capture_id']}) is missing from the archive" in page
    assert str(data) not in page and "Traceback" not in page


def test_damaged_warc_record_is_a_500_page_with_the_reason(archive, tmp_path):
    data = tmp_path / "copy"
    shutil.copytree(archive, data)
    article = first_article(data)
    path = data / "warc" / article["warc_file"]
    raw = bytearray(path.read_bytes())
    middle = article["warc_offset"] + article["warc_length"] // 2
    raw[middle:middle + 64] = bytes(64)  # zeros inside the record's gzip member
    path.write_bytes(bytes(raw))
    status, page = get(data, f"/index/-/capture/{article['capture_id']}/raw")
    assert status == 500
    assert f"WARC file {article['warc_file']} at offset {article['warc_offset']} cannot be read" in page
    assert str(data) not in page
    status, page = get(data, f"/index/-/article/{article['id']}")
    assert status == 200  # the article page reads the index only

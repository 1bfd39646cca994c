"""The whole path against the loopback mirror: crawl -> WARC -> index -> search, checked against the
mirror's ground truth."""

from __future__ import annotations


import pytest

from archive.index import Index
from archive.verify import verify_index_links, verify_warc
from archive.records import read_response
from mirror import Mirror
from support import NO_DELAY, newsarchive

COMPARED_FIELDS = ("title", "authors", "published", "modified", "body", "lead", "dateline", "credit",
                   "categories", "access", "images")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data = tmp_path_factory.mktemp("archive")
    with Mirror(articles=40, seed=7) as mirror:
        result = newsarchive("crawl", "kyodo", "inakoran",
                             "--base-url", f"kyodo={mirror.base_urls['kyodo']}",
                             "--base-url", f"inakoran={mirror.base_urls['inakoran']}",
                             "--data", str(data), *NO_DELAY)
        truth = {site: mirror.truth(site) for site in ("kyodo", "inakoran")}
    assert result.returncode == 0, result.stdout + result.stderr
    return data, truth, result


def test_every_mirror_article_is_indexed_exactly(crawled):
    data, truth, _ = crawled
    index = Index(data / "index.db", readonly=True)
    rows = {row["url"]: row for row in index.articles()}
    for site, articles in truth.items():
        assert len(articles) == 40
        for expected in articles:
            row = rows.get(expected["url"])
            assert row is not None, f"{site} article missing from the index: {expected['url']}"
            for field in COMPARED_FIELDS:
                assert row[field] == expected[field], f"{expected['url']}: {field}"
    assert len(rows) == sum(len(a) for a in truth.values()), "index holds pages that are not mirror articles"


def test_every_warc_record_reads_back_and_digests_verify(crawled):
    data, _, _ = crawled
    files = sorted((data / "warc").glob("*.warc.gz"))
    assert files and not list((data / "warc").glob("*.open"))
    total = 0
    for path in files:
        report = verify_warc(path)
        assert report.problems == [], path.name
        by_type = report.by_type
        assert by_type.get("response", 0) + by_type.get("revisit", 0) == by_type["request"] == by_type["metadata"]
        total += report.records
    assert total > 80


def test_index_offsets_point_at_the_response_record_of_the_url(crawled):
    data, _, _ = crawled
    index = Index(data / "index.db", readonly=True)
    assert verify_index_links(index, data / "warc") == []
    row = next(iter(index.articles("kyodo")))
    stored = read_response(data / "warc" / row["warc_file"], row["warc_offset"])
    assert stored.url == row["url"] and stored.status == 200
    assert row["title"].encode() in stored.body or row["title"].split()[0].encode() in stored.body


def test_robots_archived_and_obeyed(crawled):
    data, _, _ = crawled
    index = Index(data / "index.db", readonly=True)
    urls = [r[0] for r in index.conn.execute("SELECT url FROM captures")]
    robots = [u for u in urls if u.endswith("/robots.txt")]
    # Kyodo: by the robots middleware; Inakoran: once more by the spider, which reads its Sitemap lines
    assert len(robots) == 3 and len(set(robots)) == 2
    assert not [u for u in urls if "/articles/photo/" in u]


def test_crawl_prints_summary(crawled):
    _, _, result = crawled
    assert "total" in result.stdout and "warc bytes" in result.stdout


def test_search_finds_articles_and_rejects_bad_syntax(crawled):
    data, truth, _ = crawled
    word = truth["kyodo"][0]["title"].split()[-1].strip(".,:;!?\"'")
    found = newsarchive("search", word, "--data", str(data), "--limit", "50")
    assert found.returncode == 0 and truth["kyodo"][0]["title"] in found.stdout
    bad = newsarchive("search", '"unbalanced', "--data", str(data))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr

"""`newsarchive verify`: a clean crawl passes; each kind of damage is a fault and a non-zero exit."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.cdxj import cdxj_path, write_cdxj
from archive.index import Index
from archive.verify import verify_archive, verify_warc
from archive.warc import HttpExchange, WarcFileWriter
from mirror import Mirror
from crawler.reindex import parse_for_index
from support import NO_DELAY, newsarchive


def crawl_mirror(data: Path, articles: int = 5, times: int = 1) -> None:
    """Crawl both mirror sites into `data` (`times` crawls: the later ones write revisit records)."""
    with Mirror(articles=articles, seed=7) as mirror:
        for i in range(times):
            if i:
                time.sleep(1.1)  # distinct 14-digit timestamps per crawl
            result = newsarchive("crawl", "kyodo", "inakoran", "--data", str(data), *NO_DELAY,
                                 "--base-url", f"kyodo={mirror.base_urls['kyodo']}",
                                 "--base-url", f"inakoran={mirror.base_urls['inakoran']}")
            assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    for path in (data / "warc").glob("*.warc.gz"):
        if not cdxj_path(path).exists():  # until every writer is wired with on_close=write_cdxj
            write_cdxj(path)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("verify") / "data"
    crawl_mirror(data, times=2)
    return data


@pytest.fixture
def archive(pristine, tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    return data


def kyodo_warc(data: Path) -> Path:
    return sorted((data / "warc").glob("newsarchive-kyodo-*.warc.gz"))[0]


def test_clean_crawl_verifies(archive):
    result = newsarchive("verify", "--data", str(archive))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "faults       none" in out and out.rstrip().endswith("OK: archive verified")
    report = verify_archive(archive, parse=parse_for_index)
    assert report.ok and not report.warnings
    assert report.by_type["response"] > 10 and report.by_type.get("revisit", 0) > 5
    assert report.cdxj_files == len(report.files) == 4
    assert report.index_rows["articles"] == 10 and report.index_rows["captures"] > 20


# -- damage, each a fault and exit 1 ----------------------------------------------------------------


def truncate_file(data: Path) -> str:
    path = kyodo_warc(data)
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size - 100)
    return "truncated"


def flip_a_byte(data: Path) -> str:
    path = kyodo_warc(data)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    return path.name


def break_a_digest(data: Path) -> str:
    """Change one byte inside the last record's block and re-gzip it: framing stays sound, digest fails."""
    path = kyodo_warc(data)
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        last = [(records.get_record_offset(), r.rec_type) for r in records][-1]
    offset, rec_type = last
    assert rec_type in ("metadata", "request")  # no index row or CDXJ line points at it
    raw = path.read_bytes()
    block = bytearray(gzip.decompress(raw[offset:]))
    at = block.index(b"\r\n\r\n") + 6  # a byte of the record block, past the WARC headers
    block[at] = ord("#") if block[at] != ord("#") else ord("%")
    path.write_bytes(raw[:offset] + gzip.compress(bytes(block)))
    return "digest failed"


def wrong_content_length(data: Path) -> str:
    writer = WarcFileWriter(data / "warc", prefix="broken", on_close=write_cdxj)
    writer.write_exchange(HttpExchange(
        url="http://127.0.0.1:9/wrong-length", method="GET", request_headers=[], protocol="HTTP/1.1", status=200,
        response_headers=[("Content-Type", "text/plain"), ("Content-Length", "999")], body=b"only 17 bytes....",
        fetched_at=datetime.now(timezone.utc)))
    writer.close()
    return "Content-Length: 999, but the stored payload has 17 bytes"


def wrong_index_offset(data: Path) -> str:
    conn = sqlite3.connect(data / "index.db")
    row_id = conn.execute("SELECT id FROM captures WHERE record_type = 'response' ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("UPDATE captures SET warc_offset = warc_offset + 7 WHERE id = ?", [row_id])
    conn.commit()
    conn.close()
    return f"captures {row_id}: row says"


def wrong_article_offset(data: Path) -> str:
    conn = sqlite3.connect(data / "index.db")
    row_id = conn.execute("SELECT id FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("UPDATE articles SET warc_offset = 0 WHERE id = ?", [row_id])
    conn.commit()
    conn.close()
    return f"articles {row_id}: row says"


def leftover_open_file(data: Path) -> str:
    source = kyodo_warc(data)
    name = "newsarchive-kyodo-20260101000000000-00001-999999999~elsewhere.warc.gz.open"
    shutil.copyfile(source, data / "warc" / name)
    return f"{name}: left open"


def stale_cdxj(data: Path) -> str:
    path = cdxj_path(kyodo_warc(data))
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[1:]))
    return "does not match its WARC (1 records without a line"


@pytest.mark.parametrize("damage", [truncate_file, flip_a_byte, break_a_digest, wrong_content_length,
                                    wrong_index_offset, wrong_article_offset, leftover_open_file, stale_cdxj])
def test_damage_is_a_fault_and_exit_1(archive, damage):
    expected = damage(archive)
    result = newsarchive("verify", "--data", str(archive))
    assert result.returncode == 1, result.stdout + result.stderr
    faults = [line for line in result.stdout.splitlines() if line.strip().startswith("FAULT")]
    assert faults and any(expected in line for line in faults), result.stdout
    assert result.stdout.rstrip().endswith(f"FAILED: {len(faults)} fault(s)")
    assert "Traceback" not in result.stderr


def test_missing_cdxj_is_a_warning_not_a_fault(archive):
    cdxj_path(kyodo_warc(archive)).unlink()
    report = verify_archive(archive)
    assert report.ok and any("no CDXJ" in w for w in report.warnings)


def test_no_archive_is_a_usage_error(tmp_path):
    result = newsarchive("verify", "--data", str(tmp_path / "nothing"))
    assert result.returncode == 2 and "no archive" in result.stderr


# -- headers against the stored body (one file each, no crawl) --------------------------------------


GZ = gzip.compress(b"hello world")


@pytest.mark.parametrize("headers, body, status, fault", [
    ([("Content-Length", "5")], b"12345", 200, None),
    ([("Content-Length", "4")], b"12345", 200, "Content-Length: 4, but the stored payload has 5 bytes"),
    ([("Content-Length", "5"), ("Content-Length", "6")], b"12345", 200, "conflicting Content-Length"),
    ([("Content-Length", "99")], b"", 304, None),  # a 304 has no body whatever its Content-Length
    ([("Transfer-Encoding", "chunked")], b"hello world", 200, "not chunk-framed"),
    ([("Transfer-Encoding", "chunked")], b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 200, None),
    ([("X-Crawler-Transfer-Encoding", "chunked"), ("Content-Length", "11")], b"hello world", 200, None),
    ([("Content-Encoding", "gzip"), ("Content-Length", str(len(GZ)))], GZ, 200, None),
    ([("Content-Encoding", "gzip")], b"hello world", 200, "does not decode"),
    ([("Content-Encoding", "gzip")], GZ[:-6], 200, "does not decode"),
    ([("Content-Encoding", "deflate")], b"not deflate data", 200, "does not decode"),
    ([("Content-Encoding", "br")], b"not brotli at all", 200, "does not decode"),
    ([("Content-Encoding", "br")], brotli.compress(b"hello"), 200, None),
    ([("Content-Encoding", "zstd")], b"not zstd", 200, "does not decode"),
    ([("Content-Encoding", "gzip, br")], brotli.compress(GZ), 200, None),
    ([("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")],
     f"{len(GZ):x}\r\n".encode() + GZ + b"\r\n0\r\n\r\n", 200, None),
])
def test_headers_must_describe_the_stored_body(tmp_path, headers, body, status, fault):
    writer = WarcFileWriter(tmp_path)
    writer.write_exchange(HttpExchange(
        url="http://127.0.0.1:9/x", method="GET", request_headers=[], protocol="HTTP/1.1", status=status,
        response_headers=[("Content-Type", "text/plain"), *headers], body=body,
        fetched_at=datetime.now(timezone.utc)))
    writer.close()
    report = verify_warc(tmp_path / writer.closed_files[0])
    if fault is None:
        assert report.problems == []
    else:
        assert len(report.problems) == 1 and fault in report.problems[0], report.problems


def test_head_response_may_announce_a_length_it_does_not_send(tmp_path):
    writer = WarcFileWriter(tmp_path)
    writer.write_exchange(HttpExchange(
        url="http://127.0.0.1:9/x", method="HEAD", request_headers=[], protocol="HTTP/1.1", status=200,
        response_headers=[("Content-Length", "1234")], body=b"", fetched_at=datetime.now(timezone.utc)))
    writer.write_exchange(HttpExchange(
        url="http://127.0.0.1:9/y", method="GET", request_headers=[], protocol="HTTP/1.1", status=200,
        response_headers=[("Content-Length", "1234")], body=b"", fetched_at=datetime.now(timezone.utc)))
    writer.close()
    (problem,) = verify_warc(tmp_path / writer.closed_files[0]).problems
    assert "http://127.0.0.1:9/y" in problem and "Content-Length: 1234" in problem


# -- the index itself, and archived responses without their rows (issue #13, item 5) ------------------


def empty_index(data: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{data / 'index.db'}{suffix}").unlink(missing_ok=True)
    Index(data / "index.db").close()
    return "index holds no captures (0 articles), but the WARC files hold"


def garbage_index(data: Path) -> str:
    for suffix in ("-wal", "-shm"):
        Path(f"{data / 'index.db'}{suffix}").unlink(missing_ok=True)
    (data / "index.db").write_bytes(b"not a database " * 1000)
    return "index.db is damaged or not an SQLite database (file is not a database)"


def fts_rows_deleted(data: Path) -> str:
    conn = sqlite3.connect(data / "index.db")
    conn.execute("DELETE FROM articles_fts_docsize WHERE id IN (SELECT id FROM articles_fts_docsize LIMIT 2)")
    conn.commit()
    conn.close()
    return "index.db: full-text index articles_fts does not match its articles"


def fts_out_of_step(data: Path) -> str:
    """An article's text changed behind the full-text index's back (no trigger): search would miss it."""
    conn = sqlite3.connect(data / "index.db")
    conn.execute("DROP TRIGGER articles_au")
    conn.execute("UPDATE articles SET body = 'a different text' WHERE id = (SELECT min(id) FROM articles)")
    conn.commit()
    conn.close()
    return "index.db: full-text index articles_fts does not match its articles"


def article_row_deleted(data: Path) -> str:
    conn = sqlite3.connect(data / "index.db")
    row_id, url, warc_file, offset = conn.execute(
        "SELECT id, url, warc_file, warc_offset FROM articles ORDER BY id LIMIT 1").fetchone()
    for table, column in (("article_authors", "article_id"), ("article_versions", "article_id"),
                          ("articles", "id")):
        conn.execute(f"DELETE FROM {table} WHERE {column} = ?", [row_id])
    conn.commit()
    conn.close()
    return f"{warc_file}: 1 article response(s) have no articles row (e.g. offset {offset:,} {url})"


def capture_rows_deleted(data: Path) -> str:
    conn = sqlite3.connect(data / "index.db")
    warc_file, offset, url = conn.execute(
        "SELECT warc_file, warc_offset, url FROM captures WHERE record_type = 'response' AND id NOT IN "
        "(SELECT capture_id FROM articles) AND id NOT IN (SELECT capture_id FROM article_versions) "
        "ORDER BY id LIMIT 1").fetchone()
    conn.execute("DELETE FROM captures WHERE warc_file = ? AND warc_offset = ?", [warc_file, offset])
    conn.commit()
    conn.close()
    return f"{warc_file}: 1 of its"


@pytest.mark.parametrize("damage", [empty_index, garbage_index, fts_rows_deleted, fts_out_of_step,
                                    article_row_deleted, capture_rows_deleted])
def test_an_unsound_or_incomplete_index_is_a_fault(archive, damage):
    expected = damage(archive)
    result = newsarchive("verify", "--data", str(archive))
    assert result.returncode == 1, result.stdout + result.stderr
    faults = [line for line in result.stdout.splitlines() if line.strip().startswith("FAULT")]
    assert len(faults) == 1 and expected in faults[0], result.stdout
    assert "Traceback" not in result.stderr


def test_an_article_without_its_row_but_with_a_recorded_reason_is_a_warning(archive):
    expected = article_row_deleted(archive)
    url = expected.split()[-1].rstrip(")")
    index = Index(archive / "index.db")
    index.add_fetch_error(url, "parse", site="kyodo", detail="parser failed: synthetic")
    index.close()
    report = verify_archive(archive, parse=parse_for_index)
    assert report.ok, report.faults
    assert any(url in w and "recorded reason: parse (parser failed: synthetic)" in w for w in report.warnings)
    assert not verify_archive(archive).warnings, "without a parser, article rows are not checked"

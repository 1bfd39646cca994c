"""CDXJ beside each closed WARC file: sorted, SURT keys, timestamps, offsets and lengths of gzip members."""

from __future__ import annotations

import gzip
import io
import os
from datetime import datetime, timedelta, timezone

import surt
from warcio.archiveiterator import ArchiveIterator

from archive.cdxj import cdxj_path, read_cdxj, write_cdxj
from archive.dedupe import DigestIndex
from archive.recovery import recover_open_files
from archive.warc import OPEN_SUFFIX, HttpExchange, WarcFileWriter

MOMENT = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=timezone.utc)


def exchange(url: str, body: bytes, moment: datetime = MOMENT) -> HttpExchange:
    return HttpExchange(
        url=url, method="GET", request_headers=[("Accept-Encoding", "gzip")], protocol="HTTP/1.1", status=200,
        response_headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        body=gzip.compress(body), fetched_at=moment)


def all_records(path):
    """(offset, length, type, url, date, content type) of every record, as read."""
    found = []
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            headers = record.rec_headers
            found.append((records.get_record_offset(), records.get_record_length(), record.rec_type,
                          headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date"),
                          headers.get_header("Content-Type")))
    return found


def test_writer_on_close_writes_sorted_cdxj_whose_offsets_seek_to_the_records(tmp_path):
    dedupe = DigestIndex(tmp_path / "digests.db")
    writer = WarcFileWriter(tmp_path, prefix="t", on_close=write_cdxj)
    urls = ["http://127.0.0.1:9/zz/last?x=1", "http://127.0.0.1:9/", "http://127.0.0.1:9/articles/-/7"]
    for i, url in enumerate(urls):
        writer.write_exchange(exchange(url, f"<title>{i}</title>".encode()), metadata={"via": "seed"},
                              dedupe=dedupe)
    # the same payload again: a revisit record
    writer.write_exchange(exchange(urls[1], b"<title>1</title>", MOMENT + timedelta(seconds=5)), dedupe=dedupe)
    writer.close()
    dedupe.close()
    (warc,) = writer.closed_files
    path = tmp_path / warc
    cdxj = cdxj_path(path)
    assert cdxj.name == warc.removesuffix(".warc.gz") + ".cdxj" and cdxj.exists()

    raw_lines = cdxj.read_text().splitlines()
    assert raw_lines == sorted(raw_lines)
    lines = read_cdxj(cdxj)
    records = all_records(path)
    indexed = [r for r in records if r[2] in ("response", "revisit")]
    assert sorted(r[2] for r in records) == sorted(
        ["warcinfo"] + ["response"] * 3 + ["revisit"] + ["request"] * 4 + ["metadata"] * 3)
    # response and revisit records have a line; request, warcinfo and warc-fields metadata have none
    assert len(lines) == len(indexed) == 4
    by_offset = {fields["offset"]: (key, ts, fields) for key, ts, fields in lines}
    for offset, length, rec_type, url, date, _ in indexed:
        key, ts, fields = by_offset[offset]
        assert key == surt.surt(url)
        assert ts == date[:19].replace("-", "").replace(":", "").replace("T", "")
        assert fields["url"] == url and fields["length"] == length and fields["filename"] == warc
        assert fields.get("mime") == ("warc/revisit" if rec_type == "revisit" else "text/html")
        # the offset really is the start of that record's gzip member, and the length its compressed size
        with open(path, "rb") as fh:
            fh.seek(fields["offset"])
            member = fh.read(fields["length"])
        record = next(iter(ArchiveIterator(io.BytesIO(member))))
        assert record.rec_type == rec_type and record.rec_headers.get_header("WARC-Target-URI") == url
        assert gzip.decompress(member).startswith(b"WARC/1.1\r\n")


def test_write_cdxj_is_the_same_after_py_wacz_is_imported(tmp_path):
    writer = WarcFileWriter(tmp_path, prefix="t")
    writer.write_exchange(exchange("http://127.0.0.1:9/a", b"a"), metadata={"via": "seed"})
    writer.close()
    path = tmp_path / writer.closed_files[0]
    before = write_cdxj(path).read_text()
    import wacz.main  # noqa: F401  (appends "warcinfo" to cdxj-indexer's default record types)

    assert write_cdxj(path).read_text() == before
    assert not list(tmp_path.glob("*.partial"))


def test_recovered_file_gets_its_cdxj(tmp_path):
    writer = WarcFileWriter(tmp_path)
    writer.write_exchange(exchange("http://127.0.0.1:9/a", b"a"))
    writer.write_exchange(exchange("http://127.0.0.1:9/b", b"b"))
    name = writer.current_file
    writer._fh.flush()
    # as if killed: the file stays .open, and a partial record trails it; pretend its writer is gone
    writer._fh.write(b"\x1f\x8b\x08\x00garbage")
    writer._fh.close()
    dead = name.replace(f"-{os.getpid()}~", "-999999999~")
    (tmp_path / (name + OPEN_SUFFIX)).rename(tmp_path / (dead + OPEN_SUFFIX))
    (recovered,) = recover_open_files(tmp_path)
    assert recovered.warc_file == dead
    lines = read_cdxj(cdxj_path(tmp_path / dead))
    assert [fields["url"] for _, _, fields in lines] == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]


def varied_exchanges() -> list[HttpExchange]:
    """Every kind of response the crawl archives: pages, redirects, errors, binaries, odd headers."""
    def make(url, status, headers, body, **extra):
        return HttpExchange(url=url, method="GET", request_headers=[("Accept-Encoding", "gzip")],
                            protocol="HTTP/1.1", status=status, response_headers=headers, body=body,
                            fetched_at=MOMENT + timedelta(seconds=len(url)), **extra)
    base = "http://127.0.0.1:9"
    return [
        exchange(f"{base}/articles/-/1", b"<p>one</p>"),
        make(f"{base}/old", 301, [("Location", f"{base}/articles/-/1"), ("Content-Length", "0")], b""),
        make(f"{base}/missing?q=a%20b&utm_source=x", 404, [("Content-Type", "TEXT/HTML;Charset=ISO-8859-1")],
             b"<h1>not found</h1>"),
        make(f"{base}/boom", 500, [("Content-Type", "text/plain")], b"error", reason="Oops"),
        make(f"{base}/paper.pdf", 200, [("Content-Type", "application/pdf")], b"%PDF-1.4 \x00\x01\x02"),
        make(f"{base}/no-type", 200, [], b"bare bytes"),
        make(f"{base}/caf\u00e9", 200, [("Content-Type", "text/html"), ("X-Note", "d\u00e9j\u00e0 vu")], b"<p>e</p>"),
        make(f"{base}/big", 200, [("Content-Type", "text/html")], b"<p>cut",
             extra_warc_headers={"WARC-Truncated": "length"}),
        exchange(f"{base}/articles/-/1", b"<p>one</p>", MOMENT + timedelta(minutes=1)),  # a revisit
        make(f"{base}/list/news", 304, [("ETag", '"v1"')], b""),  # answers a conditional request: no line
    ]


def read_by_cdxj_indexer(path: os.PathLike) -> str:
    """cdxj-indexer reading the file itself, as pywb's tools do: the oracle for both ways we make lines."""
    from archive.cdxj import _Indexer

    out = io.StringIO()
    with open(path, "rb") as fh:
        _Indexer(out, [fh], sort=True, filename=os.path.basename(path)).process_all()
    return out.getvalue()


def test_cdxj_gathered_while_writing_is_what_reading_the_file_back_gives(tmp_path):
    dedupe = DigestIndex(tmp_path / "digests.db")
    writer = WarcFileWriter(tmp_path / "warc", prefix="t", cdxj=True, max_bytes=2000)  # rotates often
    for item in varied_exchanges():
        writer.write_exchange(item, metadata={"via": "seed"}, dedupe=dedupe)
    writer.close()
    dedupe.close()
    assert len(writer.closed_files) > 2
    types = set()
    for name in writer.closed_files:
        gathered = cdxj_path(tmp_path / "warc" / name).read_text()
        assert gathered == write_cdxj(tmp_path / "warc" / name).read_text(), name
        assert gathered == read_by_cdxj_indexer(tmp_path / "warc" / name), name
        types.update(fields.get("mime") for _, _, fields in read_cdxj(cdxj_path(tmp_path / "warc" / name)))
    assert {"text/html", "application/pdf", "warc/revisit"} <= types
    statuses = {fields.get("status") for name in writer.closed_files
                for _, _, fields in read_cdxj(cdxj_path(tmp_path / "warc" / name))}
    assert {"200", "301", "404", "500"} <= statuses and "304" not in statuses

"""WARC writing: wire-faithful records that warcio reads back and whose digests verify."""

import dataclasses
import gzip
import os
import zlib
from datetime import datetime, timezone

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.verify import verify_warc
from archive.warc import HttpExchange, WarcFileWriter
from archive.records import read_response
from archive.decoding import BodyTooLarge, decode_content

BODY = "<html><head><title>Café</title></head><body>ok</body></html>".encode("utf-8")


def exchange(url="http://127.0.0.1:9/list/news?page=2", body=BODY, headers=None):
    return HttpExchange(
        url=url, method="GET",
        request_headers=[("User-Agent", "newsarchive-test"), ("Accept-Encoding", "gzip")],
        protocol="HTTP/1.1", status=200,
        response_headers=headers or [("Content-Type", "text/html; charset=utf-8"),
                                     ("Content-Encoding", "gzip"),
                                     ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
                                     ("X-Odd", "caf\xe9")],
        body=gzip.compress(body), fetched_at=datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=timezone.utc),
        ip_address="127.0.0.1")


def test_records_are_wire_faithful_and_verify(tmp_path):
    writer = WarcFileWriter(tmp_path, prefix="t", warcinfo={"operator": "tests"})
    location = writer.write_exchange(exchange())
    assert writer.current_file and (tmp_path / (writer.current_file + ".open")).exists()
    writer.close()
    path = tmp_path / location.warc_file
    assert path.exists() and not list(tmp_path.glob("*.open"))

    report = verify_warc(path)
    assert report.problems == []
    assert report.by_type == {"warcinfo": 1, "response": 1, "request": 1}

    with open(path, "rb") as fh:
        records = list((r.rec_type, r.rec_headers, r.http_headers, r.raw_stream.read()) for r in ArchiveIterator(fh))
    _, response_warc, response_http, raw = records[1]
    assert response_warc.get_header("WARC-Date") == "2026-11-26T12:00:00.123456Z"
    assert response_warc.get_header("WARC-IP-Address") == "127.0.0.1"
    assert response_http.protocol == "HTTP/1.1" and response_http.get_statuscode() == "200"
    assert [v for k, v in response_http.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert gzip.decompress(raw) == BODY  # stored still Content-Encoded
    _, request_warc, request_http, _ = records[2]
    assert f"{request_http.protocol} {request_http.statusline}" == "GET /list/news?page=2 HTTP/1.1"
    assert request_http.get_header("Host") == "127.0.0.1:9"
    assert request_warc.get_header("WARC-Concurrent-To") == response_warc.get_header("WARC-Record-ID")


def test_latin1_header_byte_is_stored_as_the_same_byte(tmp_path):
    writer = WarcFileWriter(tmp_path)
    location = writer.write_exchange(exchange())
    writer.close()
    data = gzip.open(tmp_path / location.warc_file).read()
    assert b"X-Odd: caf\xe9\r\n" in data


def test_read_response_at_stored_offset_decodes_body(tmp_path):
    writer = WarcFileWriter(tmp_path)
    writer.write_exchange(exchange(url="http://127.0.0.1:9/a"))
    second = writer.write_exchange(exchange(url="http://127.0.0.1:9/b", body=b"<p>second</p>"))
    writer.close()
    stored = read_response(tmp_path / second.warc_file, second.offset)
    assert stored.url == "http://127.0.0.1:9/b" and stored.record_id == second.record_id
    assert stored.body == b"<p>second</p>" and stored.raw_body != stored.body


def test_each_record_is_one_gzip_member_that_zlib_inflates(tmp_path):
    writer = WarcFileWriter(tmp_path)
    plain = b"<html><body>" + b"<p>the same line, again and again</p>" * 400 + b"</body></html>"
    identity = exchange(url="http://127.0.0.1:9/plain", headers=[("Content-Type", "text/html; charset=utf-8")])
    writer.write_exchange(dataclasses.replace(identity, body=plain))
    writer.write_exchange(exchange(url="http://127.0.0.1:9/gz"), metadata={"outlinks": "http://127.0.0.1:9/a"})
    writer.close()
    data = (tmp_path / writer.closed_files[0]).read_bytes()
    members = []
    while data:  # the standard library's zlib, member by member, as a CDXJ offset lookup reads them
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        members.append(inflater.decompress(data))
        assert inflater.eof
        data = inflater.unused_data
    types = [m.split(b"\r\nWARC-Type: ", 1)[1].split(b"\r\n", 1)[0] for m in members]
    assert types == [b"warcinfo", b"response", b"request", b"response", b"request", b"metadata"]
    assert all(m.startswith(b"WARC/1.1\r\n") and m.endswith(b"\r\n\r\n") for m in members)
    assert members[1].endswith(plain + b"\r\n\r\n")
    assert len(data) == 0 and sum(map(len, members)) > 4 * (tmp_path / writer.closed_files[0]).stat().st_size


def test_rotation_by_size_starts_each_file_with_warcinfo(tmp_path):
    writer = WarcFileWriter(tmp_path, max_bytes=1)
    names = {writer.write_exchange(exchange(url=f"http://127.0.0.1:9/{i}")).warc_file for i in range(3)}
    writer.close()
    assert len(names) == 3 and sorted(names) == sorted(writer.closed_files)
    for name in names:
        assert name.endswith(".warc.gz") and "~" in name
        assert verify_warc(tmp_path / name).by_type["warcinfo"] == 1


def test_truncated_file_is_reported(tmp_path):
    writer = WarcFileWriter(tmp_path)
    location = writer.write_exchange(exchange())
    writer.close()
    path = tmp_path / location.warc_file
    path.write_bytes(path.read_bytes()[:-40])
    assert verify_warc(path).problems


def test_recover_open_file_cuts_partial_record_and_keeps_complete_ones(tmp_path):
    from archive.recovery import recover_open_files

    writer = WarcFileWriter(tmp_path)
    for i in range(3):
        writer.write_exchange(exchange(url=f"http://127.0.0.1:9/{i}"))
    writer._fh.flush()
    open_path = tmp_path / (writer.current_file + ".open")
    complete = open_path.read_bytes()
    open_path.write_bytes(complete + gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" * 50)[:37])
    writer._fh.close()  # simulate a kill: no orderly close
    writer._name = writer._name.replace(f"-{os.getpid()}~", "-999999999~")
    open_path.rename(tmp_path / (writer._name + ".open"))

    (recovered,) = recover_open_files(tmp_path)
    assert recovered.records_kept == 7 and recovered.bytes_cut == 37
    final = tmp_path / recovered.warc_file
    assert final.read_bytes() == complete and verify_warc(final).problems == []


def test_decode_content_undoes_each_coding_and_refuses_bombs_and_garbage():
    page = "<p>Café</p>".encode("utf-8") * 200
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    assert decode_content(gzip.compress(page), "gzip") == page
    assert decode_content(zlib.compress(page), "deflate") == page
    assert decode_content(raw_deflate.compress(page) + raw_deflate.flush(), "Deflate") == page  # as IIS sends
    assert decode_content(gzip.compress(zlib.compress(page)), "deflate, gzip") == page  # applied in order
    assert decode_content(page, None) == page == decode_content(page, "identity")
    with pytest.raises(BodyTooLarge, match="decodes \\(gzip\\) to more than 1,000 bytes"):
        decode_content(gzip.compress(page), "gzip", max_size=1000)
    with pytest.raises(zlib.error):
        decode_content(b"\x1f\x8b\x08garbage", "gzip")
    with pytest.raises(ValueError, match="unknown Content-Encoding 'lzma'"):
        decode_content(page, "lzma")
    cut = gzip.compress(page)[:60]
    recovered = decode_content(cut, "gzip")  # as much of the page as was sent, as zlib reads it
    assert recovered == zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(cut)
    assert recovered and page.startswith(recovered)

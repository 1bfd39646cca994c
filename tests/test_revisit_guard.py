"""A revisit refers only to a record that will stay where the digest index says: in a closed file holding
all of it, or earlier in the writer's own file. Anything else gets the full response, which takes over the
digest entry."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

from archive.dedupe import DigestIndex
from archive.verify import verify_archive
from archive.recovery import recover_open_files
from archive.warc import HttpExchange, WarcFileWriter

URL = "http://127.0.0.1:9/articles/-/1"
KILLED_PID = 999_999  # the killed crawl's, not this process's


def exchange(url: str = URL, body: bytes = b"<html><body>the same page</body></html>") -> HttpExchange:
    return HttpExchange(url=url, method="GET", request_headers=[("Accept-Encoding", "gzip")], protocol="HTTP/1.1",
                        status=200, response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                        body=gzip.compress(body, mtime=0), fetched_at=datetime.now(timezone.utc))


def kill(writer: WarcFileWriter) -> None:
    """What SIGKILL leaves: the file `.open`, flushed, its lock gone with the descriptor."""
    writer._fh.close()
    writer._fh = None


def test_no_revisit_into_a_killed_crawls_open_file(tmp_path):
    warc = tmp_path / "warc"
    digests = DigestIndex(tmp_path / "digests.db")
    killed = WarcFileWriter(warc, prefix="newsarchive-kyodo", pid=KILLED_PID)
    killed.write_exchange(exchange(), dedupe=digests)
    kill(killed)

    rerun = WarcFileWriter(warc, prefix="newsarchive-kyodo")
    again = rerun.write_exchange(exchange(), dedupe=digests)
    assert again.record_type == "response", "the original is in a file that is still .open"
    assert digests.lookup(URL, again.payload_digest).record_id == again.record_id, "the entry names the new record"
    third = rerun.write_exchange(exchange(), dedupe=digests)
    assert (third.record_type, third.refers_to) == ("revisit", again.record_id), "own file: before it, kept"
    rerun.close()
    later = WarcFileWriter(warc, prefix="newsarchive-kyodo")
    fourth = later.write_exchange(exchange(), dedupe=digests)
    assert (fourth.record_type, fourth.refers_to) == ("revisit", again.record_id), "a closed file will do"
    later.close()
    digests.close()
    recover_open_files(warc)
    faults = verify_archive(tmp_path).faults
    assert [f for f in faults if not f.startswith("no index at")] == [], "WARC files only: no index was built"


def test_no_revisit_into_another_crawls_open_file(tmp_path):
    digests = DigestIndex(tmp_path / "digests.db")
    other = WarcFileWriter(tmp_path, prefix="newsarchive-kyodo")  # running, its file open
    other.write_exchange(exchange(), dedupe=digests)
    mine = WarcFileWriter(tmp_path, prefix="newsarchive-inakoran")
    assert mine.write_exchange(exchange(), dedupe=digests).record_type == "response"
    mine.close()
    other.close()
    digests.close()


def test_no_revisit_past_the_end_recovery_cut_nor_into_a_missing_file(tmp_path):
    digests = DigestIndex(tmp_path / "digests.db")
    killed = WarcFileWriter(tmp_path, prefix="newsarchive-kyodo", pid=KILLED_PID)
    kept = killed.write_exchange(exchange(URL), dedupe=digests)
    cut = killed.write_exchange(exchange(URL + "2"), dedupe=digests)
    kill(killed)
    open_path = tmp_path / (cut.warc_file + ".open")
    with open(open_path, "r+b") as fh:  # the kill fell inside the second exchange's response record
        fh.truncate(cut.offset + cut.length // 2)
    (recovered,) = recover_open_files(tmp_path)
    assert recovered.warc_file == cut.warc_file

    writer = WarcFileWriter(tmp_path, prefix="newsarchive-kyodo")
    assert writer.write_exchange(exchange(URL), dedupe=digests).refers_to == kept.record_id
    refetched = writer.write_exchange(exchange(URL + "2"), dedupe=digests)
    assert refetched.record_type == "response", "the entry points past the end of the recovered file"
    writer.close()

    (tmp_path / writer.closed_files[0]).unlink()  # a file gone (moved away by an operator)
    again = WarcFileWriter(tmp_path, prefix="newsarchive-kyodo")
    assert again.write_exchange(exchange(URL + "2"), dedupe=digests).record_type == "response"
    again.close()
    digests.close()


def test_a_closed_original_still_gives_a_revisit(tmp_path):
    digests = DigestIndex(tmp_path / "digests.db")
    writer = WarcFileWriter(tmp_path, prefix="newsarchive-kyodo")
    first = writer.write_exchange(exchange(), dedupe=digests)
    writer.close()
    later = WarcFileWriter(tmp_path, prefix="newsarchive-kyodo")
    assert later.write_exchange(exchange(), dedupe=digests).refers_to == first.record_id
    later.close()
    digests.close()

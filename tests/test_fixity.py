"""The fixity manifest (DATA/warc/manifest-sha256.txt): a line per closed WARC file, hashed while written,
true to the bytes on disk after a cut, safe under kills, full disks and concurrent closers; `verify` checks it."""

from __future__ import annotations

import base64
import errno
import gzip
import hashlib
import io
import multiprocessing
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

import archive.fixity as fixity_module
import archive.openfiles as openfiles_module
from archive.fixity import MANIFEST_NAME, read_manifest, record_fixity
from archive.recovery import recover_open_files
from archive.verify import verify_archive, verify_warc
from archive.warc import OPEN_SUFFIX, WarcFileWriter
from crawler.reindex import parse_for_index
from support import newsarchive
from test_verify import archive, kyodo_warc, pristine  # noqa: F401 (fixtures)
from test_warc_writer import exchange


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_text(directory: Path) -> str:
    return (directory / MANIFEST_NAME).read_text()


# -- written when a file closes ----------------------------------------------------------------------


def test_each_closed_file_gets_its_line_and_sha256sum_agrees(tmp_path):
    writer = WarcFileWriter(tmp_path, prefix="t", max_bytes=1, cdxj=True)  # rotates before each exchange
    for n in range(3):
        writer.write_exchange(exchange(url=f"http://127.0.0.1:9/{n}"), {"via": "test"})
    writer.close()
    assert len(writer.closed_files) == 3
    assert manifest_text(tmp_path) == "".join(f"{sha256(tmp_path / name)}  {name}\n" for name in writer.closed_files)
    checked = subprocess.run(["sha256sum", "--strict", "-c", MANIFEST_NAME], cwd=tmp_path, capture_output=True,
                             text=True)
    assert checked.returncode == 0 and checked.stdout.count(": OK\n") == 3, checked.stdout + checked.stderr


class _FullAfter(io.FileIO):
    """A file on a disk with `room` bytes left: a short write takes what fits, the next one fails."""

    room = 0

    def write(self, data) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = super().write(memoryview(data)[:self.room])
        self.room -= written
        return written


def test_the_hash_is_of_the_bytes_on_disk_after_a_failed_write_was_cut_back(tmp_path, monkeypatch):
    def full_open(path, mode="r", buffering=-1, **kwargs):
        raw = _FullAfter(path, mode.replace("b", ""))
        raw.room = 9_000  # the warcinfo record and a few exchanges; the next one is cut short, then cut off
        return raw

    monkeypatch.setattr(openfiles_module, "open", full_open, raising=False)
    writer = WarcFileWriter(tmp_path, prefix="t", cdxj=True)
    written = 0
    with pytest.raises(OSError):
        for n in range(100):
            writer.write_exchange(exchange(url=f"http://127.0.0.1:9/{n}"))
            written += 1
    assert 1 <= written < 100
    monkeypatch.undo()
    writer.close()
    (name,) = writer.closed_files
    assert verify_warc(tmp_path / name).problems == []
    assert read_manifest(tmp_path).digests == {name: sha256(tmp_path / name)}


# -- torn lines, full disks, kills, concurrent closers ------------------------------------------------


def test_a_torn_last_line_is_ignored_and_cut_off_by_the_next_close(tmp_path):
    good = f"{'a' * 64}  t-old.warc.gz\n"
    (tmp_path / MANIFEST_NAME).write_text(good + "bbbbbbbb")  # a close killed in the middle of its line
    manifest = read_manifest(tmp_path)
    assert manifest.digests == {"t-old.warc.gz": "a" * 64}
    assert manifest.unreadable == ["line 2: torn (no newline at its end)"]
    writer = WarcFileWriter(tmp_path, prefix="t")
    writer.write_exchange(exchange())
    writer.close()
    (name,) = writer.closed_files
    assert manifest_text(tmp_path) == good + f"{sha256(tmp_path / name)}  {name}\n"


def test_a_full_disk_while_appending_leaves_the_file_open_and_recovery_writes_the_line(tmp_path, monkeypatch):
    real_pwrite = os.pwrite

    def half_then_full(fd, data, offset):  # the first half of the line fits, then the disk is full
        if len(data) > 40:
            return real_pwrite(fd, bytes(data[:40]), offset)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    (tmp_path / MANIFEST_NAME).write_text(f"{'c' * 64}  t-old.warc.gz\n")
    writer = WarcFileWriter(tmp_path, prefix="t", cdxj=True)
    writer.write_exchange(exchange())
    name = writer.current_file
    monkeypatch.setattr(fixity_module.os, "pwrite", half_then_full)
    with pytest.raises(OSError) as failure:
        writer.close()
    monkeypatch.undo()
    assert failure.value.errno == errno.ENOSPC
    assert manifest_text(tmp_path) == f"{'c' * 64}  t-old.warc.gz\n", "no torn line left behind"
    open_path = tmp_path / (name + OPEN_SUFFIX)
    assert open_path.exists() and not (tmp_path / name).exists()

    (recovered,) = recover_open_files(tmp_path)
    assert recovered.warc_file == name and recovered.bytes_cut == 0
    assert read_manifest(tmp_path).digests == {"t-old.warc.gz": "c" * 64, name: sha256(tmp_path / name)}


def test_recovery_hashes_a_killed_crawls_file_as_cut_and_rewrites_a_torn_line(tmp_path):
    writer = WarcFileWriter(tmp_path, prefix="t")
    for n in range(3):
        writer.write_exchange(exchange(url=f"http://127.0.0.1:9/{n}"))
    open_path = tmp_path / (writer.current_file + OPEN_SUFFIX)
    complete = open_path.read_bytes()
    with open(open_path, "ab") as fh:
        fh.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" * 50)[:37])  # killed mid-record
    writer._fh.close()  # the kill: no orderly close, the lock goes with the descriptor
    final = writer.current_file.replace(f"-{os.getpid()}~", "-999999999~")
    open_path.rename(tmp_path / (final + OPEN_SUFFIX))
    (tmp_path / MANIFEST_NAME).write_text(f"{hashlib.sha256(b'x').hexdigest()[:50]}")  # killed while appending

    (recovered,) = recover_open_files(tmp_path)
    assert recovered.warc_file == final and recovered.bytes_cut == 37
    assert (tmp_path / final).read_bytes() == complete
    assert manifest_text(tmp_path) == f"{hashlib.sha256(complete).hexdigest()}  {final}\n"


def test_recovery_replaces_the_line_of_a_closed_file_it_cuts(tmp_path):
    writer = WarcFileWriter(tmp_path, prefix="newsarchive-kyodo")
    writer.write_exchange(exchange())
    writer.close()
    (name,) = writer.closed_files
    path = tmp_path / name
    complete = path.read_bytes()
    with open(path, "ab") as fh:  # closed with a cut-off last record, its line taken of the longer file
        fh.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: resource\r\n" * 80)[:60])
    record_fixity(tmp_path, name, sha256(path))
    assert manifest_text(tmp_path).count(name) == 1

    (repaired,) = recover_open_files(tmp_path)
    assert repaired.bytes_cut == 60 and path.read_bytes() == complete
    assert manifest_text(tmp_path) == f"{hashlib.sha256(complete).hexdigest()}  {name}\n"
    assert not list(tmp_path.glob(".*.partial"))


def _closer(directory: str, worker: int, count: int) -> None:
    for n in range(count):
        record_fixity(directory, f"w{worker}-{n:03d}.warc.gz", hashlib.sha256(f"{worker}/{n}".encode()).hexdigest())
        if n == count // 2:  # a replacement (recovery of a cut file) racing the others' appends
            record_fixity(directory, f"w{worker}-000.warc.gz", hashlib.sha256(f"{worker}/again".encode()).hexdigest())


def test_writers_closing_files_at_the_same_moment_keep_every_line(tmp_path):
    workers, count = 4, 60
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_closer, args=(str(tmp_path), w, count)) for w in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    text = manifest_text(tmp_path)
    assert all(re.fullmatch(r"[0-9a-f]{64}  w\d-\d{3}\.warc\.gz", line) for line in text.splitlines())
    expected = {f"w{w}-{n:03d}.warc.gz": hashlib.sha256(f"{w}/{n}".encode()).hexdigest()
                for w in range(workers) for n in range(count)}
    expected.update({f"w{w}-000.warc.gz": hashlib.sha256(f"{w}/again".encode()).hexdigest() for w in range(workers)})
    assert read_manifest(tmp_path).digests == expected and len(text.splitlines()) == workers * count


# -- verify ------------------------------------------------------------------------------------------


def _forge_last_record(path: Path) -> None:
    """Rewrite the payload of the file's last record (a metadata record: no index row or CDXJ line points
    at it) and its WARC-Block-Digest and WARC-Payload-Digest to match, and gzip it again: every check of
    the file's own records passes."""
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        offset, rec_type = [(records.get_record_offset(), r.rec_type) for r in records][-1]
    assert rec_type == "metadata"
    raw = path.read_bytes()
    member = gzip.decompress(raw[offset:])
    head, _, rest = member.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head)[1])
    payload = rest[:length]
    forged = re.sub(rb"via: [^\r]*", lambda m: b"via: " + b"X" * (len(m[0]) - 5), payload, count=1)
    assert forged != payload and len(forged) == len(payload)
    digest = b"sha1:" + base64.b32encode(hashlib.sha1(forged).digest())
    head = re.sub(rb"(WARC-(?:Block|Payload)-Digest): [^\r]*", lambda m: m[1] + b": " + digest, head)
    path.write_bytes(raw[:offset] + gzip.compress(head + b"\r\n\r\n" + forged + rest[length:]))


def test_a_file_changed_after_closing_fails_verify_though_its_digests_were_rewritten(archive):  # noqa: F811
    path = kyodo_warc(archive)
    before = sha256(path)
    _forge_last_record(path)
    assert verify_warc(path).problems == [], "the forgery passes every check of the records themselves"
    result = newsarchive("verify", "--data", str(archive))
    assert result.returncode == 1, result.stdout + result.stderr
    faults = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("FAULT")]
    assert faults == [f"FAULT {path.name}: changed after it was closed: its SHA-256 is {sha256(path)}, "
                      f"{MANIFEST_NAME} says {before}"]
    assert "  fixity       3 match manifest-sha256.txt\n" in result.stdout


def test_files_without_a_line_are_a_warning_and_record_fixity_adds_them(archive):  # noqa: F811
    warc_dir = archive / "warc"
    lines = manifest_text(warc_dir).splitlines(keepends=True)
    assert len(lines) == 4
    (warc_dir / MANIFEST_NAME).write_text("".join(lines[2:]))  # two files closed before manifests were kept
    missing = sorted(line.split("  ")[1].strip() for line in lines[:2])
    report = verify_archive(archive, parse=parse_for_index)
    assert report.ok and report.fixity == "2 match manifest-sha256.txt, 2 not in it"
    assert report.warnings == [f"2 closed WARC file(s) not in {MANIFEST_NAME} ({', '.join(missing)}): closed "
                               "before manifests were kept? `newsarchive verify --record-fixity` checks them and "
                               "adds their lines"]

    result = newsarchive("verify", "--record-fixity", "--data", str(archive))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "  fixity       2 match manifest-sha256.txt, 2 added to it\n" in result.stdout
    assert read_manifest(warc_dir).digests == {p.name: sha256(p) for p in warc_dir.glob("*.warc.gz")}
    report = verify_archive(archive, parse=parse_for_index)
    assert report.ok and not report.warnings and report.fixity == "4 match manifest-sha256.txt"


def test_record_fixity_does_not_trust_a_file_whose_records_fail(archive):  # noqa: F811
    warc_dir = archive / "warc"
    path = kyodo_warc(archive)
    shutil.copyfile(warc_dir / MANIFEST_NAME, archive / "saved")
    (warc_dir / MANIFEST_NAME).write_text("".join(l for l in manifest_text(warc_dir).splitlines(keepends=True)
                                                  if path.name not in l))
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size - 100)
    report = verify_archive(archive, record_fixity=True)
    assert not report.ok and path.name not in read_manifest(warc_dir).digests
    assert report.fixity == "3 match manifest-sha256.txt, 1 not in it"


def test_a_file_listed_but_gone_is_a_fault(archive):  # noqa: F811
    path = kyodo_warc(archive)
    record_fixity(archive / "warc", "newsarchive-kyodo-20200101000000000-00001-1~gone.warc.gz", "d" * 64)
    report = verify_archive(archive)
    assert f"newsarchive-kyodo-20200101000000000-00001-1~gone.warc.gz: listed in {MANIFEST_NAME} but missing " \
           f"from {archive / 'warc'}" in report.faults
    assert path.exists()

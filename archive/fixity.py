"""The fixity manifest of the WARC directory: `DATA/warc/manifest-sha256.txt`, one BagIt manifest line
(`<hex sha256>  <file name>`) per closed WARC file, which `sha256sum -c` reads too.

Why: a record's WARC-Block-Digest only says that the record agrees with itself; whoever rewrites a payload
can rewrite its digests. The SHA-256 of the whole file, taken when the file closed and kept apart from it,
is what tells a file changed since then (`newsarchive verify`). The writer hashes the bytes as it appends
them (archive/warc.py), so closing a 1 GB file costs no second read of it.

Writes happen under an exclusive `flock` on the manifest, so writers of different sites closing files at
the same moment, and a recoverer, take turns. Each line is appended in one write and fsynced. A line torn
by a kill or a full disk (no newline at its end) is ignored by readers and cut off by the next writer
before it appends; the file it named is still `.open` then (the line is written before the rename), so
recovery writes its line again. A file whose line is being replaced (recovery cut it) is rewritten through
a temporary file and a rename; a writer that locked the old manifest meanwhile notices and locks anew.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = "manifest-sha256.txt"
_LINE = re.compile(r"^([0-9a-f]{64}) [ \t]*(\S(?:.*\S)?)$")


@dataclass
class Manifest:
    """What the manifest says: file name -> hex SHA-256 (the last line for a name wins), and lines that
    are not manifest lines (a torn last line is counted here too)."""

    digests: dict[str, str] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)


def manifest_path(warc_dir: str | os.PathLike) -> Path:
    return Path(warc_dir) / MANIFEST_NAME


def file_sha256(path: str | os.PathLike, limit: int | None = None) -> str:
    """The SHA-256 of the file's bytes (of its first `limit` bytes if given)."""
    digest = hashlib.sha256()
    left = limit
    with open(path, "rb") as fh:
        while left is None or left > 0:
            chunk = fh.read(1 << 20 if left is None else min(1 << 20, left))
            if not chunk:
                break
            digest.update(chunk)
            if left is not None:
                left -= len(chunk)
    return digest.hexdigest()


def parse_manifest(data: bytes) -> Manifest:
    manifest = Manifest()
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, 1):
        if number == len(lines):  # after the last newline: empty, or a torn line
            if raw:
                manifest.unreadable.append(f"line {number}: torn (no newline at its end)")
            break
        match = _LINE.match(raw.decode("utf-8", "replace").rstrip("\r"))
        if match:
            manifest.digests[match[2]] = match[1]
        elif raw.strip():
            manifest.unreadable.append(f"line {number}: not `<sha256>  <file name>`")
    return manifest


def read_manifest(warc_dir: str | os.PathLike) -> Manifest:
    """The manifest as it is on disk (an empty one if there is none). Takes no lock: lines are appended
    whole or end torn, and a replacement is a rename, so a reader sees one state or the other."""
    try:
        return parse_manifest(manifest_path(warc_dir).read_bytes())
    except FileNotFoundError:
        return Manifest()


def record_fixity(warc_dir: str | os.PathLike, name: str, sha256: str) -> bool:
    """Give `name` its manifest line: appended if the manifest has none for it, the line replaced if it says
    another digest, nothing done if it says this one. Whether anything was written. Raises OSError (the
    manifest as it was) when the line cannot be written, e.g. on a full disk."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256) or not name or name != name.strip() or \
            any(c in name for c in "\r\n/"):
        raise ValueError(f"not a manifest entry: {sha256!r} {name!r}")
    with _locked(manifest_path(warc_dir)) as fd:
        data = _read_all(fd)
        end = data.rfind(b"\n") + 1  # a torn last line is cut off before anything is appended
        manifest = parse_manifest(data[:end])
        known = manifest.digests.get(name)
        if known == sha256:
            if end < len(data):
                os.ftruncate(fd, end)
                os.fsync(fd)
            return False
        line = f"{sha256}  {name}\n".encode()
        if known is None:
            _append(fd, end, line)
        else:
            _replace(warc_dir, fd, data[:end], name, line)
        return True


def record_many(warc_dir: str | os.PathLike, entries: dict[str, str]) -> int:
    """`record_fixity` for each (name, sha256); how many lines were written."""
    return sum(record_fixity(warc_dir, name, digest) for name, digest in entries.items())


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    """A descriptor of the manifest holding its exclusive lock; created if missing. If the manifest was
    replaced (renamed over) while we waited for the lock, the lock is on a file no one reads: lock anew."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                current = False
            if current:
                yield fd
                return
        finally:
            os.close(fd)  # drops the lock


def _read_all(fd: int) -> bytes:
    chunks = []
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _append(fd: int, at: int, line: bytes) -> None:
    try:
        os.ftruncate(fd, at)
        done = 0
        while done < len(line):
            done += os.pwrite(fd, line[done:], at + done)
        os.fsync(fd)
    except OSError:
        try:  # a part written before the disk filled would be a torn line: readers skip it, but cut it now
            os.ftruncate(fd, at)
        except OSError:
            pass
        raise


def _replace(warc_dir: str | os.PathLike, fd: int, data: bytes, name: str, line: bytes) -> None:
    kept = [raw + b"\n" for raw in data.split(b"\n")[:-1]
            if (m := _LINE.match(raw.decode("utf-8", "replace").rstrip("\r"))) is None or m[2] != name]
    path = manifest_path(warc_dir)
    temporary = path.with_name(f".{MANIFEST_NAME}.{os.getpid()}.partial")
    try:
        with open(temporary, "wb") as out:
            out.write(b"".join(kept) + line)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)  # while we hold the old one's lock: waiters notice the new inode
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    dir_fd = os.open(Path(warc_dir), os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# -- checking the files against it (`newsarchive verify`) ---------------------------------------------


@dataclass
class FixityCheck:
    matched: int = 0  # closed files whose SHA-256 is the manifest's
    unlisted: list[str] = field(default_factory=list)  # closed files the manifest has no line for
    recorded: list[str] = field(default_factory=list)  # lines added by `record` (--record-fixity)
    faults: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = f"{self.matched} match {MANIFEST_NAME}"
        if self.unlisted:
            line += f", {len(self.unlisted)} not in it"
        if self.recorded:
            line += f", {len(self.recorded)} added to it"
        return line


def check_fixity(warc_dir: str | os.PathLike, sound: set[str] | None = None, record: bool = False) -> FixityCheck:
    """Check every closed WARC file of `warc_dir` against the manifest. A file whose SHA-256 differs is a
    fault: it changed after it was closed, whatever its records' own digests say (a warning for a file not in
    `sound`, whose damage is reported as a fault of its own). A file without a line is
    a warning (archives written before manifests were kept); with `record`, those of them named in `sound`
    (their records verified) get their line, hashed from the file as it is now."""
    warc_dir = Path(warc_dir)
    manifest = read_manifest(warc_dir)
    check = FixityCheck()
    for problem in manifest.unreadable:
        if "torn" in problem:  # a close cut short by a kill or a full disk: its file is still `.open`
            check.warnings.append(f"{MANIFEST_NAME}: {problem}; the next close or recovery rewrites it")
        else:
            check.faults.append(f"{MANIFEST_NAME}: {problem}")
    names = sorted(p.name for p in warc_dir.glob("*.warc.gz")) if warc_dir.is_dir() else []
    for name in names:
        expected = manifest.digests.get(name)
        if expected is None:
            if record and sound is not None and name in sound:
                record_fixity(warc_dir, name, file_sha256(warc_dir / name))
                check.recorded.append(name)
            else:
                check.unlisted.append(name)
            continue
        actual = file_sha256(warc_dir / name)
        if actual == expected:
            check.matched += 1
        elif sound is not None and name not in sound:  # its damage is a fault already: one fault per damage
            check.warnings.append(f"{name}: changed after it was closed (the damage reported above): its SHA-256 "
                                  f"is {actual}, {MANIFEST_NAME} says {expected}")
        else:
            check.faults.append(f"{name}: changed after it was closed: its SHA-256 is {actual}, "
                                f"{MANIFEST_NAME} says {expected}")
    for name in sorted(manifest.digests.keys() - set(names)):
        if not (warc_dir / (name + ".open")).exists():  # a `.open` one is reported as left open
            check.faults.append(f"{name}: listed in {MANIFEST_NAME} but missing from {warc_dir}")
    if check.unlisted:
        shown = ", ".join(check.unlisted[:3]) + (", ..." if len(check.unlisted) > 3 else "")
        why = ("its records have faults, so no line was added" if record else
               "closed before manifests were kept? `newsarchive verify --record-fixity` checks them and adds "
               "their lines")
        check.warnings.append(f"{len(check.unlisted)} closed WARC file(s) not in {MANIFEST_NAME} ({shown}): {why}")
    return check

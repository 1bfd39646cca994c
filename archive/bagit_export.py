"""Packaging a data directory as a BagIt bag for transfer: the Python twin of `newsarchive export bagit`.

The bag's payload is what the archive is: `data/warc/` (every closed WARC file, its CDXJ, the fixity
manifest) and `data/index.db`, a consistent copy of the index made with SQLite's backup API (a file copy of
a database in WAL mode may miss what sits in its `-wal` file, or catch a half-written page). The bag is made
by the Library of Congress `bagit` library, so any BagIt tool validates it; its `bag-info.txt` names the
operator (Source-Organization), the day, newsarchive and its version (External-Description) and the
payload's size (Payload-Oxum).

Each WARC file is hashed as it is copied and compared with its line in the fixity manifest, so a file that
changed after it was closed is refused, not packaged as sound. The bag is built in a hidden directory beside
the target and renamed into place once whole: a failure leaves nothing behind. Files `.open` (a crawl
running, or killed) are not packaged: they are not finished.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from archive import __version__
from archive.fixity import MANIFEST_NAME, read_manifest
from archive.index import default_db_path

PROGRESS_MIN_BYTES = 256 << 20  # smaller archives are packaged in a few seconds: no progress lines
_CHUNK = 1 << 20


class BagExportError(Exception):
    """The bag cannot be made (target not empty, nothing to package, a WARC file changed); one line."""


@dataclass
class BagResult:
    path: Path
    warc_files: int
    payload_bytes: int
    payload_files: int
    unlisted: list[str] = field(default_factory=list)  # WARC files the fixity manifest has no line for


class _Progress:
    """Progress lines for large archives, at most one every `every` seconds."""

    def __init__(self, say: Callable[[str], None] | None, total: int, minimum: int, every: float = 2.0):
        self.say = say if say is not None and total >= minimum else None
        self.total, self.every, self.last = total, every, 0.0

    def __call__(self, phase: str, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if self.say is None or (not force and now - self.last < self.every):
            return
        self.last = now
        self.say(f"{phase}: {done / 1e6:,.1f} of {self.total / 1e6:,.1f} MB ({100 * done // max(self.total, 1)}%)")


class _HashingProgress(logging.Handler):
    """bagit logs each payload file it hashes: turned into progress by the bytes hashed so far."""

    def __init__(self, bag_dir: Path, progress: _Progress, start: int):
        super().__init__(logging.INFO)
        self.bag_dir, self.progress, self.done = bag_dir, progress, start

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("Generating manifest lines for file") and record.args:
            try:
                self.done += os.path.getsize(self.bag_dir / str(record.args[0]))
            except (OSError, TypeError):
                return
            self.progress("hashing for the bag", self.done)


def check_bag_target(output: str | os.PathLike) -> Path:
    """The directory to make the bag in: new, or empty. BagExportError otherwise."""
    target = Path(output)
    if target.exists() and not target.is_dir():
        raise BagExportError(f"{target} exists and is not a directory: give a new or empty directory")
    if target.is_dir() and any(target.iterdir()):
        raise BagExportError(f"{target} is not empty: give a new or empty directory")
    if not target.absolute().parent.is_dir():
        raise BagExportError(f"no directory {target.absolute().parent} to make {target.name} in: create it first")
    return target


def export_bagit(data_dir: str | os.PathLike, output: str | os.PathLike, operator: str | None = None,
                 progress: Callable[[str], None] | None = None,
                 progress_min_bytes: int = PROGRESS_MIN_BYTES) -> BagResult:
    """Make the bag `output` from the archive `data_dir`; raises BagExportError when it cannot."""
    import bagit

    data_dir = Path(data_dir)
    warc_dir = data_dir / "warc"
    target = check_bag_target(output)
    db_path = default_db_path(data_dir)
    names = sorted(p.name for p in warc_dir.glob("*.warc.gz")) if warc_dir.is_dir() else []
    if not names and not db_path.exists():
        raise BagExportError(f"no archive at {data_dir}: neither WARC files in {warc_dir} nor {db_path}")
    sizes = {name: (warc_dir / name).stat().st_size for name in names}
    total = sum(sizes.values())
    report = _Progress(progress, 2 * total, progress_min_bytes)  # copied, then hashed by bagit
    manifest = read_manifest(warc_dir)

    staging = target.absolute().parent / f".{target.name}.{os.getpid()}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        (staging / "warc").mkdir()
        done = 0
        for name in names:
            digest = _copy_hashing(warc_dir / name, staging / "warc" / name,
                                   lambda n: report("copying WARC files", done + n))
            done += sizes[name]
            expected = manifest.digests.get(name)
            if expected is not None and digest != expected:
                raise BagExportError(f"{name} changed after it was closed (SHA-256 {digest}, {MANIFEST_NAME} "
                                     f"says {expected}): run `newsarchive verify`; not packaged")
            cdxj = warc_dir / (name[: -len(".warc.gz")] + ".cdxj")
            if cdxj.exists():
                shutil.copyfile(cdxj, staging / "warc" / cdxj.name)
        # The manifest's lines for the files packaged (each checked above against its copy), in its order.
        packaged = set(names)
        lines = [f"{digest}  {name}\n" for name, digest in manifest.digests.items() if name in packaged]
        if lines:
            (staging / "warc" / MANIFEST_NAME).write_text("".join(lines))
        if db_path.exists():
            _backup(db_path, staging / "index.db")
        report("copying WARC files", total, force=True)

        info = {"Bagging-Date": date.today().isoformat(),
                "External-Description": f"Web archive made by newsarchive {__version__}: {len(names)} WARC file(s) "
                                        "(WARC 1.1) with their CDXJ indexes and warc/manifest-sha256.txt (each "
                                        "WARC file's SHA-256, taken when it was closed), and index.db (a "
                                        "consistent copy of the archive's SQLite index)",
                "Bag-Software-Agent": f"newsarchive {__version__} with bagit.py {bagit.VERSION}"}
        if operator:
            info = {"Source-Organization": operator, **info}
        bag_logger = logging.getLogger("bagit")
        handler = _HashingProgress(staging, report, start=total)
        saved = bag_logger.propagate, bag_logger.level
        bag_logger.addHandler(handler)  # also keeps bagit's own error log off stderr: we say it in one line
        bag_logger.propagate = False
        bag_logger.setLevel(logging.INFO)
        try:
            bag = bagit.make_bag(str(staging), info, checksums=["sha256"])
        finally:
            bag_logger.removeHandler(handler)
            bag_logger.propagate = saved[0]
            bag_logger.setLevel(saved[1])
        report("hashing for the bag", 2 * total, force=True)
        bag.validate(fast=True)  # the Payload-Oxum against what is there: a cheap check the payload is whole
        _fsync_tree(staging)
        os.rename(staging, target)  # onto an empty directory too: rename(2) replaces one
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, (bagit.BagError, OSError, sqlite3.Error)) and not isinstance(exc, BagExportError):
            raise BagExportError(f"cannot make the bag {target}: {type(exc).__name__}: {exc}") from exc
        raise
    oxum_bytes, oxum_files = (int(n) for n in bag.info["Payload-Oxum"].split("."))
    return BagResult(target, len(names), oxum_bytes, oxum_files,
                     [name for name in names if name not in manifest.digests])


def _copy_hashing(source: Path, destination: Path, progress: Callable[[int], None]) -> str:
    digest = hashlib.sha256()
    copied = 0
    with open(source, "rb") as src, open(destination, "xb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            copied += len(chunk)
            progress(copied)
    shutil.copystat(source, destination)
    return digest.hexdigest()


def _backup(db_path: Path, destination: Path) -> None:
    """A consistent snapshot of the index, as one self-contained file (no `-wal` beside it)."""
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    copy = sqlite3.connect(destination)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()


def _fsync_tree(root: Path) -> None:
    for directory, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

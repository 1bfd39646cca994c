"""Repairing WARC files that a crawl did not close cleanly, before the next crawl writes anything.

Two kinds, both cut back to their last complete record (gzip member) and given a fresh CDXJ and their line
in the fixity manifest (archive/fixity.py), hashed from the bytes left on disk:
- files left `.open` by a killed crawl (no writer holds their lock: archive/openfiles.py): renamed to their
  final name;
- a closed file that ends inside a record: what the writer before the disk-full fix left when a write failed on a
  full disk (it closed the file anyway), and what a file system may leave after a crash.

Which closed files are checked: a cut can only be at the end of the last file a writer wrote, and the next
crawl of that prefix (site) runs this before writing a newer one, so the newest file of each prefix is the
one to check. A check reads the file's last 64 KB (archive.members.ends_with_complete_member), 0.2 ms;
finding the newest files costs a directory listing, 70 ms for 10,000 files. Measured on the 2-core VM,
scanning every closed file instead would inflate the whole archive at each start (19-22 s per GB with
scan_members), and the files of unfinished crawls would be a list that only grows. Only a file whose tail
looks wrong is scanned in full, and only one that merely ends inside its last member is cut: damage in
the middle is left for `newsarchive verify` to report, never cut away here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from archive.fixity import file_sha256, record_fixity
from archive.openfiles import OPEN_SUFFIX, claim

_NAME = re.compile(r"^(?P<prefix>.+)-(?P<stamp>\d{17})-(?P<serial>\d+)-\d+~[^/]+\.warc\.gz$")


@dataclass
class Recovered:
    open_file: str  # the name found: `….warc.gz.open`, or the closed file's own name
    warc_file: str | None  # final name, or None when nothing complete was left (file removed)
    records_kept: int
    bytes_cut: int

    def short(self) -> str:
        if self.open_file == self.warc_file:
            return f"{self.warc_file} (cut {self.bytes_cut} bytes of a cut-off last record)"
        return f"{self.open_file} -> {self.warc_file or 'removed'}"

    def describe(self) -> str:
        if self.open_file == self.warc_file:
            return (f"repaired {self.warc_file}, closed with a cut-off last record: cut {self.bytes_cut} bytes, "
                    f"kept {self.records_kept} records")
        return (f"recovered {self.open_file} left open by a killed crawl: kept {self.records_kept} records, "
                f"cut {self.bytes_cut} bytes -> {self.warc_file or 'removed'}")


def recover_open_files(directory: str | os.PathLike) -> list[Recovered]:
    """Close WARC files left `.open` by a killed crawl and repair the newest closed file of each prefix if it
    ends inside a record (see the module docstring). Returns what was done, for the log and the summary."""
    from archive.cdxj import write_cdxj
    from archive.members import scan_members

    results = []
    for path in sorted(Path(directory).glob(f"*.warc.gz{OPEN_SUFFIX}")):
        fd = claim(path)  # None while its writer lives; held until the rename, so no two recoverers meet
        if fd is None:
            continue
        try:
            scan = scan_members(path)
            size = path.stat().st_size
            if scan.members == 0:
                path.unlink()
                results.append(Recovered(path.name, None, 0, size))
                continue
            if scan.complete_end < size:
                _cut(path, scan.complete_end)
            final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
            # Before the rename, as the writer does: a file closed has its line (a torn one is written again).
            record_fixity(directory, final.name, file_sha256(path))
            os.replace(path, final)
        finally:
            os.close(fd)
        write_cdxj(final)
        results.append(Recovered(path.name, final.name, scan.members, size - scan.complete_end))
    just_closed = {r.warc_file for r in results}
    for path in newest_per_prefix(directory):
        if path.name not in just_closed:
            repaired = repair_closed_file(path)
            if repaired is not None:
                results.append(repaired)
    return results


def newest_per_prefix(directory: str | os.PathLike) -> list[Path]:
    """The newest closed file of each prefix (`newsarchive-kyodo`, ...), by the timestamp and serial in its name."""
    newest: dict[str, tuple[tuple[str, int], str]] = {}
    for name in os.listdir(directory):
        if not name.endswith(".warc.gz"):
            continue
        match = _NAME.match(name)
        if match:
            key = (match["stamp"], int(match["serial"]))
            if match["prefix"] not in newest or key > newest[match["prefix"]][0]:
                newest[match["prefix"]] = (key, name)
    return sorted(Path(directory) / name for _, name in newest.values())


def repair_closed_file(path: Path) -> Recovered | None:
    """Cut a closed file that ends inside its last record back to its last complete one; None if sound.
    A missing CDXJ (a recovery that ran out of space after the rename) is written too."""
    from archive.cdxj import cdxj_path, write_cdxj
    from archive.members import ends_with_complete_member, scan_members

    if ends_with_complete_member(path):
        if not cdxj_path(path).exists():
            write_cdxj(path)
        return None
    scan = scan_members(path)
    if not scan.truncated or scan.members == 0:
        return None
    size = path.stat().st_size
    _cut(path, scan.complete_end)
    record_fixity(path.parent, path.name, file_sha256(path))  # replaces the line of the longer file, if any
    write_cdxj(path)
    return Recovered(path.name, path.name, scan.members, size - scan.complete_end)


def _cut(path: Path, end: int) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(end)
        os.fsync(fh.fileno())

"""`newsarchive export bagit`: a bag that `bagit` validates, holding the WARC files, their CDXJ, the fixity
manifest and a consistent copy of the index; a flipped byte fails validation; the archive is left alone."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from datetime import date
from pathlib import Path

import bagit
import pytest

from archive import __version__
from archive.bagit_export import BagExportError, export_bagit
from archive.fixity import read_manifest
from support import newsarchive
from test_verify import archive, kyodo_warc, pristine  # noqa: F401 (fixtures)


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_bag_validates_and_holds_the_archive(archive, tmp_path, monkeypatch):  # noqa: F811
    before = tree(archive / "warc")
    # A row committed to the WAL and not checkpointed: a file copy of index.db alone would miss it.
    writer = sqlite3.connect(archive / "index.db", isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO crawls (id, sites, status) VALUES ('in-the-wal', '[]', 'finished')")
    assert (archive / "index.db-wal").stat().st_size > 0
    out = tmp_path / "bag"
    monkeypatch.setenv("NEWSARCHIVE_OPERATOR", "Synthetic Test Archive")
    result = newsarchive("export", "bagit", "-o", str(out), "--data", str(archive))
    writer.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""  # a small archive: no progress lines

    bag = bagit.Bag(str(out))
    bag.validate()  # every payload file's SHA-256, the Oxum, the tag manifests
    warc_names = sorted(name for name in before if name.endswith(".warc.gz"))
    expected = {f"data/warc/{name}" for name in before} | {"data/index.db"}
    assert set(bag.payload_entries()) == expected and len(warc_names) == 4
    assert tree(out / "data" / "warc") == before, "copies, byte for byte"
    assert tree(archive / "warc") == before, "the archive is left as it was"
    payload = sum((out / name).stat().st_size for name in expected)
    assert bag.info["Payload-Oxum"] == f"{payload}.{len(expected)}"
    assert bag.info["Source-Organization"] == "Synthetic Test Archive"
    assert bag.info["Bagging-Date"] == date.today().isoformat()
    assert bag.info["External-Description"].startswith(f"Web archive made by newsarchive {__version__}: 4 WARC")
    assert result.stdout == f"wrote the bag {out}: 4 WARC file(s), {len(expected)} payload file(s), {payload:,} bytes\n"

    copy = sqlite3.connect(out / "data" / "index.db")
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copy.execute("SELECT status FROM crawls WHERE id = 'in-the-wal'").fetchone() == ("finished",)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    assert sorted(p.name for p in (out / "data").iterdir()) == ["index.db", "warc"]

    # A byte flipped in a WARC file of the bag fails validation.
    path = out / "data" / "warc" / warc_names[0]
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(bagit.BagValidationError) as failure:
        bagit.Bag(str(out)).validate()
    assert [d.path for d in failure.value.details] == [f"data/warc/{warc_names[0]}"]


def test_a_non_empty_target_is_refused_in_one_line(archive, tmp_path):  # noqa: F811
    out = tmp_path / "bag"
    out.mkdir()
    (out / "keep.txt").write_text("ours")
    result = newsarchive("export", "bagit", "-o", str(out), "--data", str(archive))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"error: {out} is not empty: give a new or empty directory\n"
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_an_empty_target_is_used_and_a_changed_warc_stops_the_export(archive, tmp_path):  # noqa: F811
    out = tmp_path / "bag"
    out.mkdir()
    result = export_bagit(archive, out)
    assert result.warc_files == 4 and bagit.Bag(str(out)).is_valid()
    assert "Source-Organization" not in bagit.Bag(str(out)).info

    path = kyodo_warc(archive)
    with open(path, "r+b") as fh:  # changed after it was closed
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 0x01]))
    again = tmp_path / "again"
    with pytest.raises(BagExportError, match=f"{path.name} changed after it was closed"):
        export_bagit(archive, again)
    assert not again.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bag", "data"], "nothing left behind"


def test_progress_is_shown_for_large_archives(archive, tmp_path):  # noqa: F811
    lines: list[str] = []
    export_bagit(archive, tmp_path / "bag", progress=lines.append, progress_min_bytes=1)
    total = sum(p.stat().st_size for p in (archive / "warc").glob("*.warc.gz"))
    assert lines[0].startswith("copying WARC files: ")
    assert lines[-2:] == [f"copying WARC files: {total / 1e6:,.1f} of {2 * total / 1e6:,.1f} MB (50%)",
                          f"hashing for the bag: {2 * total / 1e6:,.1f} of {2 * total / 1e6:,.1f} MB (100%)"]
    assert os.path.exists(tmp_path / "bag" / "bagit.txt")
    assert read_manifest(tmp_path / "bag" / "data" / "warc").digests == read_manifest(archive / "warc").digests

"""The archived body of one capture, read from its WARC record: what the reading room's capture pages serve
(`/{db}/-/capture/{id}/raw` and `/body`). A revisit record holds no body: it is resolved to the response
record it refers to (captures.revisit_of, the WARC-Refers-To of the revisit).

    stored = capture_content(conn, data_dir, capture_id)    # CapturedBody: the captures row and the response
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.decoding import BodyTooLarge
from archive.records import StoredResponse, read_response

MAX_VIEW_BYTES = 20 * 1024 * 1024  # a page or image larger than this is not served to a browser
CAPTURE_COLUMNS = ("id", "url", "site", "status", "content_type", "fetched_at", "payload_digest", "warc_file",
                   "warc_offset", "warc_length", "record_id", "crawl_id", "record_type", "revisit_of", "role",
                   "needed_by")


class CaptureNotFound(LookupError):
    """No capture has this id."""


class CaptureUnreadable(RuntimeError):
    """The capture's WARC record cannot be read (file missing or damaged, record elsewhere, too large)."""


@dataclass
class CapturedBody:
    capture: dict[str, Any]  # the captures row asked for
    record: dict[str, Any]  # the captures row whose record holds the body (itself, or a revisit's original)
    response: StoredResponse

    @property
    def content_type(self) -> str | None:
        for name, value in self.response.headers:
            if name.lower() == "content-type":
                return value
        return self.capture.get("content_type")


def capture_row(conn: sqlite3.Connection, capture_id: int) -> dict[str, Any]:
    cursor = conn.execute(f"SELECT {', '.join(CAPTURE_COLUMNS)} FROM captures WHERE id = ?", [capture_id])
    row = cursor.fetchone()
    if row is None:
        raise CaptureNotFound(f"no capture with id {capture_id}")
    return dict(zip(CAPTURE_COLUMNS, row))


def record_holding_body(conn: sqlite3.Connection, capture: dict[str, Any]) -> dict[str, Any]:
    """The captures row of the response record that holds `capture`'s body: itself unless it is a revisit."""
    if capture.get("record_type") != "revisit":
        return capture
    if not capture.get("revisit_of"):
        raise CaptureUnreadable(f"capture {capture['id']} is a revisit that names no original record")
    cursor = conn.execute(f"SELECT {', '.join(CAPTURE_COLUMNS)} FROM captures WHERE record_id = ?",
                          [capture["revisit_of"]])
    row = cursor.fetchone()
    if row is None:
        raise CaptureUnreadable(f"capture {capture['id']} revisits {capture['revisit_of']}, which is not in the "
                                "index (run `newsarchive verify`)")
    return dict(zip(CAPTURE_COLUMNS, row))


def capture_content(conn: sqlite3.Connection, data_dir: str | Path, capture_id: int,
                    max_size: int = MAX_VIEW_BYTES) -> CapturedBody:
    """The capture's archived response (Content-Encoding removed), read at the offset the index stores and
    checked against its record id. CaptureNotFound for an unknown id; CaptureUnreadable, with the reason in
    one line naming the WARC file by name only, when the record cannot be read."""
    capture = capture_row(conn, capture_id)
    record = record_holding_body(conn, capture)
    name = record["warc_file"]
    path = Path(data_dir) / "warc" / name
    if not path.is_file():
        raise CaptureUnreadable(f"WARC file {name} (capture {capture_id}) is missing from the archive")
    try:
        response = read_response(path, record["warc_offset"], max_size)
    except BodyTooLarge:
        raise CaptureUnreadable(f"capture {capture_id} is larger than {max_size // (1024 * 1024)} MB, more "
                                "than the reading room serves (`newsarchive show --html` reads it)") from None
    except (ValueError, OSError, EOFError) as exc:  # DamagedRecord is a ValueError
        raise CaptureUnreadable(f"WARC file {name} at offset {record['warc_offset']} cannot be read: "
                                f"{_without_dirs(str(exc), path)}") from None
    if response.record_id != record["record_id"]:
        raise CaptureUnreadable(f"{name} at offset {record['warc_offset']} holds {response.record_id}, not "
                                f"{record['record_id']}: the index is out of date (run `newsarchive reindex`)")
    return CapturedBody(capture=capture, record=record, response=response)


def read_capture(db_path: str | Path, capture_id: int, max_size: int = MAX_VIEW_BYTES) -> CapturedBody:
    """`capture_content` for an index file (its WARC files beside it, in `warc/`)."""
    from archive.index import Index

    index = Index(db_path, readonly=True)
    try:
        return capture_content(index.conn, Path(db_path).resolve().parent, capture_id, max_size)
    finally:
        index.close()


def _without_dirs(message: str, path: Path) -> str:
    """An error message with the file's directory left out: a web page does not show this machine's paths."""
    return message.replace(str(path.parent) + "/", "").replace(str(path.resolve().parent) + "/", "")

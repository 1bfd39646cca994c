"""Replay of the exact capture: wayback URLs that name a capture by its time, and pywb (a real replay engine, in
a virtual environment of its own) serving the archive's WARC files on 127.0.0.1 for `newsarchive serve`."""

from __future__ import annotations

import re

DEFAULT_REPLAY_PORT = 8002  # `newsarchive serve`: Datasette on 8001, pywb beside it
COLLECTION = "newsarchive"  # pywb collection name
DEFAULT_REPLAY_BASE = f"http://127.0.0.1:{DEFAULT_REPLAY_PORT}/{COLLECTION}"


def timestamp14(fetched_at: str) -> str:
    """A capture time as stored in the index (ISO 8601, UTC) as the 14-digit timestamp of a wayback URL."""
    digits = re.sub(r"\D", "", fetched_at or "")
    if len(digits) < 14:
        raise ValueError(f"not a capture time: {fetched_at!r}")
    return digits[:14]


def replay_url(base: str, url: str, fetched_at: str, modifier: str = "") -> str:
    """The URL under which pywb at `base` (a collection, e.g. http://127.0.0.1:8002/newsarchive) replays the
    capture of `url` made at `fetched_at`: `{base}/{timestamp}{modifier}/{url}`. With no modifier pywb shows
    it framed, with its capture time above; `mp_` unframed, `id_` the archived bytes."""
    return f"{base.rstrip('/')}/{timestamp14(fetched_at)}{modifier}/{url}"

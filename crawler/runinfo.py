"""Run-wide facts every component agrees on: the data directory and the crawl id."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone


def data_dir(settings) -> str:
    return settings.get("NEWSARCHIVE_DATA") or os.environ.get("NEWSARCHIVE_DATA") or "data"


def new_crawl_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def crawl_id_for(settings) -> str:
    return settings.get("NEWSARCHIVE_CRAWL_ID")

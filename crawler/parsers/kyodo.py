"""Placeholder until the real kyodo parser lands."""

from __future__ import annotations

from datetime import datetime

from crawler.parsers.model import NotArticle

NAME = "kyodo"
VERSION = "0.0"


def claims_url(url: str) -> bool:
    return False


def parse(html: bytes, url: str, fetched_at: datetime):
    return NotArticle(url=url, reason="parser not implemented", parser=NAME, parser_version=VERSION)

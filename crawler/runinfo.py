"""Run-wide facts every component agrees on: the data directory, the crawl id and the User-Agent."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone


def data_dir(settings) -> str:
    return settings.get("NEWSARCHIVE_DATA") or os.environ.get("NEWSARCHIVE_DATA") or "data"


def user_agent(contact_url: str) -> str:
    """The User-Agent of every request: the project and where to reach its operator (robots.txt rules for
    `newsarchive` apply to it)."""
    return f"newsarchive/0.1 (+{contact_url})"


def derive_user_agent(settings) -> None:
    """USER_AGENT from NEWSARCHIVE_CONTACT_URL, so `-s NEWSARCHIVE_CONTACT_URL=...` (or the setting in a
    deployment) names the operator; a USER_AGENT set by hand is left as it is. Called by the spiders'
    `update_settings`, while the crawl's settings are still open."""
    from crawler import settings as defaults

    if settings.get("USER_AGENT") == defaults.USER_AGENT:
        contact = settings.get("NEWSARCHIVE_CONTACT_URL") or defaults.NEWSARCHIVE_CONTACT_URL
        # At spider priority, as custom_settings: a CrawlerProcess re-applies its own (project) settings to
        # the crawlers it is handed.
        settings.set("USER_AGENT", user_agent(contact), priority="spider")


def new_crawl_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def crawl_id_for(settings) -> str:
    return settings.get("NEWSARCHIVE_CRAWL_ID")

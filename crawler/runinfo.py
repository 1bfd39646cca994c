"""Run-wide facts every component agrees on: the data directory, the crawl id and the User-Agent.

Derived from the settings when a crawl starts, never when crawler/settings.py is loaded: that module is plain
values, and this one does not import it (it reads what the crawl's settings hold).
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone
from functools import cache

from scrapy.settings import SETTINGS_PRIORITIES

from archive import __version__


def data_dir(settings) -> str:
    return settings.get("NEWSARCHIVE_DATA") or os.environ.get("NEWSARCHIVE_DATA") or "data"


def user_agent(contact_url: str | None) -> str:
    """The User-Agent of every request: the project and where to reach its operator (robots.txt rules for
    `newsarchive` apply to it)."""
    return f"newsarchive/{__version__} (+{contact_url})" if contact_url else f"newsarchive/{__version__}"


def derive_user_agent(settings) -> None:
    """USER_AGENT from NEWSARCHIVE_CONTACT_URL, so `-s NEWSARCHIVE_CONTACT_URL=...` (or the setting in a
    deployment) names the operator; a USER_AGENT set by hand (above Scrapy's default priority: crawler/settings.py
    leaves it unset) is left as it is. Called by the spiders' `update_settings`, while the crawl's settings are
    still open."""
    if (settings.getpriority("USER_AGENT") or 0) <= SETTINGS_PRIORITIES["default"]:
        # At spider priority, as custom_settings: a CrawlerProcess re-applies its own (project) settings to
        # the crawlers it is handed.
        settings.set("USER_AGENT", user_agent(settings.get("NEWSARCHIVE_CONTACT_URL")), priority="spider")


def new_crawl_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def crawl_id_for(settings) -> str:
    """The crawl id the settings name (the CLI's), else the one id of this process, made when first asked
    for: a plain `scrapy crawl` passes none, and its capture, pipeline and spider must still agree."""
    return settings.get("NEWSARCHIVE_CRAWL_ID") or _process_crawl_id()


@cache
def _process_crawl_id() -> str:
    return new_crawl_id()

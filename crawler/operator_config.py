"""The operator configuration (archive/config.py, DATA/newsarchive.toml) applied to a crawl.

- Precedence of a crawl's settings: the command line (its flags and -s) > the file's [crawl] > the project's
  settings (crawler/settings.py). `crawl_settings` returns the command line's settings with the file's beneath.
- [operator] name -> WARC_OPERATOR (the warcinfo `operator`); contact_url -> NEWSARCHIVE_CONTACT_URL, from which
  crawler/runinfo.py derives the User-Agent.
- A real site (any base URL whose host is not loopback) is never crawled with the project's placeholder
  contact URL: a webmaster must be able to reach whoever is crawling (Heritrix will not start without an
  operator contact either). The mirror and tests, on 127.0.0.0/8, ::1 or localhost, are exempt.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.config import PLACEHOLDER_CONTACT_URL, ConfigError, OperatorConfig, config_path, load
from crawler.setting_values import SettingError, check_settings
from crawler.sites import REQUISITE_MODES, SITES


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_config(data_dir: str | Path) -> OperatorConfig:
    """The configuration of `data_dir`, its [crawl] checked as a crawl would read it; ConfigError (one line)."""
    config = load(data_dir)
    where = config.path or config_path(data_dir)
    requisites = config.crawl.get("requisites")
    if requisites is not None and requisites not in REQUISITE_MODES:
        raise ConfigError(f"{where}: crawl.requisites must be one of {', '.join(REQUISITE_MODES)}, not {requisites!r}")
    try:
        check_settings({str(k): v for k, v in (config.crawl.get("settings") or {}).items()})
    except SettingError as exc:
        raise ConfigError(f"{where}: [crawl] settings: {exc}") from None
    return config


def config_settings(config: OperatorConfig) -> dict[str, Any]:
    """The settings the configuration gives a crawl (beneath the command line's)."""
    settings: dict[str, Any] = {}
    if config.crawl.get("requisites"):
        settings["NEWSARCHIVE_REQUISITES"] = config.crawl["requisites"]
    settings.update({str(k): v for k, v in (config.crawl.get("settings") or {}).items()})
    if config.has_contact:
        settings["NEWSARCHIVE_CONTACT_URL"] = config.contact_url
    if config.name:
        settings["WARC_OPERATOR"] = config.name
    return settings


def crawl_settings(data_dir: str | Path, sites: list[str], base_urls: dict[str, str] | None,
                   settings: dict[str, Any] | None) -> dict[str, Any]:
    """The settings of a crawl of `sites` into `data_dir`: `settings` (the command line's) over the operator
    configuration's. Raises ConfigError (a ValueError, one line) for a broken configuration, or when a real
    site would be crawled with the placeholder contact URL. Nothing is written."""
    config = check_config(data_dir)
    merged = {**config_settings(config), **(settings or {})}
    real = [url for url in crawl_origins(sites, base_urls, merged) if not is_loopback(url)]
    if real and _announces_placeholder(merged):
        raise ConfigError(
            f"refusing to crawl {real[0]} with the placeholder contact URL {PLACEHOLDER_CONTACT_URL}: sites must be "
            f"able to reach the operator. Run `newsarchive config init --data {data_dir}` and set contact_url "
            f"in {config_path(data_dir)} to a page of your own (or pass -s NEWSARCHIVE_CONTACT_URL=...)")
    return merged


def crawl_origins(sites: list[str], base_urls: dict[str, str] | None, settings: dict[str, Any]) -> list[str]:
    """The base URL each site will be crawled at: --base-url, else the NEWSARCHIVE_BASE_URLS setting, else the
    real site."""
    configured = settings.get("NEWSARCHIVE_BASE_URLS") or {}
    if isinstance(configured, str):
        try:
            configured = json.loads(configured)
        except ValueError:
            configured = {}
    configured = configured if isinstance(configured, dict) else {}
    return [(base_urls or {}).get(site) or configured.get(site) or SITES[site].base_url
            for site in sites if site in SITES]


def _announces_placeholder(settings: dict[str, Any]) -> bool:
    """Whether the crawl would tell sites nothing but the project's address: the contact URL in effect is the
    placeholder, and no User-Agent of the operator's own replaces it."""
    agent = settings.get("USER_AGENT")
    if agent:
        return PLACEHOLDER_CONTACT_URL in str(agent)
    contact = str(settings.get("NEWSARCHIVE_CONTACT_URL") or PLACEHOLDER_CONTACT_URL)
    return contact.rstrip("/") == PLACEHOLDER_CONTACT_URL

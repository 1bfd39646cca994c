"""Checking a `-s NAME=VALUE` setting before it is used: `crawl -s` at once, `schedule add -s` when the
schedule is added rather than at every run it would make fail.

A known setting (Scrapy's or newsarchive's, crawler/settings.py) must read as the type of its default, the
way Scrapy will read it: getbool, getint, getfloat (for the integer settings Scrapy reads as floats, such as
DOWNLOAD_TIMEOUT), getdict (JSON); a setting of CHOICES must be one of its words. Other names pass: a component may read settings of its own."""

from __future__ import annotations

from functools import lru_cache

from scrapy.settings import BaseSettings, Settings

from crawler.sites import REQUISITE_MODES

# Settings whose defaults are integers but which Scrapy 2.19 or this project read with getfloat (fractions are
# meant). tests/test_cli_errors.py finds every such getfloat in both and fails when one is missing here.
FLOAT_READ = {"AUTOTHROTTLE_MAX_DELAY", "AUTOTHROTTLE_START_DELAY", "CLOSESPIDER_TIMEOUT", "DNS_TIMEOUT",
              "DOWNLOAD_DELAY", "DOWNLOAD_DELAY_JITTER", "DOWNLOAD_TIMEOUT", "LOGSTATS_INTERVAL",
              "BACKOFF_MAX_DELAY", "CIRCUIT_BREAKER_COOLDOWN", "RETRY_AFTER_MAX", "ROBOTSTXT_CRAWL_DELAY_MAX"}


# Text settings that take one of a few words.
CHOICES = {"NEWSARCHIVE_REQUISITES": REQUISITE_MODES}


class SettingError(ValueError):
    """A setting whose value cannot be read as its type; the message is one line."""


@lru_cache(maxsize=1)
def _defaults() -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return settings


def check_setting(name: str, value) -> None:
    if name in CHOICES:
        if str(value).strip() not in CHOICES[name]:
            raise SettingError(f"{name}={value}: {name} takes one of {', '.join(CHOICES[name])}")
        return
    defaults = _defaults()
    if name not in defaults:
        return
    default = defaults[name]
    probe = Settings({name: value})
    if isinstance(default, bool):
        read, kind = probe.getbool, "true or false"
    elif isinstance(default, int) and name not in FLOAT_READ:
        read, kind = probe.getint, "a whole number"
    elif isinstance(default, (int, float)):
        read, kind = probe.getfloat, "a number"
    elif isinstance(default, (dict, BaseSettings)):
        read, kind = probe.getdict, 'a JSON object, e.g. {"kyodo": "http://127.0.0.1:8001"}'
    else:
        return  # strings, lists (any text is a list), None
    try:
        read(name)
    except (ValueError, TypeError):
        raise SettingError(f"{name}={value}: {name} takes {kind}") from None


def check_settings(settings: dict) -> None:
    for name, value in settings.items():
        check_setting(name, value)

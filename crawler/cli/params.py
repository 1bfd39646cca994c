"""Click parameter types shared by the commands, so a bad value is refused while the command line is read:
before any file is created, any database opened or Scrapy started.

`bad_values` on a type lists values it must refuse; tests/test_cli_errors.py tries them on every option."""

from __future__ import annotations

import math

import click

from archive.access import ACCESS_STATES
from archive.filters import SearchError, date_bound
from crawler.sites import DISCOVERY_MODES, SITES
from crawler.urls import origin

SQLITE_MAX_INT = 2 ** 63 - 1


def count(low: int = 1, high: int = SQLITE_MAX_INT) -> click.IntRange:
    """A bounded integer: an unbounded one reaches SQLite (64-bit) or date arithmetic and overflows there."""
    return click.IntRange(low, high)


class Fraction(click.FloatRange):
    """A bounded number that is a number: click's FloatRange lets `nan` through (no comparison fails for it),
    and `inf` where a bound is open."""

    bad_values = ("nan", "inf", "-inf")

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


SITE = click.Choice(sorted(SITES))
ACCESS = click.Choice(ACCESS_STATES)


class DateType(click.ParamType):
    """YYYY-MM-DD (a whole UTC day) or an ISO 8601 time (no offset: UTC): the one reading of a date that
    `crawl`, `search`, `export` and `parse` share. Passed on as the text given."""

    name = "date"
    bad_values = ("2024-02-30", "9999-12-31", "yesterday")

    def convert(self, value, param, ctx):
        text = str(value).strip()
        try:  # both ends of the day must exist: 9999-12-31 has no end
            date_bound(text, "since"), date_bound(text, "until")
        except (SearchError, ValueError, OverflowError):
            self.fail(f"{value!r} is not a date: use YYYY-MM-DD or an ISO 8601 time such as "
                      "2024-05-01T09:00:00+09:00", param, ctx)
        return text


DATE = DateType()


def check_window(since: str | None, until: str | None) -> None:
    if since and until and date_bound(since, "since") >= date_bound(until, "until"):
        raise click.BadParameter(f"{since} is after --until {until}", param_hint="'--since'")


class DiscoveryModes(click.ParamType):
    """Kyodo's discovery modes, comma-separated."""

    name = "modes"
    bad_values = ("bogus", "feed,nope")

    def convert(self, value, param, ctx):
        modes = [mode.strip() for mode in str(value).split(",") if mode.strip()]
        unknown = [mode for mode in modes if mode not in DISCOVERY_MODES]
        if unknown or not modes:
            self.fail(f"unknown discovery mode(s) {', '.join(unknown) or repr(value)}; choose from "
                      f"{', '.join(DISCOVERY_MODES)}", param, ctx)
        return ",".join(modes)


class SiteURL(click.ParamType):
    """SITE=URL, SITE a known site and URL an http(s) URL with a host. Gives (site, url)."""

    name = "site=url"
    bad_values = ("kyodo", "kyodo=not a url", "bogus=http://127.0.0.1:1", "kyodo=ftp://h/")

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        site, sep, url = str(value).partition("=")
        site, url = site.strip(), url.strip()
        if not sep or not site or not url:
            self.fail(f"expected SITE=URL, got {value!r}", param, ctx)
        if site not in SITES:
            self.fail(f"unknown site {site!r} in {value!r}; known: {', '.join(sorted(SITES))}", param, ctx)
        if origin(url) is None or any(c.isspace() for c in url):  # the scope's own reading of a URL
            self.fail(f"{url!r} is not an http(s) URL with a host", param, ctx)
        return site, url


class Setting(click.ParamType):
    """NAME=VALUE, a Scrapy or newsarchive setting; a known setting's value must read as the type of its
    default (crawler/setting_values.py). Gives (name, value)."""

    name = "name=value"
    bad_values = ("NOVALUE", "DOWNLOAD_DELAY=abc", "RETRY_ENABLED=maybe")

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        from crawler.setting_values import SettingError, check_setting

        name, sep, text = str(value).partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name or not text:
            self.fail(f"expected NAME=VALUE, got {value!r}", param, ctx)
        try:
            check_setting(name, text)
        except SettingError as exc:
            self.fail(str(exc), param, ctx)
        return name, text


class ArticleKey(click.ParamType):
    """URL|ID of an article: digits are an id (which SQLite holds in 64 bits), anything else a URL."""

    name = "url|id"
    bad_values = ("100000000000000000000000", " ")

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if not text:
            self.fail("empty: give an article id or URL", param, ctx)
        if text.isdigit() and not 0 < int(text) <= SQLITE_MAX_INT:
            self.fail(f"{text} is not an article id (1 to {SQLITE_MAX_INT})", param, ctx)
        return text


def by_site(pairs) -> dict[str, list[str]]:
    """SITE=URL values of a repeatable option (SiteURL), gathered per site in the order given."""
    found: dict[str, list[str]] = {}
    for site, url in pairs:
        found.setdefault(site, []).append(url)
    return found

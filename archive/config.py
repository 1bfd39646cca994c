"""Operator configuration: one TOML file per data directory, `DATA/newsarchive.toml` (`newsarchive config`).

    [operator]
    name = "Example University Library, Web Archive"     # warcinfo `operator`, BagIt Source-Organization
    contact_url = "https://library.example.org/newsarchive"  # in the User-Agent: how a site reaches us
    email = "webarchive@library.example.org"

    [alarms]                       # where crawl health alarms go (archive/alarms.py); each one is optional
    command = ["/usr/local/bin/page-me"]   # findings as JSON on stdin
    webhook = "https://chat.example.org/hooks/abc"  # JSON POST
    [alarms.smtp]
    host = "smtp.example.org"
    port = 587
    starttls = true
    sender = "newsarchive@library.example.org"
    to = ["webarchive@library.example.org"]
    username = "newsarchive"
    password_env = "NEWSARCHIVE_SMTP_PASSWORD"   # the password itself stays out of the file

    [crawl]                        # defaults of every crawl and schedule in this data directory
    requisites = "pages"
    settings = { DOWNLOAD_DELAY = 2.0 }

    [systemd]
    user = "newsarchive"           # `schedule install --print systemd` runs as this user

    [replay]                       # where this archive's captures replay (pywb): citations and exports link there
    url = "http://127.0.0.1:8002/newsarchive"

A missing file means the defaults below; a file that cannot be read or holds a wrong type is a ConfigError
with one line naming the file and the key. Pure data: no Scrapy here (crawler/operator.py applies it to a
crawl and checks [crawl] against the crawl's settings). `newsarchive config init|show|check` are the
command-line twins of `init`, `effective` and `load`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.replay import DEFAULT_REPLAY_BASE

CONFIG_FILE = "newsarchive.toml"
# The project's own address: a crawl of a real site must name its operator instead (Heritrix will not start
# without an operator contact either). The mirror and tests, on loopback, are exempt.
PLACEHOLDER_CONTACT_URL = "https://github.com/newsarchive/newsarchive"


class ConfigError(ValueError):
    """The operator configuration cannot be used; the message is one line, fit for the command line."""


@dataclass
class SMTPTarget:
    host: str
    sender: str
    to: list[str]
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None


@dataclass
class AlarmTargets:
    command: list[str] | None = None
    webhook: str | None = None
    smtp: SMTPTarget | None = None

    @property
    def any(self) -> bool:
        return bool(self.command or self.webhook or self.smtp)


@dataclass
class OperatorConfig:
    path: Path | None = None  # the file read, None when there was none
    name: str = ""
    contact_url: str = PLACEHOLDER_CONTACT_URL
    email: str = ""
    alarms: AlarmTargets = field(default_factory=AlarmTargets)
    crawl: dict[str, Any] = field(default_factory=dict)  # [crawl]: requisites, settings, ...
    systemd_user: str | None = None
    replay_url: str = DEFAULT_REPLAY_BASE  # [replay] url: the pywb collection citations and exports link to

    @property
    def has_contact(self) -> bool:
        """Whether the operator named their own contact URL (not the project's placeholder)."""
        return bool(self.contact_url) and self.contact_url.rstrip("/") != PLACEHOLDER_CONTACT_URL


# `newsarchive config init` writes this: every key present, the ones an operator must edit uncommented.
TEMPLATE = f"""\
# newsarchive operator configuration for this data directory (`newsarchive config show` prints what is in
# effect, `newsarchive config check` validates it). Every crawl, canary and schedule run here reads it.

[operator]
# Who runs this archive: the warcinfo record's `operator` field and the BagIt Source-Organization.
name = ""
# Where a site's webmaster reaches you: sent in the User-Agent of every request,
# "newsarchive/<version> (+contact_url)". Crawling a real site is refused while this is the
# project's placeholder ({PLACEHOLDER_CONTACT_URL}): put a page of your own here.
contact_url = "{PLACEHOLDER_CONTACT_URL}"
email = ""

[alarms]
# Where crawl health alarms go; each target is optional (none: findings are only recorded).
# command = ["/usr/local/bin/page-me"]            # findings as JSON on stdin
# webhook = "https://chat.example.org/hooks/abc"  # JSON POST

# [alarms.smtp]
# host = "smtp.example.org"
# port = 587
# starttls = true
# sender = "newsarchive@example.org"
# to = ["webarchive@example.org"]
# username = "newsarchive"
# password_env = "NEWSARCHIVE_SMTP_PASSWORD"      # the password itself stays out of this file

[crawl]
# Defaults of every crawl, canary and scheduled run here. A command line's own flags and -s win over
# these; these win over the project's settings (crawler/settings.py).
# requisites = "pages"                            # none, pages or all
# settings = {{ DOWNLOAD_DELAY = 2.0 }}

[systemd]
# The user `newsarchive schedule install --print systemd` runs the units as (never root by default).
# user = "newsarchive"

[replay]
# The pywb collection replaying this archive: citations and exports give each capture's replay URL under it.
# url = "{DEFAULT_REPLAY_BASE}"
"""
CRAWL_KEYS = ("requisites", "settings")


def config_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / CONFIG_FILE


def load(data_dir: str | Path) -> OperatorConfig:
    """The operator configuration of `data_dir`; the defaults when it has no newsarchive.toml."""
    path = config_path(data_dir)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return OperatorConfig()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it: {exc}") from None
    return parse(text, path)


def parse(text: str, path: Path | None = None) -> OperatorConfig:
    where = str(path or CONFIG_FILE)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    unknown = set(raw) - {"operator", "alarms", "crawl", "systemd", "replay"}
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}; "
                          "known: operator, alarms, crawl, systemd, replay")
    operator = _table(raw, "operator", where)
    alarms = _table(raw, "alarms", where)
    smtp = _table(alarms, "smtp", where, "alarms.smtp")
    command = alarms.get("command")
    if isinstance(command, str):
        command = [command]
    config = OperatorConfig(
        path=path,
        name=_text(operator, "name", where, "operator.name") or "",
        contact_url=_text(operator, "contact_url", where, "operator.contact_url") or PLACEHOLDER_CONTACT_URL,
        email=_text(operator, "email", where, "operator.email") or "",
        alarms=AlarmTargets(command=_strings(command, where, "alarms.command"),
                            webhook=_text(alarms, "webhook", where, "alarms.webhook")),
        crawl=_crawl(_table(raw, "crawl", where), where),
        systemd_user=_text(_table(raw, "systemd", where), "user", where, "systemd.user"),
        replay_url=(_text(_table(raw, "replay", where), "url", where, "replay.url") or DEFAULT_REPLAY_BASE).rstrip("/"))
    if smtp:
        missing = [k for k in ("host", "sender", "to") if not smtp.get(k)]
        if missing:
            raise ConfigError(f"{where}: [alarms.smtp] needs {', '.join(missing)}")
        to = smtp["to"]
        config.alarms.smtp = SMTPTarget(
            host=_text(smtp, "host", where, "alarms.smtp.host"), sender=_text(smtp, "sender", where, "alarms.smtp.sender"),
            to=_strings([to] if isinstance(to, str) else to, where, "alarms.smtp.to"),
            port=_int(smtp, "port", 25, where), starttls=bool(smtp.get("starttls", False)),
            username=_text(smtp, "username", where, "alarms.smtp.username"),
            password_env=_text(smtp, "password_env", where, "alarms.smtp.password_env"))
    return config


def init(data_dir: str | Path) -> Path:
    """Write the commented template to DATA/newsarchive.toml; ConfigError when a file is there already."""
    path = config_path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as out:
            out.write(TEMPLATE)
    except FileExistsError:
        raise ConfigError(f"{path} exists already; edit it, or move it aside to start again") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write it: {exc}") from None
    return path


def effective(config: OperatorConfig) -> dict[str, Any]:
    """What is in effect, as `config show` prints it. No secret: the SMTP password is named by its
    environment variable only (and whether that is set), a webhook URL shows only its scheme and host (its
    path is often the token)."""
    import os
    from urllib.parse import urlsplit

    smtp = config.alarms.smtp
    webhook = config.alarms.webhook
    if webhook:
        parts = urlsplit(webhook)
        webhook = f"{parts.scheme}://{parts.hostname or ''}{'/...' if parts.path.strip('/') or parts.query else ''}"
    return {
        "file": str(config.path) if config.path else None,
        "operator": {"name": config.name, "contact_url": config.contact_url, "email": config.email,
                     "placeholder_contact": not config.has_contact},
        "alarms": {"command": config.alarms.command, "webhook": webhook,
                   "smtp": None if smtp is None else {
                       "host": smtp.host, "port": smtp.port, "starttls": smtp.starttls, "sender": smtp.sender,
                       "to": smtp.to, "username": smtp.username, "password_env": smtp.password_env,
                       "password_set": bool(smtp.password_env and os.environ.get(smtp.password_env))}},
        "crawl": config.crawl,
        "systemd": {"user": config.systemd_user},
        "replay": {"url": config.replay_url},
    }


def _crawl(raw: dict, where: str) -> dict:
    unknown = set(raw) - set(CRAWL_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} in [crawl]; known: "
                          f"{', '.join(CRAWL_KEYS)}")
    _text(raw, "requisites", where, "crawl.requisites")
    _table(raw, "settings", where, "crawl.settings")
    return raw


def _table(raw: dict, key: str, where: str, label: str | None = None) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {label or key} must be a table ([{label or key}])")
    return value


def _text(raw: dict, key: str, where: str, label: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}: {label} must be a string, not {type(value).__name__}")
    return value


def _strings(value, where: str, label: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: {label} must be a non-empty list of strings")
    return list(value)


def _int(raw: dict, key: str, default: int, where: str) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536:
        raise ConfigError(f"{where}: alarms.smtp.{key} must be a port number (1-65535)")
    return value

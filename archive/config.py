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

A missing file means the defaults below; a file that cannot be read or holds a wrong type is a ConfigError
with one line naming the file and the key. Pure data: no Scrapy here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

    @property
    def has_contact(self) -> bool:
        """Whether the operator named their own contact URL (not the project's placeholder)."""
        return bool(self.contact_url) and self.contact_url.rstrip("/") != PLACEHOLDER_CONTACT_URL


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
    unknown = set(raw) - {"operator", "alarms", "crawl", "systemd"}
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}; "
                          "known: operator, alarms, crawl, systemd")
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
        crawl=_table(raw, "crawl", where),
        systemd_user=_text(_table(raw, "systemd", where), "user", where, "systemd.user"))
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

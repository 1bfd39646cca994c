"""`newsarchive config init|show|check`: the operator configuration of a data directory, DATA/newsarchive.toml.
Thin shells over archive.config (`init`, `effective`) and crawler.operator_config (`check_config`)."""

from __future__ import annotations

import json

import click

from crawler.cli.errors import OneLineGroup, fail
from crawler.cli.options import data_option


@click.group(cls=OneLineGroup)
def config():
    """Operator configuration (DATA/newsarchive.toml): operator name and contact URL (User-Agent, warcinfo),
    alarm targets, crawl defaults, the systemd user."""


@config.command("init")
@data_option
def init(data_dir):
    """Write a commented DATA/newsarchive.toml to edit (never over an existing one)."""
    from archive.config import ConfigError, init as write_template

    try:
        path = write_template(data_dir)
    except ConfigError as exc:
        fail(exc)
    click.echo(f"wrote {path}: set [operator] name and contact_url before crawling the real sites")


@config.command("show")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@data_option
def show(fmt, data_dir):
    """Print the configuration in effect (defaults where the file is silent; no secrets)."""
    from archive.config import ConfigError, effective
    from archive.terminal import json_text, printable
    from crawler.operator_config import check_config

    try:
        shown = effective(check_config(data_dir))
    except ConfigError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(json_text(shown, indent=2))
        return
    click.echo(f"file: {shown.pop('file') or 'none (defaults; `newsarchive config init` writes one)'}")
    for key, value in _flat(shown):
        click.echo(printable(f"{key} = {json.dumps(value, ensure_ascii=False)}", keep=""))


@config.command("check")
@data_option
def check(data_dir):
    """Validate DATA/newsarchive.toml: one line, exit 0 when it can be used, exit 2 (`error: ...`) when not."""
    from archive.config import ConfigError, config_path
    from crawler.operator_config import check_config

    try:
        found = check_config(data_dir)
    except ConfigError as exc:
        fail(exc)
    if found.path is None:
        click.echo(f"ok: no {config_path(data_dir)}, the defaults apply (real sites are refused until "
                   "contact_url is set)")
    elif not found.has_contact:
        click.echo(f"ok: {found.path} (contact_url is the placeholder: real sites are refused until it is set)")
    else:
        click.echo(f"ok: {found.path}")


def _flat(value, prefix: str = ""):
    """('operator.name', 'x'), ...: nested tables as dotted keys, as TOML reads them."""
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and item and key != "settings":
            yield from _flat(item, name + ".")
        else:
            yield name, item


COMMANDS = (config,)

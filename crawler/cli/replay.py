"""`newsarchive replay install` and `replay status`: pywb, the replay engine `newsarchive serve` runs beside
Datasette, in a virtual environment of its own. Thin shells over `archive.replay.install`, `find_wayback` and
`pywb_version`."""

from __future__ import annotations

import sys

import click

from crawler.cli.errors import fail


@click.group()
def replay():
    """pywb, which replays the archived pages for `newsarchive serve`, each capture by its time.

    pywb lives in a virtual environment of its own (its pinned dependencies clash with ours): the one named by
    NEWSARCHIVE_PYWB_VENV, else $XDG_DATA_HOME/newsarchive/pywb-venv (~/.local/share/newsarchive/pywb-venv);
    a `wayback` on PATH is used when that has none."""


@replay.command()
def install():
    """Install pywb (the pinned version) into its virtual environment, unless it is there (needs network)."""
    from archive.replay import InstallError, PYWB_VERSION, install as install_pywb, venv_path

    try:
        seconds = install_pywb(progress=lambda line: click.echo(line, err=True))
    except InstallError as exc:
        fail(f"pywb {PYWB_VERSION} could not be installed{' (no network?)' if exc.network else ''}: "
             f"{str(exc).splitlines()[0]}", 1)
    except OSError as exc:
        fail(f"pywb could not be installed in {venv_path()}: {exc}", 1)
    done = f"installed in {seconds:.0f} s" if seconds else "already installed"
    click.echo(f"pywb {PYWB_VERSION} {done} at {venv_path()}")


@replay.command()
def status():
    """Say where pywb is and its version, or how to get it (exit 1 when there is none)."""
    from archive.replay import HOW_TO_GET, PYWB_VERSION, find_wayback, pywb_version, venv_path

    wayback = find_wayback()
    if wayback is None:
        click.echo(f"pywb: not installed (no {venv_path()}/bin/wayback, no `wayback` on PATH); {HOW_TO_GET}")
        sys.exit(1)
    version = pywb_version(wayback)
    note = "" if version == PYWB_VERSION else \
        f" (tested with {PYWB_VERSION}; `newsarchive replay install` installs it)" if version else \
        " (it does not answer `wayback --version`)"
    click.echo(f"pywb {version or '?'} at {wayback}{note}")


COMMANDS = (replay,)

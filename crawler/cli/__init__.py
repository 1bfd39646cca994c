"""`newsarchive`: the command line. Owns the root group `main` (the console script's entry point) and adds to
it the commands of the modules beside it, one module per group of commands:

- `crawl`: crawl, mirror, parse, demo (fetching and parsing pages)
- `research`: search, show, history, stats, export, export wacz (reading the archive)
- `missed`: missed (what a crawl discovered and did not fetch)
- `publish`: reindex, report, serve, verify (rebuilding, publishing and checking the archive)
- `schedule`: schedule ..., scheduler (scheduled crawls)
- `config`: config init/show/check (the operator configuration, DATA/newsarchive.toml)
- `canary`: canary (a few of the newest articles, checked against earlier canaries)
- `edits`: edits, cite (edited articles and citations)
- `replay`: replay install/status (pywb, which `serve` runs beside Datasette)
- `trend`: trend (articles matching a query per period and site)

Each command is a thin shell over a Python function of the same job. The command modules never import this
package's `__init__`: they share options through `options`, parameter types through `params` and the error
style through `errors`, so that registering them here makes no import loop."""

from __future__ import annotations

import click

from crawler.cli import canary, config, crawl, edits, missed, publish, replay, research, schedule, trend
from crawler.cli.errors import OneLineGroup


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def main():
    """newsarchive: crawl news sites into WARC files and a searchable SQLite index.

    A mistake in a command line is one line on stderr (`error: ...`) and exit status 2, as is an archive
    database that cannot be read or an output file that cannot be written."""


for command in (*crawl.COMMANDS, *canary.COMMANDS, *research.COMMANDS, *missed.COMMANDS, *publish.COMMANDS,
                *schedule.COMMANDS, *config.COMMANDS, *edits.COMMANDS, *replay.COMMANDS,
                *trend.COMMANDS):
    main.add_command(command)

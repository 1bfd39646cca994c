"""One error style for every command: `error: WHAT` on one line of stderr, exit status 2 for anything the
invocation got wrong (a bad value, a missing argument, an output file that cannot be written, an archive
database that cannot be read), never a traceback. A command that ran and failed keeps its own status (1)."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import contextmanager
from typing import Iterator

import click

from archive.outfile import OutputError
from archive.sqlite_files import DatabaseUnreadable
from archive.storage import DISK_FULL, storage_problem

NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click 8.2+
EX_IOERR = 74  # sysexits.h, as `newsarchive crawl` on a full disk (crawler/core/halt.py)
DATA_DIR_KEY = "newsarchive.data_dir"  # click context meta (shared by nested contexts): the archive in use


def fail(message: object, status: int = 2) -> None:
    click.echo(f"error: {' '.join(str(message).split())}", err=True)
    sys.exit(status)


@contextmanager
def crawl_errors(data_dir) -> Iterator[None]:
    """What stops a crawl or a canary before it runs, as one line: a site or the index busy (EX_TEMPFAIL: try
    again later), a mistake in its arguments (2), a full disk met by the locks, repair or catch-up (EX_IOERR)."""
    from archive.indexlock import BUSY_EXIT, IndexBusy
    from crawler.core.halt import Halt
    from crawler.scheduling.locks import SiteBusy

    try:
        yield
    except (SiteBusy, IndexBusy) as exc:
        fail(exc, BUSY_EXIT)
    except ValueError as exc:
        fail(exc)
    except (OSError, sqlite3.Error) as exc:
        problem = storage_problem(exc)
        if problem is None:
            raise
        click.echo(Halt(problem, None, f"{type(exc).__name__}: {exc}").line(data_dir), err=True)
        sys.exit(EX_IOERR)


def remember_data_dir(ctx: click.Context, param: click.Parameter, value):
    """`--data` callback: an error from a database deep in a command can still name the archive."""
    ctx.meta[DATA_DIR_KEY] = value
    return value


class OneLineGroup(click.Group):
    """The root `newsarchive` group (and its subgroups): click's usage errors and the archive's own errors as
    one line each."""

    group_class = type  # subgroups are OneLineGroups too

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            status = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            fail("interrupted", 1)
        except NO_ARGS_IS_HELP as exc:  # `newsarchive` or `newsarchive schedule` alone: the help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        # Without standalone mode click returns ctx.exit()'s status (--help, --version) instead of exiting.
        sys.exit(status if isinstance(status, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (DatabaseUnreadable, OutputError) as exc:
            fail(exc)
        except (OSError, sqlite3.Error) as exc:
            problem = storage_problem(exc)
            data = ctx.meta.get(DATA_DIR_KEY) or "the archive"
            if problem == DISK_FULL:  # the disk, not the archive: the crawl's status for it (crawler/core/halt.py)
                fail(f"no space left on device for {data} ({type(exc).__name__}: {exc}); free some space there "
                     "and run the command again", EX_IOERR)
            if not isinstance(exc, sqlite3.DatabaseError):
                raise
            # damage found past the opening checks, deep in a query
            fail(f"{data}: a database cannot be read ({exc}); `newsarchive verify --data {data}` checks the "
                 f"archive and `newsarchive reindex` rebuilds index.db from the WARC files")

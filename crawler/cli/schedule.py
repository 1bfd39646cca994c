"""`newsarchive schedule` (add, list, remove, pause, resume, history, check, run, run-due, install) and
`newsarchive scheduler`: scheduled crawls.

Thin shells over crawler.scheduling.store (ScheduleStore, Schedule, problems), crawler.scheduling.runner.Scheduler
(`run_due`, `run_forever`) and crawler.scheduling.install (cron_lines, systemd_units).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import datetime
from pathlib import Path

import click

from crawler.cli.errors import OneLineGroup, fail
from crawler.cli.options import asset_url_option, data_option, requisites_option
from crawler.cli.params import DiscoveryModes, Fraction, Setting, SiteURL, by_site, count

# name, sites, when, crawl options: Kyodo's feed and first listing pages hourly; a daily sitemap pass over the
# last week for what those missed; Inakoran (home page, sitemaps, feeds) every four hours.
DEFAULTS = [
    ("kyodo-feed", ["kyodo"], {"every": "1h"}, {"discover": "feed,listings"}),
    ("kyodo-sitemap", ["kyodo"], {"cron": "17 3 * * *"}, {"discover": "sitemap", "since_days": 7}),
    ("inakoran", ["inakoran"], {"every": "4h"}, {}),
]
jitter_options = [
    click.option("--jitter", type=Fraction(0, 1), default=0.05, show_default=True,
                 help="Start each run up to this fraction of its interval late (spreads load; 0: none)."),
    click.option("--max-jitter", type=Fraction(0, 86400), default=300, show_default=True,
                 help="...but at most this many seconds late."),
]


def _with(options):
    def decorate(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn
    return decorate


def _store(data_dir: str, create: bool = True):
    from crawler.scheduling.store import ScheduleStore

    return ScheduleStore(data_dir, create=create)


def _moment(when: datetime | None, now: datetime) -> str:
    from crawler.scheduling.store import format_duration

    if when is None:
        return "-"
    delta = (when - now).total_seconds()
    relative = "now" if abs(delta) < 1 else f"in {format_duration(delta)}" if delta > 0 else f"{format_duration(delta)} ago"
    return f"{when.strftime('%Y-%m-%d %H:%MZ')} ({relative})"


def _table(header: tuple[str, ...], rows: list[tuple]) -> str:
    cells = [header] + [tuple("-" if v is None else str(v) for v in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


@click.group(cls=OneLineGroup)
def schedule():
    """Crawl schedules: add, list, pause, check them; `newsarchive scheduler` runs them.

    Stored in DATA/schedules.db (a reindex never touches it); every run is a `crawls` row whose `schedule`
    column names the schedule.
    """


@schedule.command("add")
@click.argument("name", required=False)
@click.option("--sites", default=None, metavar="SITE[,SITE]", help="Sites to crawl (kyodo, inakoran).")
@click.option("--cron", default=None, metavar="EXPR", help='Cron expression, e.g. "0 * * * *" (5 fields, or @daily).')
@click.option("--every", default=None, metavar="INTERVAL", help="Interval: 30m, 1h, 6h, 1d, 1h30m.")
@click.option("--tz", default="UTC", show_default=True, help="Time zone the cron expression is read in.")
@click.option("--discover", type=DiscoveryModes(), default=None, metavar="MODES",
              help="Kyodo discovery: feed,listings,sitemap.")
@click.option("--since-days", type=count(0, 36_500), default=None,
              help="Only articles dated in the last N days (--since computed at each run).")
@click.option("--max-articles", type=count(), default=None, help="Stop after this many articles per site.")
@click.option("--max-pages", type=count(), default=None, help="Stop after this many pages per site.")
@click.option("--base-url", "base_urls", multiple=True, metavar="SITE=URL", type=SiteURL(),
              help="Crawl SITE at URL (a mirror).")
@asset_url_option
@requisites_option
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", type=Setting(),
              help="Scrapy setting override, checked now against the setting's type (not at every run).")
@click.option("--refresh", is_flag=True, help="Fetch articles again even when the index holds them.")
@click.option("--retry-gated", is_flag=True, help="Fetch again articles held only as gated/expired.")
@click.option("--canary", is_flag=True,
              help="Run `newsarchive canary` (--max-articles newest articles per site, health-checked) instead of a "
                   "crawl.")
@click.option("--paused", is_flag=True, help="Add it paused (`schedule resume` starts it).")
@click.option("--replace", is_flag=True, help="Replace a schedule of the same name.")
@click.option("--defaults", is_flag=True,
              help="Add the recommended schedules: kyodo-feed (hourly), kyodo-sitemap (daily), inakoran (every 4h).")
@data_option
def add(name, sites, cron, every, tz, discover, since_days, max_articles, max_pages, base_urls, asset_urls,
        requisites, settings, refresh, retry_gated, canary, paused, replace, defaults, data_dir):
    """Add schedule NAME: crawl --sites on a --cron expression or --every interval.

    A new --every schedule is due at once, a --cron one at its next time. However long the scheduler was
    down, a schedule catches up with one run.
    """
    from crawler.scheduling.store import Schedule, ScheduleError, parse_every
    from crawler.sites import SITES

    options = {"discover": discover, "since_days": since_days, "max_articles": max_articles,
               "max_pages": max_pages, "base_urls": dict(base_urls), "asset_urls": by_site(asset_urls),
               "requisites": requisites, "settings": dict(settings), "refresh": refresh, "retry_gated": retry_gated}
    if canary:  # a canary chooses its own articles: only the bound, the origins and settings apply
        crawl_only = [flag for flag, key in (("--discover", "discover"), ("--since-days", "since_days"),
                                             ("--max-pages", "max_pages"), ("--requisites", "requisites"),
                                             ("--refresh", "refresh"), ("--retry-gated", "retry_gated"),
                                             ("--defaults", "defaults"))
                      if (defaults if key == "defaults" else options[key]) not in (None, False)]
        if crawl_only:
            fail(f"--canary takes no {', '.join(crawl_only)} (a canary fetches the newest articles again; "
                 "--max-articles sets how many)")
        options["canary"] = True
    if defaults:
        if name or sites or cron or every:
            raise click.UsageError("--defaults takes no NAME, --sites, --cron or --every")
        todo = [(n, s, when, {**{k: v for k, v in options.items() if v}, **opts}) for n, s, when, opts in DEFAULTS]
    else:
        if not name or not sites or not (cron or every):
            raise click.UsageError("give NAME, --sites and one of --cron/--every (or --defaults)")
        todo = [(name, [s.strip() for s in sites.split(",") if s.strip()], {"cron": cron, "every": every},
                 {k: v for k, v in options.items() if v or (k == "since_days" and v is not None)})]
    items = []  # every definition is checked before schedules.db is opened (or created)
    for sched_name, site_list, when, opts in todo:
        unknown = [s for s in site_list if s not in SITES]
        if unknown:
            fail(f"unknown site(s) {', '.join(unknown)}; known: {', '.join(sorted(SITES))}")
        if opts.get("base_urls"):  # --defaults: each schedule takes the base URLs of its own sites
            stray = [s for s in opts["base_urls"] if s not in site_list]
            if stray and not defaults:
                fail(f"--base-url for {', '.join(stray)}, which schedule {sched_name} does not crawl")
            opts = {**opts, "base_urls": {s: u for s, u in opts["base_urls"].items() if s in site_list}}
        if opts.get("asset_urls"):  # likewise
            stray = [s for s in opts["asset_urls"] if s not in site_list]
            if stray and not defaults:
                fail(f"--asset-url for {', '.join(stray)}, which schedule {sched_name} does not crawl")
            opts = {**opts, "asset_urls": {s: u for s, u in opts["asset_urls"].items() if s in site_list}}
        try:
            items.append(Schedule(sched_name, site_list, cron=when.get("cron"), tz=tz, paused=paused, options=opts,
                                  every=parse_every(when["every"]) if when.get("every") else None))
        except ScheduleError as exc:
            fail(str(exc))
    store = _store(data_dir)
    now = None
    for item in items:
        if defaults and store.get(item.name) and not replace:
            click.echo(f"{item.name}: exists, kept")
            continue
        try:
            store.add(item, replace=replace)
        except ScheduleError as exc:
            fail(str(exc))
        from crawler.scheduling.store import utcnow

        now = now or utcnow()
        extra = item.options_text()
        click.echo(f"{item.name}: {','.join(item.sites)} {item.when}{(' ' + extra) if extra else ''}; "
                   f"{'paused' if paused else 'next run ' + _moment(item.next_run, now)}")


@schedule.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_with(jitter_options)
@data_option
def list_(fmt, jitter, max_jitter, data_dir):
    """Schedules with their next run (its slot) and when it starts (the slot plus its jitter, as a scheduler with
    the same --jitter/--max-jitter starts it), last run and its outcome, and failures in a row."""
    from crawler.scheduling.store import to_text, utcnow

    store, now = _store(data_dir, create=False), utcnow()
    found = [(item, store.last_run(item.name), store.consecutive_failures(item.name)) for item in store.all()]
    if fmt == "json":
        click.echo(json.dumps([{**item.to_dict(), "starts": None if item.paused else to_text(item.due_at(jitter, max_jitter)),
                                "failures": failures, "last_run": last.to_dict() if last else None}
                               for item, last, failures in found], indent=2))
        return
    if not found:
        click.echo("no schedules (add some: newsarchive schedule add --defaults)")
        return
    rows = []
    for item, last, failures in found:
        outcome = last and {"running": f"running (pid {last.pid})",
                            "failed": f"failed (exit {last.exit_code})"}.get(last.outcome, last.outcome)
        starts = None if item.paused else item.due_at(jitter, max_jitter).strftime("%H:%M:%SZ")
        rows.append((item.name, ",".join(item.sites), item.when + (" canary" if item.verb == "canary" else ""),
                     "-" if item.paused else _moment(item.next_run, now), starts,
                     _moment(last.started, now) if last else None, outcome, failures,
                     "paused" if item.paused else "active"))
    click.echo(_table(("name", "sites", "when", "next run", "starts", "last run", "outcome", "failures", "state"),
                      rows))


@schedule.command("remove")
@click.argument("name")
@data_option
def remove(name, data_dir):
    """Remove schedule NAME (its run history stays)."""
    if not _store(data_dir, create=False).remove(name):
        fail(f"no schedule {name!r}")
    click.echo(f"removed {name}")


@schedule.command("pause")
@click.argument("name")
@data_option
def pause(name, data_dir):
    """Pause schedule NAME: no runs until `schedule resume` (a running crawl is left to finish)."""
    if not _store(data_dir, create=False).set_paused(name, True):
        fail(f"no schedule {name!r}")
    click.echo(f"paused {name}")


@schedule.command("resume")
@click.argument("name")
@data_option
def resume(name, data_dir):
    """Resume schedule NAME; if runs were missed meanwhile, one run catches up at once."""
    store = _store(data_dir, create=False)
    if not store.set_paused(name, False):
        fail(f"no schedule {name!r}")
    from crawler.scheduling.store import utcnow

    click.echo(f"resumed {name}; next run {_moment(store.get(name).next_run, utcnow())}")


@schedule.command("history")
@click.argument("name", required=False)
@click.option("--limit", type=count(), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@data_option
def history(name, limit, fmt, data_dir):
    """Runs of schedule NAME (default: all), newest first, with their crawl's statistics."""
    from crawler.scheduling.reports import crawl_rows
    from crawler.scheduling.store import format_duration

    runs = _store(data_dir, create=False).runs(name, limit)
    crawls = crawl_rows(data_dir, [r.crawl_id for r in runs])
    if fmt == "json":
        click.echo(json.dumps([{**r.to_dict(), "crawl": crawls.get(r.crawl_id)} for r in runs], indent=2))
        return
    if not runs:
        click.echo("no runs yet")
        return
    rows = []
    for run in runs:
        crawl = crawls.get(run.crawl_id) or {}
        took = format_duration((run.ended - run.started).total_seconds()) if run.ended else None
        rows.append((run.started.strftime("%Y-%m-%d %H:%M:%SZ"), run.schedule, run.outcome, run.exit_code, took,
                     crawl.get("pages"), crawl.get("articles"), crawl.get("errors"), run.crawl_id,
                     (run.reason or "").split(" (")[0]))
    click.echo(_table(("started", "schedule", "outcome", "exit", "took", "pages", "articles", "errors", "crawl",
                       "reason"), rows))


@schedule.command("check")
@click.option("--overdue-factor", type=Fraction(0, 1000, min_open=True), default=2.0, show_default=True,
              help="A run is overdue when it is later than this many times its interval.")
@click.option("-v", "--verbose", is_flag=True, help="Say so when all is well (default: silent, for cron mail).")
@data_option
def check(overdue_factor, verbose, data_dir):
    """Exit 1 and print one line per problem when a schedule's last run failed or was degraded (then its health
    findings and the open alarms of its sites, a line each) or a run is overdue (for cron mail, systemd
    timers, Nagios). Silent with exit 0 when all is well."""
    from crawler.scheduling.reports import degraded_lines, problems
    from crawler.scheduling.store import utcnow

    store = _store(data_dir, create=False)
    found = problems(store, utcnow(), overdue_factor) + degraded_lines(store, data_dir)
    for line in found:
        click.echo(line)
    if found:
        sys.exit(1)
    if verbose:
        click.echo(f"ok: {len(store.all())} schedule(s), none failed, degraded or overdue")


@schedule.command("run")
@click.argument("name")
@data_option
def run_now(name, data_dir):
    """Run schedule NAME now, in the foreground, under the same site locks as the scheduler (exit 75 when a
    site is being crawled). Recorded in its history with reason `manual`; its next slot stays. Exits with the
    crawl's status."""
    from archive.indexlock import BUSY_EXIT
    from crawler.scheduling.locks import SiteBusy
    from crawler.scheduling.runner import Scheduler
    from crawler.scheduling.store import ScheduleError

    if _store(data_dir, create=False).get(name) is None:
        fail(f"no schedule {name!r}")
    scheduler = Scheduler(data_dir)
    try:
        code = scheduler.run_now(name)
    except SiteBusy as exc:
        fail(exc, BUSY_EXIT)
    except ScheduleError as exc:
        fail(exc)
    finally:
        scheduler.close()
    sys.exit(code if 0 <= code < 256 else 1)


@schedule.command("run-due")
@_with(jitter_options)
@data_option
def run_due(jitter, max_jitter, data_dir):
    """One pass: run every due schedule (sites in parallel, one crawl per site at a time) and wait for them;
    for system cron. Exit 1 when a run failed."""
    from crawler.scheduling.runner import Scheduler

    scheduler = Scheduler(data_dir, jitter=jitter, max_jitter=max_jitter)
    sys.exit(scheduler.run_due())


@click.command("scheduler")
@_with(jitter_options)
@data_option
def scheduler_command(jitter, max_jitter, data_dir):
    """Run scheduled crawls until SIGTERM/Ctrl-C; then let running crawls close cleanly and exit."""
    from crawler.scheduling.runner import Scheduler

    Scheduler(data_dir, jitter=jitter, max_jitter=max_jitter).run_forever()


@schedule.command("install")
@click.option("--print", "kind", type=click.Choice(["cron", "systemd", "systemd-timer"]), required=True,
              help="cron: crontab lines for `run-due` and `check`; systemd: a service for the long-running "
                   "scheduler and a timer for `check`; systemd-timer: a timer for `run-due` instead.")
@click.option("--every-minutes", type=click.IntRange(1, 59), default=5, show_default=True,
              help="How often cron/the timer starts `run-due`.")
@data_option
def install(kind, every_minutes, data_dir):
    """Print ready-to-use crontab lines or systemd units (absolute paths of this installation)."""
    from archive.config import ConfigError, load as load_config
    from crawler.scheduling.install import cron_lines, systemd_units

    try:  # [systemd] user of DATA/newsarchive.toml
        configured_user = load_config(data_dir).systemd_user
    except ConfigError as exc:
        fail(exc)
    exe = Path(sys.executable).absolute().parent / "newsarchive"
    command = [str(exe)] if exe.exists() else [str(Path(sys.executable).absolute()), "-m", "crawler.cli"]
    data = Path(data_dir).absolute()
    if kind == "cron":
        click.echo(cron_lines(command, data, every_minutes))
    else:
        click.echo(systemd_units(command, data, timer=kind == "systemd-timer", every_minutes=every_minutes,
                                 user=configured_user or _login_user(), workdir=Path(os.getcwd())))


def _login_user() -> str | None:
    """Who runs this command, unless root: units never run crawls as root unless told to ([systemd] user)."""
    user = getpass.getuser()
    return None if user == "root" or os.geteuid() == 0 else user


COMMANDS = (schedule, scheduler_command)

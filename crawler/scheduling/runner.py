"""The scheduler: runs due crawl schedules as `newsarchive crawl` subprocesses (`newsarchive scheduler`,
`newsarchive schedule run-due`).

- Schedules, due times and run history live in DATA/schedules.db (crawler/scheduling/store.py); every process
  reads them afresh on each pass, so `schedule add/pause/resume` reach a running scheduler within a minute.
- A run starts only when the per-site locks of all its sites are free (crawler/scheduling/locks.py); the scheduler
  holds them for the run's duration and hands them to the crawl process, so no second scheduler, `run-due`
  or manual `newsarchive crawl` crawls the same site meanwhile. Schedules of different sites run side by
  side. A due schedule whose site is busy waits (it is not counted as failed), and so does every schedule
  while a reindex rebuilds the index (archive/indexlock.py): its crawl would stop at once.
- Catch-up: a run moves the schedule's next slot past *now*, so a scheduler back after downtime makes one
  run per schedule, not one per missed slot.
- Stop (SIGTERM or SIGINT): no new runs; one SIGTERM goes to each running crawl (Scrapy then closes
  gracefully: in-flight requests finish, the WARC file and the index are closed consistently) and the
  scheduler waits for them. A second signal sends a second SIGTERM, which makes Scrapy stop at once.
- Every run is a `crawls` row linked to its schedule (`crawls.schedule`): the crawl's own row, or one the
  scheduler writes when the crawl process left none (it failed before starting).
- Says what it will do: when a schedule's slot comes, the jittered time its run starts is logged
  ("kyodo-feed: slot 12:00:00Z, starts 12:01:04Z (jitter 64 s)"); `schedule list` shows it too.
- A crawl exiting 3 (its health checks found something) is a `degraded` run, not a failed one.
- `run_now(name)` (`schedule run NAME`): a run started by hand, in the foreground, under the same site locks,
  recorded with reason `manual` and linked to its crawl, leaving the schedule's next slot where it was.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, TextIO

from archive import indexlock
from archive.index import default_db_path
from archive.lookups import crawl_ids
from crawler.scheduling.store import (DEGRADED_EXIT, Schedule, ScheduleError, ScheduleStore, format_duration, to_text,
                                      utcnow)
from crawler.scheduling import locks

CLI_COMMAND = (sys.executable, "-m", "crawler.cli")
CRAWL_COMMAND = (*CLI_COMMAND, "crawl")
DEFAULT_JITTER = 0.05  # of the interval
DEFAULT_MAX_JITTER = 300.0  # seconds
IDLE_WAKE = 60.0  # seconds: re-read the schedules at least this often
POLL = 1.0  # seconds between looks at running crawls
UTC = timezone.utc
LOGS_KEPT = 100  # crawl logs kept per schedule
_SUMMARY = re.compile(r"^crawl (\S+): WARC files in ", re.M)


@dataclass
class Job:
    schedule: Schedule
    run_id: int
    process: subprocess.Popen
    held: locks.SiteLocks
    started: datetime
    log: Path
    crawls_before: set[str]
    signalled: int = 0


class Scheduler:
    """Runs due schedules. `now` and `sleep` are injectable (tests drive the clock); `crawl_command` is the
    program a run executes, followed by the schedule's `crawl` arguments."""

    def __init__(self, data_dir: str | os.PathLike, *, now: Callable[[], datetime] = utcnow,
                 sleep: Callable[[float], object] | None = None, jitter: float = DEFAULT_JITTER,
                 max_jitter: float = DEFAULT_MAX_JITTER, crawl_command: tuple[str, ...] | list[str] = CRAWL_COMMAND,
                 poll: float = POLL, out: TextIO | None = None):
        self.data_dir = Path(data_dir).absolute()
        self.store = ScheduleStore(self.data_dir)
        self.now, self.jitter, self.max_jitter, self.poll = now, jitter, max_jitter, poll
        self._wake = threading.Event()
        self.sleep = sleep or self._wake.wait
        self.crawl_command = list(crawl_command)
        self.out = out or sys.stderr
        self.jobs: dict[str, Job] = {}  # schedule name -> its running crawl
        self.finished: list[tuple[str, str, int | None]] = []  # (schedule, outcome, exit code) of reaped runs
        self.stopping = 0  # signals received
        self._waiting: dict[str, str] = {}  # schedule -> why it waits (said once)
        self._blocked = False  # a due schedule waited for a busy site in the last tick
        self._announced: dict[str, datetime] = {}  # schedule -> the slot whose start time was logged

    # -- the loop ------------------------------------------------------------------------------------------

    def run_forever(self) -> None:
        """Run due schedules until stopped by SIGTERM/SIGINT (or `stop()`); waits for running crawls."""
        with self._signals():
            jitter = (f"jitter up to {self.jitter:.0%} of the interval, at most {format_duration(self.max_jitter)}"
                      if self.jitter and self.max_jitter else "no jitter")
            self.say(f"scheduler started: data {self.data_dir}, {len(self.store.all())} schedule(s), {jitter}; "
                     "SIGTERM or Ctrl-C stops it once running crawls have closed cleanly")
            while True:
                wait = self.tick()
                if self.stopping and not self.jobs:
                    break
                self.sleep(wait)
                self._wake.clear()
            self.say("scheduler stopped")

    def run_due(self) -> int:
        """One pass: start every due schedule (each at most once), wait for all of them. Exit status 1 when a
        run of this pass failed, else 0."""
        launched: set[str] = set()
        with self._signals():
            while True:
                self.tick(once=launched)
                if not self.jobs:
                    break
                self.sleep(self.poll)
                self._wake.clear()
        return 1 if any(outcome == "failed" for _, outcome, _ in self.finished) else 0

    def tick(self, once: set[str] | None = None) -> float:
        """Reap finished crawls, start due ones; returns the seconds until something may need doing."""
        now = self.now()
        self._reap(now)
        self._blocked = False
        if not self.stopping:
            self._mark_lost(now)
            self._announce(now, once)
            due = [s for s in self.store.all() if not s.paused and s.name not in self.jobs
                   and (once is None or s.name not in once) and now >= s.due_at(self.jitter, self.max_jitter)]
            for name in set(self._waiting) - {s.name for s in due}:
                del self._waiting[name]
            # longest-waiting first: a schedule that keeps coming due cannot starve another of the same site
            for schedule in sorted(due, key=lambda s: s.due_at(self.jitter, self.max_jitter)):
                if self._launch(schedule, now) and once is not None:
                    once.add(schedule.name)
        return self._next_wait(self.now())

    def _announce(self, now: datetime, once: set[str] | None) -> None:
        """Log, once per slot, when the run of each schedule whose slot has come will start (the jitter)."""
        for schedule in self.store.all():
            if schedule.paused or schedule.name in self.jobs or (once and schedule.name in once) \
                    or now < schedule.next_run or self._announced.get(schedule.name) == schedule.next_run:
                continue
            self._announced[schedule.name] = schedule.next_run
            self.say(start_line(schedule, self.jitter, self.max_jitter))

    def command(self, schedule: Schedule, args: list[str]) -> list[str]:
        """The command line of a run: `newsarchive crawl ARGS`, or `newsarchive canary ARGS` for a canary
        schedule; a stand-in program given as crawl_command (tests) is run as it is."""
        if self.crawl_command[-1:] == ["crawl"]:
            return [*self.crawl_command[:-1], schedule.verb, *args]
        return [*self.crawl_command, *args]

    def run_now(self, name: str) -> int:
        """Run schedule `name` now, in the foreground (its output on ours), under the same site locks as the
        scheduler's runs: raises locks.SiteBusy when a site is being crawled, ScheduleError when there is no
        such schedule. The run is a `manual` schedule_runs row linked to its crawl; the schedule's next slot
        stays. Returns the crawl's exit status."""
        schedule = self.store.get(name)
        if schedule is None:
            raise ScheduleError(f"no schedule {name!r}")
        held = locks.acquire(self.data_dir, schedule.sites, owner=f"schedule run {name}")
        try:
            started = self.now()
            command = self.command(schedule, schedule.crawl_args(self.data_dir, started))
            before = crawl_ids(default_db_path(self.data_dir), schedule.sites)
            run_id = self.store.start_manual(schedule, started, command)
            env = {**os.environ, **held.env(), "NEWSARCHIVE_SCHEDULE": schedule.name}
            interrupted = False
            try:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, env=env, pass_fds=held.pass_fds)
            except OSError as exc:
                self.say(f"{name}: cannot start {command[0]}: {exc}")
                code = 127
            else:
                self.store.set_pid(run_id, process.pid)
                self.say(f"{name}: started {schedule.verb} of {','.join(schedule.sites)} (manual; pid {process.pid})")
                while True:
                    try:
                        code = process.wait()
                        break
                    except KeyboardInterrupt:  # Ctrl-C reached the crawl too: let it close its files
                        interrupted = True
            ended = self.now()
            outcome = "interrupted" if interrupted else outcome_for(code)
            try:
                crawl_id = self._link(schedule, started, ended, before, code, search=code != 127)
            except Exception as exc:
                crawl_id = None
                self.say(f"{name}: could not link the run to its crawls row: {type(exc).__name__}: {exc}")
            self.store.finish(run_id, ended, outcome, code, crawl_id)
            self.say(f"{name}: {schedule.verb} {crawl_id} {outcome} (exit {code}) after "
                     f"{format_duration((ended - started).total_seconds())}")
            return code
        finally:
            held.release()

    def stop(self) -> None:
        """Start a clean stop: one SIGTERM to every running crawl; a second call sends another."""
        self.stopping += 1
        for job in self.jobs.values():
            self._signal(job, signal.SIGTERM)
        self._wake.set()

    def close(self) -> None:
        self.store.close()

    # -- starting a run ----------------------------------------------------------------------------------

    def _launch(self, schedule: Schedule, now: datetime) -> bool:
        busy = [s for s in schedule.sites if any(s in job.schedule.sites for job in self.jobs.values())]
        if busy:
            return self._wait(schedule, f"{busy[0]} is being crawled by this scheduler")
        reindex = indexlock.reindex_holder(default_db_path(self.data_dir))
        if reindex:
            return self._wait(schedule, f"a reindex is rebuilding the index ({reindex})")
        try:
            held = locks.acquire(self.data_dir, schedule.sites, owner=f"schedule {schedule.name}")
        except locks.SiteBusy as exc:
            return self._wait(schedule, f"{exc.site} is busy ({exc.holder})")
        try:
            current = self.store.get(schedule.name)  # another process may have run it since we looked
            if current is None or current.paused or current.next_run != schedule.next_run:
                held.release()
                return False
            missed = schedule.missed_slots(now)
            reason = f"catch-up ({missed} missed slot(s) skipped)" if missed else "due"
            args = schedule.crawl_args(self.data_dir, now)
            log = self._log_path(schedule.name, now)
            command = self.command(schedule, args)
            run_id = self.store.claim(schedule, now, reason, command, str(log))
            if run_id is None:
                held.release()
                return False
            before = crawl_ids(default_db_path(self.data_dir))
            env = {**os.environ, **held.env(), "NEWSARCHIVE_SCHEDULE": schedule.name, "PYTHONUNBUFFERED": "1"}
            with open(log, "ab") as log_file:
                try:
                    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file,
                                               stderr=subprocess.STDOUT, env=env, pass_fds=held.pass_fds,
                                               start_new_session=True)  # a terminal's Ctrl-C reaches us only
                except OSError as exc:
                    log_file.write(f"cannot start {command[0]}: {exc}\n".encode())
                    self.store.finish(run_id, self.now(), "failed", None,
                                      self._link(schedule, now, now, before, 127, search=False))
                    self.finished.append((schedule.name, "failed", None))
                    held.release()
                    return True
        except BaseException:
            held.release()
            raise
        self.store.set_pid(run_id, process.pid)
        self.jobs[schedule.name] = Job(schedule, run_id, process, held, now, log, before)
        self._waiting.pop(schedule.name, None)
        self.say(f"{schedule.name}: started crawl of {','.join(schedule.sites)} ({reason}, slot "
                 f"{to_text(schedule.next_run)}; pid {process.pid}; log {log})")
        return True

    def _wait(self, schedule: Schedule, why: str) -> bool:
        self._blocked = True
        if self._waiting.get(schedule.name) != why:
            self._waiting[schedule.name] = why
            self.say(f"{schedule.name}: due, waiting: {why}")
        return False

    def _log_path(self, name: str, now: datetime) -> Path:
        folder = self.data_dir / "logs" / "schedules" / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in sorted(folder.glob("*.log"))[:-LOGS_KEPT]:
            old.unlink(missing_ok=True)
        return folder / f"{now.strftime('%Y%m%dT%H%M%SZ')}.log"

    # -- finishing a run ---------------------------------------------------------------------------------

    def _reap(self, now: datetime) -> None:
        for name, job in list(self.jobs.items()):
            code = job.process.poll()
            if code is None:
                continue
            del self.jobs[name]
            outcome = "interrupted" if code != 0 and job.signalled else outcome_for(code)
            try:
                try:
                    crawl_id = self._link(job.schedule, job.started, now, job.crawls_before, code, log=job.log)
                except Exception as exc:  # the index is busy or broken: the run is still recorded
                    crawl_id = None
                    self.say(f"{name}: could not link the run to its crawls row: {type(exc).__name__}: {exc}")
                self.store.finish(job.run_id, now, outcome, code, crawl_id)
            finally:
                job.held.release()  # after the run is closed: a 'running' row never outlives its locks
            self.finished.append((name, outcome, code))
            self.say(f"{name}: crawl {crawl_id} {outcome} (exit {code}) after "
                     f"{format_duration((now - job.started).total_seconds())}"
                     + ("" if code == 0 else f"; log {job.log}"))

    def _link(self, schedule: Schedule, started: datetime, now: datetime, before: set[str], code: int,
              log: Path | None = None, search: bool = True) -> str:
        """Find the crawl's `crawls` row (named in its log, else the new row of its sites), mark it as this
        schedule's; write one if the crawl left none."""
        from archive.index import Index
        from crawler.runinfo import new_crawl_id

        crawl_id = None
        if search:
            found = _SUMMARY.findall(log.read_text("utf-8", "replace")) if log and log.exists() else []
            new = sorted(crawl_ids(default_db_path(self.data_dir), schedule.sites) - before)
            crawl_id = found[-1] if found else new[-1] if new else None
        lock = indexlock.acquire(default_db_path(self.data_dir), exclusive=False, owner="scheduler")
        try:
            index = Index(default_db_path(self.data_dir))
        except BaseException:
            lock.release()
            raise
        try:
            if crawl_id and index.has_crawl(crawl_id):
                index.set_crawl_schedule(crawl_id, schedule.name)
                return crawl_id
            crawl_id = new_crawl_id()
            index.start_crawl(crawl_id, schedule.sites, {"schedule": schedule.name, "exit_code": code,
                                                         "note": "the crawl process left no crawl row"},
                              to_text(started), schedule=schedule.name, kind=schedule.verb)
            index.finish_crawl(crawl_id, ended=to_text(now), status="finished" if code in (0, DEGRADED_EXIT) else "failed",
                               pages=0, articles=0, errors=0, warc_bytes=0)
            return crawl_id
        finally:
            index.close()
            lock.release()

    def _mark_lost(self, now: datetime) -> None:
        """Runs left 'running' by a scheduler that died: once nobody holds their sites, they are over."""
        for run in self.store.running():
            if run.schedule in self.jobs and self.jobs[run.schedule].run_id == run.id:
                continue
            schedule = self.store.get(run.schedule)
            sites = schedule.sites if schedule else []
            if any(s in job.schedule.sites for job in self.jobs.values() for s in sites):
                continue
            try:
                with locks.site_locks(self.data_dir, sites, owner="scheduler check"):
                    self.store.finish(run.id, now, "lost")
                    self.say(f"{run.schedule}: run started {to_text(run.started)} (pid {run.pid}) ended unseen; "
                             "marked lost, the schedule is due again")
            except locks.SiteBusy:
                continue

    # -- signals and waiting ---------------------------------------------------------------------------

    def _signal(self, job: Job, signum: int) -> None:
        job.signalled += 1
        try:
            os.kill(job.process.pid, signum)
            self.say(f"{job.schedule.name}: sent SIGTERM to the crawl (pid {job.process.pid})"
                     + ("; waiting for it to close its WARC file and index" if job.signalled == 1 else ", again: "
                        "Scrapy stops at once"))
        except ProcessLookupError:
            pass

    @contextmanager
    def _signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        for sig in previous:
            signal.signal(sig, lambda signum, frame: self.stop())
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _next_wait(self, now: datetime) -> float:
        if self.jobs or self._blocked:
            return self.poll
        waits = [(s.due_at(self.jitter, self.max_jitter) - now).total_seconds()
                 for s in self.store.all() if not s.paused]
        return max(0.0, min([IDLE_WAKE, *waits]))

    def say(self, message: str) -> None:
        print(f"{to_text(self.now())} {message}", file=self.out, flush=True)


def outcome_for(code: int | None) -> str:
    """A finished run's outcome from its exit status: ok, degraded (3: health findings) or failed."""
    return "ok" if code == 0 else "degraded" if code == DEGRADED_EXIT else "failed"


def start_line(schedule: Schedule, fraction: float, max_seconds: float) -> str:
    """'kyodo-feed: slot 12:00:00Z, starts 12:01:04Z (jitter 64 s)'."""
    jitter = schedule.jitter(schedule.next_run, fraction, max_seconds)
    starts = schedule.due_at(fraction, max_seconds)
    return (f"{schedule.name}: slot {schedule.next_run.astimezone(UTC):%H:%M:%SZ}, starts "
            f"{starts.astimezone(UTC):%H:%M:%SZ} (jitter {round(jitter)} s)")

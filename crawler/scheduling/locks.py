"""Per-site crawl locks: never two crawls of the same site into the same archive at once.

One lock file per site, `DATA/locks/<site>.lock`, held with `fcntl.flock` for the whole run, so the lock
holds across processes (schedulers, `schedule run-due` from cron, a manual `newsarchive crawl`) and is let go
by the kernel when its holder exits, however it exits: no stale locks after a crash. The file holds a line
saying who holds it, for the "busy" message.

    with site_locks(data_dir, ["kyodo"], owner="newsarchive crawl"):   # raises SiteBusy
        run_crawl(...)

The scheduler holds the locks itself and hands them to the crawl process it starts (the open file
descriptions are inherited; `NEWSARCHIVE_SITE_LOCKS=kyodo=5,...` names them), so a `newsarchive crawl`
started by it finds its sites already held by itself, and the lock outlives the scheduler if the scheduler
dies first.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

ENV_VAR = "NEWSARCHIVE_SITE_LOCKS"


class SiteBusy(RuntimeError):
    """A site is being crawled by another process."""

    def __init__(self, site: str, holder: str, path: Path):
        self.site, self.holder, self.path = site, holder, path
        super().__init__(f"{site} is being crawled already ({holder or 'holder unknown'}; lock {path}); "
                         "try again when that crawl has finished")


def lock_path(data_dir: str | os.PathLike, site: str) -> Path:
    return Path(data_dir) / "locks" / f"{site}.lock"


class SiteLocks:
    """Locks held on some sites; `release()` lets go of the ones this process took."""

    def __init__(self) -> None:
        self.fds: dict[str, int] = {}  # site -> fd holding its lock
        self.inherited: set[str] = set()  # sites whose lock came from the parent process: never unlocked here

    def env(self) -> dict[str, str]:
        """Environment for a child process that is to run under these locks (pass `pass_fds=self.pass_fds`)."""
        return {ENV_VAR: ",".join(f"{site}={fd}" for site, fd in sorted(self.fds.items()))}

    @property
    def pass_fds(self) -> tuple[int, ...]:
        return tuple(self.fds.values())

    def release(self) -> None:
        for site, fd in self.fds.items():
            if site not in self.inherited:
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)
        self.fds.clear()
        self.inherited.clear()


def acquire(data_dir: str | os.PathLike, sites: Iterable[str], owner: str = "") -> SiteLocks:
    """Lock every site or none: raises SiteBusy (having released what it took) when one is held elsewhere."""
    sites = sorted(set(sites))
    bad = [s for s in sites if not s.replace("-", "").replace("_", "").isalnum()]
    if bad:
        raise ValueError(f"not a site name: {bad[0]!r}")
    held = SiteLocks()
    inherited = _inherited()
    try:
        for site in sites:
            path = lock_path(data_dir, site)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = inherited.get(site)
            if fd is not None and _same_file(fd, path) and _try_lock(fd):
                held.fds[site] = fd
                held.inherited.add(site)
                continue
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                holder = _read(fd)
                os.close(fd)
                raise SiteBusy(site, holder, path)
            held.fds[site] = fd
            stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}{' ' + owner if owner else ''}, since {stamp}\n".encode(), 0)
    except BaseException:
        held.release()
        raise
    return held


@contextmanager
def site_locks(data_dir: str | os.PathLike, sites: Iterable[str], owner: str = "") -> Iterator[SiteLocks]:
    held = acquire(data_dir, sites, owner)
    try:
        yield held
    finally:
        held.release()


def holder(data_dir: str | os.PathLike, site: str) -> str | None:
    """Who holds `site`'s lock, or None when it is free."""
    path = lock_path(data_dir, site)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDWR)
    try:
        if _try_lock(fd):
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        return _read(fd) or "holder unknown"
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 500, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _inherited() -> dict[str, int]:
    result = {}
    for item in os.environ.get(ENV_VAR, "").split(","):
        site, _, fd = item.partition("=")
        if site and fd.isdigit():
            result[site] = int(fd)
    return result


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)

"""Per-site crawl locks across processes (crawler/scheduling/locks.py): busy with a clear holder, all-or-nothing, never
stale after a kill, handed from the scheduler to its crawl process and outliving a killed scheduler."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crawler.scheduling import locks

ROOT = Path(__file__).resolve().parent.parent

HOLDER = textwrap.dedent("""
    import subprocess, sys, time
    sys.path.insert(0, sys.argv[1])
    from crawler.scheduling import locks
    held = locks.acquire(sys.argv[2], sys.argv[3].split(","), owner="test holder")
    if len(sys.argv) > 4:  # hand the locks to a child, as the scheduler does, then wait forever
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                 env={**held.env()}, pass_fds=held.pass_fds, start_new_session=True)
        print(child.pid, flush=True)
    else:
        print("held", flush=True)
    time.sleep(60)
""")


def hold(data: Path, sites: str, hand_down: bool = False) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(ROOT), str(data), sites, *(["child"] * hand_down)],
                            stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def kill(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait(timeout=10)


def test_busy_names_its_holder_and_a_killed_holder_leaves_no_stale_lock(tmp_path):
    proc, _ = hold(tmp_path, "kyodo")
    try:
        with pytest.raises(locks.SiteBusy) as caught:
            locks.acquire(tmp_path, ["kyodo"])
        message = str(caught.value)
        assert f"pid {proc.pid} test holder" in message and "kyodo is being crawled already" in message
        assert "\n" not in message
        assert locks.holder(tmp_path, "kyodo").startswith(f"pid {proc.pid} test holder, since ")
        with locks.site_locks(tmp_path, ["inakoran"]):  # other sites are free
            pass
    finally:
        kill(proc)  # SIGKILL: no clean-up code runs
    assert locks.holder(tmp_path, "kyodo") is None
    with locks.site_locks(tmp_path, ["kyodo"], owner="me") as held:
        assert set(held.fds) == {"kyodo"} and "me" in locks.holder(tmp_path, "kyodo")


def test_all_sites_or_none(tmp_path):
    proc, _ = hold(tmp_path, "inakoran")
    try:
        with pytest.raises(locks.SiteBusy, match="inakoran"):
            locks.acquire(tmp_path, ["kyodo", "inakoran"])
        assert locks.holder(tmp_path, "kyodo") is None, "kyodo was let go again"
    finally:
        kill(proc)


def test_locks_handed_to_the_crawl_process_outlive_a_killed_scheduler(tmp_path):
    scheduler, child_pid = hold(tmp_path, "kyodo,inakoran", hand_down=True)
    child_pid = int(child_pid)
    try:
        kill(scheduler)
        time.sleep(0.1)
        for site in ("kyodo", "inakoran"):
            assert locks.holder(tmp_path, site) is not None, "the crawl still runs: its sites stay locked"
    finally:
        os.kill(child_pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while locks.holder(tmp_path, "kyodo") is not None:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_inherited_locks_are_the_childs_own_and_nobody_elses(tmp_path):
    held = locks.acquire(tmp_path, ["kyodo"], owner="scheduler")
    try:
        code = ("import sys; sys.path.insert(0, sys.argv[1]); from crawler.scheduling import locks; "
                "h = locks.acquire(sys.argv[2], ['kyodo']); print(sorted(h.inherited)); h.release()")
        child = subprocess.run([sys.executable, "-c", code, str(ROOT), str(tmp_path)], env={**os.environ, **held.env()},
                               pass_fds=held.pass_fds, capture_output=True, text=True, timeout=30)
        assert child.returncode == 0 and child.stdout.strip() == "['kyodo']", child.stderr
        assert "scheduler" in locks.holder(tmp_path, "kyodo"), "the child's exit did not unlock the parent's lock"
        stranger = subprocess.run([sys.executable, "-c", code, str(ROOT), str(tmp_path)],
                                  env={**os.environ, **held.env()}, capture_output=True, text=True, timeout=30)
        assert stranger.returncode != 0 and "SiteBusy" in stranger.stderr, "a named fd it does not have is no lock"
    finally:
        held.release()


def test_a_manual_crawl_refuses_a_site_the_scheduler_is_crawling(tmp_path):
    with locks.site_locks(tmp_path, ["kyodo"], owner="schedule kyodo-feed"):
        env = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DATA"}
        done = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "kyodo", "--data", str(tmp_path),
                               "--base-url", "kyodo=http://127.0.0.1:9", "-s", "RETRY_TIMES=0",
                               "-s", "ROBOTSTXT_OBEY=False", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "kyodo is being crawled already" in done.stderr
    assert "schedule kyodo-feed" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "warc").exists()

"""The servers `newsarchive serve` starts (Datasette, pywb) as child processes: dying with it, waited for until
they answer, stopped politely and then not."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
from typing import Callable


def die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM it when the process that started it dies, even by SIGKILL,
    so a killed `newsarchive serve` leaves no server behind."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def wait_answering(process: subprocess.Popen | None, probe: str, timeout: float, name: str,
                   why_exited: Callable[[], str] = lambda: "") -> None:
    """Return once `probe` answers 200; RuntimeError when the process exits first, TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            detail = why_exited()
            raise RuntimeError(f"{name} exited with status {process.returncode}" + (f": {detail}" if detail else ""))
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{name} did not answer on {probe} within {timeout:.0f} s")


def stop(process: subprocess.Popen | None, grace: float = 10) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; reaped either way."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

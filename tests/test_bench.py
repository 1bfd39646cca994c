"""The benchmark's own measurements."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
def test_crawl_peak_memory_is_the_crawls_own_not_its_launchers():
    ballast = bytearray(200 * 2**20)  # the launcher grows past anything the child will use
    ballast[:: 4096] = b"x" * len(ballast[:: 4096])  # touched, so it is resident
    code = "from bench.crawl_worker import peak_rss_mb; print(peak_rss_mb())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert 10 < float(out.stdout) < 150  # scrapy imported, the launcher's 200 MB not counted

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


def test_fulltext_capture_counts_the_first_full_text_version_per_article():
    from datetime import datetime, timedelta, timezone

    from bench.fulltext_capture import START, capture_stats, schedule_sets, slots

    t0 = datetime(2026, 10, 5, tzinfo=timezone.utc)
    published = {"a": t0, "b": t0 + timedelta(hours=1), "c": t0 + timedelta(hours=2), "d": t0}
    crawl_times = {"c1": t0 + timedelta(hours=1), "c2": t0 + timedelta(hours=3), "c3": t0 + timedelta(hours=30)}
    versions = [("a", "full", "c1"), ("a", "gated", "c3"),  # full at 1 h
                ("b", "gated", "c2"), ("b", "open", "c3"),  # gated first: full text only at 29 h
                ("c", "full", "c3"), ("c", "full", "c2"),  # the earlier of two full versions: 1 h
                ("x", "full", "c1"), ("d", "expired", "c2")]  # not in the span; never full text
    stats = capture_stats(published, versions, crawl_times)
    assert stats == {"n": 4, "captured": 3, "share": 0.75, "p50": 1.0, "p95": 29.0}
    assert capture_stats({}, [], {})["p50"] is None
    # one simulated day of the default schedules: 24 hourly feed crawls, the 03:17 sitemap, 6 Inakoran crawls
    default = slots(schedule_sets()["default"], START, START + timedelta(days=1))
    names = [s.name for _, due in default for s in due]
    assert (names.count("kyodo-feed"), names.count("kyodo-sitemap"), names.count("inakoran")) == (24, 1, 6)
    assert [slot for slot, due in default if due[0].name == "kyodo-sitemap"] == [START + timedelta(hours=3, minutes=17)]

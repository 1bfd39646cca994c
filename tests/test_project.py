"""The project's shape as Scrapy users and newcomers meet it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_scrapy_list_prints_both_spiders():
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["inakoran", "kyodo"]


def test_archive_package_imports_without_scrapy_or_crawler():
    code = ("import sys, archive.index, archive.warc, archive.search, archive.verify, archive.reindex, "
            "archive.report, archive.serve, archive.wacz, archive.cdxj, archive.writer, archive.dedupe, "
            "archive.schema; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('scrapy', 'crawler', 'twisted')]; "
            "assert not bad, bad")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr

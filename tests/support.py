"""What tests share: running the `newsarchive` command, and a stand-in article for the index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The mirror is crawled with politeness delays off, by settings only.
NO_DELAY = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


class ArticleFields(dict):
    """The fields an index test gives, standing in for the parsers' Article (archive.index.IndexableArticle):
    a field not given is stored as NULL. A dict, so that a test can break a field as a faulty parser would."""

    def all_fields(self) -> dict:
        return dict(self)


def newsarchive(*args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    """Run `python -m crawler.cli ARGS` from the repository root, without the caller's NEWSARCHIVE_DATA."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NEWSARCHIVE_DATA", None)
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)

"""What tests share: running the `newsarchive` command, a stand-in article for the index, and a webhook
receiver on 127.0.0.1 (the alarm tests' target)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that keeps every POSTed JSON body, with its Content-Type, and answers
    `status`: an alarm webhook (archive/alarms.py) for the tests to read."""

    def __init__(self, path: str = "/alarms"):
        self.posts: list[tuple[str, dict]] = []  # (Content-Type, body)
        self.status = 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.posts.append((self.headers["Content-Type"], body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def bodies(self) -> list[dict]:
        return [body for _, body in self.posts]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""The operator configuration (DATA/newsarchive.toml): `config init/show/check`, a broken file as one line and
exit 2 for every command that reads it, the placeholder contact refused for a real host before any request
(and never for loopback), User-Agent and warcinfo `operator` from the file (read back from the WARC), [crawl]
defaults beneath the command line, systemd units that never say User=root."""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive import __version__
from archive.config import PLACEHOLDER_CONTACT_URL, TEMPLATE, load
from crawler.operator_config import is_loopback
from crawler.scheduling.install import systemd_units
from mirror import Mirror
from support import NO_DELAY, newsarchive

CONFIG = """\
[operator]
name = "Test Library, Web Archive"
contact_url = "https://library.example.org/newsarchive"
email = "archive@example.org"

[alarms]
webhook = "https://chat.example.org/hooks/s3cr3t-token"
[alarms.smtp]
host = "smtp.example.org"
sender = "na@example.org"
to = ["ops@example.org"]
password_env = "TEST_SMTP_PASSWORD"

[crawl]
requisites = "none"
settings = { RETRY_TIMES = 1, DOWNLOAD_TIMEOUT = 7 }

[systemd]
user = "archivist"
"""


def write(data: Path, text: str) -> Path:
    data.mkdir(parents=True, exist_ok=True)
    (data / "newsarchive.toml").write_text(text)
    return data


def test_init_writes_the_template_once_and_show_and_check_read_it(tmp_path):
    data = tmp_path / "data"
    first = newsarchive("config", "init", "--data", str(data))
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"wrote {data / 'newsarchive.toml'}: set [operator] name and contact_url before crawling " \
                           "the real sites\n"
    assert (data / "newsarchive.toml").read_text() == TEMPLATE
    again = newsarchive("config", "init", "--data", str(data))
    assert again.returncode == 2 and again.stderr == \
        f"error: {data / 'newsarchive.toml'} exists already; edit it, or move it aside to start again\n"
    assert load(data).contact_url == PLACEHOLDER_CONTACT_URL and load(data).crawl == {}
    check = newsarchive("config", "check", "--data", str(data))
    assert (check.returncode, check.stdout) == (0, f"ok: {data / 'newsarchive.toml'} (contact_url is the placeholder: "
                                                   "real sites are refused until it is set)\n")

    write(data, CONFIG)
    assert newsarchive("config", "check", "--data", str(data)).stdout == f"ok: {data / 'newsarchive.toml'}\n"
    shown = newsarchive("config", "show", "--data", str(data))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == f"file: {data / 'newsarchive.toml'}"
    assert 'operator.name = "Test Library, Web Archive"' in lines
    assert 'alarms.webhook = "https://chat.example.org/..."' in lines, "a webhook's path is its secret"
    assert 'alarms.smtp.password_env = "TEST_SMTP_PASSWORD"' in lines and "alarms.smtp.password_set = false" in lines
    assert 'crawl.settings = {"RETRY_TIMES": 1, "DOWNLOAD_TIMEOUT": 7}' in lines
    assert "s3cr3t" not in shown.stdout
    as_json = json.loads(newsarchive("config", "show", "--format", "json", "--data", str(data)).stdout)
    assert as_json["systemd"] == {"user": "archivist"} and as_json["operator"]["placeholder_contact"] is False
    none = newsarchive("config", "show", "--data", str(tmp_path / "empty"))
    assert none.stdout.startswith("file: none (defaults; `newsarchive config init` writes one)\n")


def test_a_broken_file_is_one_line_and_exit_2_for_every_command_that_reads_it(tmp_path):
    cases = {
        "[operator\nname = 1\n": "not valid TOML: ",
        "[operator]\nname = 3\n": "operator.name must be a string, not int",
        "[crawl]\nrequisites = \"some\"\n": "crawl.requisites must be one of none, pages, all, not 'some'",
        "[crawl]\nsettings = { DOWNLOAD_DELAY = \"soon\" }\n": "[crawl] settings: DOWNLOAD_DELAY=soon",
        "[crawl]\ndelay = 2\n": "unknown key(s) delay in [crawl]; known: requisites, settings",
    }
    for number, (text, message) in enumerate(cases.items()):
        data = write(tmp_path / f"d{number}", text)
        commands = [("config", "check"), ("config", "show"), ("crawl", "kyodo", "--base-url", "kyodo=http://127.0.0.1:9"),
                    ("canary", "kyodo", "--base-url", "kyodo=http://127.0.0.1:9"),
                    ("schedule", "install", "--print", "systemd"), ("export", "bagit", "-o", str(tmp_path / "bag"))]
        if number > 1:  # the [crawl] checks are the crawl's: the installer and the exporter read the rest only
            commands = commands[:4]
        for command in commands:
            done = newsarchive(*command, "--data", str(data))
            assert done.returncode == 2, (command, done.stdout, done.stderr)
            assert done.stderr.startswith(f"error: {data / 'newsarchive.toml'}: ") and message in done.stderr, \
                (command, done.stderr)
            assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert sorted(p.name for p in data.iterdir()) == ["newsarchive.toml"], "nothing written"


class Proxy(BaseHTTPRequestHandler):
    """An HTTP proxy that answers 404 to everything and counts what reached it: the crawl's only way out."""

    seen: list[str] = []

    def do_GET(self):  # noqa: N802
        Proxy.seen.append(self.path)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_placeholder_contact_is_refused_for_a_real_host_before_any_request(tmp_path, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("http_proxy", proxy)  # Scrapy's HttpProxyMiddleware sends every http:// request here
    monkeypatch.setenv("no_proxy", "")
    quick = ["-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    try:
        for args in (["kyodo"], ["kyodo", "--base-url", "kyodo=http://news.example.org"], ["inakoran"]):
            data = tmp_path / f"refused-{len(Proxy.seen)}-{args[0]}-{len(args)}"
            refused = newsarchive("crawl", *args, "--data", str(data), *quick, timeout=60)
            assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
            assert refused.stderr.startswith("error: refusing to crawl http") and \
                f"with the placeholder contact URL {PLACEHOLDER_CONTACT_URL}" in refused.stderr
            assert f"Run `newsarchive config init --data {data}` and set contact_url in {data / 'newsarchive.toml'}" \
                in refused.stderr
            assert not data.exists(), "refused before anything is written"
        canary = newsarchive("canary", "--data", str(tmp_path / "c"), *quick, timeout=60)
        assert canary.returncode == 2 and "refusing to crawl https://" in canary.stderr
        assert Proxy.seen == [], "no request left the machine"

        # the same crawl with a contact URL of the operator's own does go out (through the proxy)
        write(tmp_path / "ok", CONFIG)
        allowed = newsarchive("crawl", "kyodo", "--base-url", "kyodo=http://news.example.org", "--data",
                              str(tmp_path / "ok"), *quick, timeout=120)
        assert allowed.returncode in (0, 3) and "refusing" not in allowed.stderr, allowed.stderr
        assert "http://news.example.org/robots.txt" in Proxy.seen and "http://news.example.org/" in Proxy.seen
    finally:
        server.shutdown()
    assert is_loopback("http://127.0.0.1:8421") and is_loopback("http://127.9.9.9") and is_loopback("http://[::1]:80")
    assert is_loopback("http://localhost:8000") and not is_loopback("http://128.0.0.1") \
        and not is_loopback("https://english.kyodonews.net")


def read_warc(data: Path) -> list:
    records = []
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                fields = record.content_stream().read() if record.rec_type == "warcinfo" else None
                records.append((record.rec_type, record.rec_headers, record.http_headers, fields))
    return records


def test_the_user_agent_warcinfo_operator_and_crawl_defaults_come_from_the_file(tmp_path):
    data = write(tmp_path / "data", CONFIG)
    with Mirror(articles=3, seed=4) as mirror:
        base = ["--base-url", f"kyodo={mirror.base_urls['kyodo']}", "--asset-url", f"kyodo={mirror.asset_urls['kyodo']}"]
        first = newsarchive("crawl", "kyodo", "--data", str(data), *base, *NO_DELAY, "-s", "DOWNLOAD_TIMEOUT=9")
        assert first.returncode == 0, first.stderr
        second = newsarchive("crawl", "kyodo", "--data", str(data), *base, *NO_DELAY, "--requisites", "pages",
                             "--refresh")
        assert second.returncode == 0, second.stderr
    records = read_warc(data)
    infos = [fields.decode() for kind, _, _, fields in records if kind == "warcinfo"]
    assert infos and all("operator: Test Library, Web Archive\r\n" in info for info in infos)
    agents = {http.get_header("User-Agent") for kind, _, http, _ in records if kind == "request"}
    assert agents == {f"newsarchive/{__version__} (+https://library.example.org/newsarchive)"}
    with sqlite3.connect(data / "index.db") as db:
        crawls = db.execute("SELECT id, args FROM crawls ORDER BY started, id").fetchall()
        roles = dict(db.execute("SELECT crawl_id, SUM(role = 'requisite') FROM captures GROUP BY crawl_id").fetchall())
    settings = [json.loads(args)["settings"] for _, args in crawls]
    # command line > file > project: -s DOWNLOAD_TIMEOUT=9 over the file's 7; --requisites pages over its none
    assert {k: settings[0][k] for k in ("DOWNLOAD_TIMEOUT", "RETRY_TIMES", "NEWSARCHIVE_REQUISITES", "WARC_OPERATOR",
                                        "NEWSARCHIVE_CONTACT_URL")} == {
        "DOWNLOAD_TIMEOUT": "9", "RETRY_TIMES": 1, "NEWSARCHIVE_REQUISITES": "none",
        "WARC_OPERATOR": "Test Library, Web Archive", "NEWSARCHIVE_CONTACT_URL": "https://library.example.org/newsarchive"}
    assert (settings[1]["DOWNLOAD_TIMEOUT"], settings[1]["NEWSARCHIVE_REQUISITES"]) == (7, "pages")
    assert roles[crawls[0][0]] == 0, "the file's requisites = none"
    assert roles[crawls[1][0]] > 0, "--requisites pages on the command line wins"


def test_systemd_units_never_run_as_root_by_default(tmp_path):
    data = write(tmp_path / "data", CONFIG)
    units = newsarchive("schedule", "install", "--print", "systemd", "--data", str(data)).stdout
    assert units.count("User=archivist") == 2 and "User=root" not in units
    bare = newsarchive("schedule", "install", "--print", "systemd-timer", "--data", str(tmp_path / "none")).stdout
    assert "User=root" not in bare
    text = systemd_units(["newsarchive"], Path("/srv/archive"), timer=False, every_minutes=5, user=None,
                         workdir=Path("/srv"))
    assert "User=newsarchive" in text and "User=root" not in text
    assert "#   useradd --system --home-dir /srv/archive --shell /usr/sbin/nologin newsarchive && chown -R " \
           "newsarchive: /srv/archive" in text

"""Every bad invocation of every command: one line on stderr (`error: ...`), exit status 2, before anything
runs (Scrapy, a server, a schedule), and no file created in the archive or the working directory.

The commands are enumerated from the click group, so a new command fails here until it has a valid base
invocation below; bad values for its options are derived from their click types (out of range, not a
choice, not a date, the examples a custom type names) and added to the hand-written cases."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archive.index import Capture, Index
from crawler.cli import main
from crawler.cli.params import Fraction
from support import ROOT, ArticleFields

FIXTURE = str(ROOT / "tests" / "fixtures" / "kyodo" / "full_caption_author.html")
ARTICLE_URL = "https://english.kyodonews.net/articles/-/1"

# A valid invocation of each command (without --data): the base that bad values are added to.
BASE: dict[tuple[str, ...], list[str]] = {
    ("crawl",): ["kyodo"],
    ("canary",): ["kyodo"],
    ("config",): [],
    ("config", "init"): [],
    ("config", "show"): [],
    ("config", "check"): [],
    ("mirror",): [],
    ("parse",): [FIXTURE, "--url", ARTICLE_URL],
    ("demo",): [],
    ("verify",): [],
    ("export",): [],
    ("export", "wacz"): ["-o", "out.wacz"],
    ("export", "bagit"): ["-o", "bag"],
    ("reindex",): [],
    ("report",): ["-o", "r.html"],
    ("serve",): [],
    ("replay",): [],
    ("replay", "install"): [],
    ("replay", "status"): [],
    ("search",): ["word"],
    ("trend",): ["word"],
    ("show",): ["1"],
    ("history",): ["1"],
    ("edits",): [],
    ("cite",): ["1"],
    ("stats",): [],
    ("missed",): [],
    ("schedule",): [],
    ("schedule", "add"): ["n1", "--sites", "kyodo", "--every", "1h"],
    ("schedule", "list"): [],
    ("schedule", "remove"): ["n1"],
    ("schedule", "pause"): ["n1"],
    ("schedule", "resume"): ["n1"],
    ("schedule", "history"): [],
    ("schedule", "check"): [],
    ("schedule", "run"): ["n1"],
    ("schedule", "run-due"): [],
    ("schedule", "install"): ["--print", "cron"],
    ("scheduler",): [],
}

# Bad invocations by hand: (command, args, a word the one-line error must contain).
BAD: list[tuple[tuple[str, ...], list[str], str]] = [
    (("crawl",), ["kyodo", "--since", "2024-02-30"], "--since"),
    (("crawl",), ["kyodo", "--until", "9999-12-31"], "--until"),
    (("crawl",), ["kyodo", "--since", "2024-05-02", "--until", "2024-05-01"], "--since"),
    (("crawl",), ["kyodo", "--discover", "bogus"], "bogus"),
    (("crawl",), ["kyodo", "--discover", "feed,,sitemap,nope"], "nope"),
    (("crawl",), ["kyodo", "--max-articles", "-5"], "--max-articles"),
    (("missed",), ["--reason", "lost"], "--reason"),
    (("crawl",), ["kyodo", "--max-pages", "1e21"], "--max-pages"),
    (("crawl",), ["bogus"], "bogus"),
    (("crawl",), ["kyodo", "-s", "DOWNLOAD_DELAY=abc"], "DOWNLOAD_DELAY"),
    (("crawl",), ["kyodo", "-s", "CONCURRENT_REQUESTS=2.5"], "CONCURRENT_REQUESTS"),
    (("crawl",), ["kyodo", "-s", "AUTOTHROTTLE_ENABLED=maybe"], "AUTOTHROTTLE_ENABLED"),
    (("crawl",), ["kyodo", "-s", "NEWSARCHIVE_BASE_URLS=kyodo"], "NEWSARCHIVE_BASE_URLS"),
    (("crawl",), ["kyodo", "-s", "NOVALUE"], "NOVALUE"),
    (("crawl",), ["kyodo", "-s", "NEWSARCHIVE_REQUISITES=some"], "NEWSARCHIVE_REQUISITES"),
    (("crawl",), ["kyodo", "--requisites", "some"], "--requisites"),
    (("crawl",), ["kyodo", "--asset-url", "inakoran=http://127.0.0.1:1"], "inakoran"),
    (("crawl",), ["kyodo", "--base-url", "kyodo=not a url"], "--base-url"),
    (("crawl",), ["kyodo", "--base-url", "bogus=http://127.0.0.1:1"], "bogus"),
    (("crawl",), ["kyodo", "--seed", "kyodo"], "--seed"),
    (("search",), ["word", "--limit", "1e21"], "--limit"),
    (("search",), ["word", "--limit", "100000000000000000000000"], "--limit"),
    (("search",), ["word", "--since", "2024-13-01"], "--since"),
    (("search",), ["word", "--until", "9999-12-31"], "--until"),
    (("search",), ['"unbalanced'], "query"),
    (("search",), [""], "query"),
    (("show",), ["100000000000000000000000"], "100000000000000000000000"),
    (("show",), ["-1"], "-1"),
    (("history",), ["100000000000000000000000"], "100000000000000000000000"),
    (("stats",), ["--days", "100000000000000000000000"], "--days"),
    (("export",), ["-o", "/dev/full"], "/dev/full"),
    (("export",), ["-o", "missing/dir/out.jsonl"], "missing/dir"),
    (("export",), ["--format", "parquet"], "-o"),
    (("export",), ["--query", ""], "query"),
    (("export",), ["--since", "2024-02-30"], "--since"),
    (("export", "wacz"), ["-o", "/dev/full"], "/dev/full"),
    (("export", "wacz"), ["-o", "missing/dir/out.wacz"], "missing/dir"),
    (("export", "bagit"), ["-o", "missing/dir/bag"], "missing/dir"),
    (("export", "wacz"), ["-o", "out.wacz", "--since", "2024-05-02", "--until", "2024-05-01"], "--since"),
    (("report",), ["-o", "/dev/full"], "/dev/full"),
    (("report",), ["-o", "missing/dir/r.html"], "missing/dir"),
    (("report",), ["-o", "."], "."),
    (("serve",), ["--port", "70000"], "--port"),
    (("serve",), ["--port", "8005", "--replay-port", "8005"], "--replay-port"),
    (("parse",), [FIXTURE, "--url", ARTICLE_URL, "--fetched-at", "yesterday"], "--fetched-at"),
    (("parse",), ["/nonexistent.html", "--url", ARTICLE_URL], "nonexistent"),
    (("parse",), [FIXTURE, "--url", "https://example.org/x"], "--site"),
    (("schedule", "add"), ["n1", "--sites", "kyodo", "--every", "1h", "-s", "DOWNLOAD_DELAY=abc"], "DOWNLOAD_DELAY"),
    (("schedule", "add"), ["n1", "--sites", "kyodo", "--every", "1h", "-s", "RETRY_TIMES=x"], "RETRY_TIMES"),
    (("schedule", "add"), ["n1", "--sites", "bogus", "--every", "1h"], "bogus"),
    (("schedule", "add"), ["n1", "--sites", "kyodo", "--cron", "0 25 * * *"], "cron"),
    (("schedule", "add"), ["n1", "--sites", "kyodo", "--every", "0m"], "interval"),
    (("schedule", "add"), ["n1", "--sites", "kyodo", "--every", "1h", "--tz", "Mars/Olympus"], "Mars/Olympus"),
    (("schedule", "add"), ["n1", "--sites", "kyodo", "--every", "1h", "--discover", "bogus"], "bogus"),
    (("schedule", "add"), ["n1", "--sites", "kyodo", "--every", "1h", "--base-url", "kyodo=ftp:x"], "--base-url"),
    (("schedule", "add"), ["bad name!", "--sites", "kyodo", "--every", "1h"], "name"),
    (("schedule", "add"), ["n1", "--sites", "kyodo"], "--cron"),
    (("schedule", "remove"), ["nosuch"], "nosuch"),
]


def commands(group: click.Group = main, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from commands(command, prefix + (name,))


def command_at(path: tuple[str, ...]) -> click.Command:
    command = main
    for name in path:
        command = command.commands[name]
    return command


def generated_bad_values(param: click.Parameter) -> list[str]:
    """Values the parameter's type must refuse."""
    kind = param.type
    values = list(getattr(kind, "bad_values", ()))
    if isinstance(kind, (click.IntRange, click.FloatRange)):
        step = 1 if isinstance(kind, click.IntRange) else 0.5
        if kind.min is not None:
            values.append(str(kind.min - step) if not kind.min_open else str(kind.min))
        if kind.max is not None:
            values.append(str(kind.max + step) if not kind.max_open else str(kind.max))
        values.append("abc")
    elif isinstance(kind, click.Choice):
        values.append("bogus-choice")
    elif kind in (click.INT, click.FLOAT):
        values.append("abc")
    elif isinstance(kind, click.Path) and kind.exists:
        values.append("/nonexistent/path")
    return values


def generated_cases():
    for path, command in commands():
        for param in command.params:
            if not isinstance(param, click.Option) or param.is_flag or param.name == "data_dir":
                continue
            for value in generated_bad_values(param):
                yield path, [*BASE.get(path, []), param.opts[0], value], param.opts[0]
        yield path, [*BASE.get(path, []), "--no-such-option"], "--no-such-option"


CASES = [*BAD, *generated_cases()]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A working directory holding an archive `data/` with one article."""
    root = tmp_path_factory.mktemp("cli-errors")
    capture = Capture(url=ARTICLE_URL, site="kyodo", status=200, content_type="text/html",
                      fetched_at="2026-01-01T00:00:00Z", payload_digest=None, warc_file="x.warc.gz", warc_offset=0,
                      warc_length=1, record_id="<urn:uuid:1>")
    index = Index(root / "data" / "index.db")
    index.upsert_article(ArticleFields({"url": ARTICLE_URL, "site": "kyodo", "title": "word", "body": "word",
                                        "access": "full"}), index.add_capture(capture), capture)
    index.close()
    (root / "data" / "warc").mkdir()
    return root


@pytest.fixture
def nothing_runs(monkeypatch):
    """Past validation a command would crawl, serve or schedule: here it raises instead."""
    def ran(*args, **kwargs):
        raise AssertionError("a bad invocation got past validation")

    import archive.serve
    import crawler.demo
    import mirror
    import crawler.reindex
    import crawler.run
    import crawler.scheduling.runner

    for module, name in ((crawler.run, "run_crawl"), (mirror, "serve_forever"), (crawler.demo, "run_demo"),
                         (crawler.scheduling.runner, "Scheduler"), (archive.serve, "serve"), (crawler.reindex, "reindex")):
        monkeypatch.setattr(module, name, ran)


def listing(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): (p.stat().st_size if p.is_file() else -1) for p in sorted(root.rglob("*"))}


def invoke(workdir: Path, path: tuple[str, ...], args: list[str]):
    full = [*path, *args]
    if any(p.name == "data_dir" for p in command_at(path).params):
        full += ["--data", str(workdir / "data")]
    return CliRunner().invoke(main, full)


def test_every_command_has_a_base_invocation():
    assert {path for path, _ in commands()} == set(BASE)


def test_counts_are_bounded_on_both_sides():
    """An unbounded integer reaches SQLite or datetime arithmetic and overflows there."""
    for path, command in commands():
        for param in command.params:
            if param.type in (click.INT, click.FLOAT):
                pytest.fail(f"{' '.join(path)} {param.opts[0]}: a plain {param.type.name}; give it a range")
            if isinstance(param.type, click.IntRange):
                assert param.type.min is not None and param.type.max is not None, (path, param.opts)
            if isinstance(param.type, click.FloatRange):  # click's own lets `nan` through
                assert isinstance(param.type, Fraction), (path, param.opts)


@pytest.mark.parametrize("path, args, word", CASES, ids=[" ".join([*p, *a]) for p, a, _ in CASES])
def test_a_bad_invocation_is_one_line_exit_2_and_creates_nothing(workdir, nothing_runs, monkeypatch, path, args, word):
    monkeypatch.chdir(workdir)
    before = listing(workdir)
    result = invoke(workdir, path, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, repr(result.stderr)
    assert word in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert listing(workdir) == before


def test_crawl_with_an_impossible_date_stops_before_scrapy_and_creates_nothing(tmp_path):
    """The whole program, as a shell runs it: today it printed three chained tracebacks after creating index.db."""
    for bad in (["--since", "2024-02-30"], ["--discover", "bogus"], ["-s", "DOWNLOAD_DELAY=abc"]):
        out = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "kyodo", *bad, "--data",
                              str(tmp_path / "data")], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 2 and out.stderr.count("\n") == 1 and out.stderr.startswith("error: "), out.stderr
        assert not (tmp_path / "data").exists()


# -- a damaged, foreign or read-only index --------------------------------------------------------------

READERS = [("search", "word"), ("show", "1"), ("history", "1"), ("stats",), ("missed",), ("export",),
           ("export", "wacz", "-o", "o.wacz"), ("report", "-o", "r.html"), ("serve",), ("crawl", "kyodo"),
           ("schedule", "history")]


def damaged(kind: str, workdir: Path, target: Path) -> None:
    target.mkdir()
    (target / "warc").mkdir()
    db = target / "index.db"
    if kind == "not-sqlite":
        db.write_bytes(b"this is not an SQLite database, it is a note someone saved as index.db\n" * 100)
        return
    conn = sqlite3.connect(workdir / "data" / "index.db")
    conn.execute(f"VACUUM INTO '{db}'")
    conn.close()
    page = 16384  # the index's page size
    with open(db, "r+b") as fh:  # the schema (page 1) overwritten, or the pages of the tables after it
        fh.seek(4096 if kind == "damaged-schema" else page)
        fh.write(b"\xde\xad" * (page // 2 if kind == "damaged-schema" else 4 * page))


CASES_UNREADABLE = [(kind, args) for kind in ("not-sqlite", "damaged-schema") for args in READERS] + [
    ("damaged-pages", args) for args in READERS if args[0] in ("search", "show", "history", "stats", "missed", "export",
                                                               "report")]


@pytest.mark.parametrize("kind, args", CASES_UNREADABLE, ids=[f"{k} {' '.join(a)}" for k, a in CASES_UNREADABLE])
def test_an_unreadable_index_is_one_line_naming_it(workdir, nothing_runs, monkeypatch, tmp_path, kind, args):
    damaged(kind, workdir, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    before = listing(tmp_path)
    original = (tmp_path / "data" / "index.db").read_bytes()
    if args[0] == "schedule":  # its history reads the crawls' rows from the index
        assert CliRunner().invoke(main, ["schedule", "add", "n1", "--sites", "kyodo", "--every", "1h", "--data",
                                         "data"]).exit_code == 0
        before = listing(tmp_path)
    result = CliRunner().invoke(main, [*args, "--data", "data"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    if args[0] == "schedule":  # the runs are listed; the crawl statistics are not to be had
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, repr(result.stderr)
        assert "index.db" in result.stderr and "newsarchive reindex" in result.stderr, result.stderr
        assert listing(tmp_path) == before
    assert (tmp_path / "data" / "index.db").read_bytes() == original


def test_verify_reports_an_unreadable_index_as_a_fault(workdir, tmp_path):
    damaged("not-sqlite", workdir, tmp_path / "data")
    result = CliRunner().invoke(main, ["verify", "--data", str(tmp_path / "data")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "index.db" in result.stdout and "newsarchive reindex" in result.stdout


def read_only(path: Path, *argv: str) -> subprocess.CompletedProcess:
    """Run the CLI with `path` mounted read-only (a private mount namespace), as an archive on a read-only disk
    or owned by someone else looks to a process that is not root."""
    script = f'mount --bind "{path}" "{path}" && mount -o remount,bind,ro "{path}" && exec "$@"'
    return subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", sys.executable, "-m", "crawler.cli",
                           *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_a_read_only_archive_is_read_and_refuses_a_crawl_in_one_line(workdir, tmp_path):
    probe = read_only(tmp_path, "--version")
    if probe.returncode != 0:
        pytest.skip(f"no private read-only mount here: {probe.stderr.strip()}")
    data = tmp_path / "data"
    conn = sqlite3.connect(workdir / "data" / "index.db")
    data.mkdir()
    conn.execute(f"VACUUM INTO '{data / 'index.db'}'")
    conn.close()
    conn = sqlite3.connect(data / "index.db")
    conn.execute("PRAGMA journal_mode=WAL")  # as a crawl leaves it
    conn.close()
    before = listing(tmp_path)
    found = read_only(tmp_path, "search", "word", "--data", str(data))
    assert found.returncode == 0 and "word" in found.stdout, found.stderr
    refused = read_only(tmp_path, "crawl", "kyodo", "--data", str(data))
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "index.db" in refused.stderr and "Traceback" not in refused.stderr
    assert listing(tmp_path) == before


# -- output files ----------------------------------------------------------------------------------------

def test_a_fifo_or_a_directory_is_not_replaced(workdir, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for args in (["report", "-o", str(fifo)], ["export", "--format", "csv", "-o", str(fifo)]):
        result = CliRunner().invoke(main, [*args, "--data", str(workdir / "data")])
        assert result.exit_code == 2 and "not a regular file" in result.stderr, result.output
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def big_archive(root: Path) -> Path:
    index = Index(root / "index.db")
    for n in range(300):
        url = f"http://h/articles/-/{n}"
        capture = Capture(url=url, site="kyodo", status=200, content_type="text/html",
                          fetched_at="2026-01-01T00:00:00Z", payload_digest=None, warc_file="x.warc.gz", warc_offset=n, warc_length=1,
                          record_id=f"<urn:uuid:{n}>")
        body = " ".join(hashlib.sha256(f"{n} {i}".encode()).hexdigest() for i in range(40))  # compresses badly
        index.upsert_article(ArticleFields({"url": url, "site": "kyodo", "title": f"title {n}", "body": body,
                                            "access": "full"}), index.add_capture(capture), capture)
    index.close()
    return root


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_a_full_disk_is_one_line_and_leaves_the_old_file_whole(tmp_path, fmt):
    """The file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) fails writes past 64 KB as a full disk would."""
    import resource
    import signal

    data = big_archive(tmp_path / "data")
    out = tmp_path / f"out.{fmt}"
    out.write_text("the previous export\n")

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    result = subprocess.run([sys.executable, "-m", "crawler.cli", "export", "--format", fmt, "-o", str(out),
                             "--data", str(data)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            preexec_fn=small_disk)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: cannot write") and result.stderr.count("\n") == 1, result.stderr
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", out.name]


def test_atomic_output_permissions_symlinks_and_failures(tmp_path):
    import errno

    from archive.outfile import OutputError, atomic_output

    old = os.umask(0o022)
    try:
        with atomic_output(tmp_path / "new.txt") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
    real = tmp_path / "real.txt"
    real.write_text("old")
    (tmp_path / "link.txt").symlink_to(real)
    with atomic_output(tmp_path / "link.txt") as fh:
        fh.write("new")
    assert (tmp_path / "link.txt").is_symlink() and real.read_text() == "new"
    with pytest.raises(OutputError, match="No space left"):
        with atomic_output(real) as fh:
            fh.write("partial")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert real.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "new.txt", "real.txt"]


TWIN = """
import sys
from crawler.run import run_crawl
for kwargs in ({"spider_args": {"since": "2024-02-30"}}, {"settings": {"DOWNLOAD_DELAY": "abc"}},
               {"spider_args": {"discover": "bogus"}}, {"spider_args": {"until": "9999-12-31"}}):
    try:
        run_crawl(["kyodo"], sys.argv[1], **kwargs)
        print("ran")
    except ValueError as exc:
        print(type(exc).__name__, exc)
"""


def test_the_python_twin_refuses_bad_values_too(tmp_path):
    """`run_crawl` checks its dates, settings and modes before it creates anything or starts Scrapy (in a
    child process: Twisted's reactor runs once per process)."""
    out = subprocess.run([sys.executable, "-c", TWIN, str(tmp_path / "data")], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert len(lines) == 4 and "ran" not in lines, out.stdout + out.stderr[-2000:]
    assert "not a date" in lines[0] and "DOWNLOAD_DELAY" in lines[1] and "discovery" in lines[2], lines
    assert not (tmp_path / "data").exists()


def test_every_setting_read_as_a_float_takes_fractions():
    import re

    import scrapy

    from crawler.setting_values import FLOAT_READ, _defaults

    sources = [*Path(scrapy.__file__).parent.rglob("*.py"), *(ROOT / "crawler").rglob("*.py"),
               *(ROOT / "archive").rglob("*.py")]
    read = {name for path in sources for name in re.findall(r'getfloat\(\s*"([A-Z_]+)"', path.read_text())}
    int_defaults = {name for name in read if isinstance(_defaults().get(name), int)}
    assert int_defaults <= FLOAT_READ, int_defaults - FLOAT_READ


def test_setting_values_follow_scrapys_reading():
    from crawler.setting_values import SettingError, check_setting

    for name, value in (("DOWNLOAD_DELAY", "0.25"), ("DOWNLOAD_TIMEOUT", "2.5"), ("CONCURRENT_REQUESTS", "8"),
                        ("ROBOTSTXT_CRAWL_DELAY_MAX", "0.5"),
                        ("AUTOTHROTTLE_ENABLED", "False"), ("ROBOTSTXT_OBEY", "0"), ("USER_AGENT", "x"),
                        ("NEWSARCHIVE_BASE_URLS", '{"kyodo": "http://127.0.0.1:1"}'), ("SOME_PLUGIN_SETTING", "x"),
                        ("SPIDER_MODULES", "a,b"), ("NEWSARCHIVE_REQUISITES", "all"),
                        ("NEWSARCHIVE_ASSET_URLS", '{"kyodo": ["http://127.0.0.1:1"]}')):
        check_setting(name, value)
    for name, value in (("DOWNLOAD_DELAY", "abc"), ("CONCURRENT_REQUESTS", "2.5"), ("RETRY_ENABLED", "maybe"),
                        ("NEWSARCHIVE_BASE_URLS", "kyodo=http://x"), ("NEWSARCHIVE_MAX_PAGES", "1e21"),
                        ("NEWSARCHIVE_REQUISITES", "images"), ("NEWSARCHIVE_ASSET_URLS", "kyodo=http://x")):
        with pytest.raises(SettingError, match=name):
            check_setting(name, value)

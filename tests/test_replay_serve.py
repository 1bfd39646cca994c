"""`newsarchive serve` runs pywb beside Datasette: each capture replays by its time, exactly as archived, the older
version of an edited article included; without pywb Datasette serves anyway and says how to get it; nothing is
left running after serve is killed; both servers listen on 127.0.0.1 only."""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.cdxj import cdxj_path, read_cdxj
from archive.records import read_response
from archive.replay import COLLECTION, PYWB_VERSION, replay_url, timestamp14, write_merged_cdxj
from mirror import Mirror

from replay_support import VENV, ensure_pywb, fetch, free_port

pytestmark = pytest.mark.timeout(1200)  # the first setup may install pywb

ROOT = Path(__file__).resolve().parent.parent
NO_DELAY = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]
READY = "replaying its archived pages with pywb at "
NO_PYWB = "warning: no replay of archived pages: "


def newsarchive(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, env=env or clean_env(),
                          capture_output=True, text=True, timeout=240, **kwargs)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSARCHIVE_DATA", "NEWSARCHIVE_REPLAY_URL")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """Two crawls of the mirror, a Kyodo article edited between them: two captures of its URL."""
    ensure_pywb()
    data = tmp_path_factory.mktemp("replay-serve") / "data"
    with Mirror(articles=6, seed=21) as mirror:
        args = ["crawl", "kyodo", "inakoran", "--data", str(data), *NO_DELAY]
        for site, url in mirror.base_urls.items():
            args += ["--base-url", f"{site}={url}"]
        for site, url in getattr(mirror, "asset_urls", {}).items():  # the pages' stylesheets and images too
            args += ["--asset-url", f"{site}={url}"]
        first = newsarchive(*args)
        assert first.returncode == 0, first.stderr[-3000:]
        with_text = next(i for i, t in enumerate(mirror.truth("kyodo")) if t["access"] in ("full", "open"))
        mirror.edit_article("kyodo", with_text)
        time.sleep(1.1)  # distinct 14-digit timestamps per crawl
        second = newsarchive(*args, "--refresh")
        assert second.returncode == 0, second.stderr[-3000:]
    return data


class Serve:
    """`newsarchive serve` as a subprocess, its output in a file (a full pipe nobody reads would stall it)."""

    def __init__(self, data: Path, env: dict[str, str], *args: str):
        self.port, self.replay_port = free_port(), free_port()
        self.log_path = data.parent / f"serve-{self.port}.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "serve", "--data", str(data), "--port", str(self.port),
             "--replay-port", str(self.replay_port), *args], cwd=ROOT, env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def wait_for(self, text: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.process.poll() is None, f"serve exited {self.process.returncode}: {self.output()}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s: {self.output()}"
            time.sleep(0.2)
        return self.output()

    def children(self) -> dict[int, str]:
        """pid -> command line of every process serve started."""
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                    found[int(stat.parent.name)] = cmdline
            except (OSError, IndexError, ValueError):
                continue
        return found

    def terminate(self, sig: int = signal.SIGTERM) -> None:
        self.process.send_signal(sig)
        self.process.wait(timeout=30)
        self.log.close()


def environ(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the TCP sockets listening on `port` (IPv4, hex as in /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(address)
    return found


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"  # a zombie runs nothing


def captures(data: Path) -> dict[str, list[dict]]:
    """The edited article's captures (its versions, oldest first) and an unedited article's first capture."""
    conn = sqlite3.connect(data / "index.db")
    conn.row_factory = sqlite3.Row
    edited = [dict(r) for r in conn.execute(
        "SELECT c.url, c.fetched_at, c.warc_file, c.warc_offset, a.title FROM article_versions v "
        "JOIN captures c ON c.id = v.capture_id JOIN articles a ON a.id = v.article_id "
        "WHERE v.article_id = (SELECT article_id FROM article_versions GROUP BY article_id "
        "                      HAVING count(*) > 1) ORDER BY v.fetched_at")]
    plain = [dict(r) for r in conn.execute(
        "SELECT c.url, c.fetched_at, c.warc_file, c.warc_offset, a.title FROM articles a "
        "JOIN captures c ON c.url = a.url AND c.record_type = 'response' AND c.status = 200 "
        "WHERE a.site = 'inakoran' ORDER BY a.id, c.id LIMIT 1")]
    conn.close()
    return {"edited": edited, "plain": plain}


@pytest.fixture(scope="module")
def served(archive):
    server = Serve(archive, clean_env(NEWSARCHIVE_PYWB_VENV=str(VENV)))
    try:
        out = server.wait_for(READY)
        children = server.children()
        yield server, out, children
    finally:
        if server.process.poll() is None:
            server.terminate()


def test_serve_prints_both_urls_and_hands_the_replay_base_to_datasette(served):
    server, out, children = served
    base = f"http://127.0.0.1:{server.replay_port}/{COLLECTION}"
    assert f"read-only at {server.base}/index (Ctrl-C to stop)" in out
    assert f"{READY}{base} (" in out
    assert NO_PYWB not in out
    datasette = next(pid for pid, cmd in children.items() if " datasette " in f" {cmd} ")
    assert environ(datasette)["NEWSARCHIVE_REPLAY_URL"] == base
    wayback = next(pid for pid, cmd in children.items() if "wayback" in cmd)
    assert f"-b 127.0.0.1 -p {server.replay_port}" in children[wayback]
    # both listen on loopback only
    assert listening_addresses(server.replay_port) == {"0100007F"}
    assert listening_addresses(server.port) == {"0100007F"}


def test_id_replay_returns_each_capture_of_an_edited_article_exactly(served, archive):
    server, _, _ = served
    base = f"http://127.0.0.1:{server.replay_port}/{COLLECTION}"
    found = captures(archive)
    edited, plain = found["edited"], found["plain"]
    assert len(edited) == 2 and edited[0]["url"] == edited[1]["url"]
    replayed = []
    for capture in edited + plain:
        stored = read_response(archive / "warc" / capture["warc_file"], capture["warc_offset"])
        status, headers, body = fetch(replay_url(base, capture["url"], capture["fetched_at"], "id_"),
                                      {"Accept-Encoding": "gzip"})
        assert status == 200, server.output()[-2000:]
        assert body == stored.raw_body, f"{capture['url']} at {capture['fetched_at']}: {len(body)} bytes " \
                                        f"replayed, {len(stored.raw_body)} archived"
        replayed.append(body)
    assert replayed[0] != replayed[1]  # the older version is not the newer one


def test_unframed_and_framed_replay_show_the_page(served, archive):
    server, _, _ = served
    base = f"http://127.0.0.1:{server.replay_port}/{COLLECTION}"
    found = captures(archive)
    titles = []
    for capture in found["edited"] + found["plain"]:
        stored = read_response(archive / "warc" / capture["warc_file"], capture["warc_offset"])
        archived_title = html.unescape(re.search(rb"<title[^>]*>(.*?)</title>", stored.body, re.S).group(1)
                                       .decode()).strip()
        status, _, body = fetch(replay_url(base, capture["url"], capture["fetched_at"], "mp_"))
        assert status == 200
        replayed = re.search(rb"<title[^>]*>(.*?)</title>", body, re.S)
        assert replayed and html.unescape(replayed.group(1).decode()).strip() == archived_title
        titles.append(archived_title)
        status, _, frame = fetch(replay_url(base, capture["url"], capture["fetched_at"]))
        assert status == 200
        # pywb's frame (its banner above) loads that very capture of that URL
        stamp = timestamp14(capture["fetched_at"])
        assert f'"url": "{capture["url"]}"' in frame.decode() and f'"request_ts": "{stamp}"' in frame.decode()
        assert f'timestamp: "{stamp}"' in frame.decode()
    assert titles[0] != titles[1]  # the edit changed the headline, and each version replays its own


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["TERM", "INT", "KILL"])
def test_a_signal_to_serve_stops_datasette_and_pywb(archive, sig):
    server = Serve(archive, clean_env(NEWSARCHIVE_PYWB_VENV=str(VENV)))
    server.wait_for(READY)
    children = server.children()
    assert sorted("wayback" in cmd for cmd in children.values()) == [False, True], children
    server.terminate(sig)
    deadline = time.monotonic() + 15  # after a KILL the children get their SIGTERM from the kernel
    while not all(gone(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(gone(pid) for pid in children), children
    for port in (server.port, server.replay_port):
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_without_pywb_datasette_serves_and_one_line_says_how_to_get_it(archive, tmp_path):
    empty = tmp_path / "no-pywb"
    empty.mkdir()
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    assert shutil.which("wayback", path=path) is None
    server = Serve(archive, clean_env(NEWSARCHIVE_PYWB_VENV=str(empty), PATH=path))
    try:
        out = server.wait_for("Ctrl-C to stop")
        lines = [line for line in out.splitlines() if "pywb" in line]
        assert lines == [f"{NO_PYWB}no pywb here (no {empty}/bin/wayback, no `wayback` on PATH): "
                         f"`newsarchive replay install` installs pywb {PYWB_VERSION} in a virtual environment "
                         "of its own"]
        status, _, body = fetch(f"{server.base}/index/articles.json?_size=1")
        assert status == 200 and b'"rows"' in body
        children = server.children()
        assert [cmd for cmd in children.values() if "wayback" in cmd] == []
        assert "NEWSARCHIVE_REPLAY_URL" not in environ(next(iter(children)))
    finally:
        server.terminate()
    assert all(gone(pid) for pid in children)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


def test_replay_port_in_use_is_one_line_and_exit_2(archive):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = newsarchive("serve", "--data", str(archive), "--port", str(free_port()), "--replay-port", str(port),
                             env=clean_env(NEWSARCHIVE_PYWB_VENV=str(VENV)))
    assert result.returncode == 2
    assert result.stderr == f"error: replay port {port} on 127.0.0.1 is in use: choose another with " \
                            "--replay-port, or --no-replay\n"


def test_replay_status_says_where_pywb_is_or_how_to_get_it(tmp_path):
    found = newsarchive("replay", "status", env=clean_env(NEWSARCHIVE_PYWB_VENV=str(VENV)))
    assert (found.returncode, found.stdout) == (0, f"pywb {PYWB_VERSION} at {VENV}/bin/wayback\n")
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    missing = newsarchive("replay", "status", env=clean_env(NEWSARCHIVE_PYWB_VENV=str(tmp_path), PATH=path))
    assert missing.returncode == 1
    assert missing.stdout == f"pywb: not installed (no {tmp_path}/bin/wayback, no `wayback` on PATH); " \
                             f"`newsarchive replay install` installs pywb {PYWB_VERSION} in a virtual " \
                             "environment of its own\n"


def test_merged_index_is_the_sorted_union_of_the_cdxj_files(archive, tmp_path):
    """What pywb is given: every line of every closed WARC file's CDXJ, sorted; a WARC file without its CDXJ
    is indexed into the work directory, never beside it."""
    warc_dir = tmp_path / "warc"
    warc_dir.mkdir()
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    assert len(warcs) >= 2
    expected = []
    for warc in warcs:
        (warc_dir / warc.name).symlink_to(warc)
        expected += cdxj_path(warc).read_text().splitlines(keepends=True)
    (warc_dir / cdxj_path(warcs[0]).name).symlink_to(cdxj_path(warcs[0]))  # the others have none
    (warc_dir / "half-written.warc.gz.open").write_bytes(b"not yet")  # an open file is left out
    work = tmp_path / "work"
    work.mkdir()
    count = write_merged_cdxj(warc_dir, work / "index.cdxj")
    merged = (work / "index.cdxj").read_text().splitlines(keepends=True)
    assert merged == sorted(expected) and count == len(expected) > 10
    assert read_cdxj(work / "index.cdxj")[0][2]["filename"] in {w.name for w in warcs}
    assert sorted(p.name for p in warc_dir.iterdir() if p.suffix == ".cdxj") == [cdxj_path(warcs[0]).name]


def test_replay_install_is_done_once_and_never_clears_a_directory_that_is_not_a_venv(tmp_path):
    again = newsarchive("replay", "install", env=clean_env(NEWSARCHIVE_PYWB_VENV=str(VENV)))
    assert (again.returncode, again.stdout, again.stderr) == (0, f"pywb {PYWB_VERSION} already installed at {VENV}\n",
                                                              "")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "keep.txt").write_text("a researcher's notes")
    refused = newsarchive("replay", "install", env=clean_env(NEWSARCHIVE_PYWB_VENV=str(notes)))
    assert refused.returncode == 1
    assert refused.stderr == f"error: pywb {PYWB_VERSION} could not be installed: {notes} exists and is not a " \
                             "virtual environment: name an empty or new directory\n"
    assert [p.name for p in notes.iterdir()] == ["keep.txt"]


def test_a_reader_sees_each_version_framed_in_chromium(served, archive):
    """What a reader following an edited article's two replay links sees, from the reading room (the article page
    for the version it shows, the versions page for the older one): pywb's banner above, and in the frame the
    page as archived then, with that version's headline. Screenshots in tests/artifacts/readingroom/."""
    from replay_support import ROOT, chromium_page

    server, _, _ = served
    base = f"http://127.0.0.1:{server.replay_port}/{COLLECTION}"
    edited = captures(archive)["edited"]
    conn = sqlite3.connect(archive / "index.db")
    titles = [row[0] for row in conn.execute(
        "SELECT v.title FROM article_versions v JOIN captures c ON c.id = v.capture_id WHERE c.url = ? "
        "ORDER BY v.fetched_at", [edited[0]["url"]])]
    article_id, shown = conn.execute("SELECT a.id, c.fetched_at FROM articles a JOIN captures c ON c.id = a.capture_id "
                                     "WHERE a.url = ?", [edited[0]["url"]]).fetchone()
    conn.close()
    assert shown == edited[1]["fetched_at"]  # the article page shows the newer version
    assert len(titles) == 2 and titles[0] != titles[1]
    artifacts = ROOT / "tests" / "artifacts" / "readingroom"
    artifacts.mkdir(parents=True, exist_ok=True)
    for name, capture, title, other in (("older", edited[0], titles[0], titles[1]),
                                        ("newer", edited[1], titles[1], titles[0])):
        with chromium_page(1280, 900) as page:
            expected = replay_url(base, capture["url"], capture["fetched_at"])
            if name == "newer":
                page.goto(f"{server.base}/index/-/article/{article_id}")
                link = page.locator("a.rr-replay")
            else:
                page.goto(f"{server.base}/index/-/article/{article_id}/versions")
                link = page.locator(f'a[href="{expected}"]', has_text="archived page (replay)")
            assert link.get_attribute("href") == expected
            link.click()
            page.wait_for_load_state("load")
            assert page.url == expected
            frame = page.frame_locator("#replay_iframe")
            frame.locator("h1", has_text=title).first.wait_for(state="visible", timeout=30_000)
            headlines = [text.strip() for text in frame.locator("h1").all_inner_texts()]
            assert title in headlines and other not in headlines, headlines
            banner = " ".join(page.locator("body").inner_text().split())  # the frame's own text, not the page's
            assert re.search(rf"Current Capture: {re.escape(title)} \| \d+/\d+/\d{{4}}", banner), banner
            frame.locator("h1", has_text=title).first.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / f"replay-{name}-version.png"))

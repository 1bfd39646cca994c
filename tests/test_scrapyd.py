"""Deploy to scrapyd unchanged: `scrapyd-deploy` builds an egg from the repository as it is, scrapyd (on
127.0.0.1, its own scrapyd.conf in a temporary directory) runs both spiders against the mirror through its
HTTP API, and the WARC files and index rows land in the archive the settings resolve from scrapyd's
environment (no NEWSARCHIVE_DATA: `data/` in scrapyd's working directory).

scrapyd 1.6 needs setuptools < 81 (it imports pkg_resources), older than the lock's, so scrapyd and
scrapyd-client live in their own virtual environment, made on first use in `.cache/scrapyd-venv`
(`NEWSARCHIVE_SCRAPYD_VENV` to put it elsewhere) from the hash-pinned versions below, without their
dependencies: a `.pth` file points it at this environment's packages (Scrapy, warcio, ...), which come after
its own setuptools. Skipped only when those cannot be installed for lack of network;
`NEWSARCHIVE_REQUIRE_SCRAPYD=1` makes even that a failure.
"""

from __future__ import annotations

import configparser
import fcntl
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from archive.verify import verify_archive
from mirror import Mirror

pytestmark = pytest.mark.timeout(900)

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("NEWSARCHIVE_SCRAPYD_VENV") or ROOT / ".cache" / "scrapyd-venv")
PINS = """\
scrapyd==1.6.0 --hash=sha256:272ee4a43eee2e57c911c8a34a4d60fe1b17e3666d1e8fa37f141d1eb0b80c25 \
 --hash=sha256:2bc7f43036580b22b1fc8a8cb7d125d32588c8dbd1284b3db2cc28d7fa3bc998
scrapyd-client==2.0.3 --hash=sha256:b124bbc16d3773a59d86517279bd342329ef8fa7bea59ef7528ee41051168e12 \
 --hash=sha256:b3004495ed6a3259d61518af40e7320fdd748dc127258492a4c95b28061e8629
uberegg==0.1.1 --hash=sha256:30052db3346e75afac1724a5953b9d7fa35fc6c37f861f980cb2a2faed26f5e5 \
 --hash=sha256:d1372b906cdbf897333b8eec9611939b907e18c1eaef2687c69c39fccf9aeef5
setuptools==80.10.2 --hash=sha256:8b0e9d10c784bf7d262c4e5ec5d4ec94127ce206e8738f29a437945fbc219b70 \
 --hash=sha256:95b30ddfb717250edb492926c92b5221f7ef3fbcc2b07579bcd4a27da21d0173
"""
NETWORK_ERRORS = ("Failed to establish a new connection", "Temporary failure in name resolution",
                  "Network is unreachable", "Name or service not known", "No matching distribution found",
                  "Could not find a version that satisfies", "ProxyError", "SSLError", "ConnectionError")
PROJECT_FILES = ("crawler", "archive", "pyproject.toml", "README.md", "scrapy.cfg")
NO_DELAY = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def ensure_venv() -> Path:
    marker = VENV / ".pins"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / f"{VENV.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time
        if not (marker.exists() and marker.read_text() == PINS and (VENV / "bin" / "scrapyd").exists()):
            shutil.rmtree(VENV, ignore_errors=True)
            pins = VENV.parent / f"{VENV.name}-requirements.txt"
            pins.write_text(PINS)
            for step in ([sys.executable, "-m", "venv", "--without-pip", str(VENV)],
                         [sys.executable, "-m", "pip", "--python", str(VENV / "bin" / "python"), "install", "--quiet",
                          "--disable-pip-version-check", "--no-input", "--no-deps", "--require-hashes", "-r", str(pins)]):
                done = subprocess.run(step, capture_output=True, text=True, timeout=600)
                if done.returncode != 0:
                    output = done.stdout + done.stderr
                    shutil.rmtree(VENV, ignore_errors=True)
                    if any(e in output for e in NETWORK_ERRORS) and os.environ.get("NEWSARCHIVE_REQUIRE_SCRAPYD") != "1":
                        pytest.skip(f"scrapyd could not be installed (no network?): {output[-1500:]}")
                    pytest.fail(f"`{' '.join(step[:5])} ...` failed:\n{output[-3000:]}")
            marker.write_text(PINS)
        # everything else (Scrapy, warcio, ...) from this environment, after the venv's own packages
        site = Path(sysconfig.get_paths(vars={"base": str(VENV), "platbase": str(VENV)})["purelib"])
        (site / "zz-newsarchive-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return VENV / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api(base: str, path: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(base + path, data=body, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    bin_dir = ensure_venv()
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home}/eggs\nlogs_dir = {home}/logs\n"
        f"dbs_dir = {home}/dbs\nitems_dir =\nmax_proc = 1\npoll_interval = 0.2\n")
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSARCHIVE_DATA", "SCRAPY_SETTINGS_MODULE", "PYTHONPATH")}
    env["PYTHONUNBUFFERED"] = "1"
    log = open(home / "scrapyd.out", "w")
    proc = subprocess.Popen([str(bin_dir / "scrapyd")], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            if api(base, "daemonstatus.json")["status"] == "ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"scrapyd did not start:\n{(home / 'scrapyd.out').read_text()[-3000:]}")
        time.sleep(0.2)
    yield {"base": base, "port": port, "home": home, "bin": bin_dir, "env": env}
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def deploy(scrapyd, tmp_path: Path) -> subprocess.CompletedProcess:
    """`scrapyd-deploy` in a copy of the project (it writes setup.py, build/ and egg-info where it runs), with
    the repository's scrapy.cfg pointed at the test's scrapyd."""
    project = tmp_path / "project"
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            project.mkdir(exist_ok=True)
            shutil.copy2(source, project / name)
    cfg = configparser.ConfigParser()
    cfg.read(project / "scrapy.cfg")
    assert cfg["settings"]["default"] == "crawler.settings" and cfg["deploy"]["project"] == "newsarchive"
    cfg["deploy"]["url"] = scrapyd["base"]
    with open(project / "scrapy.cfg", "w") as fh:
        cfg.write(fh)
    return subprocess.run([str(scrapyd["bin"] / "scrapyd-deploy")], cwd=project, env=scrapyd["env"],
                          capture_output=True, text=True, timeout=300)


def test_deploy_schedule_and_find_the_archive(scrapyd, tmp_path):
    deployed = deploy(scrapyd, tmp_path)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert '"status": "ok"' in deployed.stdout and '"spiders": 2' in deployed.stdout, deployed.stdout
    base = scrapyd["base"]
    assert sorted(api(base, "listspiders.json?project=newsarchive")["spiders"]) == ["inakoran", "kyodo"]

    with Mirror(articles=6, seed=4) as mirror:
        urls = mirror.base_urls
        jobs = {
            # a spider argument...
            "kyodo": api(base, "schedule.json", [("project", "newsarchive"), ("spider", "kyodo"),
                                                 ("base_url", urls["kyodo"]), *(("setting", s) for s in NO_DELAY)]),
            # ...or a dict setting, as JSON (Scrapy's getdict reads a JSON string)
            "inakoran": api(base, "schedule.json", [
                ("project", "newsarchive"), ("spider", "inakoran"),
                ("setting", "NEWSARCHIVE_BASE_URLS=" + json.dumps({"inakoran": urls["inakoran"]})),
                *(("setting", s) for s in NO_DELAY)]),
        }
        assert all(job["status"] == "ok" for job in jobs.values()), jobs
        ids = {site: job["jobid"] for site, job in jobs.items()}
        deadline = time.monotonic() + 300
        while True:
            finished = {j["id"] for j in api(base, "listjobs.json?project=newsarchive")["finished"]}
            if set(ids.values()) <= finished:
                break
            assert time.monotonic() < deadline, "scrapyd jobs did not finish"
            time.sleep(0.5)
        truth = {site: {t["url"] for t in mirror.truth(site)} for site in ("kyodo", "inakoran")}

    logs = {site: (scrapyd["home"] / "logs" / "newsarchive" / site / f"{job}.log").read_text()
            for site, job in ids.items()}
    data = scrapyd["home"] / "data"  # scrapyd's working directory: settings made ./data absolute there
    assert not [site for site, log in logs.items() if "Traceback" in log or "] ERROR:" in log], logs
    assert all("(finished)" in log for log in logs.values()), logs
    warcs = sorted(p.name for p in (data / "warc").glob("*.warc.gz"))
    for site in ("kyodo", "inakoran"):
        assert any(name.startswith(f"newsarchive-{site}-") for name in warcs), (warcs, logs[site][-3000:])
    with sqlite3.connect(data / "index.db") as db:
        for site, urls_expected in truth.items():
            got = {u for (u,) in db.execute("SELECT url FROM articles WHERE site = ?", [site])}
            assert got == urls_expected, logs[site][-3000:]
        crawls = db.execute("SELECT sites, status, articles FROM crawls ORDER BY sites").fetchall()
    assert crawls == [("inakoran", "finished", len(truth["inakoran"])), ("kyodo", "finished", len(truth["kyodo"]))]
    report = verify_archive(data)
    assert report.ok, report.summary()

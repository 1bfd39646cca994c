"""`newsarchive parse`: anyone can check a saved page from the command line."""

import json
import subprocess
import sys
from pathlib import Path

from crawler.parsers.model import ARTICLE_KEYS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def parse_cli(*args):
    return subprocess.run([sys.executable, "-m", "crawler.cli", "parse", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_article_prints_exact_keys_and_expected_values():
    case = json.loads((FIXTURES / "kyodo" / "full_caption_author.json").read_text())
    out = parse_cli(str(FIXTURES / "kyodo" / "full_caption_author.html"), "--url", case["url"],
                    "--fetched-at", case["fetched_at"])
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    assert list(printed) == list(ARTICLE_KEYS)
    assert printed == case["expected"]


def test_site_is_inferred_from_the_host_for_both_sites():
    for site, name in (("kyodo", "ap_partner"), ("inakoran", "seed-jepang-nato")):
        case = json.loads((FIXTURES / site / f"{name}.json").read_text())
        out = parse_cli(str(FIXTURES / site / f"{name}.html"), "--url", case["url"], "--fetched-at", case["fetched_at"])
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["site"] == site


def test_not_an_article_exits_3_with_reason():
    out = parse_cli(str(FIXTURES / "kyodo" / "list_page.html"), "--url", "https://english.kyodonews.net/list/news/world")
    assert out.returncode == 3
    assert json.loads(out.stdout) == {"article": None, "reason": "list page"}


def test_unknown_site_is_a_usage_error_not_a_traceback(tmp_path):
    page = tmp_path / "x.html"
    page.write_bytes(b"<html><title>x</title></html>")
    out = parse_cli(str(page), "--url", "https://example.org/x")
    assert out.returncode == 2 and "--site" in out.stderr and "Traceback" not in out.stderr

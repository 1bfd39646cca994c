"""Nothing a page says reaches a terminal as control codes: ESC, BEL and the other C0/C1 controls in titles,
bodies and bylines come out of `show`, `search`, `history`, `export`, `parse` and the crawl's log lines as
visible escapes (text) or JSON escapes (JSON, losslessly), never raw."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.index import Capture, Index
from archive.terminal import EscapeControls, json_text, printable
from crawler.cli import main
from support import ArticleFields

RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TITLE = "Evil\x1b]0;pwned\x07 headline\x9b2J"
BODY_1 = "First paragraph \x1b[2J clears the screen.\n\nSecond \x07 paragraph."
BODY_2 = BODY_1 + "\n\nThird \x1b[31m paragraph."
AUTHOR = "Ann\x1b[8m Hidden"


def capture(n: int) -> Capture:
    return Capture(url="http://h/articles/-/1", site="kyodo", status=200, content_type="text/html",
                   fetched_at=f"2026-01-0{n}T00:00:00Z", payload_digest=None, warc_file="x.warc.gz",
                   warc_offset=n, warc_length=1, record_id=f"<urn:uuid:0000000{n}>")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("hostile")
    index = Index(data / "index.db")
    for n, body in ((1, BODY_1), (2, BODY_2)):
        article = {"url": "http://h/articles/-/1", "site": "kyodo", "title": TITLE, "body": body,
                   "lead": "Lead \x1b[1m", "authors": [AUTHOR], "access": "full",
                   "published": "2026-01-01T09:00:00+09:00", "warnings": ["date \x1b[5m not understood"]}
        index.upsert_article(ArticleFields(article), index.add_capture(capture(n)), capture(n))
    index.close()
    return data


def run(data: Path, *args: str):
    result = CliRunner().invoke(main, [*args, "--data", str(data)])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.mark.parametrize("args", [("show", "1"), ("history", "1"), ("search", "Evil"),
                                  ("search", "Evil", "--format", "csv")])
def test_text_output_shows_controls_as_visible_escapes(data, args):
    result = run(data, *args)
    assert not RAW_CONTROL.search(result.stdout + result.stderr), repr(result.stdout)
    assert "\\x1b" in result.stdout


def test_show_keeps_the_body_paragraphs_as_lines(data):
    out = run(data, "show", "1").stdout
    assert "Evil\\x1b]0;pwned\\x07 headline\\x9b2J" in out
    assert "First paragraph \\x1b[2J clears the screen.\n\nSecond \\x07 paragraph." in out


@pytest.mark.parametrize("args", [("show", "1", "--format", "json"), ("history", "1", "--format", "json"),
                                  ("search", "Evil", "--format", "json"), ("export", "--format", "jsonl")])
def test_json_output_escapes_controls_losslessly(data, args):
    out = run(data, *args).stdout
    assert not RAW_CONTROL.search(out), repr(out)
    parsed = [json.loads(line) for line in out.splitlines()] if args[0] == "export" else json.loads(out)
    found = set(strings(parsed))
    assert TITLE in found and (AUTHOR in found or args[0] == "history")  # the same strings once parsed


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, dict)):
        for item in value.values() if isinstance(value, dict) else value:
            yield from strings(item)


def test_parse_prints_no_raw_control_from_the_page(tmp_path):
    root = Path(__file__).resolve().parent / "fixtures" / "kyodo"
    case = json.loads((root / "full_caption_author.json").read_text())
    page = (root / "full_caption_author.html").read_bytes().replace(
        case["expected"]["title"].encode(), case["expected"]["title"].encode() + b"\x1b]0;x\x07\xc2\x9b")
    (tmp_path / "p.html").write_bytes(page)
    result = CliRunner().invoke(main, ["parse", str(tmp_path / "p.html"), "--url", case["url"],
                                       "--fetched-at", case["fetched_at"]])
    assert result.exit_code == 0, result.output
    assert not RAW_CONTROL.search(result.stdout + result.stderr)


def test_printable_and_json_text():
    assert printable("a\x1b[31mb\x07\tc\nd\x9b\x7f") == "a\\x1b[31mb\\x07\tc\nd\\x9b\\x7f"
    assert printable("a\nb\tc", keep="") == "a\\x0ab\\x09c"
    assert printable("Grüße — 東京") == "Grüße — 東京"
    text = json_text({"t": "x\x1b\x9by"})
    assert not RAW_CONTROL.search(text) and json.loads(text) == {"t": "x\x1b\x9by"}


def test_log_lines_escape_page_text(tmp_path):
    stream = (tmp_path / "log").open("w+")
    handler = logging.StreamHandler(stream)
    handler.addFilter(EscapeControls())
    log = logging.getLogger("test.terminal")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("%s: %s", "http://h/x", "title \x1b]0;pwned\x07 with\nfake line")
        log.warning(f"f-string \x1b[2J {42}")
        try:
            raise ValueError("bad \x1b[31m value")
        except ValueError:
            log.exception("failed on %r", "\x07")
    finally:
        log.removeHandler(handler)
    stream.seek(0)
    lines = stream.read()
    assert not RAW_CONTROL.search(lines), repr(lines)
    assert "title \\x1b]0;pwned\\x07 with\\x0afake line" in lines  # a value cannot forge a log line
    assert "Traceback" in lines and "bad \\x1b[31m value" in lines


def test_the_crawls_log_handlers_get_the_filter():
    from scrapy.utils.test import get_crawler

    from crawler.extensions.logsafe import SafeLogs
    from crawler.run import project_settings

    assert project_settings().getdict("EXTENSIONS")["crawler.extensions.logsafe.SafeLogs"] is not None
    handler = logging.StreamHandler()
    logging.getLogger().addHandler(handler)
    try:
        SafeLogs.from_crawler(get_crawler())
        assert any(isinstance(f, EscapeControls) for f in handler.filters)
    finally:
        logging.getLogger().removeHandler(handler)

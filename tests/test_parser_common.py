"""`page_selector` builds from clean UTF-8 bytes the very tree the decode-then-parse path builds, and falls
back to that path for anything else (stray windows-1252 bytes, a BOM, NUL bytes, another charset)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from crawler.parsers.common import decode_html_repairing, page_selector, selector

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*/*.html"))
ODD = {
    "cp1252 in utf-8": b"<html><head><meta charset='utf-8'></head><body><p>it\x92s caf\xe9</p></body></html>",
    "bom": b"\xef\xbb\xbf<html><body><p>\xe2\x80\x9cquoted\xe2\x80\x9d</p></body></html>",
    "nul": b"<html><body><p>a\x00b</p></body></html>",
    "latin-1 declared": b"<html><head><meta charset='iso-8859-1'></head><body><p>caf\xe9</p></body></html>",
    "empty": b"   ",
}


def tree(sel) -> bytes:
    return etree.tostring(sel.root, encoding="utf-8")


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_pages_parse_to_the_same_tree(path):
    raw = path.read_bytes()
    assert tree(page_selector(raw)) == tree(selector(decode_html_repairing(raw)))


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_bytes_take_the_decoding_path(name):
    raw = ODD[name]
    assert tree(page_selector(raw)) == tree(selector(decode_html_repairing(raw) or "<html></html>"))


def test_stray_windows_1252_bytes_keep_their_characters():
    assert page_selector(ODD["cp1252 in utf-8"]).css("p::text").get() == "it\u2019s caf\u00e9"

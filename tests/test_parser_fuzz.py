"""Property-based fuzzing (hypothesis) of both site parsers and the Kyodo listing extractor (issue #14 item 3).

The property: whatever the bytes, `parse_page` gives an Article or a clean NotArticle for either site, without the
last-resort guard having to catch an exception, and `kyodo_listing` gives a Listing. Page requisites
(crawler/parsers/requisites.py) likewise: whatever a page's or a stylesheet's bytes, the readers under
`page_requisites` and `css_requisites` return without an exception (their last-resort guards are bypassed here)
and give unique absolute http(s) URLs without fragments. Inputs are random bytes, and
the fixture pages mutated: cut anywhere, tags/attributes/entities/charsets/deep nesting inserted, JSON-LD values
replaced by JSON of any shape, dates replaced by random (often impossible) ones.

In the suite each test runs 200 examples, derandomized (the same examples on every run, so CI is deterministic).
To search longer, with fresh random examples each run:

    NEWSARCHIVE_FUZZ=long .venv/bin/python -m pytest tests/test_parser_fuzz.py        # 5,000 examples a test
    NEWSARCHIVE_FUZZ=long NEWSARCHIVE_FUZZ_EXAMPLES=50000 .venv/bin/python -m pytest tests/test_parser_fuzz.py
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import tinycss2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.access import ACCESS_STATES
from crawler.parsers import NotArticle, parse_page
from crawler.parsers.listings import Listing, kyodo_listing
from crawler.parsers.model import Article
from crawler.parsers.requisites import _Found, _read_css, _read_page

settings.register_profile("suite", max_examples=200, derandomize=True, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=int(os.environ.get("NEWSARCHIVE_FUZZ_EXAMPLES", "5000")),
                          deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ = settings.get_profile(os.environ.get("NEWSARCHIVE_FUZZ", "suite"))

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = {path.relative_to(FIXTURES).as_posix(): path.read_bytes() for path in sorted(FIXTURES.glob("*/*.html"))}
URLS = {"kyodo": "https://english.kyodonews.net/articles/-/90101", "inakoran": "https://inakoran.com/read/1/judul"}
GUARDS = ("unparseable", "parser error")  # what the last-resort guards say: reaching one is the bug


def check(html: bytes, fetched_at: datetime) -> None:
    for site, url in URLS.items():
        result = parse_page(html, url, fetched_at, site=site)
        assert isinstance(result, (Article, NotArticle)), result
        if isinstance(result, NotArticle):
            assert not result.reason.startswith(GUARDS), result.reason
        else:
            assert result.body is None or result.body.startswith(result.lead or "")
            assert result.access in (*ACCESS_STATES, None), result.access
            json.dumps(result.to_dict())
    assert isinstance(kyodo_listing(html), Listing)


# --- strategies ---------------------------------------------------------------------------------------------

fetch_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                           timezones=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=9))]))

# Class names and tags the parsers look for, so inserted markup lands on the paths that matter.
CLASSES = ["article-ttl", "article-body__inner", "paywalled-content", "login-signage", "login-signage__headline",
           "article-header-info__author", "article-header-info__link", "article-header-info__time", "article-footer",
           "article-header-cate__link", "article-header-img-main", "credit", "article-body", "mainpic", "main",
           "m-article-item", "m-article-item-ttl__link", "m-pagination", "--next", "related-item", "g-ad-x",
           "breadcrumb", "caption", "entry-content", "--blur", "m-error", "top-news-wrap"]
TAGS = ["div", "p", "a", "span", "h1", "h2", "time", "figure", "figcaption", "img", "br", "script", "style", "ul",
        "li", "article", "section", "table", "td", "meta", "base", "link", "title", "em", "strong", "iframe",
        "noscript", "template", "svg", "hr", "html", "body", "head", "ol", "textarea", "select", "form", "b"]
ENTITIES = ["&amp;", "&nbsp;", "&#0;", "&#x0;", "&#xD800;", "&#xDFFF;", "&#1114112;", "&#99999999999999;", "&#xFFFE;",
            "&lt;script&gt;", "&shy;", "&#8203;", "&bogus;", "&#x1F600;", "&#128;", "&", "&#"]
CHARSETS = ["utf-16", "UTF-16LE", "utf-16be", "utf-32", "utf-7", "x-user-defined", "iso-2022-jp", "shift_jis",
            "gb18030", "windows-1252", "latin1", "ebcdic-cp-us", "cp037", "bogus", "", "utf-8", "mac-roman"]
BOMS = [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]

words = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
attributes = st.lists(st.tuples(st.sampled_from(["class", "href", "src", "datetime", "data-src", "lang", "rel",
                                                 "type", "content", "property", "name", "charset", "id", "style"]),
                                st.one_of(st.sampled_from(CLASSES), words)), max_size=3)


@st.composite
def tags(draw) -> bytes:
    name = draw(st.sampled_from(TAGS))
    attrs = "".join(f' {k}="{v}"' for k, v in draw(attributes))
    close = draw(st.sampled_from(["", f"</{name}>", "/>"]))
    return f"<{name}{attrs}>{draw(words)}{close}".encode("utf-8", "replace")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | words
    | st.sampled_from(["NewsArticle", "Article", "BreadcrumbList", "Organization", "CollectionPage"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["@type", "@graph", "headline", "datePublished", "dateModified", "author", "name",
                         "articleSection", "itemListElement", "item", "inLanguage", "x"]), inner, max_size=4),
    max_leaves=12)

two = st.integers(0, 99).map(lambda n: f"{n:02d}")
offsets = st.one_of(st.sampled_from(["", "Z", "+09:00", "+14:00", "-12:00", "+23:59", "-23:59", "+24:00", "+99:99"]),
                    st.builds(lambda s, h, m: f"{s}{h:02d}:{m:02d}", st.sampled_from("+-"), st.integers(0, 30),
                              st.integers(0, 70)))
iso_dates = st.builds(lambda y, mo, d, h, mi, s, off: f"{y:04d}-{mo}-{d}T{h}:{mi}:{s}{off}",
                      st.integers(0, 9999), two, two, two, two, two, offsets)
text_dates = st.one_of(
    st.builds(lambda d, m, y, h, mi, ap, z: f"Jumat, {d}-{m}-{y:04d} | {h}:{mi} {ap} {z}", two, two,
              st.integers(0, 9999), two, two, st.sampled_from(["am", "pm", ""]),
              st.sampled_from(["", "WIB", "WITA", "GMT+14", "UTC-12", "GMT+99"])),
    st.builds(lambda n, unit, h, mi: f"KYODO NEWS - {n} {unit} ago - {h}:{mi}", st.integers(0, 10 ** 30),
              st.sampled_from(["minutes", "hours", "days", "weeks"]), two, two),
    st.builds(lambda mon, d, y, h, mi: f"{mon} {d}, {y:04d} - {h}:{mi}", st.sampled_from(["Sep", "Feb", "Sept.", "Xyz"]),
              st.integers(0, 99), st.integers(0, 9999), two, two))


@st.composite
def mutated_pages(draw) -> bytes:
    html = PAGES[draw(st.sampled_from(sorted(PAGES)))]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(html)))
        kind = draw(st.sampled_from(["cut", "tag", "entity", "charset", "deep", "bytes", "bom"]))
        if kind == "cut":
            html = html[:at]
        elif kind == "tag":
            html = html[:at] + draw(tags()) + html[at:]
        elif kind == "entity":
            html = html[:at] + draw(st.sampled_from(ENTITIES)).encode() + html[at:]
        elif kind == "charset":
            label = draw(st.sampled_from(CHARSETS)).encode()
            meta = draw(st.sampled_from([b'<meta charset="%s">', b'<meta http-equiv="Content-Type" content='
                                         b'"text/html; charset=%s">', b'<?xml version="1.0" encoding="%s"?>']))
            html = re.sub(rb"<meta[^>]*charset[^>]*>", b"", html, count=1)
            html = html[:at] + meta.replace(b"%s", label) + html[at:]
        elif kind == "deep":
            depth = draw(st.sampled_from([50, 300, 2049, 3000]))
            tag = draw(st.sampled_from([b"div", b"span", b"b", b"p", b"table", b"li"]))
            closed = draw(st.booleans())
            html = html[:at] + b"<%s>" % tag * depth + (b"</%s>" % tag * depth if closed else b"") + html[at:]
        elif kind == "bytes":
            html = html[:at] + draw(st.binary(max_size=16)) + html[at + draw(st.integers(0, 16)):]
        else:
            html = draw(st.sampled_from(BOMS)) + html
    return html


@st.composite
def json_ld_pages(draw) -> bytes:
    """A fixture page whose JSON-LD has values (or the whole object) replaced by JSON of any shape."""
    name = draw(st.sampled_from([n for n, html in sorted(PAGES.items()) if b"ld+json" in html]))
    html = PAGES[name]
    scripts = list(re.finditer(rb'(<script type="application/ld\+json"[^>]*>)(.*?)(</script>)', html, re.S))
    match = draw(st.sampled_from(scripts))
    try:
        data = json.loads(match.group(2))
    except ValueError:
        data = {}
    if draw(st.booleans()) or not isinstance(data, (dict, list)):
        data = draw(json_values)
    else:  # replace one value somewhere in the object
        node = data
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
            if not isinstance(node[key], (dict, list)) or not node[key]:
                break
            node = node[key]
        if isinstance(node, dict):
            key = draw(st.sampled_from(["@type"] * len(node) + sorted(node) + ["datePublished", "author"]))
            node[key] = draw(json_values)
        elif isinstance(node, list):
            node.append(draw(json_values))
    blob = json.dumps(data)
    blob = draw(st.sampled_from([blob, blob[:len(blob) // 2], "[" * 5000 + blob, '{"a":' * 3000 + blob]))
    blob = blob.encode()
    return html[:match.start(2)] + blob + html[match.end(2):]


DATE_SPOTS = re.compile(rb'(?<=datetime=")[^"]*|(?<="datePublished":")[^"]*|(?<="dateModified":")[^"]*'
                        rb'|(?<=_time" content=")[^"]*|\w+, \d\d-\d\d-\d{4} \| [\d:]+ ?[ap]?m?|KYODO NEWS - [^|<]*'
                        rb"|[A-Z][a-z]{2} \d\d, \d{4}")


@st.composite
def dated_pages(draw) -> bytes:
    name = draw(st.sampled_from([n for n, html in sorted(PAGES.items()) if DATE_SPOTS.search(html)]))
    html = PAGES[name]
    spots = list(DATE_SPOTS.finditer(html))
    for match in sorted(draw(st.lists(st.sampled_from(spots), min_size=1, max_size=4, unique_by=lambda m: m.start())),
                        key=lambda m: -m.start()):
        html = html[:match.start()] + draw(iso_dates | text_dates).encode() + html[match.end():]
    return html


# --- the properties ------------------------------------------------------------------------------------------

@FUZZ
@given(html=st.binary(max_size=4000), fetched_at=fetch_times)
def test_random_bytes(html, fetched_at):
    check(html, fetched_at)


@FUZZ
@given(html=mutated_pages(), fetched_at=fetch_times)
def test_mutated_fixture_pages(html, fetched_at):
    check(html, fetched_at)


@FUZZ
@given(html=json_ld_pages(), fetched_at=fetch_times)
def test_json_ld_values_of_any_shape(html, fetched_at):
    check(html, fetched_at)


@FUZZ
@given(html=dated_pages(), fetched_at=fetch_times)
def test_random_dates(html, fetched_at):
    check(html, fetched_at)


# --- page requisites --------------------------------------------------------------------------------------------

def check_requisites(found: _Found) -> None:
    urls = [r.url for r in found.requisites]
    assert len(set(urls)) == len(urls), urls
    for url in urls:
        assert url.startswith(("http://", "https://")) and "#" not in url, url


def check_page_requisites(html: bytes) -> None:
    for page, mode in (("article", "pages"), ("listing", "pages"), ("home", "all")):
        found = _Found()
        _read_page(html, URLS["kyodo"], page, mode, found)  # unguarded: the guard must never be what saves us
        check_requisites(found)


CSS_PIECES = ["url(", "url(\"", "url('", ")", "\"", "'", "\\", "\\29 ", "@import ", "@font-face", "@media screen",
              "@supports (x:y)", "@namespace ", "image-set(", "-webkit-image-set(", "{", "}", "(", "[", "]", ";", ",",
              "src:", "background:", " 1x", " 2x", "data:image/png;base64,AAAA", "javascript:x", "//cdn.example/x.png",
              "http://[::1", "http://a:99999/", "/*", "*/", "<!--", "-->", "\x00", "\ud7ff", "\n", " ", "#frag",
              "@charset \"utf-16\";", "@charset \"bogus\";", "&"]
css_texts = st.lists(st.one_of(st.sampled_from(CSS_PIECES), words), max_size=60).map("".join)
SRCSET_PIECES = ["a.jpg", " 1x", " 2x", " 0x", " -1x", " 1e9x", " 100w", " 0w", " 50h", ",", ", ", "(", ")", " ",
                 "data:x", "//h/p.jpg", "#f", "1.5x", ".5x"]
srcsets = st.lists(st.one_of(st.sampled_from(SRCSET_PIECES), words), max_size=20).map("".join)
sizes_values = st.one_of(words, st.lists(st.sampled_from(["(max-width: 800px) ", "(min-width: 60em) and ", "100vw",
                                                          "800px", "calc(1px)", ", ", "auto", "1e9px", "0px"]),
                                         max_size=6).map("".join))


@st.composite
def requisite_tags(draw) -> bytes:
    """Markup that names requisites, with odd values where a URL, srcset, sizes or CSS goes."""
    value = draw(st.one_of(words, st.sampled_from(["", " ", "data:,", "javascript:x", "//h/x", "http://[::1", "#f",
                                                   "/a b.png", "http://a:99999/"])))
    template = draw(st.sampled_from([
        '<img src="{v}" srcset="{s}" sizes="{z}" width="{w}">', '<img data-original="{v}" data-srcset="{s}">',
        '<picture><source srcset="{s}" sizes="{z}"><img src="{v}" width="{w}"></picture>', '<base href="{v}">',
        '<link rel="{r}" href="{v}" as="{a}" imagesrcset="{s}" imagesizes="{z}">', '<script src="{v}"></script>',
        '<meta property="og:image" content="{v}">', '<style>{c}</style>', '<div style="{c}">x</div>',
        '<noscript><img src="{v}"></noscript>', '<template><img src="{v}"></template>']))
    html = template.format(
        v=value, s=draw(srcsets), z=draw(sizes_values), w=draw(st.one_of(words, st.integers().map(str))),
        r=draw(st.sampled_from(["stylesheet", "preload", "modulepreload", "icon", "shortcut icon",
                                "apple-touch-icon", "", "STYLESHEET preload"])),
        a=draw(st.sampled_from(["style", "script", "font", "image", "", "fetch"])), c=draw(css_texts))
    return html.encode("utf-8", "replace")


@st.composite
def requisite_pages(draw) -> bytes:
    html = PAGES[draw(st.sampled_from(sorted(PAGES)))]
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(html)))
        html = html[:at] + draw(requisite_tags()) + html[at:]
    return html


@FUZZ
@given(html=st.binary(max_size=4000))
def test_requisites_of_random_bytes(html):
    check_page_requisites(html)


@FUZZ
@given(html=st.one_of(mutated_pages(), requisite_pages()))
def test_requisites_of_mutated_pages(html):
    check_page_requisites(html)


@FUZZ
@given(css=st.one_of(st.binary(max_size=2000), css_texts.map(lambda text: text.encode("utf-8", "surrogatepass"))))
def test_css_requisites_of_any_bytes(css):
    found = _Found()
    rules, _encoding = tinycss2.parse_stylesheet_bytes(css, skip_comments=True, skip_whitespace=True)
    _read_css(rules, "https://english-kyodo.ismcdn.jp/resources/kyodonews/css/pc/leafs.css", "css", found)
    check_requisites(found)

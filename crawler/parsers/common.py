"""Helpers every site parser shares: decoding (markup.py, re-exported here), JSON-LD / OpenGraph reading, dates,
text cleaning."""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from datetime import datetime, timezone
from typing import Any, Iterator
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from lxml import etree
from parsel import Selector

from crawler.parsers.markup import (FLATTEN_DEPTH, MAX_HTML_BYTES, decode_html, decode_html_repairing,  # noqa: F401
                                    flatten_deep, html_root, page_selector, selector)
from crawler.parsers.model import Article

# --- text ------------------------------------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """One line of reader-visible text: NFC, zero-width and soft hyphens dropped, whitespace collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH).replace("\u00a0", " ")
    return _SPACES.sub(" ", text).strip()


def node_text(node: Selector) -> str:
    """Cleaned visible text of one element (scripts and styles excluded)."""
    parts = node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()
    return clean_text(" ".join(parts)) if len(parts) > 1 else clean_text("".join(parts))


def join_paragraphs(paragraphs: list[str]) -> str | None:
    kept = [p for p in (clean_text(p) for p in paragraphs) if p]
    return "\n\n".join(kept) if kept else None


# What no page text may keep: a lone surrogate (JSON's `\ud800` escape gives one) cannot be encoded as UTF-8, so
# SQLite, a JSON export or a log line refuses the whole string; a NUL is stored, but SQL's text functions
# (length, LIKE, snippets) stop at it.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNSTORABLE_NAMES = (("lone surrogate", re.compile("[\ud800-\udfff]")), ("NUL", re.compile("\x00")))


def storable(text: str) -> str:
    """`text` with every character no archive can keep replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def make_storable(article: Article) -> Article:
    """Replace unstorable characters in every string of `article`, in place, with a warning naming each field
    that had some: one bad character must not cost the article its index row, nor the row its other fields.
    The warnings themselves are cleaned without a word."""
    for name, value in list(vars(article).items()):
        if not _holds(value, _UNSTORABLE):
            continue
        found = [kind for kind, pattern in _UNSTORABLE_NAMES if _holds(value, pattern)]
        setattr(article, name, _replaced(value))
        if name != "warnings":
            article.warnings.append(f"{name}: unstorable {', '.join(found)} replaced with U+FFFD")
    return article


def _holds(value: Any, pattern: re.Pattern) -> bool:
    if isinstance(value, str):
        return pattern.search(value) is not None
    if value is None or isinstance(value, int):
        return False
    if isinstance(value, dict):
        return any(_holds(k, pattern) or _holds(v, pattern) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds(v, pattern) for v in value)
    if dataclasses.is_dataclass(value):  # an Image
        return any(_holds(v, pattern) for v in vars(value).values())
    return False


def _replaced(value: Any) -> Any:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {_replaced(k): _replaced(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced(v) for v in value]
    if dataclasses.is_dataclass(value):
        return dataclasses.replace(value, **{f.name: _replaced(getattr(value, f.name))
                                             for f in dataclasses.fields(value)})
    return value


_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def word_count(text: str | None) -> int:
    return len(_WORD.findall(text)) if text else 0


# --- metadata ---------------------------------------------------------------------------------------


def iter_json_ld(sel: Selector) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, flattening top-level arrays and @graph. Bad JSON is skipped."""
    for raw in sel.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [item["@graph"]])
                yield item


_ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "AnalysisNewsArticle"}


def json_ld_article(sel: Selector) -> dict[str, Any] | None:
    """The first JSON-LD object typed as a (news) article."""
    for item in iter_json_ld(sel):
        if ld_types(item) & _ARTICLE_TYPES:
            return item
    return None


def ld_types(item: Any) -> set[str]:
    """The `@type` names of a JSON-LD object. Pages put objects, nested arrays and numbers there too; those name
    no type and are ignored (a `set()` of them raised TypeError and lost the article)."""
    types = item.get("@type") if isinstance(item, dict) else None
    return {t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}


def meta_content(sel: Selector, *names: str) -> str | None:
    """First non-empty <meta property|name=...> content among `names`."""
    for name in names:
        value = sel.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content').get()
        if value and value.strip():
            return clean_text(value)
    return None


def canonical_url(sel: Selector) -> str | None:
    href = sel.xpath('//link[@rel="canonical"]/@href').get() or meta_content(sel, "og:url")
    return href.strip() if href and href.strip() else None


# --- dates -----------------------------------------------------------------------------------------


def parse_iso(value: str | None, default_tz: str | None = None) -> datetime | None:
    """An ISO 8601 string to an aware datetime; a naive one is taken in `default_tz`. None if unparseable."""
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        if default_tz is None:
            return None
        moment = moment.replace(tzinfo=ZoneInfo(default_tz))
    return moment


def in_zone(moment: datetime, tz: str) -> datetime | None:
    """The same instant expressed in the site's zone (so the stored offset is the site's real one).

    None when the zone cannot express it (year 1 seen from east of UTC, year 9999 from west of it): such a value
    is junk, never a publication time, and must cost the field, not the article (it raised OverflowError)."""
    try:
        return moment.astimezone(ZoneInfo(tz))
    except (OverflowError, ValueError):
        return None


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with seconds and a numeric offset: 2026-07-09T13:20:00+09:00."""
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds")


def not_in_future(moment: datetime | None, fetched_at: datetime, warnings: list[str], what: str,
                  slack_seconds: int = 600) -> datetime | None:
    """Reject a date later than the capture itself (clock slack allowed): the page cannot know it."""
    if moment is None:
        return None
    captured = fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=timezone.utc)
    if (moment - captured).total_seconds() > slack_seconds:
        warnings.append(f"{what} {iso(moment)} is after the capture time {iso(captured)}; rejected")
        return None
    return moment


# --- helpers added for the Kyodo parser (usable by every site) -------------------------------------

_URL_NOISE = re.compile(r"[\t\n\r]")


def absolute_url(href: str | None, base: str | None = None) -> str | None:
    """An href as a browser resolves it: ASCII TAB/CR/LF removed anywhere (Kyodo's nav has
    `/list/news/\\tasian-games`), outer spaces stripped, resolved against `base`. None when empty."""
    if not href:
        return None
    href = _URL_NOISE.sub("", href).strip(" \x00\x0b\x0c")
    if not href:
        return None
    if base:
        try:
            return urljoin(_URL_NOISE.sub("", base).strip(), href)
        except ValueError:  # e.g. a malformed IPv6 host in base
            return href
    return href


_SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template"})


def element_text(element: Any) -> str:
    """Cleaned reader-visible text of one lxml element: inline markup joined without extra spaces,
    `<br>` read as a space, scripts/styles/comments skipped."""
    parts: list[str] = [element.text or ""]
    stack = [(iter(element), element)]  # iterative: garbage pages can nest deeper than Python recursion
    while stack:
        child = next(stack[-1][0], None)
        if child is None:
            _, done = stack.pop()
            if stack and done.tail:
                parts.append(done.tail)
            continue
        tag = child.tag
        if isinstance(tag, str) and tag not in _SKIP_TEXT_TAGS:
            if tag == "br":
                parts.append(" ")
            else:
                parts.append(child.text or "")
                stack.append((iter(child), child))
                continue
        if child.tail:
            parts.append(child.tail)
    return clean_text("".join(parts))


# --- helpers added for the Inakoran parser (usable by every site) ----------------------------------

_BLOCK_TAGS = frozenset("address article aside blockquote body center dd details div dl dt fieldset figcaption figure "
                        "footer form h1 h2 h3 h4 h5 h6 header hr html li main ol p pre section summary table tbody td "
                        "tfoot th thead tr ul".split())
_UNSEEN_TAGS = frozenset("audio button canvas embed head iframe map nav noscript object option script select style "
                         "svg template textarea video".split())


class TextBlock:
    """One run of reader-visible text (split at block elements, `<br>` and `<img>`), or one `<img>`.

    `i`: index in document order; `text`: cleaned (None for an image); `owner`: the nearest block-level element;
    `links`: share of the text inside `<a>`; `img`: the image element (None for text)."""

    __slots__ = ("i", "text", "owner", "links", "img")

    def __init__(self, i: int, text: str | None, owner: Any, links: float = 0.0, img: Any = None):
        self.i, self.text, self.owner, self.links, self.img = i, text, owner, links, img


def text_blocks(root: Any) -> tuple[list[TextBlock], list[tuple[int, Any]]]:
    """A page as TextBlocks in document order, for markup-independent extraction (captions, date lines, the
    paragraph container), plus every `<time>` element with the index of the block its text falls in.

    One iterative pass (deeply nested garbage is fine). Strips comments and processing instructions from `root`
    (it mutates the tree); skips head, scripts, styles, nav, media and form controls."""
    etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
    blocks: list[TextBlock] = []
    times: list[tuple[int, Any]] = []
    parts: list[str] = []
    visible = linked = in_link = 0  # chars in the current run, of which inside links; open <a> elements
    owners = [root]
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:  # inlined by hand: this loop is most of a parse's time
        tag = el.tag
        flush = False
        if event == "start":
            if tag in _UNSEEN_TAGS:
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS or tag == "br" or tag == "img":
                flush = True
            elif tag == "a":
                in_link += 1
            elif tag == "time":
                times.append((len(blocks), el))
            text = el.text
        else:
            if tag in _BLOCK_TAGS:
                flush = True
            elif tag == "a":
                in_link = max(in_link - 1, 0)
            elif tag == "time":  # a hidden "updated" <time> often follows the visible one with no space
                parts.append(" ")
            text = el.tail
        if flush:
            if visible:
                run = clean_text("".join(parts))
                if run:
                    blocks.append(TextBlock(len(blocks), run, owners[-1], linked / visible))
            parts.clear()
            visible = linked = 0
            if event == "end":
                if len(owners) > 1:
                    owners.pop()
            elif tag == "img":
                blocks.append(TextBlock(len(blocks), None, owners[-1], img=el))
            elif tag != "br":
                owners.append(el)
        if text:
            parts.append(text)
            n = len(text.strip())
            visible += n
            linked += n if in_link else 0
    if visible:
        run = clean_text("".join(parts))
        if run:
            blocks.append(TextBlock(len(blocks), run, owners[-1], linked / visible))
    return blocks, times

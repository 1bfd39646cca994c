"""Kyodo News English (english.kyodonews.net): one page -> Article | NotArticle.

Two templates, told apart by markup:
- current "Japan Wire" template (mid-2025 relaunch): `h1.article-ttl`, `div.article-header-info`,
  `div.article-body__inner`. Results carry `parser="kyodo"`.
- legacy template (before the relaunch): `p.credit` credit line, `div.mainpic`, `div.article-body`
  without `__inner`. Results carry `parser="kyodo-legacy"`; readers in `kyodo_legacy.py`.
Both share `parser_version=VERSION`. Only when the markup shows neither (a page truncated inside
<head>, say, with nothing but JSON-LD) does the URL form decide (`/articles/-/N` vs
`/news/YYYY/MM/<hash>-slug.html`), and failing that the capture date against the relaunch
(2025-07-15 JST); a warning records the guess.

Decisions where the conventions leave room:
- access is read from the page's markup only: login box "no longer available" -> expired; another login
  box -> gated; `.paywalled-content` with text -> full; none of these -> open (AP copy, BREAKING NEWS
  flashes, every legacy page). JSON-LD `isAccessibleForFree: false` is ignored: BREAKING NEWS carries it
  although its whole text is on the page unwrapped, and the mirror's truth calls that open.
- body: the paragraphs of `div.article-body__inner` only, a `p.--blur` teaser included; the BREAKING
  NEWS paragraph that repeats the headline is kept (it is the story's only text). Partner pages' link
  lists and ">>Read" promotions inside that container are cut (`kyodo_body.py`, which reads the container).
- dates: JSON-LD first, then `time@datetime` (naive JST), then the printed date text; a date after the
  capture (10 minutes of slack), or one Tokyo time cannot express (year 1 at +14:00), is dropped with a
  warning and the next source is tried.
- language: the primary subtag of `<html lang>`, the site's (crawler/sites.py) when missing.

`parse` never raises: bad bytes are repaired or replaced, missing fields become None with a message
in `Article.warnings`, and a last-resort guard turns an unexpected failure into a NotArticle.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from lxml import etree

from crawler.parsers import kyodo_legacy as legacy
from crawler.parsers.common import (absolute_url, canonical_url, clean_text, element_text, page_selector,
                                    in_zone, iso, json_ld_article, make_storable, meta_content, not_in_future,
                                    parse_iso, selector, word_count)
from crawler.parsers.kyodo_body import fill_body, image as _image, split_caption
from crawler.parsers.model import Article, NotArticle
from crawler.sites import get_site

__all__ = ["NAME", "VERSION", "claims_url", "parse", "split_caption", "split_names"]

NAME = "kyodo"
LEGACY_NAME = "kyodo-legacy"
VERSION = "1.0"
SITE = "kyodo"
TZ = get_site(SITE).timezone
RELAUNCH = datetime(2025, 7, 15, tzinfo=ZoneInfo(TZ))

_ARTICLE_PATH = re.compile(r"^/articles/-/\d+/?$")
_PHOTO_PATH = re.compile(r"^/articles/photo(?:/|$)")
_LIST_PATH = re.compile(r"^/list(?:/|$)")

# class token -> what the one pass over the page remembers (first element wins)
_CLASS_KEYS = {
    "article-ttl": "title", "article-header-info__author": "author", "article-header-info__link": "credit",
    "article-header-info__time": "time", "article-header-img-main": "lead_figure", "article-body__inner": "body",
    "paywalled-content": "paywall", "login-signage": "signage", "login-signage__headline": "signage_headline",
    "m-error": "error", "error-page": "error", "top-news-wrap": "home", "m-article-wrap": "listing", "m-pagination": "listing", "sec-latest": "listing",
    "credit": "legacy_credit", "article-body": "legacy_body", "mainpic": "legacy_pic", "main": "legacy_main",
}
_CURRENT_KEYS = ("title", "body", "time", "author", "credit", "lead_figure")
_LEGACY_KEYS = ("legacy_credit", "legacy_body", "legacy_pic")

_BYLINE_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
_NOT_FOUND = re.compile(r"\b404\b|not found|page (?:cannot|can't|could not) be found|does not exist", re.I)
_TITLE_SUFFIX = re.compile(r"\s+[|–-]\s+[^|]*kyodo news[^|]*$", re.I)
_AGENCIES = frozenset({"kyodo", "kyodo news", "ap", "ap news", "associated press", "reuters", "yonhap", "staff"})


def claims_url(url: str) -> bool:
    """Paths only Kyodo uses, so a page saved from a mirror on another host still routes here."""
    path = _path(url)
    return bool(_ARTICLE_PATH.match(path) or _PHOTO_PATH.match(path) or _LIST_PATH.match(path)
                or legacy.ARTICLE_PATH.match(path))


def parse(html: bytes, url: str, fetched_at: datetime) -> Article | NotArticle:
    try:
        result = _parse(html, url, fetched_at)
    except Exception as exc:  # noqa: BLE001  last resort: the contract is "never raises"
        return _not_article(url, f"unparseable page ({type(exc).__name__})")
    return make_storable(result) if isinstance(result, Article) else result


# --- page level -------------------------------------------------------------------------------------


def _parse(html: bytes, url: str, fetched_at: datetime) -> Article | NotArticle:
    path = _path(url)
    if _PHOTO_PATH.match(path):
        return _not_article(url, "photo gallery")
    if not html or not html.strip():
        return _not_article(url, "empty page")
    warnings: list[str] = []
    sel = page_selector(html, warnings) if isinstance(html, bytes) else selector(html, warnings=warnings)
    page = _scan(sel.root)
    ld = json_ld_article(sel) or {}
    template = _template(page, bool(ld), path, fetched_at, warnings)
    if template is None:
        return _not_article(url, _classify(page, path))

    art = Article(url=url, canonical_url=absolute_url(canonical_url(sel), url), site=SITE,
                  language=_language(sel.root, warnings), title=None, parser=NAME, parser_version=VERSION,
                  warnings=warnings)
    if template == "legacy":
        _fill_legacy(art, page, ld, url, fetched_at, meta_content(sel, "author"))
    else:
        _fill_current(art, page, ld, url, fetched_at)
    art.title = art.title or _first_text(ld.get("headline"), meta_content(sel, "og:title"),
                                         _TITLE_SUFFIX.sub("", _text(page.get("head_title"))))
    if not art.title:
        warnings.append("no headline found")
    if not art.body:
        warnings.append("no body text found")
    if art.credit is None:
        warnings.append("no credit (source organisation) found")
    if art.published is None:
        warnings.append("no usable publication date")
    if isinstance(html, bytes) and b"</html>" not in html[-4096:].lower():
        warnings.append("page ends without </html>: the capture may be truncated")
    art.word_count = word_count(art.body)
    return art


def _scan(root) -> dict:
    """One pass over the element tree: every node the parser needs, by class token or tag. It stops at
    `div.article-footer` once the body was seen: the sidebar, "More from" list and footer come after."""
    page: dict = {"categories": []}
    for el in root.iter(etree.Element):
        tag = el.tag
        if tag == "title" or tag == "h1":
            page.setdefault("head_title" if tag == "title" else "first_h1", el)
        cls = el.get("class")
        if not cls:
            continue
        for token in cls.split():
            key = _CLASS_KEYS.get(token)
            if key is not None:
                page.setdefault(key, el)
            elif token == "article-header-cate__link":
                page["categories"].append(el)
            elif token == "article-footer" and "body" in page:
                return page
    return page


def _template(page: dict, has_ld: bool, path: str, fetched_at: datetime, warnings: list[str]) -> str | None:
    if any(key in page for key in _CURRENT_KEYS):
        return "current"
    if any(key in page for key in _LEGACY_KEYS):
        return "legacy"
    if not has_ld:
        return None
    if _ARTICLE_PATH.match(path):
        choice, why = "current", "URL form"
    elif legacy.ARTICLE_PATH.match(path):
        choice, why = "legacy", "URL form"
    else:
        captured = fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=ZoneInfo("UTC"))
        choice, why = ("legacy" if captured < RELAUNCH else "current"), "capture date"
    warnings.append(f"no template markup besides JSON-LD; read as {choice} template by {why}")
    return choice


def _classify(page: dict, path: str) -> str:
    heading = f"{_text(page.get('head_title'))} {_text(page.get('first_h1'))}"
    if "error" in page or _NOT_FOUND.search(heading):
        return "http 404 page"
    if "home" in page or path in ("", "/", "/index.html"):
        return "home page"
    if path.startswith("/list/search"):
        return "search page"
    if "listing" in page or _LIST_PATH.match(path) or legacy.SECTION_PATH.match(path):
        return "list page"
    return "no article markup"


# --- the two templates ------------------------------------------------------------------------------


def _fill_current(art: Article, page: dict, ld: dict, url: str, fetched_at: datetime) -> None:
    art.title = _text(page.get("title")) or None
    if "author" in page:
        art.authors = split_names(_text(page["author"]))
    art.credit = _text(page.get("credit")) or _ld_author(ld)
    art.categories = [name for name in map(element_text, page["categories"]) if name and name != "All"]
    time_el = page.get("time")
    _set_date(art, fetched_at, "published", [("json-ld", _ld_str(ld, "datePublished")),
                                             ("time", time_el.get("datetime") if time_el is not None else None),
                                             ("text", _text(time_el))])
    _set_date(art, fetched_at, "modified", [("json-ld", _ld_str(ld, "dateModified"))])
    lead_image = _image(page.get("lead_figure"), url)
    fill_body(art, page.get("body"), url, [lead_image] if lead_image else [])
    art.access = _access(page, art.warnings)


def _fill_legacy(art: Article, page: dict, ld: dict, url: str, fetched_at: datetime,
                 meta_author: str | None) -> None:
    art.parser = LEGACY_NAME
    main = page.get("legacy_main")
    heading = next(main.iter("h1"), None) if main is not None else None
    art.title = _text(heading if heading is not None else page.get("first_h1")) or None
    credit_el = page.get("legacy_credit")
    line = legacy.CreditLine()
    if credit_el is not None:
        links = [element_text(a) for a in credit_el.iter("a")]
        line = legacy.parse_credit_line(element_text(credit_el), links, fetched_at, art.warnings, split_names)
    art.authors, art.categories = line.authors, line.categories
    art.credit = line.credit or _ld_author(ld) or meta_author
    _set_date(art, fetched_at, "published", [("json-ld", _ld_str(ld, "datePublished")), ("text", line.published)])
    _set_date(art, fetched_at, "modified", [("json-ld", _ld_str(ld, "dateModified"))])
    lead_image = _image(page.get("legacy_pic"), url, legacy_src=True)
    fill_body(art, page.get("legacy_body"), url, [lead_image] if lead_image else [])
    art.access = "open"  # the legacy site had no paywall


# --- fields -----------------------------------------------------------------------------------------


def split_names(text: str) -> list[str]:
    """ "By BEN FINLEY and KONSTANTIN TOROPIN," -> ["BEN FINLEY", "KONSTANTIN TOROPIN"]; agencies are no authors."""
    text = re.sub(r"^by\s+", "", clean_text(text), flags=re.I).strip(" ,;")
    return [name for name in _BYLINE_SPLIT.split(text) if name and name.casefold() not in _AGENCIES]


def _set_date(art: Article, fetched_at: datetime, field_name: str, candidates: list) -> None:
    """First usable candidate, in order: (source, raw) with raw an ISO string (naive = JST), a printed
    date ("text"), or a datetime already resolved. A date after the capture is dropped for the next one."""
    for source, raw in candidates:
        if not raw:
            continue
        if isinstance(raw, datetime):
            moment = raw
        else:
            moment = legacy.parse_display_date(raw) if source == "text" else parse_iso(raw, TZ)
        if moment is None:
            art.warnings.append(f"{field_name}: {source} date {raw!r} not understood")
            continue
        moment = in_zone(moment, TZ)
        if moment is None:
            art.warnings.append(f"{field_name}: {source} date {raw!r} is out of range; dropped")
            continue
        moment = not_in_future(moment, fetched_at, art.warnings, field_name)
        if moment is not None:
            setattr(art, field_name, iso(moment))
            art.date_source[field_name] = source
            return


def _access(page: dict, warnings: list[str]) -> str | None:
    if "signage" in page:
        headline = _text(page.get("signage_headline", page["signage"])).lower()
        return "expired" if "no longer available" in headline else "gated"
    if "paywall" in page:
        if _text(page["paywall"]):
            return "full"
        warnings.append("paywalled-content wrapper is empty")
        return None
    return "open"


# --- small helpers ----------------------------------------------------------------------------------


def _path(url: str) -> str:
    try:
        return urlsplit(absolute_url(url) or "").path
    except ValueError:
        return ""


def _text(el) -> str:
    return element_text(el) if el is not None else ""


def _first_text(*values) -> str | None:
    for value in values:
        if isinstance(value, str) and clean_text(value):
            return clean_text(value)
    return None


def _ld_str(ld: dict, key: str) -> str | None:
    value = ld.get(key)
    return value if isinstance(value, str) else None


def _ld_author(ld: dict) -> str | None:
    authors = ld.get("author")
    for author in authors if isinstance(authors, list) else [authors]:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and clean_text(name):
            return clean_text(name)
    return None


def _language(root, warnings: list[str]) -> str:
    lang = clean_text(root.get("lang") or "") if root is not None else ""
    if not lang:
        language = get_site(SITE).language
        warnings.append(f"no <html lang>; assumed {language}")
        return language
    return lang.split("-")[0].lower()


def _not_article(url: str, reason: str) -> NotArticle:
    return NotArticle(url=url, reason=reason, parser=NAME, parser_version=VERSION)

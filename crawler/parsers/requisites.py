"""Page requisites as data: the stylesheets, scripts, images, icons and fonts a page needs to be seen as readers
saw it, read from the page's bytes (`page_requisites`) or a stylesheet's (`css_requisites`). Pure functions, like the
parsers beside them: the crawl calls them in the parser processes, fetches what they name and calls
`css_requisites` again on each stylesheet it fetched.

Which requisites, by page kind and mode ("none" gives nothing):
- every page: stylesheets (`link rel=stylesheet`, `rel=preload as=style`), scripts (`script src`,
  `rel=preload as=script`, `rel=modulepreload`), fonts preloaded (`rel=preload as=font`), and what inline
  `<style>` blocks reference (@import, url() fonts and images);
- article and home pages (and every page with mode "all"): images (`img src`, `picture > source`, lazy-load
  attributes `data-src`, `data-original`, `data-lazy-src`, and their srcsets; `rel=preload as=image`), what
  `style=""` attributes reference, icons (`rel=icon`, `shortcut icon`, `apple-touch-icon`, `mask-icon`) and
  `og:image`;
- mode "all" also every srcset candidate, where "pages" takes the one a 1x desktop browser loads.

The srcset candidate a 1x desktop browser loads (the HTML standard's selection, for a 1280 px wide viewport at
device pixel ratio 1): with x descriptors (none means 1x), the 1x candidate, else the smallest density above 1x,
else the largest. With w descriptors, the smallest width at least the slot width, else the largest; the slot width
is the first `sizes` entry whose media condition holds at 1280 px (px, em at 16 px, vw; conditions of min-width and
max-width in px or em), else the `width` attribute of the img, else unknown, and then the largest candidate.

What a browser would not fetch is left out: content of `<noscript>` (a browser running scripts does not parse it)
and `<template>`, empty URLs, schemes other than http(s) (data:, blob:, javascript:, about:), `rel=preconnect`,
`dns-prefetch`, `prefetch`, iframes (pages of their own), `@namespace`. Each URL is resolved against `<base href>`
when the page has one, made safe the way Scrapy makes a request's URL (so it equals the URL the crawl fetches
and records) and has its fragment dropped; the first mention of a URL wins. Nothing here raises on bad input:
whatever could be read before a fault is returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import tinycss2
from lxml import etree
from w3lib.url import safe_url_string

from crawler.parsers.markup import page_selector

PAGE_KINDS = ("article", "home", "listing")
MODES = ("none", "pages", "all")
VIEWPORT_PX = 1280  # a desktop browser's layout width, for `sizes` and vw
EM_PX = 16

_HTML_SPACE = " \t\n\r\f"
_ICON_RELS = frozenset({"icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"})
_LAZY_SRC = ("data-src", "data-original", "data-lazy-src")
_LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
_OG_IMAGE = frozenset({"og:image", "og:image:url", "og:image:secure_url"})
_PRELOAD_KINDS = {"style": "stylesheet", "script": "script", "font": "font", "image": "image"}
# Requisites every page kind gets in mode "pages" (with all that inline <style> blocks name); the others only
# article and home pages get (and every page in mode "all").
_STYLE_AND_SCRIPT = frozenset({"stylesheet", "script", "font", "css-import"})


@dataclass(frozen=True)
class Requisite:
    url: str  # absolute, fragment dropped
    kind: str  # "stylesheet", "script", "image", "icon", "og:image", "font", "css-image", "css-import"
    source: str  # where the page names it: "img src", "img srcset 1x", "link rel=stylesheet", "css url()", ...


def page_requisites(html: bytes, url: str, page: str, mode: str) -> list[Requisite]:
    """The requisites of one page (`page` "article", "home" or "listing"; `mode` "none", "pages" or "all"),
    de-duplicated by URL, in document order. Raises ValueError only for a page kind or mode it does not know."""
    if page not in PAGE_KINDS or mode not in MODES:
        raise ValueError(f"page must be one of {PAGE_KINDS} and mode one of {MODES}, not {page!r}, {mode!r}")
    found = _Found()
    if mode == "none" or not html:
        return []
    try:
        _read_page(html, url, page, mode, found)
    except Exception:  # last resort, never reached by the fuzz tests: keep what was read before the fault
        pass
    return found.requisites


def css_requisites(css: bytes, url: str) -> list[Requisite]:
    """What a stylesheet at `url` references: @import (url() or a string), url() in any declaration, inside any
    block (@media, @supports, @layer, nesting), @font-face src as "font", image-set() candidates; data: URIs and
    other non-http(s) URLs skipped. De-duplicated, in the order written. Never raises."""
    found = _Found()
    try:
        rules, _encoding = tinycss2.parse_stylesheet_bytes(css, skip_comments=True, skip_whitespace=True)
        _read_css(rules, url, "css", found)
    except Exception:  # last resort, never reached by the fuzz tests: keep what was read before the fault
        pass
    return found.requisites


# --- collecting ---------------------------------------------------------------------------------------------

class _Found:
    """Requisites in the order first met, one per URL."""

    def __init__(self) -> None:
        self.requisites: list[Requisite] = []
        self._seen: set[str] = set()

    def add(self, raw: str | None, base: str, kind: str, source: str) -> None:
        url = absolute_url(raw, base)
        if url is not None and url not in self._seen:
            self._seen.add(url)
            self.requisites.append(Requisite(url, kind, source))


def absolute_url(raw: str | None, base: str) -> str | None:
    """`raw` as a browser resolves it against `base`, made safe as Scrapy makes request URLs, fragment dropped;
    None when empty, unparseable or not http(s)."""
    if not raw:
        return None
    raw = raw.strip(_HTML_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")  # as the URL parser does
    if not raw or raw.startswith("#"):
        return None
    if raw[:8].lower().startswith(("http://", "https://")):
        return _safe(raw)  # already absolute: what urljoin would give, without its cost
    try:
        return _safe(urljoin(base, raw))
    except ValueError:  # a bad IPv6 literal in the base
        return None


@lru_cache(maxsize=4096)  # pages of a site repeat their chrome's URLs; a parser process sees thousands of pages
def _safe(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        return safe_url_string(url).split("#", 1)[0]
    except ValueError:  # a bad port or IPv6 literal
        return None


# --- HTML -------------------------------------------------------------------------------------------------------

def _read_page(html: bytes, url: str, page: str, mode: str, found: _Found) -> None:
    root = page_selector(html).root
    base = _base_url(root, url)
    everything = page != "listing" or mode == "all"

    def add(raw: str | None, kind: str, source: str, styling: bool = False) -> None:
        if everything or styling or kind in _STYLE_AND_SCRIPT:
            found.add(raw, base, kind, source)

    for element in _ELEMENTS(root):
        tag = element.tag
        attrib = element.attrib
        if tag == "link":
            _link(element, mode, add)
        elif tag == "script":
            add(attrib.get("src"), "script", "script src")
        elif tag == "img":
            _image(element, "img", attrib.get("width"), mode, add)
        elif tag == "source" and element.getparent() is not None and element.getparent().tag == "picture":
            img = element.getparent().find("img")
            _image(element, "picture source", img.get("width") if img is not None else None, mode, add)
        elif tag == "meta":
            if (attrib.get("property") or attrib.get("name") or "").strip().lower() in _OG_IMAGE:
                add(attrib.get("content"), "og:image", "meta og:image")
        elif tag == "style" and element.text and _may_reference(element.text):
            for requisite in _css_text(element.text, base, "<style>", block=True):
                add(requisite.url, requisite.kind, requisite.source, styling=True)
        if "style" in attrib and everything and tag != "style" and _may_reference(attrib["style"]):
            for requisite in _css_text(attrib["style"], base, "style attribute", block=False):
                add(requisite.url, requisite.kind, requisite.source)


# Elements that can name a requisite, in document order, none inside <noscript> (a browser running scripts does
# not parse it) or <template> (inert); one XPath, so that the walk over the rest of the page stays in C.
_ELEMENTS = etree.XPath("(//link | //script | //img | //source | //meta | //style | //*[@style])"
                        "[not(ancestor::noscript or ancestor::template)]")
_CSS_HINTS = ("url(", "image-set", "@import", "\\")  # a backslash: an escape can spell any of these


def _may_reference(css: str) -> bool:
    """Whether CSS text could name a URL at all: most inline styles do not, and tokenizing them costs."""
    lowered = css.lower()
    return any(hint in lowered for hint in _CSS_HINTS)


def _base_url(root: etree._Element, url: str) -> str:
    for href in root.xpath("//base/@href")[:1]:
        based = absolute_url(str(href), url)
        if based is not None:
            return based
    return url


def _link(element: etree._Element, mode: str, add) -> None:
    rel = (element.get("rel") or "").lower().split()
    rels = set(rel)
    href = element.get("href")
    if "stylesheet" in rels:
        add(href, "stylesheet", "link rel=stylesheet")
    elif "modulepreload" in rels:
        add(href, "script", "link rel=modulepreload")
    elif "preload" in rels:
        kind = _PRELOAD_KINDS.get((element.get("as") or "").strip().lower())
        if kind == "image" and (element.get("imagesrcset") or "").strip():
            _srcset(element.get("imagesrcset"), element.get("imagesizes"), None, "link rel=preload imagesrcset",
                    mode, add)
        elif kind is not None:
            add(href, kind, f"link rel=preload as={element.get('as').strip().lower()}")
    elif rels & _ICON_RELS:
        add(href, "icon", "link rel=" + " ".join(rel))


def _image(element: etree._Element, name: str, width: str | None, mode: str, add) -> None:
    if name == "img":
        add(element.get("src"), "image", "img src")
    for attribute in _LAZY_SRC:
        add(element.get(attribute), "image", f"{name} {attribute}")
    for attribute in ("srcset", *_LAZY_SRCSET):
        if element.get(attribute):
            _srcset(element.get(attribute), element.get("sizes"), width, f"{name} {attribute}", mode, add)


def _srcset(value: str, sizes: str | None, width: str | None, source: str, mode: str, add) -> None:
    candidates = parse_srcset(value)
    if mode == "all":
        for url, descriptor in candidates:
            add(url, "image", f"{source} {descriptor}")
        return
    chosen = choose_candidate(candidates, slot_width(sizes, width))
    if chosen is not None:
        add(chosen[0], "image", f"{source} {chosen[1]}")


# --- srcset and sizes -----------------------------------------------------------------------------------------

def parse_srcset(value: str) -> list[tuple[str, str]]:
    """(URL, descriptor) pairs of a srcset, as the HTML standard splits it (a URL may hold commas; a descriptor
    list ends at a comma outside parentheses). The descriptor is normalised to "1x" when absent; candidates
    with an invalid or repeated descriptor are dropped, as browsers drop them."""
    candidates = []
    pos, end = 0, len(value)
    while pos < end:
        while pos < end and (value[pos] in _HTML_SPACE or value[pos] == ","):
            pos += 1
        start = pos
        while pos < end and value[pos] not in _HTML_SPACE:
            pos += 1
        url, descriptors = value[start:pos], []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            current, in_parens = "", False
            while pos < end:
                char = value[pos]
                pos += 1
                if in_parens:
                    current += char
                    in_parens = char != ")"
                elif char == ",":
                    break
                elif char in _HTML_SPACE:
                    if current:
                        descriptors.append(current)
                    current = ""
                else:
                    current += char
                    in_parens = char == "("
            if current:
                descriptors.append(current)
        descriptor = _descriptor(descriptors)
        if url and descriptor is not None:
            candidates.append((url, descriptor))
    return candidates


_DENSITY = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?x")
_WIDTH = re.compile(r"0*[1-9]\d*w")


def _descriptor(descriptors: list[str]) -> str | None:
    kept = [d for d in descriptors if not d.endswith("h")]  # a future height descriptor: browsers ignore it
    if not kept:
        return "1x"
    if len(kept) > 1 or not (_DENSITY.fullmatch(kept[0]) or _WIDTH.fullmatch(kept[0])):
        return None
    if kept[0].endswith("x") and float(kept[0][:-1]) <= 0:
        return None
    return kept[0]


def choose_candidate(candidates: list[tuple[str, str]], slot: float | None) -> tuple[str, str] | None:
    """The candidate a 1x desktop browser loads (rule in the module docstring)."""
    widths = [(int(d[:-1]), url, d) for url, d in candidates if d.endswith("w")]
    if widths:
        large_enough = [w for w in widths if slot is not None and w[0] >= slot]
        best = min(large_enough, key=lambda w: w[0]) if large_enough else max(widths, key=lambda w: w[0])
        return best[1], best[2]
    densities = [(float(d[:-1]), url, d) for url, d in candidates]
    if not densities:
        return None
    at_least_one = [x for x in densities if x[0] >= 1]
    best = min(at_least_one, key=lambda x: x[0]) if at_least_one else max(densities, key=lambda x: x[0])
    return best[1], best[2]


_SIZE = re.compile(r"(?:(?P<media>.*?)\s+)?(?P<number>\d+\.?\d*|\.\d+)(?P<unit>px|em|rem|vw)", re.S | re.I)
_CONDITION = re.compile(r"\(\s*(?P<which>min|max)-width\s*:\s*(?P<number>\d+\.?\d*|\.\d+)(?P<unit>px|em|rem)\s*\)",
                        re.I)
_AND = re.compile(r"\s+and\s+", re.I)


def slot_width(sizes: str | None, width: str | None) -> float | None:
    """The width in CSS px an image's slot has in a 1280 px viewport: from `sizes`, else the `width` attribute."""
    for entry in (sizes or "").split(","):
        match = _SIZE.fullmatch(entry.strip())
        if match and _media_holds(match.group("media")):
            return _px(float(match.group("number")), match.group("unit"))
    try:
        value = float((width or "").strip())
    except ValueError:
        return None
    return value if value > 0 else None


def _media_holds(media: str | None) -> bool:
    if not media:
        return True
    for condition in _AND.split(media.strip()):
        match = _CONDITION.fullmatch(condition)
        if match is None:
            return False  # a condition we cannot evaluate is taken as not holding, as if for another device
        limit = _px(float(match.group("number")), match.group("unit"))
        if not (VIEWPORT_PX >= limit if match.group("which").lower() == "min" else VIEWPORT_PX <= limit):
            return False
    return True


def _px(number: float, unit: str) -> float:
    unit = unit.lower()
    return number * VIEWPORT_PX / 100 if unit == "vw" else number * EM_PX if unit in ("em", "rem") else number


# --- CSS --------------------------------------------------------------------------------------------------------

def _css_text(text: str, base: str, where: str, block: bool) -> list[Requisite]:
    """Requisites of CSS text inside a page: a `<style>` block (`block`) or a `style` attribute's declarations."""
    found = _Found()
    nodes = (tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True) if block
             else tinycss2.parse_blocks_contents(text, skip_comments=True, skip_whitespace=True))
    _read_css(nodes, base, where, found)
    return found.requisites


_IMAGE_SET = frozenset({"image-set", "-webkit-image-set"})


def _read_css(nodes: list, base: str, where: str, found: _Found) -> None:
    """Walk rules and tokens with an explicit stack (nesting depth is the stylesheet's to choose, not ours)."""
    stack = [(iter(nodes), "css-image", None)]  # (tokens, kind of a url() here, the at-rule pending a block)
    while stack:
        tokens, kind, pending = stack[-1]
        node = next(tokens, None)
        if node is None:
            stack.pop()
            continue
        node_type = node.type
        if node_type == "at-rule":
            name = node.lower_at_keyword
            if name == "import":
                _import(node.prelude, base, where, found)
            elif node.content is not None and name != "namespace":
                stack.append((iter(node.content), "font" if name == "font-face" else kind, None))
        elif node_type == "qualified-rule":
            stack.append((iter(node.content or ()), kind, None))
        elif node_type == "declaration":
            stack.append((iter(node.value), kind, None))
        elif node_type == "at-keyword":  # an at-rule nested in a block, seen as tokens
            stack[-1] = (tokens, kind, node.lower_value)
            if node.lower_value == "import":
                prelude = []
                for token in tokens:
                    if token.type == "literal" and token.value == ";":
                        break
                    prelude.append(token)
                _import(prelude, base, where, found)
                stack[-1] = (tokens, kind, None)
        elif node_type == "url":
            if pending != "namespace":
                found.add(node.value, base, kind, _css_source(where, kind))
        elif node_type == "function":
            name = node.lower_name
            if name == "url":
                if pending != "namespace":
                    found.add(_first_string(node.arguments), base, kind, _css_source(where, kind))
            elif name in _IMAGE_SET:
                for argument in node.arguments:
                    if argument.type == "string":
                        found.add(argument.value, base, kind, f"{where} {name}()")
                stack.append((iter(node.arguments), kind, None))
            else:
                stack.append((iter(node.arguments), kind, None))
        elif node_type == "{} block":
            stack[-1] = (tokens, kind, None)
            stack.append((iter(node.content), "font" if pending == "font-face" else kind, None))
        elif node_type in ("() block", "[] block"):
            stack.append((iter(node.content), kind, pending))
        elif node_type == "literal" and node.value == ";":
            stack[-1] = (tokens, kind, None)


def _import(prelude: list, base: str, where: str, found: _Found) -> None:
    for token in prelude:
        if token.type == "whitespace" or token.type == "comment":
            continue
        if token.type in ("url", "string"):
            found.add(token.value, base, "css-import", f"{where} @import")
        elif token.type == "function" and token.lower_name == "url":
            found.add(_first_string(token.arguments), base, "css-import", f"{where} @import")
        return


def _first_string(arguments: list) -> str | None:
    for token in arguments:
        if token.type == "string":
            return token.value
        if token.type not in ("whitespace", "comment"):
            return None
    return None


def _css_source(where: str, kind: str) -> str:
    return f"{where} @font-face src" if kind == "font" else f"{where} url()"

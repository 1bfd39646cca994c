"""Captured bytes to an lxml tree, as a browser would read them: the charset (BOM, HTTP header, <meta>, with the
HTML standard's exceptions), stray windows-1252 bytes in UTF-8 pages, pages too large to parse whole, and markup
nested deeper than libxml2 goes. `common` re-exports all of it, so parsers import from `common` alone."""

from __future__ import annotations

import codecs
import re

from lxml import etree
from parsel import Selector
from w3lib.encoding import html_to_unicode, http_content_type_encoding, read_bom, to_unicode

# --- decoding -------------------------------------------------------------------------------------

# Pages longer than this are cut before parsing (with a warning). A real article page is 40-300 KB; the parse costs
# up to ~0.6 s and 25 MB per MB of body text, so a 50 MB page took 32 s and 1.3 GB, and takes 1 s and 50 MB cut
# (README, Parsers: measured with 1, 2 and 4 MB; 4 MB still allowed 3 s).
MAX_HTML_BYTES = 2_000_000
# libxml2 refuses to nest deeper than 2,048 elements even with huge_tree, and drops the rest of the page; a page
# that deep is read again with the tags past this depth removed, their text kept (Chrome too stops nesting, at 512).
FLATTEN_DEPTH = 1000


def decode_html(html: bytes, content_type: str | None = None) -> str:
    """Bytes to text the way browsers do: BOM, then HTTP charset, then <meta charset>, then sniffing.

    Bytes that are invalid in the declared charset (windows-1252 served as UTF-8, say) are replaced,
    never raised on.
    """
    _encoding, text = _to_unicode(html, content_type)
    return text


def _to_unicode(html: bytes, content_type: str | None = None) -> tuple[str, str]:
    """w3lib's `html_to_unicode`, except for a UTF-16 or UTF-32 label found in the page itself (<meta> or the XML
    declaration): the HTML standard reads that as UTF-8, since markup that could be read as ASCII to find the
    label is not UTF-16. Taken literally it turned a UTF-8 page into CJK noise with no article in it."""
    encoding, text = html_to_unicode(content_type, html)
    if (codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")) and read_bom(html)[0] is None
            and http_content_type_encoding(content_type) is None):
        return "utf-8", to_unicode(html, "utf-8")
    return encoding, text


_HTML_PARSER = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)


def html_root(text: str, warnings: list[str] | None = None) -> etree._Element:
    """The lxml tree of a decoded page, built as parsel builds it, with plain `lxml.etree` elements:
    lxml.html's element classes cost a Python call per element (a tenth of a Kyodo page's parse time)."""
    return _utf8_root(text.strip().replace("\x00", "").encode("utf-8"), warnings)


def _utf8_root(body: bytes, warnings: list[str] | None = None) -> etree._Element:
    body = _bounded(body, warnings)
    root = etree.fromstring(body, parser=_HTML_PARSER) if body else None
    if body and _too_deep():
        root = etree.fromstring(flatten_deep(body, FLATTEN_DEPTH), parser=_HTML_PARSER)
        note = (f"markup nested more than {FLATTEN_DEPTH:,} elements deep: the tags past that depth were dropped "
                "(their text kept) so that the rest of the page could be read")
        if _too_deep():
            note += "; it is still too deep for libxml2, and the page past that point is missing"
        if warnings is not None:
            warnings.append(note)
    return root if root is not None else etree.fromstring(b"<html/>", parser=_HTML_PARSER)


def _too_deep() -> bool:
    return any("Excessive depth" in error.message for error in _HTML_PARSER.error_log.filter_from_fatals())


def _bounded(data: bytes, warnings: list[str] | None) -> bytes:
    if len(data) <= MAX_HTML_BYTES:
        return data
    cut = data.rfind(b"<", MAX_HTML_BYTES // 2, MAX_HTML_BYTES)  # not inside a tag when we can help it
    if warnings is not None:
        warnings.append(f"page of {len(data) / 1e6:.1f} MB cut to its first {MAX_HTML_BYTES / 1e6:g} MB before "
                        "parsing: anything past that point is missing")
    return data[:cut if cut > 0 else MAX_HTML_BYTES]


_TOKEN = re.compile(rb"<!--.*?(?:-->|$)|<(/?)([A-Za-z][^\s/>]*)[^>]*>", re.S)
_RAW_TEXT = frozenset(b"script style textarea title xmp iframe noembed noframes".split())
_VOID = frozenset(b"area base br col embed hr img input keygen link meta param source track wbr".split())


def flatten_deep(body: bytes, limit: int) -> bytes:
    """`body` without the start and end tags of elements nested deeper than `limit` (their content kept).

    Nesting is tracked the simple way (a stack of open tags; an end tag closes up to its match among the 64
    innermost, else it is ignored), which overestimates the depth libxml2 sees, never underestimates it much:
    the limit stays far below libxml2's 2,048."""
    lower = body.lower()
    out: list[bytes] = []
    stack: list[tuple[bytes, bool]] = []
    kept = last = pos = 0
    while (m := _TOKEN.search(body, pos)) is not None:
        pos = m.end()
        name = m.group(2)
        if name is None:  # a comment
            continue
        name = name.lower()
        if m.group(1):
            i = next((i for i in range(len(stack) - 1, max(len(stack) - 65, -1), -1) if stack[i][0] == name), None)
            if i is None:
                continue
            if not stack[i][1]:
                out.append(body[last:m.start()])
                last = pos
            kept -= sum(keep for _, keep in stack[i:])
            del stack[i:]
        elif name in _RAW_TEXT:  # its content is text, not tags
            end = lower.find(b"</" + name, pos)
            pos = len(body) if end < 0 else end
        elif name not in _VOID and not m.group(0).endswith(b"/>"):
            keep = kept < limit
            stack.append((name, keep))
            kept += keep
            if not keep:
                out.append(body[last:m.start()])
                last = pos
    out.append(body[last:])
    return b"".join(out)


def selector(html: bytes | str, content_type: str | None = None, warnings: list[str] | None = None) -> Selector:
    text = html if isinstance(html, str) else decode_html(_bounded(html, warnings), content_type)
    return Selector(root=html_root(text or "<html></html>", warnings), type="html")


# --- repairing (added for the Kyodo parser, used by every site) ----------------------------------

def _cp1252_for_bad_utf8(exc: UnicodeError) -> tuple[str, int]:
    if isinstance(exc, UnicodeDecodeError):
        return exc.object[exc.start:exc.end].decode("cp1252", errors="replace"), exc.end
    raise exc


codecs.register_error("newsarchive-cp1252", _cp1252_for_bad_utf8)


def decode_html_repairing(html: bytes, content_type: str | None = None) -> str:
    """`decode_html`, except that bytes invalid in a UTF-8 page are read as windows-1252.

    Pages that declare UTF-8 but carry stray windows-1252 bytes (a pasted "it\\x92s", "caf\\xe9") then keep
    the character the author typed instead of U+FFFD. Valid UTF-8 is decoded exactly as before.
    """
    encoding, text = _to_unicode(html, content_type)
    if "\ufffd" in text and codecs.lookup(encoding).name == "utf-8":
        raw = html[len(codecs.BOM_UTF8):] if html.startswith(codecs.BOM_UTF8) else html
        text = raw.decode("utf-8", errors="newsarchive-cp1252")
    return text


def page_selector(html: bytes, warnings: list[str] | None = None) -> Selector:
    """`selector(decode_html_repairing(html))`, building the tree from the bytes themselves when they are
    clean UTF-8 (nearly every page): the same tree without re-encoding a 100 KB page (7% of a parse).

    A page over MAX_HTML_BYTES is cut, and one nested past libxml2's limit flattened; `warnings` hears of both."""
    html = _bounded(html, warnings)
    encoding, text = _to_unicode(html)
    if (codecs.lookup(encoding).name == "utf-8" and "\ufffd" not in text and b"\x00" not in html
            and not html.startswith(codecs.BOM_UTF8)):
        return Selector(root=_utf8_root(html.strip(), warnings), type="html")
    return selector(decode_html_repairing(html) or "<html></html>", warnings=warnings)

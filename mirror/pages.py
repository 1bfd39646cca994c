"""Rendering helpers shared by both sites' page modules."""

from __future__ import annotations

import html
import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime


@dataclass
class Page:
    status: int
    content_type: str
    body: str | bytes
    last_modified: datetime | None = None
    location: str | None = None  # for redirects
    delay: float = 0.0  # seconds the server waits before answering (a slow asset)


HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "text/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json; charset=utf-8"


def esc(text: str) -> str:
    """Escape a text node."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """Escape an attribute value (double-quoted), apostrophes as &#39; like the real CMS."""
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def xml_text(text: str) -> str:
    return html.escape(text, quote=False)


def json_ld(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def rfc822(moment: datetime) -> str:
    return format_datetime(moment)


def mark(key: str, n: int) -> int:
    """A stable small number for (key, n): drives deterministic markup quirks."""
    return zlib.crc32(f"{key}:{n}".encode())


def quirky(text: str, key: str, n: int) -> str:
    """Escape one paragraph and add invisible noise that clean_text removes: NBSP, a soft hyphen,
    a zero-width space, a line break with indentation. The cleaned text equals `text`."""
    out = esc(text)
    m = mark(key, n)
    if m % 6 == 0 and out.count(" ") > 3:
        head, tail = out.split(" ", 3)[:3], out.split(" ", 3)[3]
        out = " ".join(head) + "&nbsp;" + tail
    if m % 10 == 3 and " " in out:
        out = out.replace(" ", "\n      ", 1)
    if m % 15 == 7:
        words = out.split(" ")
        for i, word in enumerate(words):
            if len(word) >= 9 and word.isalpha():
                words[i] = word[:4] + ("&shy;" if m % 2 else "\u200b") + word[4:]
                break
        out = " ".join(words)
    return out


def linked(text_html: str, href: str, key: str, n: int) -> str:
    """Wrap a few words of an already-escaped paragraph in a link (space-delimited, text unchanged)."""
    words = text_html.split(" ")
    if len(words) < 8 or mark(key, n) % 4:
        return text_html
    return " ".join(words[:2]) + f' <a href="{attr(href)}">' + " ".join(words[2:5]) + "</a> " + " ".join(words[5:])


def pagination_window(page: int, last: int, width: int = 5) -> range:
    start = max(1, min(page - width // 2, last - width + 1))
    return range(start, min(last, start + width - 1) + 1)

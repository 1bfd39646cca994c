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


# Tiny valid placeholder images for image paths on the mirror's own host.
def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    header = (1).to_bytes(4, "big") * 2 + bytes([8, 6, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0\0")) + chunk(b"IEND", b"")


PNG_1X1 = _png_1x1()
JPEG_1X1 = bytes.fromhex(
    "ffd8ffdb004300" + "01" * 64 + "ffc0000b080001000101011100"
    "ffc40014000001" + "00" * 15 + "00" + "ffc40014100001" + "00" * 15 + "00"
    "ffda0008010100003f00" + "3f" + "ffd9")
SVG_ICON = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'

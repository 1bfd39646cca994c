"""srcset and sizes read as a browser reads them, and the one candidate a 1x desktop browser loads: which image of
a srcset `page_requisites` (requisites.py) takes in mode "pages", where mode "all" takes every candidate.

The rule (the HTML standard's selection, for a 1280 px wide viewport at device pixel ratio 1):
- x descriptors (none means 1x): the 1x candidate, else the smallest density above 1x, else the largest.
- w descriptors: the smallest width at least the slot width, else the largest. The slot width is the first
  `sizes` entry whose media condition holds at 1280 px (lengths in px, em at 16 px, vw; conditions of min-width
  and max-width in px or em, joined by "and"; an entry we cannot evaluate, such as calc() or orientation, is
  passed over), else the img's `width` attribute, else unknown, and then the largest candidate is taken.
A real browser may load a smaller candidate than this on a narrower window; the archive keeps the one a reader at
a desktop sees, and `--requisites all` keeps them all.
"""

from __future__ import annotations

import re

VIEWPORT_PX = 1280  # a desktop browser's layout width, for `sizes` and vw
EM_PX = 16
_HTML_SPACE = " \t\n\r\f"


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
    """The candidate a 1x desktop browser loads, for a slot `slot` CSS px wide (None: unknown); rule above."""
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

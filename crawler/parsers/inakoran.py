"""Inakoran (inakoran.com, Indonesian) article parser.

Inakoran's real markup is unknown (the one real sample is reader-visible text), so this
parser hangs on no template. It reads metadata first (JSON-LD NewsArticle incl. @graph, og:*, article:* meta,
`<time datetime>`), then the `<h1>`, then text anchors the seed article shows whatever the markup: the date line
`Friday, 18-10-2024 | 10:11 am` (English/Indonesian day and month names, numeric or named month, 12 h or 24 h,
WIB/WITA/WIT/GMT+n), the byline just before it, the dateline paragraph `Jakarta, Inakoran`, captions ending
`[ist]`, and the `KOMENTAR` heading where the body ends. The page is flattened once into text blocks and images
in document order; the body is the container holding the most non-link paragraph text after the date line.

Article or not (the crawler follows same-site links and lets this parser decide): a headline and a body are
needed, plus JSON-LD article metadata (10+ words), or a date (meta, <time> or date line) and 2+ paragraphs
(20+ words with og:type article / article meta, else 40+). Linked titles interleaved with dates and excerpts in
the body region mean a listing; the reason then says home, list or 404 page. Zone-less times are WIB.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawler.parsers import common
from crawler.parsers.model import Article, Image, NotArticle
from crawler.sites import get_site

NAME = "inakoran"
VERSION = "1.0"
TZ = get_site(NAME).timezone
LANGUAGE = get_site(NAME).language  # when the page names none

# The article URL scheme is unknown, so no path shape is claimed as Inakoran's (the crawler must not depend on a
# guess). Claimed: a host naming Inakoran, a mirror prefix `/inakoran/`, the two verified asset paths (§4.1).
_ASSET_PATH = re.compile(r"/ina/userfiles/|/uploads/\d{4}/\d{2}/\d{2}/\d{10}-p[0-9a-f]{32}", re.I)


def claims_url(url: str) -> bool:
    try:
        parts = urlsplit(str(url).strip())
        host = parts.hostname or ""
    except ValueError:
        return False
    first = parts.path.lstrip("/").split("/", 1)[0].lower()
    return "inakoran" in host or first == "inakoran" or bool(_ASSET_PATH.search(parts.path))


# --- dates ---------------------------------------------------------------------------------------------
_MONTHS = {name: n for n, names in enumerate((
    "januari january jan", "februari pebruari february feb", "maret march mar", "april apr", "mei may",
    "juni june jun", "juli july jul", "agustus august agu agt ags aug", "september sept sep",
    "oktober october okt oct", "november nopember nov", "desember december des dec"), 1) for name in names.split()}
_WEEKDAYS = (r"senin|selasa|rabu|kamis|jum['’`]?at|sabtu|minggu|ahad|monday|tuesday|wednesday|thursday"
             r"|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun")
_DATE_RE = re.compile(
    rf"""(?<![\w/])(?:(?:{_WEEKDAYS})\b\.?\s*,?\s*)?
    (?:(?P<d>\d{{1,2}})\s*[-/.]\s*(?P<m>\d{{1,2}})\s*[-/.]\s*(?P<y>\d{{4}})
      |(?P<d2>\d{{1,2}})\s+(?P<mn>{"|".join(sorted(_MONTHS, key=len, reverse=True))})\b\.?,?\s+(?P<y2>\d{{4}})
      |(?P<y3>\d{{4}})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}}))(?!\d)
    (?:\s*(?:[|,·•/–—-]|\bpukul\b|\bjam\b|\bat\b)?\s*(?:pukul\s+|jam\s+)?
      (?P<H>\d{{1,2}})[:.](?P<M>\d{{2}})(?:[:.](?P<S>\d{{2}}))?(?!\d)
      (?:\s*(?P<ap>[ap])\.?\s?m\b\.?)?
      (?:\s*(?P<tz>WITA|WIB|WIT|(?:GMT|UTC)\s*[+-]\s*\d{{1,2}}(?::?\d{{2}})?)\b)?)?""",
    re.I | re.X,
)
_ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def parse_date_text(text: str) -> tuple[datetime | None, bool]:
    """The first date in `text` as an aware datetime in WIB, and whether a time of day was printed."""
    m = _DATE_RE.search(text or "")
    return _date_from_match(m) if m else (None, False)


def _date_from_match(m: re.Match) -> tuple[datetime | None, bool]:
    g = m.groupdict()
    try:
        if g["y"]:
            y, mo, d = int(g["y"]), int(g["m"]), int(g["d"])
        elif g["y2"]:
            y, mo, d = int(g["y2"]), _MONTHS[g["mn"].lower()], int(g["d2"])
        else:
            y, mo, d = int(g["y3"]), int(g["m3"]), int(g["d3"])
        hour = int(g["H"] or 0)
        if g["ap"] and 1 <= hour <= 12:
            hour = hour % 12 + (12 if g["ap"].lower() == "p" else 0)
        zone = (g["tz"] or "WIB").upper().replace(" ", "").replace(":", "")
        if zone[:3] in ("GMT", "UTC"):
            digits = zone[4:].rjust(3, "0") if len(zone[4:]) > 2 else zone[4:] + "00"
            offset = timedelta(hours=int(digits[:-2]), minutes=int(digits[-2:]))
            tz = timezone(offset if zone[3] == "+" else -offset)
        else:
            tz = ZoneInfo(_ZONES[zone])
        moment = datetime(y, mo, d, hour, int(g["M"] or 0), int(g["S"] or 0), tzinfo=tz)
    except (ValueError, KeyError, OverflowError, IndexError):
        return None, False
    moment = common.in_zone(moment, TZ)  # None for year 1 at GMT+14, say
    return (moment, g["H"] is not None) if moment is not None else (None, False)


_HEADINGS = ("h2", "h3", "h4")
_Block = common.TextBlock


# --- text anchors ------------------------------------------------------------------------------------------
_CAPTION_CREDIT = re.compile(r"\s*[\[(]\s*(?:foto\s*:\s*)?(ist(?:imewa)?\.?)\s*[\])]\s*$", re.I)
_END_MARK = re.compile(r"(?:tulis |kirim |berikan |beri )?komentar(?: anda)?(?: \(\d+\))?|\d+ komentar|terkait"
                       r"|(?:berita|artikel|baca) (?:terkait|lainnya)|related(?: posts| articles)?|comments?", re.I)
_DROP = re.compile(r"(?:baca|simak|lihat) juga\b|(?:tags?|label|topik)\s*:|(?:bagikan|share)\b.{0,40}$"
                   r"|(?:advertisement|iklan|scroll to continue)$", re.I)
_DATELINE = re.compile(r"(?P<place>[^\W\d][\w .’'/-]{0,40}?)\s*(?:,\s*\(?|\(\s*)inakoran(?:\.com)?(?!\w)\s*\)?"
                       r"(?:\s*[-–—:|]+\s*|\s+)?(?P<rest>.*)", re.I | re.S)
_BYLINE_LABEL = re.compile(r"^(?:(?:ditulis )?oleh|by|penulis|reporter|pewarta)\s*:?\s*", re.I)
_NOT_PEOPLE = re.compile(r"^(?:admin(?:istrator)?|(?:tim )?redaksi.*|editor|webmaster|.*inakoran.*)$", re.I)
_HOME_NAMES = {"home", "beranda", "index", "halaman utama", "inakoran", "inakoran.com"}
_TITLE_SITE = re.compile(r"^\s*inakoran(?:\.com)?\s*[|:–—-]\s*|\s*[|:–—-]\s*inakoran(?:\.com)?\s*$", re.I)
_NOT_FOUND = re.compile(r"\b404\b|tidak ditemukan|not found|halaman tidak ada", re.I)
_HOME_PATH = re.compile(r"/?(?:index\.(?:php|html?)|home|beranda)?/?", re.I)
_NOT_PHOTO = re.compile(r"(?:^|[/_.\-\s])(?:logo|icons?|avatar|emoji|spinner|loader|pixel|sprite|banner|iklan"
                        r"|gravatar)(?:[/_.\-\s]|$)|\.svg(?:$|\?)", re.I)
_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|\?)", re.I)


def _is_caption(b: _Block) -> bool:
    return (b.text[-1] in "])" and bool(_CAPTION_CREDIT.search(b.text))) or b.owner.tag == "figcaption" \
        or "caption" in (b.owner.get("class") or "")


def _caption_credit(text: str) -> tuple[str | None, str | None]:
    """`"Menteri ... [ist]"` -> (`"Menteri ..."`, `"ist"`); the credit is kept as printed."""
    m = _CAPTION_CREDIT.search(text)
    return (text[:m.start()].strip() or None, m.group(1).rstrip(".")) if m else (text or None, None)


def _date_line(blocks: list[_Block], anchor: int) -> tuple[int | None, re.Match | None]:
    """The short block holding a date just after the headline (else shortly before it)."""
    after = range(anchor + 1, min(anchor + 14, len(blocks)))
    for i in (*after, *range(anchor - 1, max(anchor - 5, -1), -1)):
        b = blocks[i]
        if b.text and len(b.text) <= 120 and not _CAPTION_CREDIT.search(b.text):
            m = _DATE_RE.search(b.text)
            if m and m.start() <= 60:
                return i, m
    return None, None


def _metas(sel) -> dict[str, str]:
    """Every `<meta property|name=... content=...>` read once (first non-blank wins), raw."""
    out: dict[str, str] = {}
    for el in sel.root.iter("meta"):
        content = el.get("content")
        for key in (el.get("property"), el.get("name")) if content and not content.isspace() else ():
            if key and key not in out:
                out[key] = content
    return out


def _meta(metas: dict[str, str], *names: str) -> str | None:
    return next((common.clean_text(metas[n]) for n in names if n in metas), None)


def _split_people(raw: str) -> list[str]:
    raw = _BYLINE_LABEL.sub("", common.clean_text(raw)).strip(" |-–—,/•:")
    if not raw or len(raw) > 60 or re.search(r"\d", raw) or raw.lower().startswith("editor"):
        return []
    names = [n.strip(" .") for n in re.split(r"\s*(?:,|&|/|\bdan\b|\band\b)\s*", raw)]
    names = [n for n in names if n and not _NOT_PEOPLE.match(n)]
    return names if all(len(n.split()) <= 4 for n in names) else []


def _authors(metas, ld, blocks, a_i, date_i, date_m, categories) -> list[str]:
    """JSON-LD people, else meta author, else the byline: the text before the date on its line, or the short
    block just before the date line. Organisations and the site itself are never authors."""
    names: list[str] = []
    value = (ld or {}).get("author")
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            item = None if common.ld_types(item) & {"Organization", "NewsMediaOrganization"} else item.get("name")
        if isinstance(item, str):
            names += [n for n in _split_people(item) if n not in names]
    names = names or _split_people(_meta(metas, "author") or "")
    if names or date_m is None or date_i < a_i:
        return names
    prefix = blocks[date_i].text[:date_m.start()]
    if re.search(r"\w", prefix):
        return _split_people(prefix)
    prev = next((b for b in reversed(blocks[a_i + 1:date_i]) if b.text), None)
    if prev and not _is_caption(prev) and prev.text.casefold() not in {c.casefold() for c in categories}:
        return _split_people(prev.text)
    return []


# --- metadata ----------------------------------------------------------------------------------------------
def _dates(metas, ld, times, date_m, fetched_at, warnings):
    """(published, modified, date_source, any date seen). Per field the first readable source decides; a value
    after the capture time is rejected (None + warning), not replaced by a later source."""
    ld = ld or {}
    marks = [(el.get("datetime"), f'{el.get("class")} {el.get("itemprop")}') for el in times if el.get("datetime")]
    updated = next((v for v, m in marks if re.search("updated|modified", m, re.I)), None)
    time_pub = next((v for v, m in marks if re.search("published", m, re.I)), None) or next(
        (v for v, m in marks if not re.search("updated|modified", m, re.I)), None)
    fields = {
        "published": [("json-ld", ld.get("datePublished")), ("meta", _meta(
            metas, "article:published_time", "og:published_time", "pubdate", "publishdate", "datePublished")),
            ("time", time_pub), ("text", date_m)],
        "modified": [("json-ld", ld.get("dateModified")), ("meta", _meta(
            metas, "article:modified_time", "og:updated_time", "dateModified")), ("time", updated)],
    }
    out: dict[str, str] = {}
    sources: dict[str, str] = {}
    seen = date_m is not None
    for field, candidates in fields.items():
        for source, raw in candidates:
            if source == "text" and raw is not None:
                moment, has_time = _date_from_match(raw)
                if moment is not None and not has_time:
                    warnings.append(f"{field}: the date line has no time of day; midnight WIB assumed")
            elif source != "text" and isinstance(raw, str) and raw.strip():
                seen = True
                moment = common.parse_iso(raw, TZ) or parse_date_text(raw)[0]
            else:
                continue
            moment = common.in_zone(moment, TZ) if moment is not None else None  # None: out of range
            if moment is None:
                text = raw.group(0) if isinstance(raw, re.Match) else raw
                warnings.append(f"{field}: unreadable or out-of-range {source} date {text[:80]!r}")
                continue
            moment = common.not_in_future(moment, fetched_at, warnings, f"{field} ({source})")
            if moment is not None:
                out[field], sources[field] = common.iso(moment), source
            break
    return out.get("published"), out.get("modified"), sources, seen


def _categories(sel, ld, title) -> list[str]:
    """JSON-LD articleSection, else article:section, else the breadcrumb (JSON-LD or HTML), else rel=category."""
    section = (ld or {}).get("articleSection")
    found = [s for s in (section if isinstance(section, list) else [section]) if isinstance(s, str)]
    found = found or sel.root.xpath('//meta[@property="article:section" or @name="article:section"]/@content')
    for item in ([] if found else common.iter_json_ld(sel)):
        stack = [item.get("itemListElement")] if "BreadcrumbList" in common.ld_types(item) else []
        while stack:
            el = stack.pop(0)
            if isinstance(el, list):
                stack[:0] = el
            elif isinstance(el, dict):
                name = el.get("name") or (el.get("item") if isinstance(el.get("item"), dict) else {}).get("name")
                found.append(name if isinstance(name, str) else "")
    found = found or ["".join(a.itertext()) for a in sel.root.xpath(
        '//*[contains(@class,"breadcrumb")]//a | //a[contains(concat(" ",normalize-space(@rel)," ")," category ")]')]
    out: list[str] = []
    for name in map(common.clean_text, found):
        if name and name.lower() not in _HOME_NAMES and name != title and name not in out:
            out.append(name)
    return out


def _images(blocks: list[_Block], base: str) -> list[Image]:
    """Photos among `blocks` (icons, avatars, ads and thumbnails linking elsewhere skipped), each with the caption
    that follows it (or, failing that, precedes it)."""
    images: list[Image] = []
    pending = None
    for b in blocks:
        if b.img is None:
            if b.text and _is_caption(b):
                if images and images[-1].caption is None and images[-1].credit is None:
                    images[-1].caption, images[-1].credit = _caption_credit(b.text)
                else:
                    pending = _caption_credit(b.text)
            continue
        img = b.img
        raw = next((v for v in (img.get(a, "").strip() for a in ("data-src", "data-lazy-src", "data-original",
                                                                   "src")) if v and not v.startswith("data:")), None)
        if not raw or _NOT_PHOTO.search(raw) or _NOT_PHOTO.search(img.get("class") or "") or any(
                s.isdigit() and int(s) < 60 for s in (img.get(a, "").strip().removesuffix("px") for a in ("width", "height"))):
            continue
        link = next(img.iterancestors("a"), None)
        if link is not None and link.get("href") and not _IMAGE_FILE.search(link.get("href")):
            continue
        src = common.absolute_url(raw, base)
        if not src or any(im.src == src for im in images):
            continue
        images.append(Image(src=src))
        if pending:
            images[-1].caption, images[-1].credit = pending
            pending = None
    return images


# --- body and page kind --------------------------------------------------------------------------------------
def _end_index(blocks: list[_Block], start: int) -> int | None:
    return next((b.i for b in blocks[start:] if b.text and len(b.text) <= 40
                 and _END_MARK.fullmatch(b.text.strip(" :.!"))), None)


def _container(blocks: list[_Block], lo: int, hi: int):
    """The element whose own paragraphs hold the most non-link text (its parent gets half credit). Broken markup
    that spills paragraphs into the parent moves the choice up one level."""
    scores: dict = {}
    direct: dict = {}
    for b in blocks[lo:hi]:
        if b.text is None or b.links > 0.5 or len(b.text) < 30 or _is_caption(b) or _DROP.match(b.text):
            continue
        home = b.owner if b.owner.tag in ("div", "section", "article", "td", "main", "body", "center") \
            else b.owner.getparent()
        if home is None:
            continue
        direct[home] = direct.get(home, 0) + len(b.text)
        scores[home] = scores.get(home, 0) + len(b.text)
        if (up := home.getparent()) is not None:
            scores[up] = scores.get(up, 0) + len(b.text) / 2
    if not scores:
        return None
    best = max(scores, key=scores.get)
    up = best.getparent()
    return up if up is not None and direct.get(up, 0) >= 0.2 * scores[best] else best


def _teasers(seq: list[_Block]) -> tuple[bool, list[_Block]]:
    """(is a listing, `seq` without a trailing related-links block). A listing: linked titles interleaved with
    short text (date, excerpt) from before most of the text. A related block: two or more linked titles with only
    short text after them."""
    marks = [k for k, b in enumerate(seq) if b.links >= 0.8 and len(b.text.split()) >= 3 and not _DROP.match(b.text)]
    words = [len(b.text.split()) if b.links < 0.5 else 0 for b in seq]
    listing = sum(1 for a, b in zip(marks, marks[1:]) if 2 <= b - a <= 4) >= 2 and sum(words[:marks[0]]) * 2 < sum(words)
    tail = next((k for k in marks[:-1] if all(b.links >= 0.5 or w < 12 for b, w in zip(seq[k:], words[k:]))), None)
    return listing, seq if tail is None else seq[:tail]


def _page_kind(sel, url: str, blocks: list[_Block]) -> str | None:
    if _NOT_FOUND.search(" ".join(sel.xpath("//title//text() | //h1//text()").getall())):
        return "http 404 page"
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    if _HOME_PATH.fullmatch(path):
        return "home page"
    teasers = sum(1 for b in blocks if b.text and b.links >= 0.8 and len(b.text.split()) >= 4
                  and b.owner.tag in (*_HEADINGS, "li", "div"))
    dated = sum(1 for b in blocks if b.text and len(b.text) <= 120 and _DATE_RE.match(b.text))
    kinds = set().union(*map(common.ld_types, common.iter_json_ld(sel)))
    if teasers >= 3 or dated >= 3 or kinds & {"CollectionPage", "ItemList", "SearchResultsPage"}:
        return "list page"
    return None


# --- the parser ----------------------------------------------------------------------------------------------
def parse(html: bytes, url: str, fetched_at: datetime) -> Article | NotArticle:
    """One captured page to an Article or a NotArticle. Pure, and never raises."""
    try:
        result = _parse(html, url, fetched_at)
    except Exception as exc:  # a bug must not stop a crawl; the page is archived all the same
        # The message may quote the page, and the reason is stored (a fetch_errors row when an article was due).
        return NotArticle(url=url, reason=common.storable(f"parser error: {type(exc).__name__}: {exc}"[:300]),
                          parser=NAME, parser_version=VERSION)
    return common.make_storable(result) if isinstance(result, Article) else result


def _parse(html: bytes, url: str, fetched_at: datetime) -> Article | NotArticle:
    raw = html.encode("utf-8", "replace") if isinstance(html, str) else bytes(html or b"")
    warnings: list[str] = []
    sel = common.page_selector(raw, warnings)
    ld = common.json_ld_article(sel)
    metas = _metas(sel)
    base = common.absolute_url(sel.xpath("//base/@href").get(), url) or url

    headline = ld.get("headline") if ld else None
    meta_title = common.clean_text(headline) if isinstance(headline, str) else ""
    meta_title = meta_title or _TITLE_SITE.sub("", _meta(metas, "og:title") or "")
    page_title = _TITLE_SITE.sub("", common.clean_text(" ".join(sel.xpath("//title//text()").getall())))
    blocks, times = common.text_blocks(sel.root)
    h1s = [b for b in blocks if b.text and b.owner.tag == "h1" and b.text.lower() not in _HOME_NAMES]
    wanted = {t.casefold() for t in (meta_title, page_title) if t}
    anchor = next((b for b in h1s if b.text.casefold() in wanted), h1s[0] if h1s else None) or next(
        (b for b in blocks if b.text and b.text.casefold() in wanted), None)  # a headline not in <h1>
    title = meta_title or (anchor.text if anchor else "") or page_title
    a_i = anchor.i if anchor else -1
    date_i, date_m = _date_line(blocks, a_i) if anchor else (None, None)
    start = max(a_i, -1 if date_i is None else date_i) + 1

    end = _end_index(blocks, start)
    container = _container(blocks, start, len(blocks) if end is None else end)
    if container is None and end is not None:  # a "Komentar" tab above the text: look past it
        container = _container(blocks, start, len(blocks))
    inside = set(container.iter()) if container is not None else set()
    listing, texts = _teasers([b for b in blocks[start:end] if b.text and b.owner in inside])
    paragraphs = [b.text for b in texts if not _is_caption(b) and b.links < 0.75 and not _DROP.match(b.text)]
    dateline = None
    for k in range(min(2, len(paragraphs))):
        if m := _DATELINE.fullmatch(paragraphs[k]):
            dateline, rest = m.group("place").strip(), m.group("rest").strip()
            paragraphs[k:k + 1] = [rest] if rest else []
            break
    body = "\n\n".join(paragraphs) or None  # blocks are clean_text()-ed already
    words = common.word_count(body)

    categories = _categories(sel, ld, title)
    header_times = [el for i, el in times if anchor and a_i - 4 <= i <= start]
    published, modified, sources, dated = _dates(metas, ld, header_times, date_m, fetched_at, warnings)
    og_article = (_meta(metas, "og:type") or "").lower() == "article" \
        or sources.get("published") in ("json-ld", "meta")
    if not title or not body or listing:
        reason = "no headline" if not title else "list page" if listing else "no article body"
    elif ld is not None:
        reason = None if words >= 10 else "no article body"
    elif not dated:
        reason = "no date line or article metadata"
    else:  # one dated excerpt under a linked title is a list item, not an article
        enough = len(paragraphs) >= 2 and words >= (20 if og_article else 40) and (og_article or anchor)
        reason = None if enough else "no article body"
    if reason:
        return NotArticle(url=url, reason=_page_kind(sel, url, blocks) or reason, parser=NAME,
                          parser_version=VERSION)

    authors = _authors(metas, ld, blocks, a_i, date_i, date_m, categories)
    last = texts[-1].i if texts else start
    images = _images(blocks[max(a_i, 0) if anchor else start:min(len(blocks) if end is None else end, last + 1)],
                     base)
    for missing, note in ((end is None, "no KOMENTAR heading; the body ends with its container"),
                          (b"</html>" not in raw[-4096:].lower(), "no closing </html>: the page may be truncated"),
                          (not authors, "no byline found"), (not published, "no usable publication date")):
        if missing:
            warnings.append(note)
    lang = sel.xpath("/html/@lang").get() or _meta(metas, "og:locale") or (ld or {}).get("inLanguage")
    lang = re.split(r"[-_]", common.clean_text(lang).lower())[0] if isinstance(lang, str) else ""
    canonical = common.canonical_url(sel)
    return Article(
        url=url, canonical_url=common.absolute_url(canonical, base) if canonical else None, site=NAME,
        language=lang if re.fullmatch(r"[a-z]{2,3}", lang) else LANGUAGE, title=title, authors=authors,
        credit=None, published=published, modified=modified, date_source=sources, categories=categories,
        dateline=dateline, lead=body.split("\n\n", 1)[0], body=body, images=images, access="open",
        word_count=words, parser=NAME, parser_version=VERSION, warnings=warnings,
    )

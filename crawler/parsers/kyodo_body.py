"""The body container of a Kyodo page (either template): its story paragraphs, dateline and figures.

Partner stories ("Spotlight Japan") carry more than the story inside the container: a ">>Read the full article
with visuals on Spotlight Japan>>" promotion, and link lists after an `<hr>` under a label ("Related coverage",
"More from Spotlight Japan:", "More Spotlight Japan stories:"). Neither is story text (docs/conventions.md: no
related-coverage links in the body), so a label goes with the link-only paragraphs and list items after it, and a
link-only ">>Read" paragraph goes too. The contributor note ("This article was submitted by a contributing writer
...") is the story's own and stays. Their dateline "TOKYO, Japan Wire" names the publication: the place is "TOKYO".
"""

from __future__ import annotations

import re

from crawler.parsers import kyodo_legacy as legacy
from crawler.parsers.common import absolute_url, clean_text, element_text, join_paragraphs
from crawler.parsers.model import Article, Image

_BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li", "pre", "td", "th", "dt", "dd"})
_CONTAINER_TAGS = frozenset({"div", "section", "article", "blockquote", "ul", "ol", "dl", "table", "thead",
                             "tbody", "tfoot", "tr", "center", "main", "header", "footer", "body"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "form", "button", "nav", "aside",
                        "svg", "video", "audio", "object", "embed", "input", "select", "textarea", "figcaption"})
_SKIP_CLASSES = frozenset({"login-signage", "podcast-container", "article-body-bottom", "article-sns",
                           "related-item", "measurement"})
_SEPARATOR = re.compile(r"^[-–—_=*~]{3,}$")
_DATELINE = re.compile(r"^([A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]*)*(?:, [A-Z][A-Za-z.'’-]*(?: [A-Z][A-Za-z.'’-]*)*)?)"
                       r" [-–—] (.*)$", re.S)
_PUBLICATION = re.compile(r",\s*Japan Wire$")
_LIST_LABEL = re.compile(r"(?:related (?:coverage|stories|articles)|more (?:from )?spotlight(?: japan)?(?: stories)?"
                         r"|more stories)\s*:?", re.I)
_PROMO = re.compile(r">>\s*read\b", re.I)
_KYODO_TAIL = re.compile(r"\s*==\s*Kyodo\s*$", re.I)
_MAX_DEPTH = 60


def fill_body(art: Article, root, url: str, images: list[Image]) -> None:
    """`art.body`, `lead`, `dateline` and `images` (after `images` given: the lead photo) from the container."""
    blocks: list[tuple[str, object]] = []
    if root is not None:
        _walk(root, url, blocks, images, 0)
    texts = [text for text, _ in _story_only(blocks) if text and not _SEPARATOR.match(text)]
    if texts:
        match = _DATELINE.match(texts[0])
        if match:
            art.dateline = _PUBLICATION.sub("", match.group(1))
            texts[0] = clean_text(match.group(2))
    art.body = join_paragraphs(texts)
    art.lead = art.body.split("\n\n", 1)[0] if art.body else None
    art.images = images


def _story_only(blocks: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """`blocks` without partner link lists (a label and the link-only blocks after it) and ">>Read" promos."""
    kept = []
    in_list = False
    for text, el in blocks:
        if _LIST_LABEL.fullmatch(text):
            in_list = True
        elif in_list and _link_only(el):
            pass
        elif _PROMO.match(text) and _link_only(el):
            in_list = False
        else:
            in_list = False
            kept.append((text, el))
    return kept


def _link_only(el) -> bool:
    if el is None:
        return False
    linked = "".join(element_text(a) for a in el.iter("a"))
    return bool(linked) and linked.replace(" ", "") == element_text(el).replace(" ", "")


def _walk(node, url: str, blocks: list, images: list[Image], depth: int) -> None:
    """Paragraph blocks (text, element) and figures of a body container, in order. Inline runs directly in a
    container (text, <a>, <strong>) form a paragraph of their own, ended by a block, a figure or a <br>."""
    run: list[str] = [node.text or ""]

    def flush() -> None:
        text = clean_text("".join(run))
        if text:
            blocks.append((text, None))
        run.clear()

    for child in node:
        tag = child.tag
        if isinstance(tag, str):
            classes = set((child.get("class") or "").split())
            if tag in _SKIP_TAGS or classes & _SKIP_CLASSES or any(c.startswith("g-ad") for c in classes):
                pass
            elif tag == "figure" or tag == "img":
                flush()
                image_ = image(child, url)
                if image_:
                    images.append(image_)
            elif tag == "br":
                flush()
            elif tag in _BLOCK_TAGS or (tag in _CONTAINER_TAGS and depth >= _MAX_DEPTH):
                flush()
                blocks.append((element_text(child), child))
                images.extend(filter(None, (image(img, url) for img in child.iter("img"))))
            elif tag in _CONTAINER_TAGS:
                flush()
                _walk(child, url, blocks, images, depth + 1)
            else:
                run.append(element_text(child))
        run.append(child.tail or "")
    flush()


def image(el, url: str, legacy_src: bool = False) -> Image | None:
    """Image of a figure (or a bare img / legacy div.mainpic): absolute src, caption, credit."""
    if el is None:
        return None
    img = el if el.tag == "img" else next(el.iter("img"), None)
    if img is None:
        return None
    src = (img.get("src") or "").strip()
    if legacy_src or not src:
        lazy = (img.get("data-src") or img.get("data-original") or "").strip()
        if lazy and (not src or legacy.PLACEHOLDER_IMG.search(src)):
            src = lazy
    if not src or legacy.PLACEHOLDER_IMG.search(src):
        return None
    cap_el = None if el is img else next(el.iter("figcaption"), None)
    if cap_el is None and el is not img and el.tag != "figure":
        cap_el = el  # legacy div.mainpic: its text is the caption
    caption, credit = split_caption(element_text(cap_el) if cap_el is not None else "")
    return Image(src=absolute_url(src, url), caption=caption, credit=credit)


def split_caption(text: str) -> tuple[str | None, str | None]:
    """ "Ships in the strait. (Photo not for sale)(Getty/Kyodo)" -> ("Ships in the strait. (Photo not for
    sale)", "Getty/Kyodo"): the last parenthesised group is the credit. Legacy "(Kyodo) ==Kyodo" tails are
    cleaned; a bare "==Kyodo" tail means credit "Kyodo"."""
    text = clean_text(text)
    tail = _KYODO_TAIL.search(text)
    credit = "Kyodo" if tail else None
    if tail:
        text = text[:tail.start()]
    if text.endswith(")"):
        depth = 0
        for i in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                credit = clean_text(text[i + 1:-1]) or credit
                text = text[:i]
                break
    return clean_text(text) or None, credit

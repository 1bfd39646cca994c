"""The index's last line of defence against text it cannot store: replaced, never a lost article.

The parsers hand over storable text (crawler/parsers/common.py `make_storable`). What slips past them (an
older parser, a bug, another caller of `archive.bulk`) would otherwise fail the article's whole row: in a
crawl the article is lost and fetched again every run, in a reindex the rebuild stops. A lone surrogate
cannot be encoded as UTF-8 at all; a NUL is stored, but SQL's text functions (length, LIKE, FTS snippets)
stop at it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

logger = logging.getLogger(__name__)

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_article(article: dict[str, Any]) -> dict[str, Any]:
    """`article` itself when all its text can be stored; else a copy with the bad characters replaced by
    U+FFFD and a warning naming each field that held some."""
    bad = [key for key, value in article.items() if _holds(value)]
    if not bad:
        return article
    fixed = {key: _replaced(value) for key, value in article.items()}
    fixed["warnings"] = [*(fixed.get("warnings") or []), *(
        f"{key}: unstorable text replaced with U+FFFD by the index" for key in bad if key != "warnings")]
    logger.warning("%s: unstorable text in %s replaced with U+FFFD", fixed.get("url"), ", ".join(bad))
    return fixed


def _holds(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds(k) or _holds(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds(v) for v in value)
    return False


def _replaced(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_replaced(k): _replaced(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replaced(v) for v in value]
    return value

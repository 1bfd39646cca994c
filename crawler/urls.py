"""URL canonicalisation for discovery: one spelling per page, so nothing is fetched twice."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

_WHITESPACE = re.compile(r"\s+")
TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src)$", re.I)


def canonicalize(url: str, base: str | None = None) -> str:
    """Absolute URL with stray whitespace removed (Kyodo's nav has a TAB inside a path), no fragment,
    tracking parameters dropped, scheme and host lower-cased. Other query parameters keep their order."""
    url = _WHITESPACE.sub("", url or "")
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    # Filter on the raw pairs: re-encoding would change the URL (`%20` -> `+`), and the server sees bytes.
    query = "&".join(pair for pair in parts.query.split("&")
                     if pair and not TRACKING_PARAMS.match(unquote_plus(pair.partition("=")[0])))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


Origin = tuple[str, str, int]  # (scheme, host, port)
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL, the port filled in when it is the default and user info
    left out; None for anything else (another scheme, no host, a port out of range)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def same_origin(url: str, base: str) -> bool:
    here = origin(url)
    return here is not None and here == origin(base)

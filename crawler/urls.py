"""URL canonicalisation for discovery: one spelling per page, so nothing is fetched twice."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urldefrag, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src)$", re.I)


def clean_href(href: str | None, base: str | None = None) -> str:
    """An href as a browser reads it (WHATWG URL rules, through w3lib): TAB and line breaks inside dropped
    (Kyodo's nav has a TAB inside a path), surrounding spaces stripped, inner spaces and non-ASCII
    percent-encoded, made absolute against `base`. Escapes already in the URL are kept as they are."""
    url = safe_url_string(href or "")
    return safe_url_string(urljoin(base, url)) if base else url


def canonicalize(url: str, base: str | None = None) -> str:
    """`clean_href`, then no fragment, tracking parameters dropped, scheme and host lower-cased. Other query
    parameters keep their order and their bytes (w3lib's canonicalize_url would sort them and turn `%20`
    into `+`, and the server sees bytes)."""
    parts = urlsplit(clean_href(url, base))
    query = "&".join(pair for pair in parts.query.split("&")
                     if pair and not TRACKING_PARAMS.match(unquote_plus(pair.partition("=")[0])))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def as_linked(href: str | None, base: str) -> str:
    """An absolute link as the page wrote it, fragment removed but the query untouched (tracking
    parameters included): what a seed page links is archived as linked."""
    return urldefrag(clean_href(href, base))[0]


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

"""Every request.meta key and response flag newsarchive sets or reads, each spelled once.

A key is written by one component and read by another (a spider and a middleware, two middlewares): both
import its name from here, so the two spellings cannot drift apart and a reader can find every key in one place.

Scrapy's own, read where needed and spelled there as Scrapy spells them: the meta keys `redirect_urls`
(RedirectMiddleware), `dont_retry` (RetryMiddleware), `depth` (DepthMiddleware), `download_latency` and
`download_slot` (the downloader; downloadermiddlewares/politeness.py gives each origin its own slot) and the
response flag `cached` (HttpCacheMiddleware). Its flags `dataloss` and `download_stopped` are named below,
because what they mean here (a truncated capture) is ours.
"""

from __future__ import annotations

# -- request.meta keys ------------------------------------------------------------------------------------

# How a spider found the URL, {"source": "feed", "via": <page>, "hops": 2, "feedItemDate": ..., ...}: written
# into the WARC metadata record (downloadermiddlewares/capture.py), and the referring page of an offsite link.
DISCOVERY_META_KEY = "discovery"
# On a request for a page's requisite (a stylesheet, script, image, font...): {"of": <page URL>, "kind":
# <Requisite.kind>}. The capture middleware marks its capture a requisite of that page (captures.role,
# needed_by) and writes the kind into the metadata record (`requisiteKind`), from which reindex rebuilds both.
# Such a request is never parsed as a page nor followed for links, and is outside the page budget
# (crawler/core/scheduler.py; crawler/spiders/requisites.py makes them).
REQUISITE_META_KEY = "requisite"
# A URL the site's own article pattern promised: a page there that is not an article is recorded as a failure.
EXPECT_ARTICLE_META_KEY = "expect_article"
# The article URL a request counts for in the crawl's accounting (crawler/spiders/ledger.py): Kyodo's article
# pattern, or any page Inakoran's links, feed or sitemap name (its parser alone tells an article). Kept through
# redirects, so that the response is counted against the URL discovered.
ACCOUNTED_META_KEY = "accounted"
# Set by the spiders on listing, feed and sitemap requests: sent with the conditions of the URL's last full
# capture (downloadermiddlewares/conditional.py).
CONDITIONAL_META_KEY = "conditional"
# The stored earlier response those conditions came from: a 304 answer is handed on as it.
CONDITIONAL_ORIGINAL_META_KEY = "conditional_original"
# The response goes only to the parser process, which undoes its Content-Encoding: the reactor never decodes it.
PARSER_DECODES_META_KEY = "parser_decodes"
# The Capture of this response (WARC file, offset, record id), set by the capture middleware for the spider.
CAPTURE_META_KEY = "warc_capture"
# The status line's reason phrase as latin-1 text, kept by the download handler for the WARC record (a
# Response has __slots__: it cannot carry it).
REASON_META_KEY = "http_reason"
# The one request let through a host's open circuit breaker: its answer decides whether the host is back.
CIRCUIT_TRIAL_META_KEY = "circuit_trial"

# -- response flags ---------------------------------------------------------------------------------------

# Scrapy's: the connection closed before Content-Length bytes came (with DOWNLOAD_FAIL_ON_DATALOSS=False).
DATALOSS_FLAG = "dataloss"
# Scrapy's: the download was stopped before its end (core/download.py stops it at DOWNLOAD_MAXSIZE).
DOWNLOAD_STOPPED_FLAG = "download_stopped"
# With DOWNLOAD_STOPPED_FLAG: the body was cut at DOWNLOAD_MAXSIZE (it is never parsed).
MAXSIZE_FLAG = "maxsize"
# On a 304 handed on as the earlier 200 it confirmed: never indexed, an index row must point at the record
# holding the text.
NOT_MODIFIED_FLAG = "not-modified"
# The flags of a body cut short, archived with WARC-Truncated and never indexed as if it were whole.
TRUNCATED_FLAGS = (DATALOSS_FLAG, DOWNLOAD_STOPPED_FLAG)


def truncated(response) -> bool:
    """Whether the body is not the whole body the server meant to send (archived with WARC-Truncated)."""
    return any(flag in response.flags for flag in TRUNCATED_FLAGS)


def content_encoding(response) -> str | None:
    """The Content-Encoding still applied to `response.body`: none once Scrapy decompressed it, the received
    one for a request marked PARSER_DECODES_META_KEY (the parser process undoes it)."""
    return b", ".join(response.headers.getlist(b"Content-Encoding")).decode("latin-1") or None

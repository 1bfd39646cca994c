"""The "zoo": unlinked HTTP oddities under `/_zoo/` on both mirror sites, for WARC-fidelity and crawler-robustness
tests. Served only when the Mirror has `zoo=True` (the default); never linked from the normal pages, never
cached, never fetching anything itself. Bodies are deterministic bytes (the same on both sites and every run;
only `Date` and absolute `Location` headers differ). Pages carry no date, so no parser takes them for articles.

Fidelity (reachable from `/_zoo/index`):
  /_zoo/index            links every fidelity URL below
  /_zoo/gzip             gzip only when Accept-Encoding allows it, else identity (Vary: Accept-Encoding)
  /_zoo/deflate          Content-Encoding: deflate (zlib-wrapped) when Accept-Encoding lists deflate
  /_zoo/brotli           Content-Encoding: br when Accept-Encoding lists br
  /_zoo/chunked          Transfer-Encoding: chunked, 6 chunks, no Content-Length (HTTP/1.0 clients: close-delimited)
  /_zoo/cookies          two separate Set-Cookie headers
  /_zoo/latin1-header    X-Zoo-Note: caf\\xe9 (one raw 0xE9 byte in the header value)
  /_zoo/query?a=1&b=x%20y  echoes the raw query string (and the decoded pairs)
  /_zoo/redirect         301 (absolute Location) -> /_zoo/redirect-2 -> 302 (relative Location) -> /_zoo/landing
  /_zoo/missing, /_zoo/error   404 and 500 with HTML bodies
  /_zoo/reason           status line "HTTP/1.1 200 Fine Thanks"
Faults (reachable from `/_zoo/faults`, NOT from the index; Cache-Control: no-store):
  /_zoo/slow?ms=N               answers after N ms (default 5000, max 600000)
  /_zoo/reset                   closes the connection with a TCP RST, no answer
  /_zoo/flaky-500?key=K&fails=N first N requests for K (default 1) answer 500, later ones 200
  /_zoo/429?key=K&retry_after=S first request for K answers 429 + Retry-After: S (default 1), later ones 200
  /_zoo/redirect-chain?n=N      N redirects (301, 302, 303, 307, 308 in turn) to ?n=N-1 ... ?n=0 answers 200
  /_zoo/redirect-loop           302 -> /_zoo/redirect-loop-b -> 302 -> /_zoo/redirect-loop -> ...
  /_zoo/truncated               Content-Length: 10000, 4000 bytes sent, then the connection is closed
  /_zoo/wrong-charset           windows-1252 bytes under "charset=utf-8" (header and <meta>)
  /_zoo/huge?mb=N               an N MiB HTML page (default 30, max 4096) streamed from one 64 KiB block
  /_zoo/not-html                a small PDF (application/pdf) with binary bytes
  /_zoo/offsite                 links to other hosts only (example.invalid, 127.0.0.2:9, ...) plus one back
Counters for flaky-500 and 429 live in the Mirror (per site and key); `/_zoo/faults?ms=N&mb=M` tunes the
slow and huge links on that index page.
"""

from __future__ import annotations

import gzip
import html
import random
import socket
import struct
import threading
import zlib
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

import brotli

PREFIX = "/_zoo/"
HTML_TYPE = "text/html; charset=utf-8"
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect",
           308: "Permanent Redirect", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}
NO_STORE = ("Cache-Control", "no-store")
CHAIN_STATUS = (301, 302, 303, 307, 308)
HUGE_BLOCK = 64 * 1024
MIB = 1024 * 1024


def accepts(header: str | None, coding: str) -> bool:
    """Whether an Accept-Encoding value allows `coding` (q > 0, by name or by `*`)."""
    if not header:
        return False
    names = {"gzip": ("gzip", "x-gzip")}.get(coding, (coding,))
    star = None
    for part in header.split(","):
        token, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        token = token.strip().lower()
        if token in names:
            return q > 0
        if token == "*":
            star = q > 0
    return bool(star)


class ZooState:
    """Per-Mirror counters for the stateful endpoints. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple, int] = {}

    def bump(self, *key) -> int:
        """Count one more request for `key`; returns the count including this one."""
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]


# --- bodies -------------------------------------------------------------------------------------------

def page(title: str, *paragraphs: str, extra: str = "") -> bytes:
    """A small, valid, undated HTML page (paragraphs are already-escaped HTML)."""
    paras = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Zoo: {html.escape(title)}</title>\n'
            f'<meta name="robots" content="noindex">\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n{paras}\n{extra}'
            f'<p><a href="/_zoo/index">Back to the zoo</a></p>\n</body>\n</html>\n').encode("utf-8")


FIDELITY_LINKS = [
    ("/_zoo/gzip", "gzip when Accept-Encoding allows it"),
    ("/_zoo/deflate", "deflate (zlib) when Accept-Encoding allows it"),
    ("/_zoo/brotli", "brotli when Accept-Encoding allows it"),
    ("/_zoo/chunked", "Transfer-Encoding: chunked"),
    ("/_zoo/cookies", "two Set-Cookie headers"),
    ("/_zoo/latin1-header", "a latin-1 byte in a header value"),
    ("/_zoo/query?a=1&b=x%20y", "a query string"),
    ("/_zoo/redirect", "301 then 302 then 200"),
    ("/_zoo/missing", "404 with a body"),
    ("/_zoo/error", "500 with a body"),
    ("/_zoo/reason", "a non-standard reason phrase"),
]


def _link_list(links) -> str:
    return "<ul>\n" + "\n".join(f'<li><a href="{html.escape(href)}">{html.escape(text)}</a></li>'
                                for href, text in links) + "\n</ul>\n"


INDEX = page("Fidelity zoo", "HTTP responses that an archival crawler must record exactly as received.",
             extra=_link_list(FIDELITY_LINKS))


def _filler(seed: str, count: int) -> list[str]:
    rng = random.Random(seed)
    words = ("archive record header payload digest chunk length status reason cookie charset redirect "
             "encoding replay capture crawler request response server client body").split()
    return [html.escape(" ".join(rng.choice(words) for _ in range(rng.randint(12, 30))).capitalize() + ".")
            for _ in range(count)]


@lru_cache(maxsize=None)
def compressible(kind: str) -> tuple[bytes, bytes]:
    """(identity body, encoded body) for gzip / deflate / brotli."""
    body = page(f"{kind} encoding", f"This body is sent with Content-Encoding: {kind} when the request allows it.",
                *_filler("zoo-" + kind, 40))
    if kind == "gzip":
        packed = gzip.compress(body, compresslevel=6, mtime=0)
    elif kind == "deflate":
        packed = zlib.compress(body, 6)  # zlib-wrapped, as RFC 9110 "deflate" means
    else:
        packed = brotli.compress(body, quality=5)
    return body, packed


CHUNKED = page("Chunked transfer", "This body was sent in several chunks without a Content-Length.",
               *_filler("zoo-chunked", 12))
CHUNK_SIZES = (1, 17, 256, 1000, 4096)  # then the rest as one last chunk
COOKIES = page("Cookies", "This response sets two cookies with two separate Set-Cookie headers.")
LATIN1 = page("Latin-1 header", "The X-Zoo-Note header of this response holds the raw byte 0xE9 (caf&eacute;).")
LANDING = page("Landing", "The end of the redirect chain /_zoo/redirect -&gt; /_zoo/redirect-2 -&gt; here.")
MISSING = page("Not found", "This zoo page is missing on purpose: status 404 with an HTML body.")
ERROR = page("Server error", "This zoo page fails on purpose: status 500 with an HTML body.")
REASON = page("Reason phrase", "The status line of this response reads HTTP/1.1 200 Fine Thanks.")
SLOW = page("Slow", "This page was answered after a delay.")
RECOVERED = page("Recovered", "This page failed before and answers normally now.")
FLAKY_ERROR = page("Flaky", "This request failed on purpose (500); a retry will succeed.")
TOO_MANY = page("Too many requests", "Slow down: retry after the number of seconds in Retry-After.")
CHAIN_END = page("Chain end", "The end of a redirect chain.")
WRONG_CHARSET = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Zoo: wrong charset</title>\n'
    '</head>\n<body>\n<h1>Wrong charset</h1>\n'
    '<p>This page says UTF-8 but its bytes are windows-1252: \u201csmart quotes\u201d, caf\u00e9, na\u00efve, '
    '\u20ac 20, \u2013 a dash, and \u2026 an ellipsis.</p>\n'
    '<p>Les \u00e9l\u00e8ves ont r\u00e9ussi l\u2019examen \u00e0 Montr\u00e9al.</p>\n'
    '<p><a href="/_zoo/faults">Back to the fault zoo</a></p>\n</body>\n</html>\n').encode("cp1252")
TRUNCATED_LENGTH, TRUNCATED_SENT = 10_000, 4_000
OFFSITE_LINKS = [("http://example.invalid/x", "an invalid TLD"), ("http://127.0.0.2:9/y", "another loopback host"),
                 ("https://www.example.com/z", "another scheme and host"),
                 ("//example.invalid/protocol-relative", "a protocol-relative link"),
                 ("http://localhost:9/z", "localhost, another port"), ("mailto:zoo@example.invalid", "a mailto link"),
                 ("/_zoo/landing", "the only same-site link")]
OFFSITE = page("Offsite links", "Every link here but the last points to another host: never fetch them.",
               extra=_link_list(OFFSITE_LINKS))


@lru_cache(maxsize=None)
def truncated_body() -> bytes:
    head = page("Truncated", "This response declares 10000 bytes and stops after 4000.", *_filler("zoo-trunc", 60))
    return (head * (TRUNCATED_LENGTH // len(head) + 1))[:TRUNCATED_SENT]


@lru_cache(maxsize=None)
def pdf_body() -> bytes:
    rng = random.Random("zoo-pdf")
    stream = bytes(rng.getrandbits(8) for _ in range(16_000))
    parts = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
             b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
             b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
             b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n",
             b"4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream), stream,
             b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R /Size 5 >>\n%%EOF\n"]
    return b"".join(parts)


HUGE_HEAD = (b'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Zoo: huge page</title>\n'
             b'</head>\n<body>\n<h1>Huge page</h1>\n')
HUGE_TAIL = b"</body>\n</html>\n"


@lru_cache(maxsize=None)
def _huge_template() -> bytes:
    """One HUGE_BLOCK-byte block; `%08d` is replaced by the block number (same width)."""
    opening, closing = b'<div class="blk" id="b%08d">\n', b"</div>\n"
    lines = [f"<p>{text}</p>\n".encode() for text in _filler("zoo-huge", 400)]
    room = HUGE_BLOCK - len(opening % 0) - len(closing)
    out = bytearray()
    for line in lines * 10:
        if len(out) + len(line) > room:
            break
        out += line
    out += b" " * (room - len(out) - 1) + b"\n"
    return opening + bytes(out) + closing


def huge_chunks(total: int):
    """Yield the bytes of a `total`-byte HTML page, block by block (never more than one block in memory)."""
    template = _huge_template()
    head, tail = HUGE_HEAD, HUGE_TAIL
    if total < len(head) + len(tail):
        yield (head + tail)[:total]
        return
    yield head
    room = total - len(head) - len(tail)
    n = 0
    while room >= HUGE_BLOCK:
        yield template.replace(b"%08d", b"%08d" % n, 1)
        room -= HUGE_BLOCK
        n += 1
    if room:
        yield b" " * (room - 1) + b"\n"
    yield tail


def fault_index(ms: int, mb: float) -> bytes:
    mb_text = f"{mb:g}"
    links = [(f"/_zoo/slow?ms={ms}", f"answers after {ms} ms"), ("/_zoo/reset", "connection reset, no answer"),
             ("/_zoo/flaky-500?key=index&fails=2", "500 twice, then 200"),
             ("/_zoo/429?key=index&retry_after=1", "429 once, then 200"),
             ("/_zoo/redirect-chain?n=5", "five redirects, then 200"), ("/_zoo/redirect-loop", "a redirect loop"),
             ("/_zoo/truncated", "body shorter than its Content-Length"),
             ("/_zoo/wrong-charset", "windows-1252 bytes labelled UTF-8"),
             (f"/_zoo/huge?mb={mb_text}", f"a {mb_text} MiB page"), ("/_zoo/not-html", "a PDF"),
             ("/_zoo/offsite", "links to other hosts")]
    return page("Fault zoo", "Responses a robust crawler must survive.", extra=_link_list(links))


# --- serving ------------------------------------------------------------------------------------------

def _query(raw: str) -> dict[str, str]:
    return {k: v for k, v in parse_qsl(raw, keep_blank_values=True)}


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value))) if value is not None else default
    except ValueError:
        return default


def head_bytes(handler, status: int, headers: list, reason: str | None = None, length: int | None = None) -> bytes:
    """Status line and headers as raw bytes. Values may be bytes (sent as is) or str (latin-1)."""
    lines = [f"HTTP/1.1 {status} {reason or REASONS.get(status, 'OK')}".encode("latin-1"),
             b"Server: nginx", b"Date: " + handler.date_time_string().encode("latin-1")]
    for name, value in headers:
        lines.append(name.encode("latin-1") + b": " + (value if isinstance(value, bytes) else str(value).encode("latin-1")))
    if length is not None:
        lines.append(b"Content-Length: %d" % length)
    if handler.close_connection:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def send(handler, status: int, body: bytes, headers: list | None = None, send_body: bool = True,
         reason: str | None = None, content_type: str = HTML_TYPE) -> None:
    hdrs = [("Content-Type", content_type)] + list(headers or [])
    handler.wfile.write(head_bytes(handler, status, hdrs, reason, len(body)) + (body if send_body else b""))


def reset(handler) -> None:
    """Close the client connection with an RST (SO_LINGER on, timeout 0), answering nothing."""
    conn = handler.connection
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    handler.close_connection = True
    conn.close()


def _encoded(handler, kind: str, send_body: bool) -> None:
    coding = {"gzip": "gzip", "deflate": "deflate", "brotli": "br"}[kind]
    plain, packed = compressible(kind)
    headers = [("Vary", "Accept-Encoding")]
    if accepts(handler.headers.get("Accept-Encoding"), coding):
        headers.append(("Content-Encoding", coding))
        body = packed
    else:
        body = plain
    send(handler, 200, body, headers, send_body)


def _chunked(handler, send_body: bool) -> None:
    body = CHUNKED
    if handler.request_version == "HTTP/1.0":  # no chunked framing for 1.0: the close ends the body
        handler.close_connection = True
        handler.wfile.write(head_bytes(handler, 200, [("Content-Type", HTML_TYPE)]) + (body if send_body else b""))
        return
    handler.wfile.write(head_bytes(handler, 200, [("Content-Type", HTML_TYPE), ("Transfer-Encoding", "chunked")]))
    if not send_body:
        return
    pos = 0
    for size in CHUNK_SIZES + (len(body),):
        piece = body[pos:pos + size]
        if not piece:
            break
        handler.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
        pos += len(piece)
    handler.wfile.write(b"0\r\n\r\n")


def _query_page(raw: str) -> bytes:
    pairs = "".join(f"<li><code>{html.escape(k)}</code> = <code>{html.escape(v)}</code></li>"
                    for k, v in parse_qsl(raw, keep_blank_values=True))
    return page("Query string", f"Raw query string: <code id=\"raw-query\">{html.escape(raw)}</code>",
                extra=f"<ul id=\"pairs\">{pairs}</ul>\n")


def serve(handler, send_body: bool, state: ZooState, site: str, base: str, stop: threading.Event) -> None:
    """Answer one `/_zoo/...` request on `handler` (a BaseHTTPRequestHandler)."""
    split = urlsplit(handler.path)
    name = split.path[len(PREFIX):] if split.path.startswith(PREFIX) else ""
    q = _query(split.query)

    if name in ("", "index"):
        send(handler, 200, INDEX, [], send_body)
    elif name in ("gzip", "deflate", "brotli"):
        _encoded(handler, name, send_body)
    elif name == "chunked":
        _chunked(handler, send_body)
    elif name == "cookies":
        send(handler, 200, COOKIES, [("Set-Cookie", "zoo_session=abc123; Path=/; HttpOnly"),
                                     ("Set-Cookie", "zoo_pref=lang%3Den; Path=/_zoo/; Max-Age=3600; SameSite=Lax")],
             send_body)
    elif name == "latin1-header":
        send(handler, 200, LATIN1, [("X-Zoo-Note", b"caf\xe9")], send_body)
    elif name == "query":
        send(handler, 200, _query_page(split.query), [], send_body)
    elif name == "redirect":
        send(handler, 301, page("Moved", "Moved to /_zoo/redirect-2."), [("Location", base + "/_zoo/redirect-2")],
             send_body)
    elif name == "redirect-2":
        send(handler, 302, page("Found", "Found at /_zoo/landing."), [("Location", "/_zoo/landing")], send_body)
    elif name == "landing":
        send(handler, 200, LANDING, [], send_body)
    elif name == "error":
        send(handler, 500, ERROR, [], send_body)
    elif name == "reason":
        send(handler, 200, REASON, [], send_body, reason="Fine Thanks")
    # --- faults ---
    elif name == "faults":
        ms = _int(q.get("ms"), 5000, 0, 600_000)
        try:
            mb = max(0.0, min(4096.0, float(q.get("mb", "30"))))
        except ValueError:
            mb = 30.0
        send(handler, 200, fault_index(ms, mb), [NO_STORE], send_body)
    elif name == "slow":
        ms = _int(q.get("ms"), 5000, 0, 600_000)
        if stop.wait(ms / 1000):
            handler.close_connection = True
            return
        send(handler, 200, SLOW, [NO_STORE], send_body)
    elif name == "reset":
        reset(handler)
    elif name == "flaky-500":
        fails = _int(q.get("fails"), 1, 0, 1_000_000)
        if state.bump(site, "flaky-500", q.get("key", "")) <= fails:
            send(handler, 500, FLAKY_ERROR, [NO_STORE], send_body)
        else:
            send(handler, 200, RECOVERED, [NO_STORE], send_body)
    elif name == "429":
        wait = _int(q.get("retry_after"), 1, 0, 86_400)
        if state.bump(site, "429", q.get("key", "")) == 1:
            send(handler, 429, TOO_MANY, [NO_STORE, ("Retry-After", str(wait))], send_body)
        else:
            send(handler, 200, RECOVERED, [NO_STORE], send_body)
    elif name == "redirect-chain":
        n = _int(q.get("n"), 5, 0, 10_000)
        if n == 0:
            send(handler, 200, CHAIN_END, [NO_STORE], send_body)
        else:
            status = CHAIN_STATUS[n % len(CHAIN_STATUS)]
            target = f"{base}/_zoo/redirect-chain?n={n - 1}"
            send(handler, status, page("Redirect", f"{n} hops to go."), [NO_STORE, ("Location", target)], send_body)
    elif name in ("redirect-loop", "redirect-loop-b"):
        target = "/_zoo/redirect-loop-b" if name == "redirect-loop" else "/_zoo/redirect-loop"
        send(handler, 302, page("Loop", "Round and round."), [NO_STORE, ("Location", base + target)], send_body)
    elif name == "truncated":
        handler.close_connection = True
        head = head_bytes(handler, 200, [NO_STORE, ("Content-Type", HTML_TYPE)], length=TRUNCATED_LENGTH)
        handler.wfile.write(head + (truncated_body() if send_body else b""))
    elif name == "wrong-charset":
        send(handler, 200, WRONG_CHARSET, [], send_body)
    elif name == "huge":
        try:
            mb = max(0.0, min(4096.0, float(q.get("mb", "30"))))
        except ValueError:
            mb = 30.0
        total = int(mb * MIB)
        handler.wfile.write(head_bytes(handler, 200, [NO_STORE, ("Content-Type", HTML_TYPE)], length=total))
        if send_body:
            for chunk in huge_chunks(total):
                handler.wfile.write(chunk)
    elif name == "not-html":
        send(handler, 200, pdf_body(), [("Content-Disposition", 'inline; filename="zoo.pdf"')], send_body,
             content_type="application/pdf")
    elif name == "offsite":
        send(handler, 200, OFFSITE, [], send_body)
    else:  # /_zoo/missing and anything unknown
        send(handler, 404, MISSING, [], send_body)

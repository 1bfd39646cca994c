"""HTTP serving for the mirror: one loopback `ThreadingHTTPServer` per site and one for Kyodo's asset CDN,
rendered bytes cached per URL.

Responses: HTTP/1.1 keep-alive with Content-Length; gzip (deterministic, mtime 0) when Accept-Encoding
allows it, with `Vary: Accept-Encoding`; ETag (hash of the identity body) and Last-Modified on every 200,
answered with 304 on a matching If-None-Match (which takes precedence) or If-Modified-Since. Pages are
rendered lazily on first request and kept in an LRU cache that is dropped on every catalogue change
(`add_articles`, `edit_article`). `/_mirror/truth.json` returns the site's ground truth and
`/_mirror/faults.json` the fault plan and log (both never linked). `/_zoo/...` is answered by `zoo`
(when enabled), and a `FaultPlan` (module `faults`) makes chosen article URLs fail on their first request.
Kyodo's pages are written with the real CDN origin; its server maps that origin to the CDN stand-in's in
every body it renders and in the truth (`SiteServer.localize`), so pages and truth agree on one URL per asset.
Text bodies (HTML, CSS, JS, XML, JSON, SVG) are gzipped on request, images and fonts never, as nginx does.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
import threading
from collections import OrderedDict
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from mirror import assets, inakoran_pages, kyodo_pages, redesign as _redesign
from mirror import zoo as _zoo
from mirror.content import EDIT_ROOM, Catalogue
from mirror.faults import FaultState
from mirror.pages import JSON, Page

SITES: dict[str, ModuleType] = {"kyodo": kyodo_pages, "inakoran": inakoran_pages}
ASSET_SERVER = "kyodo-assets"  # the name of Kyodo's CDN stand-in (CLI output, port key, thread name)
STATIC = {"kyodo": assets.kyodo_site, "inakoran": assets.inakoran}
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")
CACHE_BYTES = 48 * 1024 * 1024  # identity bytes per site (gzip copies add roughly a quarter)
TRUTH_PATH = "/_mirror/truth.json"
FAULTS_PATH = "/_mirror/faults.json"
CLOCK_PATH = "/_mirror/clock"
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 400: "Bad Request", 304: "Not Modified", 404: "Not Found", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}


class Entry:
    __slots__ = ("status", "content_type", "body", "etag", "last_modified", "location", "delay", "compressible",
                 "_gzip")

    def __init__(self, page: Page):
        self.status = page.status
        self.content_type = page.content_type
        self.body = page.body if isinstance(page.body, bytes) else page.body.encode("utf-8")
        self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'
        moment = page.last_modified
        self.last_modified = format_datetime(moment.astimezone(timezone.utc), usegmt=True) if moment else None
        self.location = page.location
        self.delay = page.delay
        self.compressible = page.content_type.startswith(_COMPRESSIBLE)
        self._gzip: bytes | None = None

    def gzipped(self) -> bytes:
        if self._gzip is None:
            self._gzip = gzip.compress(self.body, compresslevel=1, mtime=0)  # nginx default level
        return self._gzip


class SiteServer:
    """One site: its catalogue, its renderer module, its response cache and its HTTP server."""

    def __init__(self, name: str, catalogue: Catalogue, zoo_state: _zoo.ZooState | None = None,
                 faults: FaultState | None = None, stop: threading.Event | None = None,
                 cache_bytes: int = CACHE_BYTES):
        self.name = name
        self.cache_bytes = cache_bytes
        self.cat = catalogue
        self.module = SITES.get(name)  # None for the asset server (see AssetServer)
        self.base = ""
        self.rewrite: tuple[str, str] | None = None  # (origin in the templates, origin served), see localize
        self.zoo_state = zoo_state  # None: /_zoo/ is not served (404 in the site template)
        self.faults = faults or FaultState()
        self.redesign: str | None = None  # a kind of redesign.KINDS, or the normal site
        self.clock: Callable[[dict], datetime] | None = None  # POST /_mirror/clock (set by Mirror)
        self.stop = stop or threading.Event()
        self._cache: OrderedDict[tuple[str, int], Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._cached_bytes = 0
        self._generation = 0  # bumped by invalidate(): a render begun before a change is not cached
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()
            self._cached_bytes = 0
            self._generation += 1

    def entry(self, raw_path: str) -> Entry:
        split = urlsplit(raw_path)
        path = unquote(split.path) or "/"
        page_values = parse_qs(split.query).get("page", ["1"])
        page = int(page_values[0]) if page_values[0].isdigit() else 1
        key = (path, page)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
            generation = self._generation
        with self.cat.lock:
            entry = Entry(self._render(path, page))
        with self._lock:
            if generation == self._generation and key not in self._cache:
                self._cache[key] = entry
                self._cached_bytes += len(entry.body)
            while self._cached_bytes > self.cache_bytes and len(self._cache) > 1:
                self._cached_bytes -= len(self._cache.popitem(last=False)[1].body)
        return entry

    def localize(self, text: str) -> str:
        """`text` with the real asset origin the templates use replaced by the mirror's stand-in."""
        return text.replace(*self.rewrite) if self.rewrite else text

    def truth(self) -> list[dict]:
        found = self.cat.truth(self.base)
        for item in found:
            for image in item["images"]:
                image["src"] = self.localize(image["src"])
        return found

    def _render(self, path: str, page: int) -> Page:
        if path == TRUTH_PATH:
            body = json.dumps(self.truth(), ensure_ascii=False, indent=1)
            return Page(200, JSON, body, self.cat.last_change())
        found = _redesign.route(self.redesign, self.name, self.cat, self.base, path, page, self.module) \
            if self.redesign else None
        if found is _redesign.NOT_FOUND:
            found = None
        elif found is None:
            found = STATIC[self.name](path) or self.module.route(self.cat, self.base, path, page)
            if found is not None and self.redesign:
                found = _redesign.restyle(self.redesign, self.name, self.cat, found)
        if found is None:
            nf = self.module.render_not_found
            found = nf(self.base, path) if self.name == "kyodo" else nf(self.cat)
        elif found.status == 200 and found.last_modified is None:
            found.last_modified = self.cat.now - EDIT_ROOM
        if self.rewrite and isinstance(found.body, str):
            found.body = self.localize(found.body)
        return found


class AssetServer(SiteServer):
    """Kyodo's CDN stand-in: assets only (module `assets`), no pages, truth or zoo; shares the cache,
    validators and gzip of a site server."""

    def _render(self, path: str, page: int) -> Page:
        found = assets.kyodo_cdn(path)
        if found is None:
            return assets.cdn_not_found()
        if found.status == 200 and found.last_modified is None:
            found.last_modified = self.cat.now - EDIT_ROOM
        return found


def _accepts_gzip(header: str | None) -> bool:
    return _zoo.accepts(header, "gzip")


def _not_modified(entry: Entry, headers) -> bool:
    if entry.status != 200:
        return False
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or entry.etag in tags
    ims = headers.get("If-Modified-Since")
    if ims and entry.last_modified:
        try:
            return parsedate_to_datetime(entry.last_modified) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    disable_nagle_algorithm = True
    site: SiteServer  # set on a per-site subclass

    def log_message(self, format: str, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        """Only the clock control of a mirror in another process: {"now": iso} or {"advance_s": seconds}."""
        site = self.site
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if unquote(urlsplit(self.path).path) != CLOCK_PATH or site.clock is None:
            _zoo.send(self, 404, b"not found\n", [], True, content_type="text/plain; charset=utf-8")
            return
        try:
            now = site.clock(json.loads(raw or b"{}"))
        except (ValueError, TypeError, KeyError) as exc:
            _zoo.send(self, 400, json.dumps({"error": str(exc)}).encode(), [], True, content_type=JSON)
            return
        _zoo.send(self, 200, json.dumps({"now": now.isoformat()}).encode(), [("Cache-Control", "no-store")], True,
                  content_type=JSON)

    def _serve(self, send_body: bool) -> None:
        site = self.site
        path = unquote(urlsplit(self.path).path) or "/"
        if path.startswith(_zoo.PREFIX) and site.zoo_state is not None:
            _zoo.serve(self, send_body, site.zoo_state, site.name, site.base, site.stop)
            return
        if path == FAULTS_PATH and site.module is not None:
            faults = site.faults
            body = json.dumps({"plan": faults.plan.to_dict() if faults.plan else None, "log": list(faults.log)},
                              indent=1).encode("utf-8")
            _zoo.send(self, 200, body, [("Cache-Control", "no-store")], send_body, content_type=JSON)
            return
        fault = site.faults.take(site.name, site.base, path) if path in site.cat.by_path else None
        if fault is not None:
            self._inject(fault, send_body)
            return
        entry = site.entry(self.path)
        if entry.delay:
            site.stop.wait(entry.delay)
        self.wfile.write(self._response(entry, send_body))

    def _inject(self, kind: str, send_body: bool) -> None:
        """Fail this request of an article page the way a FaultPlan asked (see faults.py)."""
        if kind == "reset":
            _zoo.reset(self)
        elif kind == "timeout":
            self.close_connection = True
            self.site.stop.wait(self.site.faults.plan.hang_ms / 1000)
        elif kind == "truncated":
            self.close_connection = True
            whole = self._response(self.site.entry(self.path), send_body, conditional=False)
            head_end = whole.index(b"\r\n\r\n") + 4
            self.wfile.write(whole[:head_end + (len(whole) - head_end) * 2 // 5])
        else:
            status = int(kind)
            title = f"{status} {REASONS[status]}"
            body = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
                    f"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode("ascii")
            extra = [("Retry-After", "1")] if status == 429 else []
            _zoo.send(self, status, body, extra, send_body)

    def _response(self, entry: Entry, send_body: bool, conditional: bool = True) -> bytes:
        headers = [("Server", "nginx"), ("Date", self.date_time_string()), ("Vary", "Accept-Encoding")]
        if self.site.name == ASSET_SERVER:  # as a CDN serving web fonts must: browsers load fonts cross-origin only so
            headers.append(("Access-Control-Allow-Origin", "*"))
        status, body = entry.status, b""
        if conditional and _not_modified(entry, self.headers):
            status = 304
            headers += [("ETag", entry.etag), ("Last-Modified", entry.last_modified)]
        else:
            body = entry.body
            headers.append(("Content-Type", entry.content_type))
            if entry.status == 200:
                headers.append(("ETag", entry.etag))
                if entry.last_modified:
                    headers.append(("Last-Modified", entry.last_modified))
            if entry.location:
                headers.append(("Location", entry.location))
            if entry.compressible and _accepts_gzip(self.headers.get("Accept-Encoding")) and body:
                body = entry.gzipped()
                headers.append(("Content-Encoding", "gzip"))
            headers.append(("Content-Length", str(len(body))))
        if self.close_connection:
            headers.append(("Connection", "close"))
        head = f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers if value is not None) + "\r\n"
        return head.encode("latin-1") + (body if send_body else b"")


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # crawlers open many connections at once

    def handle_error(self, request, client_address) -> None:
        """Clients dropping keep-alive connections is normal; only real errors are reported."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

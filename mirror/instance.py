"""`Mirror`: the two sites and Kyodo's CDN stand-in on loopback ports, with their ground truth, redesigns
(module redesign), the moving clock (module clock) and faults. See the package docstring."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from mirror import assets, redesign as _redesign
from mirror import zoo as _zoo
from mirror.content import KYODO_CDN, Catalogue, Story
from mirror.faults import FaultPlan, FaultState
from mirror.server import ASSET_SERVER, CACHE_BYTES, SITES, AssetServer, Handler, QuietServer, SiteServer


class Mirror:
    """Two synthetic sites on loopback ports, with their ground truth. See the package docstring."""

    def __init__(self, articles: int = 30, seed: int = 1, now: datetime | None = None, host: str = "127.0.0.1",
                 ports: dict[str, int] | None = None, zoo: bool = True, faults: FaultPlan | None = None,
                 cache_mb: int = CACHE_BYTES >> 20, redesign: dict[str, str] | None = None):
        if now is None:
            now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.now, self.seed, self.host = now, seed, host
        self.ports = dict(ports or {})
        self.zoo = zoo
        self.faults = FaultState(plan=faults)
        self._stop = threading.Event()  # wakes slow/hanging handlers when the mirror stops
        zoo_state = _zoo.ZooState() if zoo else None
        self.sites = {name: SiteServer(name, Catalogue(name, seed, now, articles), zoo_state, self.faults, self._stop,
                                       cache_bytes=cache_mb << 20)
                      for name in SITES}
        # Kyodo's CDN stand-in reads the Kyodo catalogue only for its clock (Last-Modified of assets)
        self.assets = AssetServer(ASSET_SERVER, self.sites["kyodo"].cat, stop=self._stop, cache_bytes=cache_mb << 20)
        for site in self.sites.values():
            site.clock = self._clock_control
        for site, kind in (redesign or {}).items():
            self.redesign(site, kind)

    def _servers(self) -> dict[str, SiteServer]:
        return {ASSET_SERVER: self.assets, **self.sites}

    # --- lifecycle ---
    def start(self) -> "Mirror":
        self._stop.clear()
        for name, site in self._servers().items():  # the CDN first: Kyodo's pages are rendered with its origin
            if site.httpd is not None:
                continue
            handler = type(f"{name.title().replace('-', '')}Handler", (Handler,), {"site": site})
            try:
                httpd = QuietServer((self.host, self.ports.get(name, 0)), handler)
            except OSError as exc:
                self.stop()  # the servers already listening: a half-started mirror serves nobody
                raise OSError(exc.errno, f"{name}: cannot listen on {self.host}:{self.ports.get(name, 0)}: "
                                         f"{exc.strerror or exc}") from exc
            site.httpd = httpd
            site.base = f"http://{self.host}:{httpd.server_address[1]}"
            if name == "kyodo":
                site.rewrite = (KYODO_CDN, self.assets.base)
            site.invalidate()
            site.thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                           name=f"mirror-{name}", daemon=True)  # short poll: stop() is quick
            site.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for site in self._servers().values():
            if site.httpd is not None:
                site.httpd.shutdown()
                site.httpd.server_close()
                site.thread.join(timeout=5)
                site.httpd = site.thread = None

    def __enter__(self) -> "Mirror":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_urls(self) -> dict[str, str]:
        return {name: site.base for name, site in self.sites.items()}

    @property
    def asset_urls(self) -> dict[str, str]:
        """Asset origins that are not a site's own: {"kyodo": the CDN stand-in's URL} (Inakoran serves its
        images from its own origin, as the real site does)."""
        return {"kyodo": self.assets.base}

    def asset_url(self, site: str, case: str) -> str:
        """Absolute URL of a fixed asset case: `missing` (404), `slow`, `disallowed` (robots) on Kyodo's CDN."""
        paths = {"missing": assets.MISSING, "slow": assets.SLOW, "disallowed": assets.DISALLOWED}
        if site != "kyodo" or case not in paths:
            raise KeyError(f"no asset case {case!r} for {site!r}; known: kyodo {', '.join(paths)}")
        return self.assets.base + paths[case]

    def zoo_url(self, site: str = "kyodo", path: str = "index") -> str:
        """Absolute URL of a zoo page on one site, e.g. zoo_url("inakoran", "huge?mb=1")."""
        if not self.zoo:
            raise RuntimeError("this mirror was made with zoo=False")
        return self._site(site).base + _zoo.PREFIX + path

    # --- faults ---
    @property
    def fault_log(self) -> list[dict]:
        """Faults injected so far, in order: {"site", "url", "path", "kind", "attempt"}."""
        return self.faults.log

    def planned_faults(self, site: str | None = None) -> dict[str, str]:
        """{article url: fault kind} for every current article the fault plan picks (empty without a plan)."""
        plan = self.faults.plan
        out: dict[str, str] = {}
        for name in ([site] if site else list(self.sites)):
            server = self._site(name)
            for story in server.cat.stories:
                kind = plan.pick(name, story.path) if plan else None
                if kind:
                    out[server.base + story.path] = kind
        return out

    # --- content ---
    def _site(self, site: str) -> SiteServer:
        if site not in self.sites:
            raise KeyError(f"unknown site {site!r}; known: {', '.join(self.sites)}")
        if not self.sites[site].base:
            raise RuntimeError("start() the mirror first: ground-truth URLs carry its base URL")
        return self.sites[site]

    def truth(self, site: str) -> list[dict]:
        return self._site(site).truth()

    def add_articles(self, n: int) -> None:
        """Add `n` fresh stories (1-9 minutes old) to every site."""
        for site in self.sites.values():
            site.cat.add(n)
            site.invalidate()

    def story(self, site: str, index_or_url: int | str) -> Story:
        server = self.sites[site]
        if isinstance(index_or_url, int):
            return server.cat.stories[index_or_url]
        path = index_or_url[len(server.base):] if server.base and index_or_url.startswith(server.base) \
            else urlsplit(index_or_url).path
        return server.cat.by_path[path]

    def edit_articles(self, n: int, site: str | None = None) -> list[dict]:
        """Edit the `n` most recent stories of `site` (default: of every site), newest first; returns their
        new ground truth."""
        out = []
        for name in [site] if site else list(self.sites):
            for story in list(self._site(name).cat.newest()[:n]):
                out.append(self.edit_article(name, self.sites[name].base + story.path))
        return out

    # --- redesigns (module redesign) ---
    def redesign(self, site: str, kind: str | None = "markup") -> None:
        """Serve `site` redesigned (`markup`, `feed` or `login`), or normal again with None."""
        if site not in self.sites:
            raise KeyError(f"unknown site {site!r}; known: {', '.join(self.sites)}")
        self.sites[site].redesign = _redesign.check(kind)
        self.sites[site].invalidate()

    @property
    def redesigns(self) -> dict[str, str]:
        return {name: site.redesign for name, site in self.sites.items() if site.redesign}

    # --- the clock (module clock) ---
    def set_now(self, now: datetime) -> dict[str, int]:
        """Move the mirror clock forward to `now`: stories the schedule has by then are published, age-dependent
        state (Kyodo's gating, relative times, feeds, listings, sitemaps) follows. Returns {site: stories published}."""
        published = {name: site.cat.set_now(now) for name, site in self.sites.items()}
        self.now = now
        for server in self._servers().values():
            server.invalidate()
        return published

    def advance(self, delta: timedelta) -> dict[str, int]:
        return self.set_now(self.now + delta)

    def _clock_control(self, data: dict) -> datetime:
        """POST /_mirror/clock: {"now": ISO 8601 with offset} or {"advance_s": seconds}."""
        if not isinstance(data, dict):
            raise ValueError('expected a JSON object with "now" or "advance_s"')
        if "now" in data:
            moment = datetime.fromisoformat(str(data["now"]))
            if moment.tzinfo is None:
                raise ValueError("now must carry a UTC offset")
            self.set_now(moment)
        elif "advance_s" in data:
            self.advance(timedelta(seconds=float(data["advance_s"])))
        else:
            raise ValueError('expected "now" or "advance_s"')
        return self.now

    def edit_article(self, site: str, index_or_url: int | str) -> dict:
        """Change a story's title and text, bump its modified time; returns its new ground truth."""
        server = self._site(site)
        story = self.story(site, index_or_url)
        server.cat.edit(story)
        server.invalidate()
        return next(t for t in self.truth(site) if t["url"] == server.base + story.path)

"""The offline mirror: loopback HTTP copies of Kyodo News English and Inakoran, with the assets their pages
load (photos, CSS, fonts, JS, icons) and full ground truth.

    from mirror import FaultPlan, Mirror
    with Mirror(articles=30, seed=1, now=None) as mirror:      # articles = stories per site
        mirror.base_urls        # {"kyodo": "http://127.0.0.1:PORT", "inakoran": "http://127.0.0.1:PORT2"}
        mirror.asset_urls       # {"kyodo": "http://127.0.0.1:PORT3"}: Kyodo's CDN stand-in
        mirror.truth("kyodo")   # ground truth per story (ARTICLE_KEYS minus parser/derived fields)
        mirror.add_articles(5)  # 5 fresh stories per site
        mirror.edit_article("kyodo", 0)   # or an article URL; returns its new truth

Same seed and `now` give byte-identical pages and truth (absolute URLs differ only by the port).
`/_mirror/truth.json` on each site serves that site's truth for a mirror in another process.
CLI: `mirror.main(argv)` and `newsarchive mirror` (one option list, mirror/cli.py OPTIONS) print `kyodo <url>`,
`inakoran <url>` and `kyodo-assets <url>` (then `edited <url>` / `redesign <site> <kind>` lines) and serve until
SIGINT/SIGTERM (flags: --articles --seed --now --host --port --ports --kyodo-port --inakoran-port
--kyodo-assets-port --no-zoo --cache-mb --redesign --edit --fault-rate --fault-seed --fault-kinds --fault-times
--fault-hang-ms). A port in use is one line on stderr, exit status 2.

Constructor: `Mirror(articles=30, seed=1, now=None, host="127.0.0.1", ports=None, zoo=True, faults=None,
cache_mb=48, redesign=None)`; `ports` takes "kyodo", "inakoran" and "kyodo-assets"; `redesign` {site: kind}.

Redesigns (module redesign): `mirror.redesign(site, "markup" | "feed" | "login" | None)`: a new theme the
parsers lose fields on, moved feeds and sitemaps, articles behind a login (302 to /login?next=<path>).
`mirror.edit_articles(n, site=None)` edits the n newest stories per site. The clock (module clock):
`mirror.set_now(dt)` / `mirror.advance(delta)` move time forward, publishing stories at the sites' daily rates
(seeded per local day); gating, feeds, listings and sitemaps follow. `POST /_mirror/clock` with {"now": iso} or
{"advance_s": n} does the same for a mirror in another process.

Assets, in the real sites' URL shapes (module `assets`): Kyodo's pages load photos (`/mwimgs/<h0>/<h1>/<size>/
img_<hash>.jpg`, `srcset` 1x/2x on article photos), CSS (`/resources/kyodonews/css/pc/`), JS, a TTF font, the
favicon and og:image from the CDN stand-in, as the real ones load them from english-kyodo.ismcdn.jp (truth
`images` point there too); Inakoran serves `/uploads/...` and `/ina/userfiles/...` photos and `/assets/...`
files from its own origin. Bytes are real and deterministic: JPEG/PNG/WebP/ICO drawn with Pillow (a 635m photo
weighs about 34 KB, a 1270m one about 118 KB; module `imagegen`, drawn once per process and size), CSS that
styles the page visibly with a web font, a background image and an @import, small JS (module `styles`).
Kyodo's pages also meet a missing asset (404), a slow one (1.5 s), one excluded by the CDN's robots.txt
(`mirror.asset_url("kyodo", "missing" | "slow" | "disallowed")`) and third-party embeds (tag manager, consent
loader, ad scripts, YouTube, omny.fm) on hosts the mirror does not serve.

Page weight: pages carry realistic chrome (head scripts, ad-slot definitions and a Prebid-style ad config,
consent loader, inline CSS and SVG sprites, big header/drawer/footer, Popular / Terpopuler / Berita Terkait
lists), rendered once per process (module `weight`) and varied per page deterministically: Kyodo article pages
weigh about 70-115 KB, Inakoran ones 43-70 KB. None of it reaches the parsers' fields.

The zoo (`zoo=True`, the default): unlinked test endpoints under `/_zoo/` on both sites, see module `zoo`.
`/_zoo/index` links the fidelity cases (gzip / deflate / brotli by Accept-Encoding, chunked, two Set-Cookie,
a raw 0xE9 header byte, a query string, 301 -> 302 -> 200, 404 and 500 with bodies, reason "Fine Thanks");
`/_zoo/faults` links the fault cases (slow?ms=N, reset, flaky-500?key=K&fails=N, 429?key=K&retry_after=S,
redirect-chain?n=N, redirect-loop, truncated, wrong-charset, huge?mb=N, not-html, offsite).
`mirror.zoo_url("kyodo", "index")` gives an absolute zoo URL. `zoo=False` answers 404 there.

Faults on normal pages: `Mirror(..., faults=FaultPlan(rate=0.05, seed=S, kinds=("timeout", "reset", "500",
"truncated"), times=1, hang_ms=40000))` makes a deterministic share of ARTICLE URLs fail on their first
`times` requests, then serve normally; `mirror.planned_faults()` lists them in advance ({url: kind}),
`mirror.fault_log` records what was injected, `/_mirror/faults.json` serves both for another process.
Default: no faults. Kinds and their wire behaviour: module `faults`.

Modules: content (catalogue, variants, truth), textgen (synthetic copy), pages (shared helpers), weight
(page-weight generators), kyodo_chrome / kyodo_pages / kyodo_article (Kyodo markup and URL map),
inakoran_chrome / inakoran_pages / inakoran_article (Inakoran URL map and its two article templates),
assets (asset URL map of both sites), imagegen (image bytes), styles (CSS, JS, font),
zoo (test endpoints), faults (FaultPlan), redesign (site redesigns), clock (publishing schedule),
server (HTTP, cache), instance (Mirror), cli (OPTIONS, main, serve).
"""

from mirror.faults import FaultPlan
from mirror.cli import main, serve_forever
from mirror.instance import Mirror

__all__ = ["FaultPlan", "Mirror", "main", "serve_forever"]

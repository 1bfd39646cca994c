"""The offline mirror: loopback HTTP copies of Kyodo News English and Inakoran with full ground truth.

    from mirror import FaultPlan, Mirror
    with Mirror(articles=30, seed=1, now=None) as mirror:      # articles = stories per site
        mirror.base_urls        # {"kyodo": "http://127.0.0.1:PORT", "inakoran": "http://127.0.0.1:PORT2"}
        mirror.truth("kyodo")   # ground truth per story (ARTICLE_KEYS minus parser/derived fields)
        mirror.add_articles(5)  # 5 fresh stories per site
        mirror.edit_article("kyodo", 0)   # or an article URL; returns its new truth

Same seed and `now` give byte-identical pages and truth (absolute URLs differ only by the port).
`/_mirror/truth.json` on each site serves that site's truth for a mirror in another process.
CLI: `mirror.main(argv)` prints `kyodo <url>` and `inakoran <url>` and serves until SIGINT/SIGTERM
(flags: --articles --seed --now --host --kyodo-port --inakoran-port --no-zoo --fault-rate --fault-seed
--fault-kinds --fault-times --fault-hang-ms).

Constructor: `Mirror(articles=30, seed=1, now=None, host="127.0.0.1", ports=None, zoo=True, faults=None)`.

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
zoo (test endpoints), faults (FaultPlan), server (HTTP, cache, Mirror, CLI).
"""

from mirror.faults import FaultPlan
from mirror.server import Mirror, main, serve_forever

__all__ = ["FaultPlan", "Mirror", "main", "serve_forever"]

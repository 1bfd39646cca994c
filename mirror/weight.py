"""Page weight: synthetic but realistic non-content bytes (inline CSS, SVG icon sprites, ad configuration
JSON), generated once per process from fixed seeds and reused by every page.

Real news pages are mostly chrome: Kyodo's article pages weigh 40-180 KB for 2-10 KB of story text. The
mirror reproduces that weight so crawl, WARC and parse costs are measured on realistic bytes. Nothing here
is copied from a real site; numbers, path data and identifiers are drawn from `random.Random(<fixed seed>)`.

`Ballast` is a list of pre-rendered entries with cumulative offsets: `prefix(n)` is a slice of one string,
so a page can carry a deterministic, page-dependent amount of configuration at almost no cost.
"""

from __future__ import annotations

import json
import random
import zlib


def vary(key: str) -> int:
    """A stable 32-bit number for a page key (same on every run and platform)."""
    return zlib.crc32(key.encode("utf-8"))


def svg_path(rng: random.Random, commands: int) -> str:
    """Plausible icon path data: a closed outline of curves on a 24x24 grid."""
    def pt() -> str:
        return f"{rng.uniform(0.5, 23.5):.3f} {rng.uniform(0.5, 23.5):.3f}"
    out = [f"M{pt()}"]
    for _ in range(commands):
        kind = rng.random()
        if kind < 0.45:
            out.append(f"C{pt()} {pt()} {pt()}")
        elif kind < 0.75:
            out.append(f"L{pt()}")
        elif kind < 0.9:
            out.append(f"a{rng.uniform(0.5, 6):.2f} {rng.uniform(0.5, 6):.2f} 0 0 1 "
                       f"{rng.uniform(-4, 4):.3f} {rng.uniform(-4, 4):.3f}")
        else:
            out.append(f"Z M{pt()}")
    return "".join(out) + "Z"


def svg_sprite(names: list[str], seed: str, commands: tuple[int, int] = (4, 9), cls: str = "") -> str:
    """A hidden `<svg>` holding one `<symbol id="icon-NAME">` per icon, as many sites inline after <body>."""
    rng = random.Random(seed)
    symbols = "\n".join(
        f'  <symbol id="icon-{name}" viewBox="0 0 24 24"><title>{name}</title>'
        f'<path fill="currentColor" d="{svg_path(rng, rng.randint(*commands))}"/></symbol>' for name in names)
    klass = f' class="{cls}"' if cls else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg"{klass} aria-hidden="true" '
            f'style="position:absolute;width:0;height:0;overflow:hidden">\n{symbols}\n</svg>')


def svg_icon(name: str, size: int = 20, cls: str = "icon") -> str:
    return f'<svg class="{cls} {cls}--{name}" width="{size}" height="{size}" aria-hidden="true"><use href="#icon-{name}"></use></svg>'


_CSS_PROPS = [
    ("display", ["block", "flex", "inline-block", "grid", "none", "inline-flex"]),
    ("margin", ["0", "0 auto", "0 0 16px", "8px 0", "24px 0 0", "0 12px"]),
    ("padding", ["0", "4px 8px", "12px 16px", "16px 0", "0 20px", "10px"]),
    ("font-size", ["1.2rem", "1.4rem", "1.6rem", "1.8rem", "12px", "14px", "2.2rem"]),
    ("line-height", ["1.2", "1.4", "1.5", "1.7", "1.85"]),
    ("color", ["#111", "#333", "#666", "#999", "#c8102e", "#0b3d91", "#fff", "var(--c-text)"]),
    ("background-color", ["#fff", "#f5f5f5", "#eef1f4", "#111", "transparent", "var(--c-bg)"]),
    ("border-bottom", ["1px solid #ddd", "2px solid #c8102e", "1px solid #e5e5e5", "0"]),
    ("position", ["relative", "absolute", "sticky", "static"]),
    ("width", ["100%", "auto", "300px", "calc(100% - 32px)", "50%", "728px"]),
    ("font-weight", ["400", "600", "700", "bold"]),
    ("align-items", ["center", "flex-start", "stretch"]),
    ("justify-content", ["space-between", "center", "flex-start"]),
    ("transition", ["opacity .2s ease", "transform .3s ease-out", "color .15s linear"]),
    ("overflow", ["hidden", "visible", "auto"]),
    ("z-index", ["1", "10", "100", "999"]),
    ("letter-spacing", [".02em", ".05em", "0"]),
    ("gap", ["8px", "12px", "16px 24px", "20px"]),
]


def css_rules(selectors: list[str], seed: str, per_rule: tuple[int, int] = (2, 4)) -> str:
    """Minified-looking CSS: one rule per selector, a few declarations each, plus a media-query block.
    The main block is print-only: random declarations on real class names (`display:none` on a layout
    column, white text on white) would otherwise fight the sites' stylesheets (module `styles`) on screen,
    where a browser replay is compared with the live page."""
    rng = random.Random(seed)

    def rule(sel: str) -> str:
        props = rng.sample(_CSS_PROPS, rng.randint(*per_rule))
        return sel + "{" + ";".join(f"{name}:{rng.choice(values)}" for name, values in props) + "}"
    main = "".join(rule(s) for s in selectors)
    narrow = "".join(rule(s) for s in selectors[::6])
    return f"@media print{{{main}}}@media (max-width:767px){{{narrow}}}"


class Ballast:
    """Pre-rendered entries joined once; `prefix(n)` = the first n entries joined by `sep` (a string slice)."""

    def __init__(self, entries: list[str], sep: str = ",\n"):
        self.sep = sep
        self.text = sep.join(entries)
        self.ends: list[int] = []
        pos = 0
        for i, entry in enumerate(entries):
            pos += len(entry) + (len(sep) if i else 0)
            self.ends.append(pos)

    def __len__(self) -> int:
        return len(self.ends)

    def prefix(self, n: int) -> str:
        n = max(0, min(n, len(self.ends)))
        return self.text[:self.ends[n - 1]] if n else ""

    def sized(self, key: str, low: int, high: int) -> str:
        """A prefix whose entry count is drawn from [low, high] by `vary(key)`."""
        return self.prefix(low + vary(key) % (high - low + 1))


_BIDDERS = ["appnexus", "rubicon", "ix", "openx", "pubmatic", "criteo", "triplelift", "sovrn", "smartadserver",
            "amx", "teads", "gumgum", "sharethrough", "onetag", "yieldmo", "medianet"]


def prebid_units(prefix: str, slots: list[tuple[str, str, list]], count: int, seed: str) -> list[str]:
    """`count` Prebid-style ad unit objects (JSON, one a line) for the given (code, name, sizes) slots."""
    rng = random.Random(seed)
    units = []
    for i in range(count):
        code, name, sizes = slots[i % len(slots)]
        bids = []
        for bidder in rng.sample(_BIDDERS, rng.randint(3, 6)):
            params: dict = {"placementId": str(rng.randint(10_000_000, 39_999_999))}
            if rng.random() < 0.5:
                params["siteId"] = rng.randint(100_000, 999_999)
            if rng.random() < 0.4:
                params["zoneId"] = rng.randint(1_000_000, 9_999_999)
            if rng.random() < 0.3:
                params["keywords"] = {"pos": [rng.choice(["atf", "btf", "mid"])], "ver": [str(rng.randint(1, 9))]}
            bids.append({"bidder": bidder, "params": params})
        unit = {"code": code, "path": f"{prefix}{name}", "mediaTypes": {"banner": {"sizes": sizes}},
                "floor": round(rng.uniform(0.05, 1.5), 2), "refresh": rng.choice([0, 30, 45, 60]),
                "variant": i // len(slots), "bids": bids}
        units.append(json.dumps(unit, separators=(",", ":")))
    return units

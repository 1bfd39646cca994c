"""Asset URLs of both sites: Kyodo's CDN origin (a loopback server of its own), the few assets Kyodo serves
from its own host, and Inakoran's own `/uploads/`, `/ina/userfiles/`, `/assets/` and WordPress paths.

Kyodo's pages load their photos, CSS, JS, fonts and icons from `https://english-kyodo.ismcdn.jp`; the
mirror's templates are written with that origin (content.KYODO_CDN) and the server maps it to the
mirror's CDN stand-in (`Mirror.asset_urls["kyodo"]`) when it serves a page or the truth. CDN paths:

  /mwimgs/<h0>/<h1>/<size>/img_<hash>.jpg   photo; h0, h1 = the hash's first two characters; sizes (pixels):
                                            635m 635mw 635x423, 1270m 1270mw 1270x846, 1200x 1200x800 (og:image),
                                            255m 255x170, 160m 160x107, 120m 120x80, - 1600x1067 (the original)
  /mwimgs/<h0>/<h1>/-/img_<hash>.png        avatar (60x60), also on the site's own host as the real pages have it
  /resources/kyodonews/css/pc/<skin>.css    leafs, list, top; each @imports common.css (font, background image)
  /resources/kyodonews/fonts/Aileron-Regular.ttf
  /resources/prod/kyodonews/js/pc/<skin>.prod.js
  /common/images/...                        favicon.ico, apple-touch-icon-180x180.png, fb_og_image.png, logo.svg,
                                            logo_white.svg, noimage.png, bg_header.webp, icons/icon_*.svg
  /robots.txt                               allows all but /common/images/tracking/

Cases a crawl must meet, fixed so tests can name them: `MISSING` answers 404 (the newsletter banner of
every Kyodo article page), `SLOW` answers after `SLOW_SECONDS` (the footer logo of every Kyodo page),
`DISALLOWED` is excluded by the CDN's robots.txt (a tracking pixel on every Kyodo article page). Third-party
hosts the pages reference (tag manager, consent loader, ad scripts, Google Fonts, YouTube and omny.fm
iframes) are real names the mirror does not serve.
"""

from __future__ import annotations

import re

from mirror import imagegen, styles
from mirror.pages import HTML, JSON, TEXT, Page

CSS = "text/css; charset=utf-8"
JS = "application/javascript; charset=utf-8"
SVG = "image/svg+xml"
TTF = "font/ttf"

MISSING = "/common/images/newsletter/jw_newsletter_banner.jpg"
SLOW = "/common/images/logo_white.svg"
SLOW_SECONDS = 1.5
DISALLOWED = "/common/images/tracking/pixel.gif"

KYODO_SIZES = {"635m": (635, 423), "635mw": (635, 423), "1270m": (1270, 846), "1270mw": (1270, 846),
               "1200x": (1200, 800), "255m": (255, 170), "160m": (160, 107), "120m": (120, 80), "-": (1600, 1067)}
_MWIMGS = re.compile(r"/mwimgs/([0-9a-f])/([0-9a-f])/([-0-9a-z]+)/img_([0-9a-f]{20,64})\.(jpg|png)")
_UPLOAD = re.compile(r"/uploads/\d{4}/\d{2}/\d{2}/\d{10}-p[0-9a-f]{32}_800\.jpg")
_USERFILE = re.compile(r"/ina/userfiles/images/[^/]+\.jpg", re.I)
_ICON_SIZE = re.compile(r"/assets/img/favicon/(?:apple-icon|favicon)-(\d{2,3})x\1\.png")
_RED, _INA_RED = "#b0001e", "#b3121b"


def _image(content_type: str, body: bytes, delay: float = 0.0) -> Page:
    return Page(200, content_type, body, delay=delay)


def _svg(width: int, height: int, fill: str, label: str = "", text_fill: str = "#ffffff") -> str:
    """A small vector icon or word mark (text in the page's font stack, so no font file is needed)."""
    text = (f'<text x="50%" y="58%" text-anchor="middle" dominant-baseline="middle" font-family="Arial,sans-serif" '
            f'font-weight="700" font-size="{height * 0.42:.0f}" fill="{text_fill}">{label}</text>') if label else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f'<rect width="{width}" height="{height}" rx="{min(width, height) // 6}" fill="{fill}"/>{text}</svg>\n')


def _mwimgs(path: str) -> Page | None:
    match = _MWIMGS.fullmatch(path)
    if match is None:
        return None
    h0, h1, size, digest, ext = match.groups()
    if (h0, h1) != (digest[0], digest[1]):
        return None
    if ext == "png":  # partner avatars
        return _image("image/png", imagegen.photo(path, 60, 60, "PNG")) if size == "-" else None
    if size not in KYODO_SIZES:
        return None
    return _image("image/jpeg", imagegen.photo(path, *KYODO_SIZES[size]))


def kyodo_robots() -> Page:
    return Page(200, TEXT, "User-agent: *\nAllow: /\nDisallow: /common/images/tracking/\n")


def kyodo_cdn(path: str) -> Page | None:
    """The CDN origin's answer for a path, or None (404)."""
    if path == "/robots.txt":
        return kyodo_robots()
    if path.startswith("/mwimgs/"):
        return _mwimgs(path)
    if path.startswith("/resources/"):
        css = re.fullmatch(r"/resources/kyodonews/css/pc/([a-z]+)\.css", path)
        if css and styles.kyodo_css(css.group(1)) is not None:
            return Page(200, CSS, styles.kyodo_css(css.group(1)))
        js = re.fullmatch(r"/resources/prod/kyodonews/js/pc/(leafs|list|top)\.prod\.js", path)
        if js:
            return Page(200, JS, styles.kyodo_js(js.group(1)))
        if path == "/resources/kyodonews/fonts/Aileron-Regular.ttf":
            return _image(TTF, styles.font())
        return None
    return _kyodo_common(path)


def _kyodo_common(path: str) -> Page | None:
    if path == SLOW:
        return Page(200, SVG, _svg(160, 52, "#202024", "KYODO NEWS"), delay=SLOW_SECONDS)
    if path == DISALLOWED:
        return _image("image/gif", imagegen.gif_1x1())
    fixed = {
        "/common/images/logo.svg": lambda: Page(200, SVG, _svg(180, 60, _RED, "KYODO NEWS")),
        "/common/images/favicon.ico": lambda: _image("image/x-icon", imagegen.badge(48, 48, _RED, fmt="ICO", mark="K")),
        "/common/images/apple-touch-icon-180x180.png": lambda: _image("image/png", imagegen.badge(180, 180, _RED, mark="K")),
        "/common/images/fb_og_image.png": lambda: _image("image/png", imagegen.badge(1200, 630, _RED, mark="Japan Wire")),
        "/common/images/noimage.png": lambda: _image("image/png", imagegen.badge(255, 170, "#d9d4c7", "#eeeae2")),
        "/common/images/bg_header.webp": lambda: _image("image/webp", imagegen.photo(path, 1120, 150, "WEBP")),
    }
    if path in fixed:
        return fixed[path]()
    return kyodo_icon(path)


def kyodo_icon(path: str) -> Page | None:
    """`/common/images/icons/icon_<name>.svg`, on the CDN and on the site's own host (share buttons)."""
    match = re.fullmatch(r"/common/images/icons/icon_([a-z][-a-z]*)\.svg", path)
    if match is None:
        return None
    name = match.group(1)
    colour = {"facebook": "#1877f2", "x-white": "#000000", "rss": "#f26522", "clip": "#555555"}.get(name, "#444444")
    return Page(200, SVG, _svg(24, 24, colour, name[0].upper()))


def kyodo_site(path: str) -> Page | None:
    """The few assets Kyodo's pages load from the site's own host: avatars, share icons, the measurement
    script. Everything else static is on the CDN."""
    if path.startswith("/mwimgs/"):
        return _mwimgs(path)
    if path == "/oo/np/lsync.js":
        return Page(200, JS, styles.LSYNC_JS)
    return kyodo_icon(path)


def cdn_not_found() -> Page:
    return Page(404, HTML, "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found"
                           "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


# --- Inakoran -----------------------------------------------------------------------------------------------

def inakoran(path: str) -> Page | None:
    """Inakoran's static files on its own host, or None (404 in the site template)."""
    if _UPLOAD.fullmatch(path):
        return _image("image/jpeg", imagegen.photo(path, 800, 533))
    if _USERFILE.fullmatch(path):
        return _image("image/jpeg", imagegen.photo(path, 600, 400))
    if path.endswith(".css"):
        css = styles.inakoran_css(path)
        return None if css is None else Page(200, CSS, css)
    if path.endswith(".js"):
        js = styles.inakoran_js(path)
        return None if js is None else Page(200, JS, js)
    icon = _ICON_SIZE.fullmatch(path)
    if icon and int(icon.group(1)) in (16, 32, 57, 60, 72, 76, 96, 114, 120, 144, 152, 180, 192):
        n = int(icon.group(1))
        return _image("image/png", imagegen.badge(n, n, _INA_RED, mark="I" if n >= 32 else ""))
    fixed = {
        "/assets/fonts/aileron-regular.ttf": lambda: _image(TTF, styles.font()),
        "/assets/manifest.json": lambda: Page(200, JSON, styles.INA_MANIFEST),
        "/assets/img/logo.png": lambda: _image("image/png", imagegen.badge(220, 55, _INA_RED, mark="INAKORAN")),
        "/assets/img/logo-putih.png": lambda: _image("image/png", imagegen.badge(200, 50, "#2a0508", mark="INAKORAN")),
        "/assets/img/no-image.png": lambda: _image("image/png", imagegen.badge(200, 130, "#dddddd", "#eeeeee")),
        "/assets/img/blank.gif": lambda: _image("image/gif", imagegen.gif_1x1()),
        "/assets/img/bg-pattern.webp": lambda: _image("image/webp", imagegen.photo(path, 320, 320, "WEBP")),
    }
    return fixed[path]() if path in fixed else None

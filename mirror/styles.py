"""Stylesheets, scripts and the web font the mirror's pages load, per site, as text written for the mirror.

Why they style visibly: a replay is compared with the live page in a browser, so a replay that lost its CSS,
its font or its background image must look different at a glance. Each site's stylesheet therefore sets a
web font (`@font-face` with a TTF), page colours, a fixed layout width and a background image through
`url()`, and pulls a second stylesheet in with `@import`: every way CSS references another file occurs once.
Each main stylesheet also carries
unused rules (`.is-legacy ...`), as real ones do, so its weight is realistic. Scripts are small, valid, and
change nothing visible (a browser replay runs them too, and no script loads anything).

The font is Aileron Regular by Sora Sagano (dotcolon.net), released under CC0 ("No Rights Reserved"), the
copy Pillow embeds for `ImageFont.load_default`; it is shipped as `mirror/static/aileron-regular.ttf`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from mirror.weight import css_rules

FONT_FILE = Path(__file__).with_name("static") / "aileron-regular.ttf"
RD = "?rd=202609031611"  # the Kyodo cache-buster, as kyodo_chrome.RD


@lru_cache(maxsize=None)
def font() -> bytes:
    return FONT_FILE.read_bytes()


def _ballast(seed: str, words: str) -> str:
    return css_rules([f".is-legacy .{w}" for w in words.split()], seed, per_rule=(3, 6))


# --- Kyodo (served by the CDN origin under /resources/kyodonews/) ------------------------------------------

KYODO_COMMON = """@charset "UTF-8";
/* Japan Wire (mirror): base layer shared by every skin, @imported by leafs.css, list.css and top.css */
@font-face{font-family:"JW Sans";font-style:normal;font-weight:400;font-display:block;src:url("../../fonts/Aileron-Regular.ttf") format("truetype")}
:root{--jw-red:#c8102e;--jw-ink:#1b1b1f;--jw-paper:#f4f1ea;--jw-line:#d9d4c7}
body{margin:0;background:var(--jw-paper);color:var(--jw-ink);font:16px/1.6 "JW Sans",Georgia,serif}
a{color:#0b3d91;text-decoration:none}
.l-wrap{display:block;position:static;width:1120px;margin:0 auto;background:#fff;box-shadow:0 0 0 1px var(--jw-line)}
.g-header{display:block;position:static;background:#7a0019 url("/common/images/bg_header.webp") center/cover no-repeat;color:#fff;border-bottom:6px solid var(--jw-red)}
.g-header-top__inner{display:flex;position:static;align-items:center;justify-content:space-between;height:96px;padding:0 24px}
.g-header-logo__img{display:block;position:static;width:180px;height:60px}
.g-header-login__button{display:inline-block;position:static;margin-left:8px;padding:6px 14px;border:2px solid #fff;border-radius:3px;color:#fff;font-size:13px;letter-spacing:.06em}
.g-header-nav__list{display:flex;margin:0;padding:0 16px;list-style:none;background:rgba(0,0,0,.35)}
.g-header-nav__link{display:block;padding:10px 14px;color:#fff;font-size:15px}
.g-header-menu,.g-drawer,.g-sprite{display:none}
.g-header-sns__list,.g-header-info__list{display:flex;gap:10px;margin:0;padding:0;list-style:none}
.g-header-sns__img,.g-header-info__img{width:20px;height:20px}
.g-footer{display:block;position:static;margin-top:40px;padding:32px 24px;background:#202024;color:#ddd}
.g-footer__inner,.g-footer-cols{display:flex;position:static;flex-wrap:wrap;gap:28px}
.g-footer-col__link,.g-footer-nav__link{display:inline;color:#eee}
.g-footer-nav__list{display:flex;gap:14px;list-style:none;padding:0}
[class^="g-ad-"],[class*=" g-ad-"]{display:block;position:static;margin:16px auto;min-height:90px;background:repeating-linear-gradient(45deg,#eee,#eee 8px,#f7f7f7 8px,#f7f7f7 16px)}
.c-heading__ttl{margin:28px 0 12px;padding-left:12px;border-left:6px solid var(--jw-red);font:700 22px/1.3 "JW Sans",sans-serif;text-transform:uppercase;letter-spacing:.04em}
img{max-width:100%;height:auto}
"""

KYODO_SKINS = {
    "leafs": """.l-content{display:flex;position:static;gap:40px;padding:24px}
.l-article{display:block;position:static;width:700px}
.l-side{display:block;position:static;width:320px}
.article-ttl{display:block;margin:8px 0 16px;font:400 36px/1.2 "JW Sans",sans-serif;color:var(--jw-ink)}
.article-header-info{display:flex;position:static;gap:12px;align-items:center;color:#666;font-size:14px}
.article-header-info__author{display:inline;position:static}
.article-header-img-main img{display:block;width:100%;height:auto;border-radius:2px}
.article-header-img-main__caption,.caption{display:block;margin:6px 0 20px;color:#555;font-size:13px;font-style:italic}
.article-body__inner p{margin:0 0 1.1em;font:19px/1.75 Georgia,"Times New Roman",serif}
.article-body__inner .--blur{color:transparent;text-shadow:0 0 8px rgba(0,0,0,.6)}
.login-signage{display:block;padding:24px;border:3px solid var(--jw-red);background:#fff6f6}
.login-signage__button{display:inline-block;position:static;padding:8px 18px;background:var(--jw-red);color:#fff}
.article-sns{display:flex;position:static;gap:10px;margin:16px 0}
.article-sns__img{width:28px;height:28px}
.newsletter-box{display:block;position:static;padding:20px;background:var(--jw-ink);color:#fff}
.newsletter-box__img{display:block;width:100%;min-height:40px;margin-bottom:12px;background:#444}
.newsletter-box__text{display:block}
.article-popular__box{display:flex;position:static;gap:10px;margin-bottom:12px}
.article-popular__img{flex:none;width:96px;height:96px;object-fit:cover}
.article-popular-ttl{margin:0;font-size:15px;line-height:1.35}
.related-item{display:block;padding:6px 0;border-bottom:1px dotted var(--jw-line)}
.m-article-item{display:flex;position:static;gap:16px;padding:12px 0;border-bottom:1px solid var(--jw-line)}
.m-article-item__img{width:180px;height:110px;object-fit:cover}
.m-article-item-ttl{display:block;margin:0;font-size:17px}
.article-more-content{padding:0 24px}
""",
    "list": """.l-main{display:block;position:static;width:720px;float:left;padding:24px}
.l-side{display:block;position:static;width:320px;float:right;padding:24px 24px 0 0}
.g-footer{clear:both}
.m-article-item{display:flex;position:static;gap:18px;padding:14px 0;border-bottom:1px solid var(--jw-line)}
.m-article-item__img{display:block;width:255px;height:130px;object-fit:cover}
.m-article-item-ttl{display:block;margin:0 0 6px;font:400 20px/1.3 "JW Sans",sans-serif}
.m-article-info{display:flex;gap:10px;color:#777;font-size:13px}
.m-pagination{display:flex;gap:6px;list-style:none;padding:0}
.m-pagination__link{display:block;min-width:34px;padding:6px;border:1px solid var(--jw-line);text-align:center}
.m-pagination__link.is-active{background:var(--jw-red);color:#fff}
.m-photo-list{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0}
.article-popular__box{display:flex;position:static;gap:10px;margin-bottom:12px}
.article-popular__img{flex:none;width:96px;height:96px;object-fit:cover}
""",
    "top": """.l-main{display:block;position:static;width:720px;float:left;padding:24px}
.l-side{display:block;position:static;width:320px;float:right;padding:24px 24px 0 0}
.g-footer{clear:both}
.top-news-main{display:block;position:static;margin-bottom:20px}
.top-news-main__img{display:block;width:100%;height:auto}
.top-news-main__ttl{margin:12px 0 8px;font:400 32px/1.2 "JW Sans",sans-serif}
.top-news-sub{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.top-news-sub__item{display:flex;gap:10px;padding:10px;background:var(--jw-paper)}
.m-article-item{display:flex;position:static;gap:16px;padding:12px 0;border-bottom:1px solid var(--jw-line)}
.m-article-item-ttl{display:block;margin:0;font:400 18px/1.3 "JW Sans",sans-serif}
.m-article-item__img{display:block;width:160px;height:100px;object-fit:cover}
.article-popular__box{display:flex;position:static;gap:10px;margin-bottom:12px}
.article-popular__img{flex:none;width:96px;height:96px;object-fit:cover}
.c-more__link{display:inline-block;padding:8px 24px;background:var(--jw-ink);color:#fff}
""",
}


@lru_cache(maxsize=None)
def kyodo_css(name: str) -> str | None:
    """`common` or a skin (`leafs`, `list`, `top`): the skin sheets @import the common one."""
    if name == "common":
        return KYODO_COMMON
    if name not in KYODO_SKINS:
        return None
    unused = _ballast("kyodo-legacy-" + name, "hero promo card teaser rank tab slider modal toast badge chip "
                      "timeline gallery video-card live-blog ticker election quiz poll weather market ranking "
                      "podcast-card newsletter-card breaking-bar app-banner survey feedback share-sheet") * 6
    return (f'@charset "UTF-8";\n@import url("common.css{RD}");\n/* Japan Wire (mirror): {name} skin */\n'
            f"{KYODO_SKINS[name]}{unused}\n")


def kyodo_js(name: str) -> str:
    return (f"/* Japan Wire (mirror): {name} skin behaviour. Marks the document; loads nothing. */\n"
            "(function () {\n  'use strict';\n  var root = document.documentElement;\n"
            f"  root.setAttribute('data-skin', '{name}');\n"
            "  document.addEventListener('DOMContentLoaded', function () {\n"
            "    var links = document.querySelectorAll('.js-header-nav-link');\n"
            "    for (var i = 0; i < links.length; i++) {\n"
            "      if (links[i].getAttribute('href') === location.pathname) links[i].classList.add('is-current');\n"
            "    }\n  });\n})();\n")


LSYNC_JS = ("/* measurement sync (mirror): records nothing, sends nothing */\n"
            "window.MiU = window.MiU || {}; MiU.queue = MiU.queue || [];\n"
            "MiU.fire = function (data) { MiU.last = data; };\n"
            "while (MiU.queue.length) { MiU.queue.shift()(); }\n")


# --- Inakoran (served by its own origin under /assets/, /wp-content/, /wp-includes/) ----------------------

INA_FONTS = """/* Inakoran (mirror): web font, @imported by style.css */
@font-face{font-family:"Ina Sans";font-style:normal;font-weight:400;font-display:block;src:url("../fonts/aileron-regular.ttf") format("truetype")}
"""

_INA_BASE = """body{margin:0;background:#efe9e1 url("/assets/img/bg-pattern.webp") repeat;color:#222;font:16px/1.6 "Ina Sans",Arial,sans-serif}
a{color:#9c0f17;text-decoration:none}
.ikon-sprite,.menu-toggle,.menu-mobile{display:none}
#topbar{display:flex;justify-content:space-between;padding:6px 20px;background:#1d1d1d;color:#ccc;font-size:13px}
#topbar a{color:#ddd}
.iklan{display:block;margin:12px auto;text-align:center;min-height:60px;background:#f3f3f3}
"""

INA_STYLE = "@import url(\"fonts.css\");\n/* Inakoran (mirror): classic template */\n" + _INA_BASE + """#wrapper{width:1020px;margin:0 auto;background:#fff}
#header{display:flex;align-items:center;gap:24px;padding:16px 20px;background:#b3121b;color:#fff}
#header .logo img{display:block;width:220px;height:55px}
#menu{display:flex;margin:0;padding:0;list-style:none}
#menu a{display:block;padding:8px 12px;color:#fff;font-weight:700;text-transform:uppercase;font-size:14px}
#ticker{display:flex;gap:12px;padding:8px 20px;background:#ffe8b3;font-size:14px}
.ticker-label{font-weight:700;color:#b3121b}
.ticker-list{display:flex;gap:18px;margin:0;padding:0;list-style:none;overflow:hidden;white-space:nowrap}
#content{display:flex;gap:30px;padding:20px}
#kiri{display:block;width:660px}
#kanan{display:block;width:300px}
.judul{margin:8px 0;font:400 34px/1.2 "Ina Sans",Arial,sans-serif;color:#111}
.label-kategori{display:inline-block;padding:2px 10px;background:#b3121b;color:#fff;font-size:13px;text-transform:uppercase}
.penulis,.tanggal{color:#777;font-size:14px}
.foto-utama img{display:block;width:100%;height:auto}
.keterangan{padding:6px 10px;background:#f1f1f1;color:#555;font-size:13px}
.isi p{margin:0 0 1em;font-size:17px;line-height:1.8}
.daftar-berita{display:block}
.berita-item{display:flex;gap:14px;padding:12px 0;border-bottom:1px solid #e3ddd4}
.berita-thumb img{display:block;width:200px;height:130px;object-fit:cover}
.berita-judul{margin:4px 0;font:400 20px/1.3 "Ina Sans",Arial,sans-serif}
.headline img{display:block;width:100%;height:auto}
.terpopuler ol{padding-left:0;list-style:none}
.terpopuler li{display:flex;gap:8px;padding:8px 0;border-bottom:1px solid #eee;font-size:14px}
.nomor{color:#b3121b;font:400 28px/1 "Ina Sans",Arial,sans-serif}
.sosial{display:flex;gap:8px}
.terkait-item{display:inline-block;width:200px;margin:0 8px 12px 0;vertical-align:top;font-size:14px}
#footer{padding:28px 20px;background:#2a0508;color:#e9d9da}
#footer a{color:#fff}
.footer-about img{display:block;width:200px;height:50px}
"""

INA_WP_STYLE = "@import url(\"/assets/css/fonts.css\");\n/* Inakoran (mirror): WordPress theme */\n" + _INA_BASE + \
    """#page{width:1020px;margin:0 auto;background:#fffdf8}
.site-header{padding:18px 20px;background:#14213d;color:#fff}
.site-title{margin:0;font:400 40px/1 "Ina Sans",Arial,sans-serif}
.site-title a{color:#fca311}
.main-navigation ul{display:flex;margin:10px 0 0;padding:0;list-style:none}
.main-navigation a{display:block;padding:6px 12px;color:#fff}
#ticker{display:flex;gap:12px;padding:8px 20px;background:#fca311;font-size:14px}
.ticker-list{display:flex;gap:18px;margin:0;padding:0;list-style:none;overflow:hidden;white-space:nowrap}
.site-content{display:flex;gap:30px;padding:20px}
.site-main{display:block;width:660px}
.widget-area{display:block;width:300px}
.entry-title{margin:8px 0;font:400 36px/1.2 "Ina Sans",Arial,sans-serif;color:#14213d}
.post-thumbnail img{display:block;width:100%;height:auto}
.wp-caption-text,.wp-element-caption{color:#666;font-size:13px;font-style:italic}
.entry-content p{margin:0 0 1em;font-size:17px;line-height:1.8}
.berita-item{display:flex;gap:14px;padding:12px 0;border-bottom:1px solid #e3ddd4}
.berita-thumb img{display:block;width:200px;height:130px;object-fit:cover}
.site-footer{padding:28px 20px;background:#14213d;color:#e5e5e5}
"""

INA_SMALL_CSS = {
    "bootstrap.min.css": "/* grid helpers (mirror) */\n.row{display:flex;flex-wrap:wrap}.col{flex:1 0 0%}.d-none{display:none!important}"
                         ".text-center{text-align:center}.clearfix::after{display:block;clear:both;content:\"\"}\n",
    "font-awesome.min.css": "/* icon font shim (mirror): the icons are inline SVG */\n.fa{display:inline-block;width:1em;height:1em}\n",
    "owl.carousel.min.css": "/* carousel (mirror) */\n.owl-carousel{display:block;position:relative}.owl-item{float:left}\n",
    "responsive.css": "/* narrow screens (mirror) */\n@media (max-width:1040px){#wrapper{width:auto}#content"
                      "{flex-direction:column}#kiri,#kanan{width:auto}}\n",
}
WP_SMALL_CSS = {
    "/wp-includes/css/dist/block-library/style.min.css":
        "/* block library (mirror) */\n.wp-block-image{margin:0 0 1em}.wp-block-image img{max-width:100%;height:auto}\n",
    "/wp-content/plugins/jetpack/css/jetpack.css":
        "/* sharing and related posts (mirror) */\n.sharedaddy{margin:20px 0}.sd-title{font-size:14px;text-transform:uppercase}"
        ".jp-relatedposts{clear:both;margin:24px 0}\n",
}


@lru_cache(maxsize=None)
def inakoran_css(path: str) -> str | None:
    if path == "/assets/css/style.css":
        unused = _ballast("inakoran-legacy", "slider galeri video-box polling kurs cuaca jadwal-sholat "
                          "infografis ekonomi-box tv-box banner-promo") * 4
        return INA_STYLE + unused
    if path == "/assets/css/fonts.css":
        return INA_FONTS
    if path == "/wp-content/themes/inakoran/style.css":
        return INA_WP_STYLE
    if path.startswith("/assets/css/"):
        return INA_SMALL_CSS.get(path[len("/assets/css/"):])
    return WP_SMALL_CSS.get(path)


_INA_JS = {
    "/assets/js/jquery.min.js": "window.jQuery = window.$ = function (selector) { return document.querySelectorAll(selector); };\n"
                                "window.jQuery.fn = {};\n",
    "/wp-includes/js/jquery/jquery.min.js": "window.jQuery = window.$ = function (selector) { return document.querySelectorAll(selector); };\n"
                                            "window.jQuery.fn = {};\n",
    "/wp-includes/js/jquery/jquery-migrate.min.js": "window.jQuery && (window.jQuery.migrateVersion = 'mirror');\n",
    "/assets/js/owl.carousel.min.js": "/* carousel (mirror): static, no autoplay */\n",
    "/assets/js/jquery.lazyload.min.js": "/* lazy loading (mirror): thumbnails stay as served */\n",
    "/assets/js/bootstrap.bundle.min.js": "window.bootstrap = window.bootstrap || { version: 'mirror' };\n",
    "/assets/js/main.js": "document.documentElement.setAttribute('data-site', 'inakoran');\n",
    "/wp-content/themes/inakoran/js/navigation.js": "document.documentElement.setAttribute('data-theme', 'inakoran');\n",
    "/wp-content/plugins/jetpack/_inc/build/sharedaddy/sharing.min.js": "window.sharing_js_options = { counts: false };\n",
}


def inakoran_js(path: str) -> str | None:
    body = _INA_JS.get(path)
    return None if body is None else "/* Inakoran (mirror) */\n" + body


INA_MANIFEST = ('{"name":"Inakoran","short_name":"Inakoran","start_url":"/","display":"standalone",'
                '"theme_color":"#b3121b","background_color":"#ffffff","icons":[{"src":"/assets/img/favicon/'
                'favicon-192x192.png","sizes":"192x192","type":"image/png"}]}\n')

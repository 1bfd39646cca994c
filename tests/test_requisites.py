"""Page requisites (crawler/parsers/requisites.py): which stylesheets, scripts, images, icons and fonts a page and a
stylesheet name, per page kind and mode, as exact lists. The pages follow the two sites' markup (Kyodo's CDN host,
srcset 1x/2x, preloads and critical CSS; Inakoran's WordPress images with w descriptors, lazy thumbnails in
data-original, noscript fallbacks), with synthetic text."""

from __future__ import annotations

import pytest

from crawler.parsers.requisites import Requisite, absolute_url, css_requisites, page_requisites
from crawler.parsers.srcset import choose_candidate, parse_srcset, slot_width

CDN = "https://english-kyodo.ismcdn.jp"
KYODO_URL = "https://english.kyodonews.net/articles/-/90101"
INAKORAN_URL = "https://inakoran.com/ekonomi/harga-kopi-naik/"

KYODO_ARTICLE = f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<link rel="shortcut icon" href="{CDN}/common/images/favicon.ico" />
<meta property="og:title" content="Harbour ferry resumes service" />
<meta property="og:image" content="{CDN}/mwimgs/1/a/1270m/img_1a2b.jpg" />
<script type="text/javascript" src="https://cdn01.stright.bizris.com/js/cookie_consent_block.js" charset="UTF-8"></script>
<link rel="preconnect" href="{CDN}" crossorigin>
<link rel="dns-prefetch" href="https://www.googletagmanager.com">
<link rel="preload" as="font" type="font/woff2" crossorigin href="{CDN}/resources/kyodonews/fonts/OpenSans-Bold.woff2?rd=1">
<link rel="preload" as="image" href="{CDN}/common/images/logo.svg">
<link rel="preload" as="script" href="{CDN}/resources/prod/kyodonews/js/pc/leafs.prod.js?rd=1">
<link rel="preload" as="style" href="https://fonts.googleapis.com/css2?family=Open+Sans&display=swap">
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Open+Sans&display=swap" media="print" onload="this.media='all'">
<link rel="stylesheet" href="{CDN}/resources/kyodonews/css/pc/leafs.css?rd=1" />
<link rel="canonical" href="{KYODO_URL}">
<style id="critical-css">.g-header{{background:url("/common/images/header-bg.png") no-repeat}}
@font-face{{font-family:"Noto Serif";src:url({CDN}/resources/kyodonews/fonts/NotoSerif-Bold.woff2) format("woff2")}}</style>
<script async="async" src="https://securepubads.g.doubleclick.net/tag/js/gpt.js"></script>
<script type="application/ld+json">{{"@type": "NewsArticle", "image": "{CDN}/mwimgs/9/9/x.jpg"}}</script>
</head><body>
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-X"></iframe><img src="/noscript-pixel.gif"></noscript>
<header><a href="/"><img class="g-header-logo__img" src="{CDN}/common/images/logo.svg" width="180" height="60" alt="KYODO NEWS"></a></header>
<div id='div-gpt-ad-1' style='min-width: 728px; min-height: 90px;'></div>
<article>
  <img class="article-header-info__img" src="/mwimgs/7/2/-/img_7272.png" width="30" height="30" alt="KYODO NEWS">
  <figure class="article-header-img-main">
    <img src="{CDN}/mwimgs/1/a/635m/img_1a2b.jpg" loading="eager" srcset="{CDN}/mwimgs/1/a/635m/img_1a2b.jpg 1x,{CDN}/mwimgs/1/a/1270m/img_1a2b.jpg 2x" width="635" height="422" alt="">
  </figure>
  <figure class="image-area figure-center" style="width:100%;"><img alt="" class="main-image" src="{CDN}/mwimgs/3/c/635m/img_3c4d.jpg" loading="lazy" srcset="{CDN}/mwimgs/3/c/635m/img_3c4d.jpg 1x,{CDN}/mwimgs/3/c/1270mw/img_3c4d.jpg 2x" width="635" height="422"></figure>
  <img src="" loading="eager" width="685" height="" class="" alt="">
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">
  <a href="javascript:void(0)"><img src="javascript:alert(1)" alt=""></a>
</article>
<aside><img src="{CDN}/mwimgs/5/5/160m/img_5555.jpg#top" loading="lazy" width="160" height="160" alt=""></aside>
<ul class="related"><li><img src="{CDN}/mwimgs/0/0/255m/img_0000.jpg" width="255" alt=""></li>
<li><img src="{CDN}/mwimgs/0/0/255m/img_0000.jpg" width="255" alt=""></li></ul>
<script src="{CDN}/resources/prod/kyodonews/js/pc/leafs.prod.js?rd=1" defer></script>
<script src="/oo/np/lsync.js" async></script>
</body></html>""".encode()


def req(url: str, kind: str, source: str) -> Requisite:
    return Requisite(url, kind, source)


KYODO_STYLE_AND_SCRIPT = [
    req("https://cdn01.stright.bizris.com/js/cookie_consent_block.js", "script", "script src"),
    req(f"{CDN}/resources/kyodonews/fonts/OpenSans-Bold.woff2?rd=1", "font", "link rel=preload as=font"),
    req(f"{CDN}/resources/prod/kyodonews/js/pc/leafs.prod.js?rd=1", "script", "link rel=preload as=script"),
    req("https://fonts.googleapis.com/css2?family=Open+Sans&display=swap", "stylesheet", "link rel=preload as=style"),
    req(f"{CDN}/resources/kyodonews/css/pc/leafs.css?rd=1", "stylesheet", "link rel=stylesheet"),
    req("https://english.kyodonews.net/common/images/header-bg.png", "css-image", "<style> url()"),
    req(f"{CDN}/resources/kyodonews/fonts/NotoSerif-Bold.woff2", "font", "<style> @font-face src"),
    req("https://securepubads.g.doubleclick.net/tag/js/gpt.js", "script", "script src"),
    req("https://english.kyodonews.net/oo/np/lsync.js", "script", "script src"),
]


def test_kyodo_article_pages_mode():
    assert page_requisites(KYODO_ARTICLE, KYODO_URL, "article", "pages") == [
        req(f"{CDN}/common/images/favicon.ico", "icon", "link rel=shortcut icon"),
        req(f"{CDN}/mwimgs/1/a/1270m/img_1a2b.jpg", "og:image", "meta og:image"),
        KYODO_STYLE_AND_SCRIPT[0],
        KYODO_STYLE_AND_SCRIPT[1],
        req(f"{CDN}/common/images/logo.svg", "image", "link rel=preload as=image"),
        *KYODO_STYLE_AND_SCRIPT[2:7],
        KYODO_STYLE_AND_SCRIPT[7],
        # not the <noscript> iframe and pixel; the logo was preloaded already (first mention wins)
        req("https://english.kyodonews.net/mwimgs/7/2/-/img_7272.png", "image", "img src"),
        req(f"{CDN}/mwimgs/1/a/635m/img_1a2b.jpg", "image", "img src"),  # its srcset's 1x is the same URL
        req(f"{CDN}/mwimgs/3/c/635m/img_3c4d.jpg", "image", "img src"),
        # no empty src, data: or javascript: URL; the fragment is dropped, the duplicate thumbnail kept once
        req(f"{CDN}/mwimgs/5/5/160m/img_5555.jpg", "image", "img src"),
        req(f"{CDN}/mwimgs/0/0/255m/img_0000.jpg", "image", "img src"),
        KYODO_STYLE_AND_SCRIPT[8],
    ]


def test_kyodo_article_all_mode_adds_every_srcset_candidate():
    pages = page_requisites(KYODO_ARTICLE, KYODO_URL, "article", "pages")
    everything = page_requisites(KYODO_ARTICLE, KYODO_URL, "article", "all")
    assert [r for r in everything if r not in pages] == [
        req(f"{CDN}/mwimgs/3/c/1270mw/img_3c4d.jpg", "image", "img srcset 2x"),  # the 1270m 2x is the og:image
    ]
    assert [r for r in everything if r in pages] == pages


def test_home_is_read_as_an_article():
    assert (page_requisites(KYODO_ARTICLE, KYODO_URL, "home", "pages")
            == page_requisites(KYODO_ARTICLE, KYODO_URL, "article", "pages"))


def test_listing_pages_mode_keeps_styles_and_scripts_only():
    assert page_requisites(KYODO_ARTICLE, KYODO_URL, "listing", "pages") == KYODO_STYLE_AND_SCRIPT


def test_listing_all_mode_is_everything():
    assert (page_requisites(KYODO_ARTICLE, KYODO_URL, "listing", "all")
            == page_requisites(KYODO_ARTICLE, KYODO_URL, "article", "all"))


def test_mode_none_and_unknown_arguments():
    assert page_requisites(KYODO_ARTICLE, KYODO_URL, "article", "none") == []
    with pytest.raises(ValueError):
        page_requisites(KYODO_ARTICLE, KYODO_URL, "article", "some")
    with pytest.raises(ValueError):
        page_requisites(KYODO_ARTICLE, KYODO_URL, "gallery", "pages")


INAKORAN_ARTICLE = """<!doctype html>
<html lang="id-ID"><head>
<meta charset="UTF-8">
<link rel="apple-touch-icon" sizes="57x57" href="/assets/img/favicon/apple-icon-57x57.png" />
<link rel="icon" type="image/png" sizes="32x32" href="/assets/img/favicon/favicon-32x32.png" />
<link rel="manifest" href="/assets/manifest.json" />
<link rel="stylesheet" type="text/css" href="/assets/css/bootstrap.min.css" />
<link rel="stylesheet" type="text/css" href="/assets/css/responsive.css?v=20240611" />
<link rel='stylesheet' id='wp-block-library-css' href='https://inakoran.com/wp-includes/css/dist/block-library/style.min.css?ver=6.6.2' media='all' />
<meta property="og:image" content="https://inakoran.com/uploads/2024/11/05/1730769000-p9e8d7_800.jpg" />
<script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>
<style type="text/css">.logo{background-image:url(/assets/img/logo-bg.png)}</style>
</head><body>
<noscript><img height="1" width="1" src="https://www.facebook.com/tr?id=1&amp;ev=PageView" /></noscript>
<div class="logo"><a href="/"><img src="/assets/img/logo.png" alt="Inakoran" /></a></div>
<div class="post-thumbnail"><img width="800" height="533" src="https://inakoran.com/uploads/2024/11/05/1730769000-p9e8d7_800.jpg"
  srcset="https://inakoran.com/uploads/2024/11/05/1730769000-p9e8d7_800.jpg 800w, https://inakoran.com/uploads/2024/11/05/1730769000-p9e8d7_300.jpg 300w, https://inakoran.com/uploads/2024/11/05/1730769000-p9e8d7_1536.jpg 1536w"
  sizes="(max-width: 800px) 100vw, 800px" alt=""></div>
<div class="entry-content">
<p><img width="700" height="466" src="data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E"
  data-lazy-src="https://inakoran.com/ina/userfiles/images/kebun-kopi.jpg" alt="Kebun kopi"><noscript><img width="700"
  height="466" src="https://inakoran.com/ina/userfiles/images/kebun-kopi.jpg" alt="Kebun kopi"></noscript></p>
<picture><source type="image/webp" srcset="/uploads/2024/11/05/panen.webp 1x, /uploads/2024/11/05/panen@2x.webp 2x">
<img src="/uploads/2024/11/05/panen.jpg" alt=""></picture>
<div class="kutipan" style="background-image: url('/uploads/2024/11/05/kutipan-bg.jpg')">Kutipan</div>
</div>
<div class="terpopuler"><img class="lazy" src="/assets/img/blank.gif" data-original="/uploads/2024/10/18/1729220971-p5f0c2_800.jpg" width="100" height="70" alt="" />
<img class="lazy" src="/assets/img/blank.gif" data-original="/uploads/2024/10/17/1729134571-pa1b2c3_800.jpg" width="100" height="70" alt="" /></div>
<script src="/assets/js/jquery.min.js"></script>
<script src="/assets/js/jquery.lazyload.min.js"></script>
</body></html>""".encode()

INA = "https://inakoran.com"


def test_inakoran_article_pages_mode():
    assert page_requisites(INAKORAN_ARTICLE, INAKORAN_URL, "article", "pages") == [
        req(f"{INA}/assets/img/favicon/apple-icon-57x57.png", "icon", "link rel=apple-touch-icon"),
        req(f"{INA}/assets/img/favicon/favicon-32x32.png", "icon", "link rel=icon"),
        req(f"{INA}/assets/css/bootstrap.min.css", "stylesheet", "link rel=stylesheet"),
        req(f"{INA}/assets/css/responsive.css?v=20240611", "stylesheet", "link rel=stylesheet"),
        req(f"{INA}/wp-includes/css/dist/block-library/style.min.css?ver=6.6.2", "stylesheet", "link rel=stylesheet"),
        req(f"{INA}/uploads/2024/11/05/1730769000-p9e8d7_800.jpg", "og:image", "meta og:image"),
        req("https://www.googletagmanager.com/gtag/js?id=G-X", "script", "script src"),
        req(f"{INA}/assets/img/logo-bg.png", "css-image", "<style> url()"),
        req(f"{INA}/assets/img/logo.png", "image", "img src"),
        # src and the 800w candidate are the og:image; sizes gives an 800 px slot at 1280 px, and 800w is the
        # smallest candidate at least that wide
        req(f"{INA}/ina/userfiles/images/kebun-kopi.jpg", "image", "img data-lazy-src"),
        req(f"{INA}/uploads/2024/11/05/panen.webp", "image", "picture source srcset 1x"),
        req(f"{INA}/uploads/2024/11/05/panen.jpg", "image", "img src"),
        req(f"{INA}/uploads/2024/11/05/kutipan-bg.jpg", "css-image", "style attribute url()"),
        req(f"{INA}/assets/img/blank.gif", "image", "img src"),
        req(f"{INA}/uploads/2024/10/18/1729220971-p5f0c2_800.jpg", "image", "img data-original"),
        req(f"{INA}/uploads/2024/10/17/1729134571-pa1b2c3_800.jpg", "image", "img data-original"),
        req(f"{INA}/assets/js/jquery.min.js", "script", "script src"),
        req(f"{INA}/assets/js/jquery.lazyload.min.js", "script", "script src"),
    ]


def test_inakoran_all_mode_and_listing():
    pages = page_requisites(INAKORAN_ARTICLE, INAKORAN_URL, "article", "pages")
    everything = page_requisites(INAKORAN_ARTICLE, INAKORAN_URL, "article", "all")
    assert [r for r in everything if r not in pages] == [
        req(f"{INA}/uploads/2024/11/05/1730769000-p9e8d7_300.jpg", "image", "img srcset 300w"),
        req(f"{INA}/uploads/2024/11/05/1730769000-p9e8d7_1536.jpg", "image", "img srcset 1536w"),
        req(f"{INA}/uploads/2024/11/05/panen@2x.webp", "image", "picture source srcset 2x"),
    ]
    assert [r.url for r in page_requisites(INAKORAN_ARTICLE, INAKORAN_URL, "listing", "pages")] == [
        f"{INA}/assets/css/bootstrap.min.css", f"{INA}/assets/css/responsive.css?v=20240611",
        f"{INA}/wp-includes/css/dist/block-library/style.min.css?ver=6.6.2",
        "https://www.googletagmanager.com/gtag/js?id=G-X", f"{INA}/assets/img/logo-bg.png",
        f"{INA}/assets/js/jquery.min.js", f"{INA}/assets/js/jquery.lazyload.min.js"]
    listing_all = page_requisites(INAKORAN_ARTICLE, INAKORAN_URL, "listing", "all")
    assert listing_all == everything
    assert req(f"{INA}/uploads/2024/10/18/1729220971-p5f0c2_800.jpg", "image", "img data-original") in listing_all


# --- the rules one by one ---------------------------------------------------------------------------------------

def urls(html: str, url: str = "https://example.org/a/b.html", page: str = "article", mode: str = "pages"):
    return [(r.url, r.source) for r in page_requisites(html.encode(), url, page, mode)]


def test_base_href_resolves_relative_urls():
    html = '<head><base href="https://static.example.org/v2/"></head><img src="i.png"><script src="/s.js"></script>'
    assert urls(html) == [("https://static.example.org/v2/i.png", "img src"),
                          ("https://static.example.org/s.js", "script src")]
    relative_base = '<base href="../c/"><img src="i.png">'
    assert urls(relative_base) == [("https://example.org/c/i.png", "img src")]
    assert urls('<base href="javascript:x"><img src="i.png">') == [("https://example.org/a/i.png", "img src")]


def test_schemes_whitespace_fragments_and_escaping():
    html = ('<img src="blob:https://example.org/1"><img src="about:blank"><img src="ftp://example.org/x.png">'
            '<img src="  \n /p/one.png#x \t"><img src="//cdn.example.org/two.png"><img src="/p/a b.png">'
            '<img src="/p/caf\u00e9.png?q=\u00e9"><img src="#only-a-fragment"><img src="http://[::1">'
            '<img src="http://example.org:99999/x.png"><img src="/p/t\tab.png">')
    assert urls(html) == [("https://example.org/p/one.png", "img src"), ("https://cdn.example.org/two.png", "img src"),
                          ("https://example.org/p/a%20b.png", "img src"),
                          ("https://example.org/p/caf%C3%A9.png?q=%C3%A9", "img src"),
                          ("https://example.org/p/tab.png", "img src")]


def test_windows_1252_page_urls_decode_as_the_browser_reads_them():
    html = b'<html><head><meta charset="windows-1252"></head><body><img src="/fotos/caf\xe9.jpg"></body></html>'
    assert [r.url for r in page_requisites(html, "https://inakoran.com/x", "article", "pages")] == [
        "https://inakoran.com/fotos/caf%C3%A9.jpg"]


def test_link_rels():
    html = ('<link rel="Alternate StyleSheet" href="/alt.css"><link rel="prefetch" href="/next.html">'
            '<link rel="modulepreload" href="/m.js"><link rel="preload" as="fetch" href="/data.json">'
            '<link rel="apple-touch-icon-precomposed" href="/t.png"><link rel="mask-icon" href="/m.svg">'
            '<link rel="preload" as="image" imagesrcset="/h-600.jpg 600w, /h-1400.jpg 1400w" imagesizes="100vw">'
            '<link rel="icon" href="data:,">')
    assert urls(html) == [("https://example.org/alt.css", "link rel=stylesheet"),
                          ("https://example.org/m.js", "link rel=modulepreload"),
                          ("https://example.org/t.png", "link rel=apple-touch-icon-precomposed"),
                          ("https://example.org/m.svg", "link rel=mask-icon"),
                          ("https://example.org/h-1400.jpg", "link rel=preload imagesrcset 1400w")]


def test_og_image_variants_and_lazy_srcset():
    html = ('<meta property="og:image:secure_url" content="/og.jpg"><meta name="og:image" content="/og2.jpg">'
            '<meta property="og:title" content="/not-an-image.jpg">'
            '<img data-src="/lazy.jpg" data-srcset="/lazy-1x.jpg 1x, /lazy-2x.jpg 2x">')
    assert urls(html) == [("https://example.org/og.jpg", "meta og:image"),
                          ("https://example.org/og2.jpg", "meta og:image"),
                          ("https://example.org/lazy.jpg", "img data-src"),
                          ("https://example.org/lazy-1x.jpg", "img data-srcset 1x")]


def test_template_content_and_video_sources_are_not_requisites():
    html = ('<template><img src="/t.png"></template><video><source src="/v.mp4"></video>'
            '<iframe src="/embed.html"></iframe><img src="/kept.png">')
    assert urls(html) == [("https://example.org/kept.png", "img src")]


def test_srcset_parsing():
    assert parse_srcset("a.jpg, b,c.jpg 2x,d.jpg 100w 50h ,e.jpg 1.5x") == [
        ("a.jpg", "1x"), ("b,c.jpg", "2x"), ("d.jpg", "100w"), ("e.jpg", "1.5x")]
    assert parse_srcset("x.jpg,y.jpg") == [("x.jpg,y.jpg", "1x")]  # a URL may hold commas
    assert parse_srcset("x.jpg,, y.jpg 2x") == [("x.jpg", "1x"), ("y.jpg", "2x")]
    assert parse_srcset("bad.jpg 2q, two.jpg 1x 2x, zero.jpg 0w, neg.jpg -1x, f.jpg foo(1, 2)") == []
    assert parse_srcset("") == [] and parse_srcset(" ,, ") == []


def test_srcset_choice_for_a_1x_desktop_browser():
    x = [("a", "2x"), ("b", "1x"), ("c", "3x")]
    assert choose_candidate(x, None) == ("b", "1x")
    assert choose_candidate([("a", "2x"), ("c", "1.5x")], None) == ("c", "1.5x")  # smallest above 1x
    assert choose_candidate([("a", "0.5x"), ("c", "0.75x")], None) == ("c", "0.75x")  # all below: the largest
    w = [("s", "300w"), ("m", "800w"), ("l", "1536w")]
    assert choose_candidate(w, 800) == ("m", "800w")
    assert choose_candidate(w, 801) == ("l", "1536w")
    assert choose_candidate(w, 2000) == ("l", "1536w")  # none wide enough: the largest
    assert choose_candidate(w, None) == ("l", "1536w")
    assert choose_candidate([], None) is None


def test_slot_width_from_sizes_then_width():
    assert slot_width("(max-width: 800px) 100vw, 800px", None) == 800
    assert slot_width("(min-width: 1200px) 50vw, 100vw", "300") == 640
    assert slot_width("(min-width: 60em) and (max-width: 100em) 20em, 10px", None) == 320
    assert slot_width("(orientation: portrait) 10px, calc(100vw - 2em), 700px", None) == 700
    assert slot_width(None, "635") == 635
    assert slot_width("auto", " 255 ") == 255
    assert slot_width("", "") is None and slot_width(None, "wide") is None and slot_width(None, "-5") is None


def test_w_descriptors_use_the_width_attribute_without_sizes():
    html = '<img width="300" srcset="/s.jpg 300w, /m.jpg 800w"><img srcset="/s2.jpg 300w, /m2.jpg 800w">'
    assert urls(html) == [("https://example.org/s.jpg", "img srcset 300w"),
                          ("https://example.org/m2.jpg", "img srcset 800w")]


# --- CSS ------------------------------------------------------------------------------------------------------

STYLESHEET = rb"""@charset "utf-8";
@import "base.css";
@import url(print.css) print;
@import url("https://fonts.example.net/css?family=Noto");
@namespace svg url(http://www.w3.org/2000/svg);
/* url(commented-out.png) */
.g-header { background: #fff url( 'img/header.png' ) no-repeat; }
@media (min-width: 768px) {
  .hero { background-image: url(img/hero\(wide\).jpg); }
  @font-face { font-family: Inner; src: url(../fonts/inner.woff2) format("woff2"), local("Inner"); }
}
@supports (display: grid) { @layer base { .grid { border-image: url("img/border.png") 30; } } }
@font-face {
  font-family: "Open Sans";
  src: url("../fonts/OpenSans.woff2") format("woff2"), url(../fonts/OpenSans.woff) format("woff");
}
.icon { background: url(data:image/png;base64,iVBORw0KGgo=); cursor: url(img/hand.cur), pointer; }
.card { .title { list-style-image: url(img/dot.svg#marker); } }
.retina { background-image: -webkit-image-set("img/r1.png" 1x, url(img/r2.png) 2x); }
.again { background: url(img/header.png); mask: url(  ); }
.esc { background: url(img/sp\61 ce.png); }
"""
CSS_URL = "https://english-kyodo.ismcdn.jp/resources/kyodonews/css/pc/leafs.css?rd=1"
CSS_BASE = "https://english-kyodo.ismcdn.jp/resources/kyodonews/css/"


def test_css_requisites():
    assert css_requisites(STYLESHEET, CSS_URL) == [
        req(f"{CSS_BASE}pc/base.css", "css-import", "css @import"),
        req(f"{CSS_BASE}pc/print.css", "css-import", "css @import"),
        req("https://fonts.example.net/css?family=Noto", "css-import", "css @import"),
        req(f"{CSS_BASE}pc/img/header.png", "css-image", "css url()"),
        req(f"{CSS_BASE}pc/img/hero(wide).jpg", "css-image", "css url()"),
        req(f"{CSS_BASE}fonts/inner.woff2", "font", "css @font-face src"),
        req(f"{CSS_BASE}pc/img/border.png", "css-image", "css url()"),
        req(f"{CSS_BASE}fonts/OpenSans.woff2", "font", "css @font-face src"),
        req(f"{CSS_BASE}fonts/OpenSans.woff", "font", "css @font-face src"),
        req(f"{CSS_BASE}pc/img/hand.cur", "css-image", "css url()"),
        req(f"{CSS_BASE}pc/img/dot.svg", "css-image", "css url()"),
        req(f"{CSS_BASE}pc/img/r1.png", "css-image", "css -webkit-image-set()"),
        req(f"{CSS_BASE}pc/img/r2.png", "css-image", "css url()"),
        req(f"{CSS_BASE}pc/img/space.png", "css-image", "css url()"),
    ]


def test_css_in_other_encodings_and_broken_css():
    latin1 = '@charset "iso-8859-1"; .a { background: url(caf\u00e9.png) }'.encode("latin-1")
    assert [r.url for r in css_requisites(latin1, "https://example.org/s.css")] == ["https://example.org/caf%C3%A9.png"]
    bom = "\ufeff.a { background: url(\u00fc.png) }".encode("utf-8")
    assert [r.url for r in css_requisites(bom, "https://example.org/s.css")] == ["https://example.org/%C3%BC.png"]
    broken = b'@import "a.css" .x { background: url(b.png) } .y { background: url(c.png'
    assert [r.url for r in css_requisites(broken, "https://example.org/s.css")] == [
        "https://example.org/a.css", "https://example.org/c.png"]
    deep = b"@media screen {" * 5000 + b".z{background:url(deep.png)}"
    assert [r.url for r in css_requisites(deep, "https://example.org/s.css")] == ["https://example.org/deep.png"]
    for junk in (b"", b"\xff\xfe\x00", b"}}}{{{", b"url(", b"@import", b"\x00" * 100,
                 "\ud800".encode("utf-8", "surrogatepass")):
        assert css_requisites(junk, "https://example.org/s.css") == []
    assert css_requisites(b".a{background:url(x.png)}", "not a url") == []


# --- malformed pages --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("html", [b"", b"\x00\xff\xfe", b"<", b"<img src=", b"<html><head><link rel=stylesheet href",
                                  b"<" * 10_000, b"<div>" * 3000 + b'<img src="/deep.png">',
                                  "\ufeff<img src='/bom.png'>".encode("utf-16")])
def test_malformed_pages_never_raise(html):
    for page in ("article", "listing"):
        for mode in ("pages", "all"):
            result = page_requisites(html, "https://example.org/", page, mode)
            assert all(r.url.startswith("https://example.org/") for r in result)


def test_malformed_pages_still_give_what_they_can():
    cut = (b'<html><head><link rel="stylesheet" href="/s.css"><img src="/a.png"><table><tr><img src="/b.png"><p>Kop'
           b'<img src="/c.png" srcset="/c.png 1x, /c2')  # a tag cut by the end of the file is dropped, as browsers do
    assert urls(cut.decode()) == [("https://example.org/s.css", "link rel=stylesheet"),
                                  ("https://example.org/a.png", "img src"), ("https://example.org/b.png", "img src")]
    deep = b"<div>" * 3000 + b'<img src="/deep.png">'
    assert [r.url for r in page_requisites(deep, "https://example.org/", "article", "pages")] == [
        "https://example.org/deep.png"]
    utf16 = "\ufeff<img src='/bom.png'>".encode("utf-16")
    assert [r.url for r in page_requisites(utf16, "https://example.org/", "article", "pages")] == [
        "https://example.org/bom.png"]


def test_absolute_url():
    assert absolute_url(" /x.png ", "https://example.org/a/") == "https://example.org/x.png"
    assert absolute_url("HTTPS://Example.ORG/x.png#f", "https://a/") == "https://example.org/x.png"
    assert absolute_url("x.png", "http://[::1/") is None
    assert absolute_url(None, "https://a/") is None and absolute_url("  ", "https://a/") is None

"""Inakoran page chrome: header/menu, "Terpopuler" sidebar, footer and list items, per template skin.

Typical Indonesian news-CMS weight: analytics (gtag, GTM, Meta pixel, Histats), AdSense and an ad-zone JSON
sized per page, OneSignal, WordPress global styles / emoji / duotone SVGs (skin b), a top bar with static
pages, a "Breaking News" ticker, share buttons, "Berita Terkait" after the article (before KOMENTAR), and a
widget footer. Fixed parts are rendered once per process. Kept out of the parser's way: no <h1>, no dates,
no `breadcrumb` class or rel="category" links outside the article, nothing between the headline and body."""

from __future__ import annotations

import json
import random
from functools import lru_cache
from urllib.parse import quote

from mirror.content import INA_SECTIONS, Catalogue, Story
from mirror.timefmt import ina_dateline
from mirror.pages import attr, esc, pagination_window
from mirror.weight import Ballast, css_rules, svg_icon, svg_sprite, vary


ICON_NAMES = ["facebook", "twitter", "instagram", "youtube", "tiktok", "whatsapp", "telegram", "line", "link",
              "search", "menu", "close", "clock", "user", "arrow-up", "chevron-right", "rss", "mail", "eye"]
SPRITE = svg_sprite(ICON_NAMES, "inakoran-icons", cls="ikon-sprite")
SOCIAL = [("https://www.facebook.com/inakoran", "Facebook", "facebook"),
          ("https://twitter.com/inakoran", "Twitter", "twitter"),
          ("https://www.instagram.com/inakoran/", "Instagram", "instagram"),
          ("https://www.youtube.com/@inakoran", "YouTube", "youtube"),
          ("https://www.tiktok.com/@inakoran", "TikTok", "tiktok")]
# Static pages linked from the top bar and the footer (served by inakoran_pages.render_info).
INFO_PAGES = {"redaksi": "Redaksi", "pedoman-media-siber": "Pedoman Media Siber", "tentang-kami": "Tentang Kami",
              "kontak": "Kontak", "kebijakan-privasi": "Kebijakan Privasi", "disclaimer": "Disclaimer"}
NETWORK = [("https://www.inakoran-mandarin.example/", "Inakoran Mandarin"), ("https://bisnis.inakoran.example/",
           "Inakoran Bisnis"), ("https://foto.inakoran.example/", "Inakoran Foto"),
           ("https://tv.inakoran.example/", "Inakoran TV")]


def _social_links(cls: str, size: int = 18) -> str:
    return "".join(f'<a class="{cls} {cls}-{icon}" href="{href}" target="_blank" rel="noopener" aria-label="{name}">'
                   f'{svg_icon(icon, size, "ikon")}</a>' for href, name, icon in SOCIAL)


def _info_links(sep: str = "") -> str:
    return sep.join(f'<a href="/{slug}">{esc(name)}</a>' for slug, name in INFO_PAGES.items())


@lru_cache(maxsize=None)
def head_extra(skin: str) -> str:
    """Fixed head weight per template skin, rendered once: icons, styles, analytics and ad loaders."""
    icons = "\n".join(f'<link rel="apple-touch-icon" sizes="{n}x{n}" href="/assets/img/favicon/apple-icon-{n}x{n}.png" />'
                      for n in (57, 60, 72, 76, 114, 120, 144, 152, 180))
    icons += "\n" + "\n".join(f'<link rel="icon" type="image/png" sizes="{n}x{n}" href="/assets/img/favicon/favicon-{n}x{n}.png" />'
                              for n in (16, 32, 96, 192))
    common = f"""<meta name="google-site-verification" content="mIrRoR-{'a' if skin == 'a' else 'b'}q7cF0x2sYk4mW1dVt9RbL3nZpE8hJ6uG" />
<meta property="fb:app_id" content="1234567890123456" />
<meta property="fb:pages" content="109876543210987" />
<meta name="twitter:site" content="@inakoran" />
<meta name="theme-color" content="#b3121b" />
{icons}
<link rel="manifest" href="/assets/manifest.json" />
<link rel="preconnect" href="https://fonts.googleapis.com" />
<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin />
<link rel="dns-prefetch" href="//pagead2.googlesyndication.com" />
<link rel="dns-prefetch" href="//www.googletagmanager.com" />
<link rel="dns-prefetch" href="//s10.histats.com" />
<link rel="dns-prefetch" href="//cdn.onesignal.com" />
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto:wght@400;500;700&amp;family=Merriweather:wght@700&amp;display=swap" />
<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-MIRROR0INA"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){{dataLayer.push(arguments);}}
  gtag('js', new Date());
  gtag('config', 'G-MIRROR0INA', {{ 'anonymize_ip': true, 'content_group': document.body ? document.body.className : '' }});
</script>
<!-- Google Tag Manager -->
<script>(function(w,d,s,l,i){{w[l]=w[l]||[];w[l].push({{'gtm.start':new Date().getTime(),event:'gtm.js'}});var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);}})(window,document,'script','dataLayer','GTM-MIRR0IN');</script>
<!-- End Google Tag Manager -->
<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-0000000000000000" crossorigin="anonymous"></script>
<script src="https://cdn.onesignal.com/sdks/web/v16/OneSignalSDK.page.js" defer></script>
<script>
  window.OneSignalDeferred = window.OneSignalDeferred || [];
  OneSignalDeferred.push(async function(OneSignal) {{
    await OneSignal.init({{ appId: "00000000-0000-4000-8000-00000000ina0", safari_web_id: "web.onesignal.auto.mirror",
      notifyButton: {{ enable: true, position: "bottom-left", size: "small" }},
      promptOptions: {{ slidedown: {{ prompts: [{{ type: "push", autoPrompt: true, text: {{ actionMessage: "Dapatkan notifikasi berita terbaru dari Inakoran", acceptButton: "Izinkan", cancelButton: "Nanti saja" }}, delay: {{ pageViews: 2, timeDelay: 20 }} }}] }} }} }});
  }});
</script>
<!-- Meta Pixel Code -->
<script>
!function(f,b,e,v,n,t,s){{if(f.fbq)return;n=f.fbq=function(){{n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)}};if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}}(window, document,'script','https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '000000000000001');
fbq('track', 'PageView');
</script>
<!-- End Meta Pixel Code -->"""
    if skin == "a":
        return f"""{common}
<link rel="stylesheet" type="text/css" href="/assets/css/bootstrap.min.css" />
<link rel="stylesheet" type="text/css" href="/assets/css/font-awesome.min.css" />
<link rel="stylesheet" type="text/css" href="/assets/css/owl.carousel.min.css" />
<link rel="stylesheet" type="text/css" href="/assets/css/responsive.css?v=20240611" />
<style type="text/css">{css_rules(_CSS_A, "inakoran-css-a")}</style>
<script type="text/javascript" src="/assets/js/owl.carousel.min.js"></script>
<script type="text/javascript" src="/assets/js/jquery.lazyload.min.js"></script>"""
    return f"""<!-- This site is optimized with the Yoast SEO plugin v22.4 - https://yoast.com/wordpress/plugins/seo/ -->
{common}
<link rel="alternate" type="application/rss+xml" title="Inakoran &raquo; Feed" href="/feed/" />
<link rel="alternate" type="application/rss+xml" title="Inakoran &raquo; Umpan Komentar" href="/comments/feed/" />
<script>
window._wpemojiSettings = {{"baseUrl":"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/15.0.3\\/72x72\\/","ext":".png","svgUrl":"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/15.0.3\\/svg\\/","svgExt":".svg","source":{{"concatemoji":"\\/wp-includes\\/js\\/wp-emoji-release.min.js?ver=6.5.2"}}}};
/* emoji support probe (rewritten for the mirror) */
(function(win, doc, settings) {{
  var canvas = doc.createElement('canvas'), ctx = canvas.getContext && canvas.getContext('2d');
  function draws(a, b) {{ if (!ctx) return false; ctx.clearRect(0, 0, 16, 16); ctx.fillText(a, 0, 0); var x = canvas.toDataURL();
    ctx.clearRect(0, 0, 16, 16); ctx.fillText(b, 0, 0); return x !== canvas.toDataURL(); }}
  var support = {{ flag: draws('\\ud83c\\udde8\\ud83c\\uddf6', '\\ud83c\\udde8\\u200b\\ud83c\\uddf6'), emoji: draws('\\ud83d\\udc26\\u200d\\u2b1b', '\\ud83d\\udc26\\u200b\\u2b1b') }};
  settings.supports = support; settings.supports.everything = support.flag && support.emoji;
  if (!settings.supports.everything) {{ var s = doc.createElement('script'); s.src = settings.source.concatemoji; s.defer = true; doc.head.appendChild(s); }}
}})(window, document, window._wpemojiSettings);
</script>
<style id='wp-emoji-styles-inline-css'>
img.wp-smiley, img.emoji {{ display: inline !important; border: none !important; box-shadow: none !important; height: 1em !important; width: 1em !important; margin: 0 0.07em !important; vertical-align: -0.1em !important; background: none !important; padding: 0 !important; }}
</style>
<link rel='stylesheet' id='wp-block-library-css' href='/wp-includes/css/dist/block-library/style.min.css?ver=6.5.2' media='all' />
<style id='global-styles-inline-css'>
{_wp_global_styles()}
</style>
<link rel='stylesheet' id='jetpack_css-css' href='/wp-content/plugins/jetpack/css/jetpack.css?ver=13.3' media='all' />
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script src="/wp-includes/js/jquery/jquery-migrate.min.js?ver=3.4.1" id="jquery-migrate-js"></script>
<link rel="https://api.w.org/" href="/wp-json/" />
<link rel="EditURI" type="application/rsd+xml" title="RSD" href="/xmlrpc.php?rsd" />
<meta name="generator" content="WordPress 6.5.2" />"""


def _wp_global_styles() -> str:
    """WordPress's block-theme preset variables and helper classes (the standard shape, values synthetic)."""
    rng = random.Random("inakoran-wp-presets")
    colors = ["black", "cyan-bluish-gray", "white", "pale-pink", "vivid-red", "luminous-vivid-orange",
              "luminous-vivid-amber", "light-green-cyan", "vivid-green-cyan", "pale-cyan-blue", "vivid-cyan-blue",
              "vivid-purple", "merah-inakoran"]
    grads = ["vivid-cyan-blue-to-vivid-purple", "light-green-cyan-to-vivid-green-cyan",
             "luminous-vivid-amber-to-luminous-vivid-orange", "luminous-vivid-orange-to-vivid-red",
             "very-light-gray-to-cyan-bluish-gray", "cool-to-warm-spectrum", "blush-light-purple",
             "blush-bordeaux", "luminous-dusk", "pale-ocean", "electric-grass", "midnight"]
    sizes = {"small": "13px", "medium": "20px", "large": "36px", "x-large": "42px", "normal": "16px", "huge": "50px"}
    hexes = {c: "#%06x" % rng.randrange(0x1000000) for c in colors}
    var = [f"--wp--preset--color--{c}: {h};" for c, h in hexes.items()]
    var += [f"--wp--preset--gradient--{g}: linear-gradient({rng.randint(0, 359)}deg,rgba({rng.randint(0, 255)},"
            f"{rng.randint(0, 255)},{rng.randint(0, 255)},1) 0%,rgb({rng.randint(0, 255)},{rng.randint(0, 255)},"
            f"{rng.randint(0, 255)}) 100%);" for g in grads]
    var += [f"--wp--preset--font-size--{k}: {v};" for k, v in sizes.items()]
    var += [f"--wp--preset--spacing--{n}: {0.44 * 1.5 ** (n // 10 - 2):.2f}rem;" for n in range(20, 90, 10)]
    var += [f"--wp--preset--shadow--{k}: {rng.randint(1, 12)}px {rng.randint(1, 12)}px {rng.randint(2, 20)}px "
            f"rgba(0, 0, 0, 0.{rng.randint(1, 4)});" for k in ("natural", "deep", "sharp", "outlined", "crisp")]
    rules = ["body{" + "".join(var) + "}"]
    rules += [f".has-{c}-color{{color: var(--wp--preset--color--{c}) !important;}}" for c in colors]
    rules += [f".has-{c}-background-color{{background-color: var(--wp--preset--color--{c}) !important;}}" for c in colors]
    rules += [f".has-{g}-gradient-background{{background: var(--wp--preset--gradient--{g}) !important;}}" for g in grads]
    rules += [f".has-{k}-font-size{{font-size: var(--wp--preset--font-size--{k}) !important;}}" for k in sizes]
    rules += [":where(.is-layout-flex){gap: 0.5em;}:where(.is-layout-grid){gap: 0.5em;}"
              "body .is-layout-flex{display: flex;}.is-layout-flex{flex-wrap: wrap;align-items: center;}"
              ".wp-block-pullquote{font-size: 1.5em;line-height: 1.6;}"]
    return "\n".join(rules)


_CSS_A = [f"#{i}" for i in "wrapper header content kiri kanan footer menu topbar ticker".split()] + [f".{c}" for c in (
    "logo tanggal-hari-ini breadcrumb detail label-kategori judul penulis tanggal foto-utama keterangan isi share "
    "komentar fb-comments terpopuler terkini berita-item berita-thumb berita-info berita-kategori berita-judul "
    "berita-tanggal berita-ringkas pagination prev next current headline blok-kategori lihat-semua judul-blok "
    "daftar-berita indeks-link terkait terkait-item terkait-thumb terkait-judul iklan iklan-atas iklan-samping "
    "iklan-bawah ikon ikon-sprite sosial sosial-link topbar-links topbar-sosial ticker-label ticker-list "
    "footer-about footer-menu footer-jaringan footer-copy ke-atas menu-mobile menu-toggle cari cari-input "
    "widget widget-title share-fb share-tw share-wa share-tg share-line share-copy").split()]
_CSS_A += [f"{s} a" for s in _CSS_A[::9]]


@lru_cache(maxsize=None)
def _ad_zones(skin: str) -> Ballast:
    rng = random.Random("inakoran-zones-" + skin)
    names = ["leaderboard", "billboard", "sidebar-1", "sidebar-2", "sidebar-sticky", "in-article-1", "in-article-2",
             "footer", "mobile-top", "mobile-bottom", "interstitial", "skin-left", "skin-right"]
    entries = []
    for i in range(90):
        name = names[i % len(names)]
        zone = {"zone": rng.randint(100, 999), "name": f"{name}-{i // len(names)}", "slot": f"/22870000000/inakoran/{name}",
                "sizes": rng.choice([[[728, 90]], [[970, 250], [728, 90]], [[300, 250]], [[300, 600], [300, 250]],
                                     [[320, 100], [320, 50]]]),
                "lazy": rng.random() < 0.6, "refresh": rng.choice([0, 30, 60]),
                "fallback": f"/assets/img/iklan/{name}-{rng.randint(1, 40):02d}.jpg",
                "click": f"https://ads.inakoran.example/www/delivery/ck.php?zoneid={rng.randint(10, 99)}&cb={rng.randint(10**7, 10**8)}",
                "targeting": {"kanal": rng.sample(["nasional", "internasional", "ekonomi", "budaya", "olahraga",
                                                   "gaya-hidup"], rng.randint(1, 3)), "pos": rng.choice(["atas", "tengah", "bawah"])}}
        entries.append(json.dumps(zone, separators=(",", ":")))
    return Ballast(entries)


def ads_config(skin: str, key: str) -> str:
    """Page-dependent weight: the ad zone configuration, 2-55 zones chosen by `key` (the page path)."""
    return (f'<script type="text/javascript">\nvar inakoranAds = {{"network":"inakoran","lazyOffset":300,"zones":[\n'
            f'{_ad_zones(skin).sized(skin + key, 2, 55)}\n]}};\n</script>')


@lru_cache(maxsize=None)
def body_top(skin: str) -> str:
    """After <body>: GTM noscript, the icon sprite, the top bar (static pages, social) and the leaderboard."""
    duotone = ""
    if skin == "b":
        rng = random.Random("inakoran-duotone")
        duotone = "\n" + "\n".join(
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 0 0" width="0" height="0" focusable="false" '
            f'role="none" style="visibility: hidden; position: absolute; left: -9999px; overflow: hidden;"><defs>'
            f'<filter id="wp-duotone-{name}"><feColorMatrix color-interpolation-filters="sRGB" type="matrix" '
            f'values=" .299 .587 .114 0 0 .299 .587 .114 0 0 .299 .587 .114 0 0 .299 .587 .114 0 0 " />'
            f'<feComponentTransfer color-interpolation-filters="sRGB" >'
            f'<feFuncR type="table" tableValues="{rng.random():.4f} {rng.random():.4f}" />'
            f'<feFuncG type="table" tableValues="{rng.random():.4f} {rng.random():.4f}" />'
            f'<feFuncB type="table" tableValues="{rng.random():.4f} {rng.random():.4f}" />'
            f'<feFuncA type="table" tableValues="1 1" /></feComponentTransfer><feComposite in2="SourceGraphic" '
            f'operator="in" /></filter></defs></svg>'
            for name in ("dark-grayscale", "grayscale", "purple-yellow"))
    return f"""<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-MIRR0IN" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<noscript><img height="1" width="1" style="display:none" alt="" src="https://www.facebook.com/tr?id=000000000000001&amp;ev=PageView&amp;noscript=1" /></noscript>{duotone}
{SPRITE}
<div id="topbar">
<div class="topbar-links">{_info_links(" | ")}</div>
<div class="topbar-sosial">{_social_links("sosial-link", 16)}</div>
<form class="cari" action="/cari" method="get"><input class="cari-input" type="text" name="q" placeholder="Cari berita..." /><button type="submit" aria-label="Cari">{svg_icon("search", 16, "ikon")}</button></form>
</div>
<div class="iklan iklan-atas">
<ins class="adsbygoogle" style="display:inline-block;width:970px;height:90px" data-ad-client="ca-pub-0000000000000000" data-ad-slot="1000000001"></ins>
<script>(adsbygoogle = window.adsbygoogle || []).push({{}});</script>
</div>"""


def header(skin: str) -> str:
    return _header(skin)


@lru_cache(maxsize=None)
def _header(skin: str) -> str:
    links = "".join(f'<li><a href="/kategori/{slug}">{esc(name)}</a></li>' for slug, name in INA_SECTIONS.items())
    mobile = (f'<button class="menu-toggle" type="button" aria-label="Menu">{svg_icon("menu", 22, "ikon")}</button>\n'
              f'<nav class="menu-mobile" aria-hidden="true"><ul><li><a href="/">Beranda</a></li>{links}'
              f'<li><a href="/indeks">Indeks</a></li></ul><div class="sosial">{_social_links("sosial-link", 20)}</div></nav>')
    if skin == "a":
        return f"""<div id="header">
<div class="logo"><a href="/"><img src="/assets/img/logo.png" alt="Inakoran" /></a></div>
<div class="tanggal-hari-ini">Portal Berita Indonesia - Tiongkok</div>
<ul id="menu"><li><a href="/">Beranda</a></li>{links}<li><a href="/indeks">Indeks</a></li></ul>
{mobile}
</div>"""
    return f"""<a class="skip-link screen-reader-text" href="#primary">Langsung ke konten</a>
<header id="masthead" class="site-header">
<div class="site-branding"><p class="site-title"><a href="/" rel="home">Inakoran</a></p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu"><li class="menu-item"><a href="/">Beranda</a></li>{links.replace('<li>', '<li class="menu-item">')}<li class="menu-item"><a href="/indeks">Indeks</a></li></ul></nav>
{mobile}
</header>"""


def ticker(cat: Catalogue) -> str:
    """The "Breaking News" strip under the header: the five newest headlines."""
    items = "".join(f'<li><a href="{s.path}">{esc(s.title)}</a></li>' for s in cat.newest()[:5])
    return f'<div id="ticker"><span class="ticker-label">Breaking News</span><ul class="ticker-list">{items}</ul></div>'


def _thumb(story: Story, width: int, height: int) -> str:
    if story.photo is None:
        return f'<img src="/assets/img/no-image.png" width="{width}" height="{height}" alt="" />'
    return (f'<img class="lazy" src="/assets/img/blank.gif" data-original="{attr(story.photo.src)}" '
            f'width="{width}" height="{height}" alt="{attr(story.title)}" />')


def sidebar(cat: Catalogue, skin: str) -> str:
    newest = cat.newest()
    picks = [newest[i] for i in (2, 5, 7, 11, 16, 19, 23, 28) if i < len(newest)]
    items = "\n".join(f'<li><span class="nomor">{n}</span><a class="terpopuler-thumb" href="{s.path}">{_thumb(s, 90, 60)}</a>'
                      f'<a href="{s.path}">{esc(s.title)}</a></li>' for n, s in enumerate(picks, 1))
    latest = "\n".join(f'<li><a href="{s.path}">{esc(s.title)}</a></li>' for s in newest[:6])
    ad = ('<div class="iklan iklan-samping"><ins class="adsbygoogle" style="display:inline-block;width:300px;'
          'height:250px" data-ad-client="ca-pub-0000000000000000" data-ad-slot="100000000{n}"></ins>'
          '<script>(adsbygoogle = window.adsbygoogle || []).push({{}});</script></div>')
    follow = (f'<div class="ikuti"><h3>Ikuti Kami</h3><div class="sosial">{_social_links("sosial-link", 24)}</div>'
              '<iframe src="https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Finakoran'
              '&amp;tabs&amp;width=300&amp;height=130&amp;small_header=true" width="300" height="130" '
              'style="border:none;overflow:hidden" loading="lazy" title="Facebook"></iframe></div>')
    if skin == "a":
        return (f'<div id="kanan">\n{ad.format(n=2)}\n<div class="terpopuler">\n<h3>Terpopuler</h3>\n<ol>\n{items}\n</ol>\n'
                f'</div>\n<div class="terkini">\n<h3>Berita Terkini</h3>\n<ul>\n{latest}\n</ul>\n</div>\n'
                f'{ad.format(n=3)}\n{follow}\n</div>')
    return (f'<aside id="secondary" class="widget-area">{ad.format(n=2)}<section class="widget widget_terpopuler">'
            f'<h2 class="widget-title">Terpopuler</h2>\n<ol>\n{items}\n</ol></section>\n'
            f'<section class="widget widget_recent_entries"><h2 class="widget-title">Berita Terkini</h2>\n<ul>\n{latest}\n'
            f'</ul></section>\n{ad.format(n=3)}\n<section class="widget widget_ikuti">{follow}</section></aside>')


def related(cat: Catalogue, story: Story, skin: str) -> str:
    """"Berita Terkait" after the article: 4-8 other stories of the same section, newest first."""
    count = 4 + vary(f"terkait:{story.id}") % 5
    picks = [s for s in cat.newest(story.sections[0]) if s is not story][:count]
    if not picks:
        return ""
    rows = "\n".join(f'<div class="terkait-item"><a class="terkait-thumb" href="{s.path}">{_thumb(s, 200, 130)}</a>'
                     f'<a class="terkait-judul" href="{s.path}">{esc(s.title)}</a></div>' for s in picks)
    if skin == "a":
        return f'<div class="terkait">\n<h3>Berita Terkait</h3>\n{rows}\n</div>'
    return (f'<div id="jp-relatedposts" class="jp-relatedposts">\n<h3 class="jp-relatedposts-headline">'
            f'<em>Berita Terkait</em></h3>\n{rows}\n</div>')


def share(url: str, title: str) -> str:
    q_url, q_title = quote(url, safe=""), quote(title, safe="")
    return (f'<a class="share-fb" href="https://www.facebook.com/sharer/sharer.php?u={attr(url)}">{svg_icon("facebook", 16, "ikon")}Facebook</a> '
            f'<a class="share-tw" href="https://twitter.com/intent/tweet?url={attr(url)}&amp;text={attr(title)}">{svg_icon("twitter", 16, "ikon")}Twitter</a> '
            f'<a class="share-wa" href="https://api.whatsapp.com/send?text={attr(url)}">{svg_icon("whatsapp", 16, "ikon")}WhatsApp</a> '
            f'<a class="share-tg" href="https://t.me/share/url?url={q_url}&amp;text={q_title}">{svg_icon("telegram", 16, "ikon")}Telegram</a> '
            f'<a class="share-line" href="https://social-plugins.line.me/lineit/share?url={q_url}">{svg_icon("line", 16, "ikon")}LINE</a>')


@lru_cache(maxsize=None)
def footer(skin: str) -> str:
    sections = "".join(f'<li><a href="/kategori/{slug}">{esc(name)}</a></li>' for slug, name in INA_SECTIONS.items())
    info = "".join(f'<li><a href="/{slug}">{esc(name)}</a></li>' for slug, name in INFO_PAGES.items())
    network = "".join(f'<li><a href="{href}" target="_blank" rel="noopener">{esc(name)}</a></li>' for href, name in NETWORK)
    links = ('<a href="/indeks">Indeks Berita</a> | <a href="/sitemap.xml">Sitemap</a> | '
             '<a href="/ina/login">Login Redaksi</a>')
    about = ("Inakoran.com adalah portal berita berbahasa Indonesia yang menyajikan kabar seputar hubungan Indonesia "
             "dan Tiongkok, ekonomi, budaya, olahraga dan gaya hidup, dikelola oleh tim redaksi di Jakarta.")
    scripts = f"""<a class="ke-atas" href="#wrapper" aria-label="Kembali ke atas">{svg_icon("arrow-up", 20, "ikon")}</a>
<div class="iklan iklan-bawah iklan-sticky">
<ins class="adsbygoogle" style="display:inline-block;width:728px;height:90px" data-ad-client="ca-pub-0000000000000000" data-ad-slot="1000000009"></ins>
<script>(adsbygoogle = window.adsbygoogle || []).push({{}});</script>
</div>
<!-- Histats.com START (aync)-->
<script type="text/javascript">var _Hasync= _Hasync|| [];
_Hasync.push(['Histats.start', '1,4000000,4,0,0,0,00010000']);
_Hasync.push(['Histats.fasi', '1']);
_Hasync.push(['Histats.track_hits', '']);
(function() {{
var hs = document.createElement('script'); hs.type = 'text/javascript'; hs.async = true;
hs.src = ('//s10.histats.com/js15_as.js');
(document.getElementsByTagName('head')[0] || document.getElementsByTagName('body')[0]).appendChild(hs);
}})();</script>
<noscript><a href="/" target="_blank"><img src="//sstatic1.histats.com/0.gif?4000000&amp;101" alt="" border="0" /></a></noscript>
<!-- Histats.com END -->
<script type="text/javascript">
(function () {{
  var toggle = document.querySelector('.menu-toggle'), menu = document.querySelector('.menu-mobile');
  if (toggle && menu) toggle.addEventListener('click', function () {{ menu.setAttribute('aria-hidden', menu.getAttribute('aria-hidden') === 'true' ? 'false' : 'true'); }});
  var up = document.querySelector('.ke-atas');
  window.addEventListener('scroll', function () {{ if (up) up.style.display = window.scrollY > 600 ? 'block' : 'none'; }});
  if (window.jQuery && jQuery.fn.lazyload) jQuery('img.lazy').lazyload({{ effect: 'fadeIn', threshold: 200 }});
  if (window.jQuery && jQuery.fn.owlCarousel) jQuery('#ticker .ticker-list').owlCarousel({{ items: 1, loop: true, autoplay: true, autoplayTimeout: 4000, dots: false }});
}})();
</script>"""
    if skin == "a":
        return f"""<div id="footer">
<div class="footer-about"><img src="/assets/img/logo-putih.png" alt="Inakoran" /><p>{about}</p><div class="sosial">{_social_links("sosial-link", 22)}</div></div>
<div class="footer-menu"><h4>Kanal</h4><ul>{sections}</ul></div>
<div class="footer-menu"><h4>Informasi</h4><ul>{info}</ul></div>
<div class="footer-jaringan"><h4>Jaringan</h4><ul>{network}</ul></div>
<p>{links}</p>
<p class="footer-copy">&copy; 2024 Inakoran.com. All rights reserved.</p>
</div>
{scripts}
<script type="text/javascript" src="/assets/js/bootstrap.bundle.min.js"></script>
<script type="text/javascript" src="/assets/js/main.js?v=20240611"></script>"""
    return f"""<footer id="colophon" class="site-footer">
<div class="footer-widgets">
<section class="widget widget_text"><div class="textwidget"><p>{about}</p></div><div class="sosial">{_social_links("sosial-link", 22)}</div></section>
<section class="widget widget_nav_menu"><h2 class="widget-title">Kanal</h2><ul class="menu">{sections}</ul></section>
<section class="widget widget_nav_menu"><h2 class="widget-title">Informasi</h2><ul class="menu">{info}</ul></section>
<section class="widget widget_nav_menu"><h2 class="widget-title">Jaringan</h2><ul class="menu">{network}</ul></section>
</div>
<div class="site-info">{links}<br />&copy; 2024 Inakoran</div></footer>
{scripts}
<script src="/wp-content/themes/inakoran/js/navigation.js?ver=1.4" id="inakoran-navigation-js"></script>
<script src="/wp-content/plugins/jetpack/_inc/build/sharedaddy/sharing.min.js?ver=13.3" id="sharing-js-js" defer></script>
<script src="https://stats.wp.com/e-202440.js" id="jetpack-stats-js" defer></script>
<script id="jetpack-stats-js-after">
_stq = window._stq || [];
_stq.push([ "view", JSON.parse("{{\\"v\\":\\"ext\\",\\"blog\\":\\"200000000\\",\\"post\\":\\"0\\",\\"tz\\":\\"7\\",\\"srv\\":\\"inakoran.com\\",\\"j\\":\\"1:13.3\\"}}") ]);
_stq.push([ "clickTrackerInit", "200000000", "0" ]);
</script>"""


def item(story: Story) -> str:
    section = story.sections[0]
    thumb = (f'<a class="berita-thumb" href="{story.path}"><img src="{attr(story.photo.src)}" alt="" /></a>\n'
             if story.photo else "")
    summary = story.paragraphs[0][:140].rsplit(" ", 1)[0]
    return f"""<div class="berita-item">
{thumb}<div class="berita-info">
<span class="berita-kategori"><a href="/kategori/{section}">{esc(INA_SECTIONS[section])}</a></span>
<h2 class="berita-judul"><a href="{story.path}">{esc(story.title)}</a></h2>
<span class="berita-tanggal">{ina_dateline(story.published, story.flags.get("hari", False))}</span>
<p class="berita-ringkas">{esc(summary)} ...</p>
</div>
</div>"""


def query_pagination(path: str, page: int, last: int) -> str:
    """`/kategori/<slug>?page=N` style."""
    if last <= 1:
        return ""
    parts = [f'<a class="prev" href="{path}?page={page - 1}">&laquo; Sebelumnya</a>'] if page > 1 else []
    for n in pagination_window(page, last, 7):
        parts.append(f'<span class="current">{n}</span>' if n == page else f'<a href="{path}?page={n}">{n}</a>')
    if page < last:
        parts.append(f'<a class="next" href="{path}?page={page + 1}">Berikutnya &raquo;</a>')
    return '<div class="pagination">' + " ".join(parts) + "</div>"


def path_pagination(prefix: str, page: int, last: int) -> str:
    """`/indeks/page/N` style (WordPress paginate_links)."""
    if last <= 1:
        return ""

    def href(n: int) -> str:
        return prefix if n == 1 else f"{prefix}/page/{n}"
    parts = [f'<a class="prev page-numbers" href="{href(page - 1)}">Sebelumnya</a>'] if page > 1 else []
    for n in pagination_window(page, last, 7):
        parts.append(f'<span aria-current="page" class="page-numbers current">{n}</span>' if n == page
                     else f'<a class="page-numbers" href="{href(n)}">{n}</a>')
    if page < last:
        parts.append(f'<a class="next page-numbers" href="{href(page + 1)}">Selanjutnya</a>')
    return '<nav class="navigation pagination"><div class="nav-links">' + "\n".join(parts) + "</div></nav>"

"""Kyodo page chrome shared by the list and article renderers: head, header nav, footer, list items.

The head carries the real page's weight (consent loader, resource hints, critical CSS, GPT slot definitions
`JapanWire_PC_<skin>_*`, GTM, a Prebid-style `#mw-ad-config` JSON sized per path), the body an SVG sprite, a
drawer menu and a big footer. Fixed parts are rendered once per process (`lru_cache` / module constants).
None of it uses a class token the Kyodo parser keys on (article-*, login-signage, credit, m-article-item...)."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from mirror.content import KYODO_CDN, Story
from mirror.timefmt import kyodo_attr, kyodo_relative
from mirror.pages import attr, esc, json_ld, pagination_window
from mirror.weight import Ballast, css_rules, prebid_units, svg_icon, svg_sprite

SITE_NAME = "Japan Wire by Kyodo News"
PER_PAGE = 20
RD = "?rd=202609031611"
AVATAR = {"kyodo_news": "/mwimgs/7/2/-/img_727acdf405521b5840c6a46ca2e266d649734.png",
          "apnews": "/mwimgs/c/5/-/img_c5d91330ec05db774a347628d6c42128125107.png"}
NAV = [("/list/news", "Latest"), ("/list/news/japan", "Japan"), ("/list/partners/spotlightjapan", "Spotlight"),
       ("/list/news/travel-tourism", "Travel/Tourism"), ("/list/news/world", "World"),
       ("/list/news/\tasian-games", "Asian Games"), ("/list/news/sumo", "Sumo"), ("/list/news/feature", "Feature"),
       ("/list/news/arts", "Arts"), ("/list/news/podcast", "Podcast"), ("/list/info/about", "About us")]
EXPIRED_SIGNAGE = """      <div class="login-signage">
  <p class="login-signage__headline">Sorry. This article is no longer available.</p>
  <div class="login-signage__inner">
    <p class="login-signage__text">Sorry, this article was first published more than three months ago and is temporarily unavailable.</p>
    <p class="login-signage__text">Once the upcoming introduction of a paid membership system is fully operational, paid members will have access to all our stories.</p>
    <hr>
    <p class="login-signage__headline2">Free Membership Provides</p>
    <p class="login-signage__text">
      Newsletter from Editorial Team and access to archive articles from past three months.
    </p>
    <div class="login-signage__button-wrap">
    <a href="https://member.kyodonews.net/service/regist/" class="login-signage__button --subscribe" target="_blank">Create account</a>
    </div>
  </div>
</div>
"""


def img_size(h_src: str, size: str) -> str:
    return h_src.replace("/635m/", f"/{size}/").replace("/635mw/", f"/{size}/")


def head(base: str, path: str, title: str, desc: str, css: str, og_image: str, extra: str = "",
         snippet: bool = False, targeting: dict | None = None) -> str:
    """The page top through the opening of `div.l-wrap` and the header. `css` is the skin (leafs = article
    and photo pages, list, top); page weight (the ad configuration) varies with `path`."""
    url = base + path
    static = _head_static(css)
    target = {"skin": css, "path": path[:80], **(targeting or {})}
    target_js = "".join(f"\n    googletag.pubads().setTargeting('{k}', {json.dumps(str(v))});"
                        for k, v in target.items())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta http-equiv="X-UA-Compatible" content="IE=edge"/>
<title>{esc(title)}</title>
<meta name="apple-mobile-web-app-title" content=" {SITE_NAME}">
<meta name="description" content="{attr(desc)}">
<link rel="shortcut icon" href="{KYODO_CDN}/common/images/favicon.ico" />
<link rel="apple-touch-icon" href="{KYODO_CDN}/common/images/apple-touch-icon-180x180.png">
<meta name="robots" content="noarchive" /> 
<meta name="application-name" content="{SITE_NAME}" />
<meta name="author" content="" />
<meta property="og:url" content="{attr(url)}" />
<meta property="og:type" content="article" />
<meta property="og:title" content="{attr(title)}" />
<meta property="og:description" content="{attr(desc)}" />
<meta property="og:image" content="{attr(og_image)}" />
<meta property="og:site_name" content="{SITE_NAME}" />
<meta property="og:locale" content="en_US" />
<meta name="twitter:site" content="@kyodo_english" />
<meta name="twitter:card" content="summary_large_image" />
<meta name="robots" content="max-image-preview:large">
{'  <meta name="robots" content="max-snippet:120">' if snippet else ''}
{static[0]}<link rel="canonical" href="{attr(url)}">
{static[1]}
<script>
  window.googletag = window.googletag || {{cmd: []}};
  var google_interstitial_slot;
  googletag.cmd.push(function() {{
{static[2]}{target_js}
    googletag.pubads().enableSingleRequest();
    googletag.pubads().collapseEmptyDivs();
    googletag.enableServices();
  }});
</script>
{static[3]}
<script id="mw-ad-config" type="application/json">
{{"version":"{RD[4:]}","skin":"{css}","timeoutMs":1200,"units":[
{_ad_units(css).sized(css + path, 1, 75)}
]}}
</script>{extra}
</head><body>
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-WDJ9QGW" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
{ICON_SPRITE}
  <div class="l-wrap">
{header(base, url)}"""


_SLOTS = [  # (slot name suffix, sizes, div id)
    ("overlay", [[970, 90], [728, 90]], "div-gpt-ad-1752560912116-0"),
    ("top_banner", [728, 90], "div-gpt-ad-1752487595835-0"),
    ("rectangle_1", [[300, 250], [300, 600]], "div-gpt-ad-1752487557881-0"),
    ("rectangle_below", [[300, 250], [336, 280]], "div-gpt-ad-1752487419594-0"),
    ("rectangle_2", [[300, 250]], "div-gpt-ad-1752487633402-0"),
    ("infeed_1", [[640, 360], "fluid"], "div-gpt-ad-1752487701154-0"),
    ("infeed_2", [[640, 360], "fluid"], "div-gpt-ad-1752487718630-0"),
    ("more_1", [[728, 90], [970, 250]], "div-gpt-ad-1752487752276-0"),
    ("footer_banner", [[970, 250], [728, 90]], "div-gpt-ad-1752487790018-0"),
    ("side_sticky", [[300, 600], [160, 600]], "div-gpt-ad-1752487811745-0"),
]
_GPT_PREFIX = "/23213571525,21751293123/"
_SKIN_SLOT = {"leafs": "JapanWire_PC_article_", "list": "JapanWire_PC_list_", "top": "JapanWire_PC_top_"}


@lru_cache(maxsize=None)
def _head_static(css: str) -> tuple[str, str, str, str]:
    """The head's fixed parts for one skin, rendered once: consent loader, resource hints and the critical
    CSS; GPT slot definitions; the theme script, dataLayer and GTM."""
    consent = """<!-- STRIGHT ONE Tag Auto Control Script Start -->
<script type="text/javascript" src="https://cdn01.stright.bizris.com/js/cookie_consent_block.js" charset="UTF-8" data-site-id="SIT-00000000-mirror"></script>
<!-- STRIGHT ONE Tag Auto Control Script End -->
<!-- STRIGHT ONE Banner Script Start -->
<script type="module" src="https://cdn01.stright.bizris.com/js/cookie_consent_setting.js?banner_type=banner" charset="UTF-8" data-site-id="SIT-00000000-mirror"></script>
<!-- STRIGHT ONE Banner Script End -->
"""
    hosts = ["https://www.google-analytics.com", "https://www.googletagmanager.com", "https://fonts.googleapis.com",
             "https://fonts.gstatic.com", "https://securepubads.g.doubleclick.net", "https://cdn01.stright.bizris.com",
             KYODO_CDN, "https://tpc.googlesyndication.com", "https://omny.fm"]
    hints = "\n".join(f'<link rel="preconnect" href="{h}" crossorigin>' for h in hosts) + "\n"
    hints += "\n".join(f'<link rel="dns-prefetch" href="{h}">' for h in hosts[:6]) + "\n"
    # the one web font the skins' common.css loads (mirror/styles.py), preloaded by the URL the CSS names
    hints += (f'<link rel="preload" as="font" type="font/ttf" crossorigin '
              f'href="{KYODO_CDN}/resources/kyodonews/fonts/Aileron-Regular.ttf">\n')
    hints += (f'<link rel="preload" as="image" href="{KYODO_CDN}/common/images/logo.svg">\n'
              f'<link rel="preload" as="script" href="{KYODO_CDN}/resources/prod/kyodonews/js/pc/{css}.prod.js{RD}">\n'
              '<link rel="preload" as="style" href="https://fonts.googleapis.com/css2?family=Open+Sans:wght@300..800&display=swap">\n'
              '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Open+Sans:wght@300..800&display=swap"\n'
              '  media="print" onload="this.media=\'all\'; this.onload=null;">\n'
              f'  <link rel="stylesheet"\n    href="{KYODO_CDN}/resources/kyodonews/css/pc/{css}.css{RD}" />\n'
              f'<style id="critical-css">{css_rules(_CSS_SELECTORS, "kyodo-css-" + css)}</style>\n'
              '<script async="async" src="https://securepubads.g.doubleclick.net/tag/js/gpt.js"></script>')
    prefix = _GPT_PREFIX + _SKIN_SLOT.get(css, "JapanWire_PC_article_")
    lines = []
    for name, sizes, div in _SLOTS:
        mapping = (f"googletag.sizeMapping().addSize([1200, 0], {json.dumps(sizes)})"
                   f".addSize([768, 0], [[728, 90], [300, 250]]).addSize([0, 0], []).build()")
        lines.append(f"    googletag.defineSlot('{prefix}{name}', {json.dumps(sizes)}, '{div}')"
                     f".defineSizeMapping({mapping}).addService(googletag.pubads());")
    lines.append(f"    google_interstitial_slot = googletag.defineOutOfPageSlot('{prefix}interstitial', "
                 "googletag.enums.OutOfPageFormat.INTERSTITIAL);\n"
                 "    if (google_interstitial_slot) { google_interstitial_slot.addService(googletag.pubads()); }")
    gpt = "\n".join(lines)
    tail = f"""<script src="{KYODO_CDN}/resources/prod/kyodonews/js/pc/{css}.prod.js{RD}" defer></script>
<!-- Google Tag Manager -->
<script>
  window.dataLayer = window.dataLayer || [];
  dataLayer = [{{
    'media': "mediaweaver",
    'skin': "{css}/default",
  }}];
</script>
<!-- Google Tag Manager -->
<script>
  (function(w,d,s,l,i){{w[l]=w[l]||[];w[l].push({{'gtm.start':
  new Date().getTime(),event:'gtm.js'}});var f=d.getElementsByTagName(s)[0],
  j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
  'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
  }})(window,document,'script','dataLayer','GTM-WDJ9QGW');
</script>
<!-- End Google Tag Manager -->"""
    return consent, hints, gpt, tail


@lru_cache(maxsize=None)
def _ad_units(css: str) -> Ballast:
    prefix = _GPT_PREFIX + _SKIN_SLOT.get(css, "JapanWire_PC_article_")
    slots = [(div, name, sizes if isinstance(sizes[0], list) else [sizes]) for name, sizes, div in _SLOTS]
    return Ballast(prebid_units(prefix, slots, 75, "kyodo-prebid-" + css))


_CSS_SELECTORS = [f".{c}" for c in (
    "l-wrap l-content l-main l-article l-side g-header g-header__inner g-header-top g-header-top__inner "
    "g-header-info g-header-sns g-header-sns__list g-header-sns__item g-header-sns__link g-header-sns__img "
    "g-header-info__nav g-header-logo g-header-logo__link g-header-logo__img g-header-login "
    "g-header-login__button g-header-bottom g-header-nav g-header-nav__list g-header-nav__item "
    "g-header-nav__link g-drawer g-drawer__inner g-drawer__head g-drawer__close g-drawer-nav g-drawer-nav__ttl "
    "g-drawer-nav__list g-drawer-nav__item g-drawer-nav__link g-footer g-footer__inner g-footer-nav "
    "g-footer-nav__list g-footer-nav__item g-footer-nav__link g-footer-copy g-footer-cols g-footer-col "
    "g-footer-col__ttl g-footer-col__list g-footer-col__link g-footer-sns g-footer-sns__link g-footer-note "
    "g-ad-overlay g-ad-full-banner g-ad-rectangle g-ad-rectangle-below g-ad-infeed m-article m-article-item "
    "m-article-item__link m-article-item__img m-article-item__content m-article-item-ttl "
    "m-article-item-ttl__link m-article-info m-article-info__time m-article-info__link m-article-info__photo "
    "m-pagination m-pagination__item m-pagination__link m-photo-wrap m-photo-list m-photo-list__item "
    "c-heading__ttl c-more c-more__link u-mb-60 article-ttl article-header article-header-wrap "
    "article-header-info article-header-info__inner article-header-info__img article-header-info__author "
    "article-header-info__link article-header-info__meta article-header-info__time article-header-cate__link "
    "article-header-img article-header-img-main article-header-img__gallery article-sns article-sns__link "
    "article-sns__img article-body article-body__inner article-body-bottom related-item related-item__link "
    "article-footer article-footer-info article-popular article-popular-wrap article-popular__box "
    "article-popular__cover article-popular__img article-popular-ttl article-popular-ttl__link "
    "article-popular-info article-v-wrap article-v article-more-content login-signage login-signage__button "
    "paywalled-content newsletter-box newsletter-box__ttl newsletter-box__text newsletter-box__button "
    "top-news-wrap top-news-main top-news-sub top-news-sub__item js-header js-drawer").split()]
_CSS_SELECTORS = _CSS_SELECTORS[::2] + [f"{s}:hover" for s in _CSS_SELECTORS[1::12]]

ICON_NAMES = ["facebook", "x", "rss", "search", "menu", "close", "clip", "line", "mail", "chevron-right",
              "chevron-down", "arrow-up", "photo", "play", "podcast", "user", "bell", "external", "youtube",
              "instagram", "linkedin", "threads", "share", "bookmark"]
ICON_SPRITE = svg_sprite(ICON_NAMES, "kyodo-icons", cls="g-sprite")


def header(base: str, url: str) -> str:
    items = "\n".join(
        f'          <li class="g-header-nav__item">\n            <a class="g-header-nav__link js-header-nav-link" '
        f'href="{href}">{esc(name)}</a>\n          </li>' for href, name in NAV)
    return f"""<header class="g-header js-header">
  <div class="g-header__inner">
    <div class="g-header-top">
      <div class="g-header-top__inner">
        <div class="g-header-info">
          <div class="g-header-sns">
            <ul class="g-header-sns__list">
              <li class="g-header-sns__item --fb"><a class="g-header-sns__link" href="https://www.facebook.com/pg/kyodoenglish/" target="_blank"><img class="g-header-sns__img" src="{KYODO_CDN}/common/images/icons/icon_facebook.svg" width="12" height="21" loading="eager" alt="Facebook"></a></li>
              <li class="g-header-sns__item --x"><a class="g-header-sns__link" href="https://x.com/kyodo_english" target="_blank"><img class="g-header-sns__img" src="{KYODO_CDN}/common/images/icons/icon_x-white.svg" width="20" height="21" loading="eager" alt="X"></a></li>
              <li class="g-header-sns__item --rss"><a class="g-header-sns__link" href="/list/feed/rss4kyodonews-fzone"><img class="g-header-sns__img" src="{KYODO_CDN}/common/images/icons/icon_rss.svg" width="17" height="21" loading="eager" alt="rss"></a></li>
            </ul>
          </div>
          <div class="g-header-info__nav">
            <ul class="g-header-info__list">
              <li class="g-header-info__item --search"><a class="g-header-info__link" href="/list/search"><img class="g-header-info__img" src="{KYODO_CDN}/common/images/icons/icon_search.svg" width="20" height="21" loading="eager" alt="search"></a></li>
            </ul>
          </div>
        </div>
        <div class="g-header-logo">
          <a class="g-header-logo__link" href="/">
            <img class="g-header-logo__img" src="{KYODO_CDN}/common/images/logo.svg" width="180" height="60" loading="eager" alt="KYODO NEWS">
          </a>
        </div>
        <div class="g-header-login">
          <a href="https://member.kyodonews.net/service/regist/" class="g-header-login__button --subscribe" target="_blank">CREATE ACCOUNT</a>
          <a href="{attr(base)}/auth/login?return_to={attr(url)}" class="g-header-login__button --login">LOG IN</a>
        </div>
      </div>
    </div>
    <div class="g-header-bottom js-header-bottom">
      <nav class="g-header-nav">
        <ul class="g-header-nav__list">
{items}
        </ul>
      </nav>
    </div>
  </div>
{DRAWER}
</header>
"""


PARTNER_NAV = [("/list/partners/kyodo_news", "Kyodo News"), ("/list/partners/apnews", "AP News"),
               ("/list/partners/reuters", "Reuters"), ("/list/partners/yonhap", "Yonhap"),
               ("/list/partners/animate", "Animate Times"), ("/list/partners/spotlightjapan", "Spotlight")]
SERVICE_NAV = [("https://member.kyodonews.net/service/regist/", "Create a free account"),
               ("https://member.kyodonews.net/service/login/", "Member login"),
               ("https://www.kyodonews.jp/english/", "Kyodo News Digital"),
               ("https://www.kyodonews.jp/english/news/newsletter.html", "Newsletters"),
               ("https://www.kyodonews.jp/english/contact/", "Advertise with us"),
               ("https://www.kyodonews.jp/english/contact/", "Content licensing"),
               ("https://kyodonewsimages.jp/en/", "Kyodo News Images"),
               ("https://www.kyodonews.jp/english/jobs/", "Careers")]
SOCIAL_NAV = [("https://www.facebook.com/kyodoenglish/", "Facebook", "facebook"),
              ("https://x.com/kyodo_english", "X", "x"),
              ("https://www.youtube.com/@KyodoNewsEnglish", "YouTube", "youtube"),
              ("https://www.instagram.com/kyodo_english/", "Instagram", "instagram"),
              ("https://www.linkedin.com/company/kyodo-news/", "LinkedIn", "linkedin"),
              ("https://www.threads.net/@kyodo_english", "Threads", "threads"),
              ("/list/feed/rss4kyodonews-fzone", "RSS", "rss")]
GROUP_NAV = [("https://www.kyodo.co.jp/", "Kyodo News (Japanese)"), ("https://china.kyodonews.net/", "Kyodo News (Chinese)"),
             ("https://tchina.kyodonews.net/", "Kyodo News (Traditional Chinese)"),
             ("https://korea.kyodonews.net/", "Kyodo News (Korean)"), ("https://www.47news.jp/", "47NEWS"),
             ("https://www.kyodo-d.jp/", "Kyodo News Digital"), ("https://www.kyodonews.jp/", "Kyodo News Group")]


def _drawer_group(title: str, links: list, cls: str = "g-drawer-nav") -> str:
    rows = []
    for link in links:
        external = link[0].startswith("http")
        target = ' target="_blank" rel="noopener"' if external else ""
        icon = svg_icon(link[2], 16, "g-icon") if len(link) > 2 else ""
        tail = svg_icon("external", 12, "g-icon") if external and not icon else ""
        rows.append(f'          <li class="{cls}__item"><a class="{cls}__link" href="{attr(link[0])}"{target}>'
                    f'{icon}{esc(link[1])}{tail}</a></li>')
    return (f'      <div class="{cls}__group">\n        <p class="{cls}__ttl">{esc(title)}'
            f'{svg_icon("chevron-down", 14, "g-icon")}</p>\n        <ul class="{cls}__list">\n' + "\n".join(rows)
            + '\n        </ul>\n      </div>')


DRAWER = f"""  <button class="g-header-menu js-drawer-open" type="button" aria-label="Menu">{svg_icon("menu", 24, "g-icon")}</button>
  <div class="g-drawer js-drawer" aria-hidden="true">
    <div class="g-drawer__inner">
      <div class="g-drawer__head">
        <a class="g-drawer__logo" href="/"><img src="{KYODO_CDN}/common/images/logo.svg" width="120" height="40" loading="lazy" alt="KYODO NEWS"></a>
        <button class="g-drawer__close js-drawer-close" type="button" aria-label="Close">{svg_icon("close", 24, "g-icon")}</button>
      </div>
      <form class="g-drawer-search" action="/list/search" method="get">
        <input class="g-drawer-search__input" type="search" name="fulltext" placeholder="Search" aria-label="Search">
        <button class="g-drawer-search__button" type="submit" aria-label="Search">{svg_icon("search", 18, "g-icon")}</button>
      </form>
      <nav class="g-drawer-nav">
{_drawer_group("News", [(h.replace(chr(9), ""), n) for h, n in NAV])}
{_drawer_group("Partners", PARTNER_NAV)}
{_drawer_group("Services", SERVICE_NAV)}
{_drawer_group("Follow us", SOCIAL_NAV)}
{_drawer_group("Kyodo News group", GROUP_NAV)}
      </nav>
    </div>
  </div>"""


def _footer_col(title: str, links: list) -> str:
    rows = "\n".join(f'          <li class="g-footer-col__item"><a class="g-footer-col__link" href="{attr(link[0])}">'
                     f'{esc(link[1])}</a></li>' for link in links)
    return (f'      <div class="g-footer-col">\n        <p class="g-footer-col__ttl">{esc(title)}</p>\n'
            f'        <ul class="g-footer-col__list">\n{rows}\n        </ul>\n      </div>')


FOOTER = f"""<div class="g-ad-footer-banner">
<div id='div-gpt-ad-1752487790018-0' style='min-width: 728px; min-height: 90px;'>
  <script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1752487790018-0'); }});</script>
</div>
</div>
<footer class="g-footer">
  <div class="g-footer__inner">
    <div class="g-footer-logo"><a href="/"><img src="{KYODO_CDN}/common/images/logo_white.svg" width="160" height="52" loading="lazy" alt="KYODO NEWS"></a></div>
    <div class="g-footer-cols">
{_footer_col("News", [(h.replace(chr(9), ""), n) for h, n in NAV[:-1]])}
{_footer_col("Partners", PARTNER_NAV)}
{_footer_col("Services", SERVICE_NAV)}
{_footer_col("Kyodo News group", GROUP_NAV)}
    </div>
    <div class="g-footer-sns">
{chr(10).join(f'      <a class="g-footer-sns__link --{icon}" href="{attr(href)}" aria-label="{name}">{svg_icon(icon, 22, "g-icon")}</a>' for href, name, icon in SOCIAL_NAV)}
    </div>
    <div class="g-footer-nav">
      <ul class="g-footer-nav__list">
        <li class="g-footer-nav__item"><a class="g-footer-nav__link" href="/list/info/about">About Us</a></li>
        <li class="g-footer-nav__item"><a class="g-footer-nav__link" href="/list/info/privacypolicy">Privacy Policy</a></li>
        <li class="g-footer-nav__item"><a class="g-footer-nav__link" href="/list/info/copyright">Copyright</a></li>
        <li class="g-footer-nav__item"><a class="g-footer-nav__link" href="/list/info/contact">Contact</a></li>
        <li class="g-footer-nav__item"><a class="g-footer-nav__link" href="/list/info/terms">Terms of Use</a></li>
        <li class="g-footer-nav__item"><a class="g-footer-nav__link" href="/list/info/cookie">Cookie Policy</a></li>
        <li class="g-footer-nav__item"><a class="g-footer-nav__link js-consent-open" href="#">Cookie Settings</a></li>
      </ul>
    </div>
    <p class="g-footer-note">All content on this site is the property of Kyodo News or its partners and is protected by copyright. Reproduction, redistribution or use of any content for training or otherwise, without prior written permission, is prohibited.</p>
    <small class="g-footer-copy">&copy; Kyodo News.</small>
  </div>
  <button class="g-pagetop js-pagetop" type="button" aria-label="Back to top">{svg_icon("arrow-up", 20, "g-icon")}</button>
</footer>
<div class="g-ad-overlay">
  <div id="gStickyAd"><div id="gCloseButton">×</div>
    <div id='div-gpt-ad-1752560912116-0' style='min-width: 728px; min-height: 90px;'>
      <script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1752560912116-0'); }});</script>
    </div>
  </div>
</div>
<script>
  (function () {{
    var open = document.querySelector('.js-drawer-open'), drawer = document.querySelector('.js-drawer');
    if (open && drawer) {{ open.addEventListener('click', function () {{ drawer.setAttribute('aria-hidden', 'false'); }}); }}
    var close = document.querySelector('.js-drawer-close');
    if (close && drawer) {{ close.addEventListener('click', function () {{ drawer.setAttribute('aria-hidden', 'true'); }}); }}
    var top = document.querySelector('.js-pagetop');
    if (top) {{ top.addEventListener('click', function () {{ window.scrollTo({{top: 0, behavior: 'smooth'}}); }}); }}
    var sticky = document.getElementById('gCloseButton');
    if (sticky) {{ sticky.addEventListener('click', function () {{ document.getElementById('gStickyAd').style.display = 'none'; }}); }}
  }})();
</script>
  </div>
</body>
</html>"""


def thumb(story: Story, size: str, width: int, height: int, cls: str) -> str:
    src = img_size(story.photo.src, size) if story.photo else f"{KYODO_CDN}/common/images/noimage.png"
    alt = story.title + ("<br />" if story.title_br else "")
    return (f'<img src="{attr(src)}" loading="lazy" width="{width}" height="{height}" class="{cls}" '
            f'alt="{attr(alt)}">')


def item(story: Story, now: datetime) -> str:
    title = esc(story.title) + ("<br />" if story.title_br else "")
    photo = (f'\n        <a class="m-article-info__photo" href="/articles/photo/{story.id}" aria-label="Photos"></a>'
             if story.photo else "")
    return f"""<div class="m-article">
  <article class="m-article-item">
    <a class="m-article-item__link" href="{story.path}">
      {thumb(story, '255m', 255, 130, 'm-article-item__img')}
    </a>
    <div class="m-article-item__content">
      <h3 class="m-article-item-ttl">
        <a class="m-article-item-ttl__link" href="{story.path}">
          {title}
        </a>
      </h3>
      <div class="m-article-info">
        <time class="m-article-info__time" datetime="{kyodo_attr(story.published)}">{kyodo_relative(story.published, now)}</time>
        <a class="m-article-info__link" href="/list/partners/{story.partner}">{esc(story.credit)}</a>{photo}
      </div>
    </div>
  </article>
</div>"""


def items_section(stories: list[Story], now: datetime) -> str:
    return '<section class="m-article-wrap u-mb-60">\n' + "\n".join(item(s, now) for s in stories) + "\n</section>"


def pagination(path: str, page: int, last: int) -> str:
    if last <= 1:
        return ""
    links = []
    if page > 1:
        links.append(f'  <li class="m-pagination__item">\n    <a href="{path}?page={page - 1}" class="m-pagination__link --prev"></a>\n  </li>')
    for n in pagination_window(page, last):
        active = " is-active" if n == page else ""
        links.append(f'  <li class="m-pagination__item">\n    <a href="{path}?page={n}" class="m-pagination__link{active}">{n}</a>\n  </li>')
    if page < last:
        links.append(f'  <li class="m-pagination__item">\n    <a href="{path}?page={page + 1}" class="m-pagination__link --next"></a>\n  </li>')
    return '<ol class="m-pagination">\n' + "\n".join(links) + "\n</ol>"


def website_ld(base: str) -> dict:
    return {"@context": "http://schema.org", "@type": "WebSite", "name": SITE_NAME, "url": base,
            "potentialAction": {"@type": "SearchAction", "target": {
                "@type": "EntryPoint", "urlTemplate": f"{base}/list/search?fulltext={{fulltext}}"}}}


def ld_script(data: object) -> str:
    return f'<script type="application/ld+json">\n{json_ld(data)}\n</script>'



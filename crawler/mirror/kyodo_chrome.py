"""Kyodo page chrome shared by the list and article renderers: head, header nav, footer, list items."""

from __future__ import annotations

from datetime import datetime

from crawler.mirror.content import KYODO_CDN, Story
from crawler.mirror.timefmt import kyodo_attr, kyodo_relative
from crawler.mirror.pages import attr, esc, json_ld, pagination_window

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
          snippet: bool = False) -> str:
    url = base + path
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
<!-- STRIGHT ONE Tag Auto Control Script Start -->
<script type="text/javascript" src="https://cdn01.stright.bizris.com/js/cookie_consent_block.js" charset="UTF-8" data-site-id="SIT-00000000-mirror"></script>
<!-- STRIGHT ONE Tag Auto Control Script End --><link rel="canonical" href="{attr(url)}">
<link rel="preconnect" href="https://fonts.googleapis.com">
  <link rel="stylesheet"
    href="{KYODO_CDN}/resources/kyodonews/css/pc/{css}.css{RD}" />
<script async="async" src="https://securepubads.g.doubleclick.net/tag/js/gpt.js"></script>
<script>
  window.googletag = window.googletag || {{cmd: []}};
  googletag.cmd.push(function() {{
    googletag.defineSlot('/23213571525,21751293123/JapanWire_PC_article_top_banner', [728, 90], 'div-gpt-ad-1752487595835-0').addService(googletag.pubads());
    googletag.pubads().enableSingleRequest();
    googletag.enableServices();
  }});
</script>
<!-- Google Tag Manager -->
<script>
  (function(w,d,s,l,i){{w[l]=w[l]||[];w[l].push({{'gtm.start':
  new Date().getTime(),event:'gtm.js'}});var f=d.getElementsByTagName(s)[0],
  j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
  'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
  }})(window,document,'script','dataLayer','GTM-WDJ9QGW');
</script>
<!-- End Google Tag Manager -->{extra}
</head><body>
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-WDJ9QGW" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
  <div class="l-wrap">
{header(base, url)}"""


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
</header>
"""


FOOTER = """<footer class="g-footer">
  <div class="g-footer__inner">
    <div class="g-footer-nav">
      <ul class="g-footer-nav__list">
        <li class="g-footer-nav__item"><a class="g-footer-nav__link" href="/list/info/about">About Us</a></li>
        <li class="g-footer-nav__item"><a class="g-footer-nav__link" href="/list/info/privacypolicy">Privacy Policy</a></li>
        <li class="g-footer-nav__item"><a class="g-footer-nav__link" href="/list/info/copyright">Copyright</a></li>
        <li class="g-footer-nav__item"><a class="g-footer-nav__link" href="/list/info/contact">Contact</a></li>
      </ul>
    </div>
    <small class="g-footer-copy">&copy; Kyodo News.</small>
  </div>
</footer>
<div class="g-ad-overlay">
  <div id="gStickyAd"><div id="gCloseButton">×</div>
    <div id='div-gpt-ad-1752560912116-0' style='min-width: 728px; min-height: 90px;'>
      <script>googletag.cmd.push(function() { googletag.display('div-gpt-ad-1752560912116-0'); });</script>
    </div>
  </div>
</div>
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



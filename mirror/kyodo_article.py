"""Kyodo article pages (`/articles/-/<id>`) and photo galleries (`/articles/photo/<id>`).

Body variants inside `div.article-body__inner` (what the ground truth counts as visible in brackets):
  full      <p>CITY - lead</p> + div.paywalled-content[data-nosnippet] with the rest   [all paragraphs]
  gated     <p>CITY - lead</p> + <p class="--blur">2nd</p> + div.login-signage           [lead + 2nd]
  expired   <p class="--blur">CITY - lead</p> (or an empty blur) + "no longer available" [lead, or nothing]
  podcast   an omny.fm iframe first, no dateline; otherwise as its state says
  AP copy   figure.image-area (first or after the 2nd paragraph) + plain <p>s, no paywall  [all]
  BREAKING  one <p> repeating the headline, <img src="">, category only All, no related  [that paragraph]
  Spotlight Japan partner copy: plain <p>s ending with the contributor note, a ">>Read ... on Spotlight
            Japan>>" link before it, then <hr> and a label ("More Spotlight Japan stories:", "More from Spotlight
            Japan:", "Related coverage") over link-only <p>s and a ul#related_preview, all inside the container,
            no div.article-body-bottom                                       [the story paragraphs and the note]
The dateline prefix "CITY - " is printed at the start of the first paragraph only ("TOKYO, Japan Wire - " on
Spotlight copy, whose dateline is "TOKYO").
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import islice
from urllib.parse import quote

from mirror.content import CONTRIBUTOR_NOTE, KYODO_CDN, KYODO_SECTIONS, Catalogue, Story
from mirror.kyodo_chrome import AVATAR, EXPIRED_SIGNAGE, FOOTER, SITE_NAME, head, img_size, items_section, \
    ld_script
from mirror.pages import HTML, Page, attr, esc, linked, quirky
from mirror.timefmt import JST, iso, kyodo_attr, kyodo_date, kyodo_header_time
from mirror.weight import vary

PUBLISHER = {"@type": "Organization", "name": SITE_NAME,
             "logo": {"@type": "ImageObject", "url": f"{KYODO_CDN}/common/images/logo.svg"},
             "address": {"@type": "PostalAddress", "PostalCode": "105-7201 Japan", "addressRegion": "Tokyo",
                         "addressLocality": "Minato", "streetAddress": "1-7-1 Higashi Shimbashi"}}


# The banner image is missing on the CDN (404): the template's broken image, one URL for every article page
NEWSLETTER = f"""<div class="newsletter-box">
  <img class="newsletter-box__img" src="{KYODO_CDN}/common/images/newsletter/jw_newsletter_banner.jpg" width="640" height="120" loading="lazy" alt="">
  <p class="newsletter-box__ttl">Get the Japan Wire newsletter</p>
  <p class="newsletter-box__text">Our editors' pick of the day's stories from Japan and Asia, in your inbox every weekday.</p>
  <a class="newsletter-box__button" href="https://member.kyodonews.net/service/regist/" target="_blank" rel="noopener">Sign up for free</a>
</div>"""


def _byline(authors: list[str]) -> str:
    if not authors:
        return ""
    names = authors[0] if len(authors) == 1 else ", ".join(authors[:-1]) + " and " + authors[-1]
    return f'<span class="article-header-info__author">By {esc(names)},</span>'


def _login_signage(url: str, base: str) -> str:
    return f"""      <div class="login-signage">
  <p class="login-signage__headline">Log in or create a Free Membership<br>Account</p>
  <div class="login-signage__inner">
    <a href="{attr(base)}/auth/login?return_to={attr(url)}" class="login-signage__button --login">Log in</a>
    <p class="login-signage__or">or</p>
    <a href="https://member.kyodonews.net/service/regist/" class="login-signage__button --subscribe" target="_blank">Create account</a>
    <p class="login-signage__headline2">Free Membership Provides</p>
    <p class="login-signage__text">
      Newsletter from Editorial Team and access to archive articles from past three months.
    </p>
  </div>
</div>
"""


def _para(story: Story, n: int, text: str, cls: str = "") -> str:
    inner = quirky(text, f"k{story.id}", n)
    if n == 0 and story.dateline:
        inner = f"{esc(story.dateline)} - {inner}"
    return f'<p class="{cls}">{inner}</p>' if cls else f"<p>{inner}</p>"


def _figure(photo) -> str:
    big = img_size(photo.src, "1270mw")
    return (f'<figure class="image-area figure-center" style="width:100%;"><img alt="" class="main-image" '
            f'src="{attr(photo.src)}" loading="lazy" srcset="{attr(photo.src)} 1x,{attr(big)} 2x" width="635" '
            f'height="422">\n<figcaption class="caption">{esc(photo.printed)}</figcaption>\n</figure>\n')


def _body(cat: Catalogue, base: str, story: Story) -> str:
    url = base + story.path
    paras = story.paragraphs
    state = story.access(cat.now)
    out = []
    if story.kind == "breaking":
        return f"\n\t\t\t\t\t\t\t\t<p>{esc(story.title.strip())}</p>\n"
    if story.kind == "podcast":
        no = story.text()["podcast_no"]
        out.append(f'<div class="podcast-container noprovide"><iframe frameborder="0" height="180" '
                   f'src="https://omny.fm/shows/news-2/{no}-english-world/embed?style=Cover" title="" '
                   f'width="100%"></iframe></div>\n\n')
    if story.kind == "spotlight":
        return "      " + _spotlight_body(cat, base, story)
    if story.kind == "ap":
        after = story.text()["body_photo_after"]
        related = cat.newest("world")
        target = next((s for s in related if s is not story), story)
        for n, text in enumerate(paras):
            if story.body_photo and n == after:
                out.append(_figure(story.body_photo))
            html_text = _para(story, n, text)
            if n == 3:
                html_text = "<p>" + linked(html_text[3:-4], base + target.path, f"k{story.id}", 3) + "</p>"
            out.append(html_text + "\n\n")
        return "      " + "".join(out)
    if state == "full":
        rest = "\n\n".join(_para(story, n, t) for n, t in enumerate(paras) if n > 0)
        out.append(f'{_para(story, 0, paras[0])}\n<div class="paywalled-content" data-nosnippet>\n\n\n{rest}\n\n</div>\n')
    elif state == "gated":
        out.append(f'{_para(story, 0, paras[0])}\n\n{_para(story, 1, paras[1], "--blur")}\n')
        out.append(_login_signage(url, base))
    else:
        blur = '<p class="--blur"> </p>' if story.flags.get("blur_empty") else _para(story, 0, paras[0], "--blur")
        out.append(blur + "\n" + EXPIRED_SIGNAGE)
    return "      " + "".join(out)


_SPOTLIGHT_LABELS = ("<em>More Spotlight Japan stories:</em>", "<em>More from Spotlight Japan:</em>", "Related coverage")


def _spotlight_body(cat: Catalogue, base: str, story: Story) -> str:
    paras = [_para(story, n, text) for n, text in enumerate(story.paragraphs)]
    if story.dateline:
        paras[0] = paras[0].replace(f"{esc(story.dateline)} - ", f"{esc(story.dateline)}, Japan Wire - ", 1)
    promo = (f'<p><a href="https://immersive.kyodonews.net/story-{story.id}/index.html" rel="noopener" target="_blank" '
             f'title="Kyodo News Plus"><strong>&gt;&gt;Read the full article with visuals on Spotlight Japan&gt;&gt;'
             f'</strong></a></p>')
    note = len(story.text()["paragraphs"]) - 1  # the contributor note (edits come after it)
    paras[note] = f"<p><em>{esc(CONTRIBUTOR_NOTE)}</em></p>"
    paras.insert(note, promo)
    pick = vary(f"spotlight:{story.id}")
    older = list(islice((s for s in cat.newest() if s.published < story.published and s.kind != "breaking"), 3))
    links = [f'<p><a href="{attr(base + s.path)}"><u><strong>{esc(s.title)}</strong></u></a></p>' for s in older]
    if len(links) > 1 and pick & 4:
        s = older[1]
        links[1] = (f'<ul id="related_preview">\n\t<li title="{attr(base + s.path)}"><a href="{attr(base + s.path)}">'
                    f'<u><strong>{esc(s.title)}</strong></u></a></li>\n</ul>')
    lists = "\n\n".join([f"<hr>\n<p>{_SPOTLIGHT_LABELS[pick % 3]}</p>", *links, "<p> </p>"])
    return "\n\n".join(paras) + "\n\n" + lists + "\n"


def _related(cat: Catalogue, base: str, story: Story) -> str:
    if story.kind in ("breaking", "spotlight"):
        return ""
    pool = cat.newest(story.sections[0] if story.sections else "")
    start = bisect_left(pool, -story.published.timestamp(), key=lambda s: -s.published.timestamp())
    older = list(islice((s for s in islice(pool, start, None)
                         if s.published < story.published and s.kind != "breaking"), 3))
    if not older:
        return ""
    links = "\n".join(f'<div class="related-item">\n  <a class="related-item__link" href="{attr(base + s.path)}">'
                      f'{esc(s.title)}</a>\n</div>' for s in older)
    return f"""    <div class="article-body-bottom">
      <em class="article-body-bottom__ttl">Related coverage:</em>
      {links}
    </div>
"""


def _sns(url: str, title: str) -> str:
    q_url, q_title = quote(url, safe=""), quote(title, safe=":,")
    return (f'  <a class="article-sns__link --fb" href="https://www.facebook.com/sharer/sharer.php?u={q_url}" '
            f'target="_blank" rel="noopener noreferrer"><img class="article-sns__img" '
            f'src="/common/images/icons/icon_facebook.svg" alt="facebook"></a>\n'
            f'<a class="article-sns__link --x" href="https://x.com/intent/tweet?url={attr(url)}&amp;text='
            f'{q_title}" target="_blank" rel="noopener noreferrer"><img class="article-sns__img" '
            f'src="/common/images/icons/icon_x-white.svg" alt="x"></a>\n'
            f'<a class="article-sns__link --copy js-copy" href="#" data-title="{attr(title)}" data-url="{attr(url)}">'
            f'<img class="article-sns__img" src="/common/images/icons/icon_clip.svg" alt="copy"></a>\n')


def popular_sidebar(cat: Catalogue) -> str:
    newest = cat.newest()
    picks = [newest[i] for i in (1, 3, 4, 7, 9, 12, 15, 22) if i < len(newest)]
    boxes = "\n".join(f"""<article class="article-popular__box">
  <a class="article-popular__cover" href="{s.path}"><img src="{attr(img_size(s.photo.src, '160m') if s.photo else KYODO_CDN + '/common/images/noimage.png')}" loading="lazy" width="160" height="160" class="article-popular__img" alt="{attr(s.title + ('<br />' if s.title_br else ''))}"></a>
  <div class="article-popular__content">
    <h3 class="article-popular-ttl">
      <a class="article-popular-ttl__link" href="{s.path}">{esc(s.title)}{'<br />' if s.title_br else ''}</a>
    </h3>
    <div class="article-popular-info">
      <time class="article-popular-info__time" datetime="{kyodo_attr(s.published)}">{kyodo_date(s.published)}</time>
      <a class="article-popular-info__link" href="/list/partners/{s.partner}">{esc(s.credit)}</a>
    </div>
  </div>
</article>""" for s in picks)
    return f"""      <div class="l-side">
        <div class="article-side">
  <div class="article-popular">
    <h2 class="c-heading__ttl --popular">Popular</h2>
    <div class="article-popular-wrap">
{boxes}
    </div>
  </div>
<div class="g-ad-rectangle">
<div id='div-gpt-ad-1752487557881-0' style='min-width: 300px; min-height: 250px;'>
  <script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1752487557881-0'); }});</script>
</div>
</div>
<div class="g-ad-rectangle --second">
<div id='div-gpt-ad-1752487633402-0' style='min-width: 300px; min-height: 250px;'>
  <script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1752487633402-0'); }});</script>
</div>
</div>
<div class="article-v-wrap">
  <h2 class="c-heading__ttl --video">Latest Video</h2>
  <div class="article-v --youtube"><iframe class="article-v-content" width="335" height="190" src="https://www.youtube.com/embed/mirror0000?mute=1&rel=0" title="Video" frameborder="0" allowfullscreen></iframe></div>
</div>
<div class="g-ad-side-sticky">
<div id='div-gpt-ad-1752487811745-0' style='min-width: 300px; min-height: 600px;'>
  <script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1752487811745-0'); }});</script>
</div>
</div>
        </div>
      </div>
"""


def _json_ld(base: str, story: Story) -> list:
    url = base + story.path
    article = {"@context": "http://schema.org", "@type": "NewsArticle", "headline": story.title,
               "datePublished": iso(story.published.astimezone(JST)),
               "dateModified": iso(story.modified.astimezone(JST)), "publisher": PUBLISHER}
    photo = story.photo or story.body_photo
    if photo:
        article["image"] = {"@type": "ImageObject", "url": img_size(photo.src, "-"), "width": "3968", "height": "2645"}
    article["mainEntityOfPage"] = {"@type": "WebPage", "@id": url}
    if story.kind != "ap":
        article["isAccessibleForFree"] = False
        article["hasPart"] = {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".paywalled-content"}
    article["author"] = [{"@type": "Person", "name": story.credit, "url": f"{base}/list/partners/{story.partner}",
                          "image": KYODO_CDN + AVATAR.get(story.partner, AVATAR["kyodo_news"])}]
    crumbs = [{"@type": "ListItem", "position": 1, "item": {"@id": base, "name": f"{SITE_NAME}TOP"}}]
    if story.sections:
        crumbs.append({"@type": "ListItem", "position": 2,
                       "item": {"@id": f"{base}/{story.sections[0]}", "name": story.sections[0]}})
    crumbs.append({"@type": "ListItem", "position": len(crumbs) + 1, "item": {"@id": url, "name": story.title}})
    website = {"@context": "http://schema.org", "@type": "WebSite", "name": SITE_NAME, "url": base,
               "sameAs": ["https://www.facebook.com/kyodoenglish/"]}
    return [website, article, {"@context": "http://schema.org", "@type": "BreadcrumbList", "itemListElement": [crumbs]}]


def render_article(cat: Catalogue, base: str, story: Story) -> Page:
    url = base + story.path
    title = story.title
    desc = title.strip() if story.kind == "breaking" else story.paragraphs[0]
    photo = story.photo or story.body_photo
    og_image = img_size(photo.src, "1200x") if photo else f"{KYODO_CDN}/common/images/fb_og_image.png"
    targeting = {"article_id": story.id, "category": story.partner, "section": ",".join(story.sections) or "all",
                 "access": story.access(cat.now)}
    top = head(base, story.path, title, desc, "leafs", og_image, ld_script(_json_ld(base, story)), snippet=True,
               targeting=targeting)
    avatar = AVATAR.get(story.partner, AVATAR["kyodo_news"])
    cats = "".join(f',<a class="article-header-cate__link" href="/list/news/{s}">{esc(KYODO_SECTIONS[s])}</a>'
                   for s in story.sections)
    if story.kind == "spotlight":
        cats += ',<a class="article-header-cate__link" href="/list/news/spotlight">Spotlight</a>'

    if story.photo:
        big = img_size(story.photo.src, "1270m")
        figure = f"""    <img src="{attr(story.photo.src)}" loading="eager" srcset="{attr(story.photo.src)} 1x,{attr(big)} 2x" width="635" height="424" class="" alt="">
    <figcaption class='article-header-img-main__caption'>     {esc(story.photo.printed)}</figcaption>
  </figure>
  <a class="article-header-img__gallery" href="/articles/photo/{story.id}">View photos</a>"""
    else:
        figure = '    <img src="" loading="eager" width="685" height="" class="" alt="">\n    \n  </figure>'
    section_name = KYODO_SECTIONS[story.sections[0]] if story.sections else "All"
    more_count = 6 + vary(f"more:{story.id}") % 5  # the real "More from" shows 6-10 items
    more = list(islice((s for s in cat.newest(story.sections[0] if story.sections else "") if s is not story),
                       more_count))
    sns = _sns(url, title)
    body = f"""    <div class="l-content">
      <main class="l-article">
<div class="g-ad-full-banner">
<div id='div-gpt-ad-1752487595835-0' style='min-width: 728px; min-height: 90px;'>
  <script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1752487595835-0'); }});</script>
</div>
</div>
<div class="article-header">
  <h1 class="article-ttl">
    {esc(title)}
  </h1>
  <div class="article-header-wrap">
    <div class="article-header-info">
      <div class="article-header-info__inner">
        <img class="article-header-info__img" src="{avatar}" width="30" height="30" alt="{attr(story.credit)}">{_byline(story.authors)}<a class="article-header-info__link" href="/list/partners/{story.partner}">{esc(story.credit)}</a>
      </div>
      <div class="article-header-info__meta">
        <time class="article-header-info__time" datetime="{kyodo_attr(story.published)}">{kyodo_header_time(story.published)}</time>
        <a class="article-header-cate__link" href="/list/news">All</a>{cats}
      </div>
    </div>
  </div>
  <div class="article-header-img">
  <figure class="article-header-img-main">
{figure}
</div>
<div class="article-sns --header">
{sns}
</div>
</div><div class="article-body">
  <div class="article-body__inner">
{_body(cat, base, story)}
  </div>
{_related(cat, base, story)}
</div>
<div class="article-footer">
  <div class="article-footer-info">
    <time class="article-footer-info__time" datetime="{kyodo_attr(story.published)}">{kyodo_date(story.published)}</time>
    <a class="article-footer-info__link" href="/list/partners/{story.partner}">{esc(story.credit)}</a>
  </div>
  <div class="article-sns">
{sns}
  </div>
</div><div class="g-ad-rectangle-below">
<div id='div-gpt-ad-1752487419594-0' style='min-width: 300px; min-height: 250px;'>
  <script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1752487419594-0'); }});</script>
</div>
</div>
{NEWSLETTER}
      </main>
{popular_sidebar(cat)}
    </div>

<div class="article-more-content">
  <h2 class="c-heading__ttl --more">More from {esc(section_name)}</h2>
  {items_section(more, cat.now)}
</div>
<div class="g-ad-more">
<div id='div-gpt-ad-1752487752276-0' style='min-width: 728px; min-height: 90px;'>
  <script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1752487752276-0'); }});</script>
</div>
</div>
<div class="measurement" style="display:none;">
<img src="{KYODO_CDN}/common/images/tracking/pixel.gif" width="1" height="1" alt="">
<script src="/oo/np/lsync.js" async></script>
<script>
  var MiU=MiU||{{}};MiU.queue=MiU.queue||[];
  var mwdata = {{'media': 'english.kyodonews.net', 'skin': 'leafs/default', 'id': '{story.id}', 'category': '{story.partner}'}};
  MiU.queue.push(function(){{MiU.fire(mwdata);}});
</script>
</div>
"""
    return Page(200, HTML, top + body + FOOTER, story.modified)


def render_photo(cat: Catalogue, base: str, story: Story) -> Page:
    photo = story.photo
    path = f"/articles/photo/{story.id}"
    top = head(base, path, f"Photo: {story.title.strip()} | {SITE_NAME}", photo.printed, "leafs",
               img_size(photo.src, "1200x"))
    body = f"""    <main class="l-main">
<div class="photo-gallery">
  <h1 class="photo-gallery__ttl">{esc(story.title)}</h1>
  <figure class="photo-gallery__item">
    <img src="{attr(img_size(photo.src, '1270m'))}" loading="eager" width="1270" height="848" alt="">
    <figcaption class="photo-gallery__caption">{esc(photo.printed)}</figcaption>
  </figure>
  <a class="photo-gallery__back" href="{story.path}">Back to the article</a>
</div>
    </main>
"""
    return Page(200, HTML, top + body + FOOTER, story.modified)

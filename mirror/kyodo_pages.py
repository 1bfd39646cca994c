"""Kyodo News English ("Japan Wire by Kyodo News") pages, in the real site's markup.

URL map (all on the mirror's host):
  /                                   home: top-news-main, top-news-sub (datetime with offset), latest list
  /list/news[?page=N]                 all stories, 20 per page, newest first by published time
  /list/news/<section>[?page=N]       japan world travel-tourism asian-games sumo feature arts podcast
  /list/partners/<slug>[?page=N]      kyodo_news apnews spotlightjapan (reuters yonhap animate: empty)
  /articles/-/<id>                    article page (full / gated / expired / AP partner / BREAKING NEWS)
  /articles/photo/<id>                photo gallery (Disallowed in robots.txt; linked from lists/articles)
  /list/feed/rss4kyodonews-fzone      RSS 2.0, 25 newest items
  /sitemap.xml                        sitemapindex -> /sitemap-static.xml, /sitemap-YYYY.xml
  /robots.txt
  /mwimgs/...png, /common/images/icons/..., /oo/np/lsync.js   the few assets on the site's own host
Anything else: 404 in the site template. Photos, thumbnails, CSS, JS, fonts, favicon and og:image are on the
CDN (https://english-kyodo.ismcdn.jp in the templates), which the mirror serves from a second origin
(module assets).
"""

from __future__ import annotations


from mirror.content import KYODO_CDN, KYODO_PARTNERS, KYODO_SECTIONS, Catalogue, Story, kyodo_visible
from mirror.kyodo_article import popular_sidebar, render_article, render_photo
from mirror.kyodo_chrome import FOOTER, PER_PAGE, SITE_NAME, head, items_section, ld_script, pagination, \
    thumb, website_ld
from mirror.pages import HTML, RSS, TEXT, XML, Page, attr, esc, rfc822, xml_text
from mirror.timefmt import JST, iso, kyodo_relative

def render_list(cat: Catalogue, base: str, path: str, key: str, name: str, page: int) -> Page | None:
    stories = cat.newest(key)
    last = max(1, -(-len(stories) // PER_PAGE))
    if page < 1 or page > last:
        return None
    chunk = stories[(page - 1) * PER_PAGE: page * PER_PAGE]
    top_html = head(base, path, f"{name} stories from Japan | {SITE_NAME}", f"{name} stories from Japan.", "list",
                 f"{KYODO_CDN}/common/images/fb_og_image.png", ld_script([website_ld(base)]))
    photos = "".join(f'\n    <li class="m-photo-list__item"><a class="m-photo-list__link" href="/articles/photo/{s.id}">'
                     f'{esc(s.title)}</a></li>' for s in [s for s in chunk if s.photo][:4])
    body = f"""    <main class="l-main">
<h2 class="c-heading__ttl --latest">{esc(name)}</h2>
{items_section(chunk, cat.now)}
{pagination(path, page, last)}
<div class="m-photo-wrap">
  <h2 class="c-heading__ttl --photo">Photos</h2>
  <ul class="m-photo-list">{photos}
  </ul>
</div>
<div class="g-ad-infeed">
<div id='div-gpt-ad-1752487701154-0' style='min-width: 640px; min-height: 360px;'>
  <script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1752487701154-0'); }});</script>
</div>
</div>
    </main>
{popular_sidebar(cat)}
"""
    return Page(200, HTML, top_html + body + FOOTER, cat.last_change())


def render_home(cat: Catalogue, base: str) -> Page:
    newest = cat.newest()
    main = next((s for s in newest[:10] if s.photo), newest[0] if newest else None)
    rest = [s for s in newest if s is not main]
    subs = "\n".join(f"""      <article class="top-news-sub__item">
        <div class="top-news-sub__content">
          <h3 class="top-news-sub__ttl">
            <a class="top-news-sub__link" href="{s.path}">{esc(s.title)}</a>
          </h3>
          <div class="top-news-sub-info">
            <time class="top-news-sub-info__time" datetime="{iso(s.published.astimezone(JST).replace(second=0))}">{kyodo_relative(s.published, cat.now)}</time>
            <a class="top-news-sub-info__link" href="/list/partners/{s.partner}">{esc(s.credit)}</a>
          </div>
        </div>
        <a class="top-news-sub__cover" href="{s.path}">{thumb(s, '120m', 120, 90, 'top-news-sub__img')}</a>
      </article>""" for s in rest[:4])
    top = ""
    if main is not None:
        teaser = " ".join(kyodo_visible(main, cat.now))[:400] + " …"
        top = f"""    <article class="top-news-main">
      <a class="top-news-main__cover" href="{main.path}">{thumb(main, '635m', 635, 370, 'top-news-main__img')}</a>
      <div class="top-news-main__content">
        <a class="top-news-main__link" href="{main.path}">
          <h3 class="top-news-main__ttl">{esc(main.title)}</h3>
        </a>
        <div class="top-news-main__text">{esc(teaser)}</div>
      </div>
    </article>"""
    blocks = []
    for slug in ("japan", "world", "sumo", "feature"):
        picks = cat.newest(slug)[:4]
        if picks:
            blocks.append(f'<h2 class="c-heading__ttl"><a href="/list/news/{slug}">{KYODO_SECTIONS[slug]}</a></h2>\n'
                          + items_section(picks, cat.now))
    top_html = head(base, "/", SITE_NAME, f"{SITE_NAME} delivers the latest news from Japan.", "top",
                 f"{KYODO_CDN}/common/images/fb_og_image.png", ld_script([website_ld(base)]))
    body = f"""    <main class="l-main">
<div class="top-news-wrap">
  <h2 class="c-heading__ttl --top-news">Top News</h2>
  <div class="top-news-inner">
{top}
    <div class="top-news-sub">
{subs}
    </div>
  </div>
</div>
<h2 class="c-heading__ttl --latest">Latest</h2>
{items_section(rest[4:24], cat.now)}
<div class="c-more"><a class="c-more__link" href="/list/news?page=2">More</a></div>
{chr(10).join(blocks)}
    </main>
{popular_sidebar(cat)}
"""
    return Page(200, HTML, top_html + body + FOOTER, cat.last_change())


def render_not_found(base: str, path: str) -> Page:
    top_html = head(base, path, f"Page not found | {SITE_NAME}", "The page you requested was not found.", "list",
                 f"{KYODO_CDN}/common/images/fb_og_image.png")
    body = """    <main class="l-main">
<div class="m-error">
  <h2 class="c-heading__ttl">404 Not Found</h2>
  <p class="m-error__text">Sorry, the page you requested could not be found.</p>
  <a class="m-error__link" href="/">Back to top</a>
</div>
    </main>
"""
    return Page(404, HTML, top_html + body + FOOTER)


def render_rss(cat: Catalogue, base: str) -> Page:
    items = []
    for s in cat.newest()[:25]:
        desc = s.paragraphs[0] if s.kind != "breaking" else s.title.strip()
        items.append(f"""<item>
<title>{xml_text(s.title)}</title>
<link>{xml_text(base + s.path)}</link>
<description>{xml_text(desc)}</description>
<pubDate>{rfc822(s.published.astimezone(JST))}</pubDate>
<guid isPermaLink="true">{xml_text(base + s.path)}</guid>
</item>""")
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{SITE_NAME}</title>
<link>{xml_text(base)}/</link>
<atom:link href="{attr(base)}/list/feed/rss4kyodonews-fzone" rel="self" type="application/rss+xml" />
<description>The latest news from Japan</description>
<language>en</language>
<lastBuildDate>{rfc822(cat.last_change().astimezone(JST))}</lastBuildDate>
{chr(10).join(items)}
</channel>
</rss>
"""
    return Page(200, RSS, body, cat.last_change())


def _year(story: Story) -> int:
    return story.published.astimezone(JST).year


def render_sitemap(cat: Catalogue, base: str, name: str) -> Page | None:
    prolog = '<?xml version="1.0" encoding="UTF-8"?>\n'
    if name == "sitemap.xml":
        years = sorted({_year(s) for s in cat.stories}, reverse=True)
        entries = [(f"{base}/sitemap-static.xml", cat.last_change())]
        for year in years:
            entries.append((f"{base}/sitemap-{year}.xml",
                            max(s.modified for s in cat.stories if _year(s) == year)))
        rows = "".join(f"<sitemap><loc>{xml_text(loc)}</loc><lastmod>{iso(mod.astimezone(JST))}</lastmod></sitemap>\n"
                       for loc, mod in entries)
        body = f'{prolog}<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</sitemapindex>\n'
        return Page(200, XML, body, cat.last_change())
    if name == "sitemap-static.xml":
        paths = ["/", "/list/news"] + [f"/list/news/{slug}" for slug in KYODO_SECTIONS] + \
            [f"/list/partners/{slug}" for slug in KYODO_PARTNERS]
        rows = "".join(f"<url><loc>{xml_text(base + p)}</loc></url>\n" for p in paths)
    else:
        try:
            year = int(name[len("sitemap-"):-len(".xml")])
        except ValueError:
            return None
        chosen = [s for s in cat.newest() if _year(s) == year]
        if not chosen:
            return None
        out = []
        for s in chosen:
            lastmod = iso(s.modified.astimezone(JST))
            out.append(f"<url><loc>{xml_text(base + s.path)}</loc><lastmod>{lastmod}</lastmod></url>\n")
            if s.photo:
                out.append(f"<url><loc>{base}/articles/photo/{s.id}</loc><lastmod>{lastmod}</lastmod></url>\n")
        rows = "".join(out)
    body = f'{prolog}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</urlset>\n'
    return Page(200, XML, body, cat.last_change())


def render_robots(base: str) -> Page:
    body = (f"User-agent: *\nDisallow: /articles/photo/\nDisallow: /list/search\nDisallow: /auth/\n\n"
            f"Sitemap: {base}/sitemap.xml\n")
    return Page(200, TEXT, body)


def route(cat: Catalogue, base: str, path: str, page: int) -> Page | None:
    """The page for a request path (query already reduced to `page`), or None for 404."""
    if path == "/":
        return render_home(cat, base)
    if path == "/robots.txt":
        return render_robots(base)
    if path.startswith("/sitemap") and path.endswith(".xml") and "/" not in path[1:]:
        return render_sitemap(cat, base, path[1:])
    if path == "/list/feed/rss4kyodonews-fzone":
        return render_rss(cat, base)
    if path in ("/list/news", "/list/news/"):
        return render_list(cat, base, "/list/news", "", "Latest", page)
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[:2] == ["list", "news"] and parts[2] in KYODO_SECTIONS:
        return render_list(cat, base, path.rstrip("/"), parts[2], KYODO_SECTIONS[parts[2]], page)
    if len(parts) == 3 and parts[:2] == ["list", "partners"] and parts[2] in KYODO_PARTNERS:
        return render_list(cat, base, path.rstrip("/"), "partner:" + parts[2], KYODO_PARTNERS[parts[2]], page)
    if len(parts) == 3 and parts[0] == "articles" and parts[2].isdigit():
        story = cat.by_id.get(int(parts[2]))
        if story is not None and parts[1] == "-":
            return render_article(cat, base, story)
        if story is not None and parts[1] == "photo" and story.photo:
            return render_photo(cat, base, story)
    return None

"""Site redesigns: the mirror breaking the way real news sites break, per site (`Mirror(redesign=...)`,
`Mirror.redesign(site, kind)`, CLI `--redesign SITE[:KIND]`).

  markup  a new CMS theme. Kyodo: every class token of the article, listing and home templates renamed
          (article-* -> story-*, m-article-item -> c-card, top-news -> lead-stories, paywalled-content ->
          premium-body, login-signage -> member-gate, m-pagination -> c-pager, ...); JSON-LD stays (SEO plugins
          survive redesigns). Inakoran: articles in a new theme (byline reduced to the author's avatar, photos
          as CSS backgrounds, a relative "3 jam lalu" date line, article:published_time kept), and teaser
          cards that open stories by script (`data-href`, no `<a href>`) on every page.
  feed    discovery endpoints move. Kyodo: RSS at /rss/news.xml and sitemaps under /sitemaps/ (index.xml,
          static.xml, news-YYYY.xml), robots.txt names the new index; the old feed and /sitemap*.xml answer 404.
          Inakoran: /sitemap.xml answers 404 (robots.txt still names it: nobody updated it), the new
          /sitemap_index.xml is announced nowhere, and the home page is a "we have moved" notice that links
          only to the new domain (off-site).
  login   everything behind a login: article URLs answer 302 to `/login?next=<path>`, a 200 login form.
          Home, listings, feeds and sitemaps still answer, so discovery finds stories it cannot read.

`route` answers the paths a redesign changes before the normal site (None: not changed), `restyle` rewrites
a rendered HTML page of the normal site.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from mirror.content import INA_SECTIONS, Catalogue, Story
from mirror.pages import HTML, Page, attr, esc, quirky
from mirror.timefmt import WIB, iso

KINDS = ("markup", "feed", "login")
NOT_FOUND = object()  # route's answer for a path the redesign took away: the site's own 404 page

LOGIN_PATH = "/login"
KYODO_FEED = "/rss/news.xml"
KYODO_SITEMAP = "/sitemaps/index.xml"
INAKORAN_SITEMAP = "/sitemap_index.xml"
INAKORAN_NEW_HOME = "https://www.inakoran.id/"

# Kyodo's new theme: class-token prefixes renamed, longest first
_KYODO_RENAMES = (("m-article-item", "c-card"), ("article-", "story-"), ("top-news", "lead-stories"),
                  ("paywalled-content", "premium-body"), ("login-signage", "member-gate"),
                  ("m-pagination", "c-pager"), ("m-error", "c-notfound"), ("related-item", "c-related"),
                  ("m-photo-list", "c-gallery"), ("sec-latest", "c-latest"), ("image-area", "c-figure"),
                  ("c-heading", "c-title"))
_CLASS_ATTR = re.compile(r'class="([^"]*)"')
_HREF = re.compile(r'<a ([^>]*?)href="([^"]*)"')


def check(kind: str | None) -> str | None:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown redesign {kind!r}; known: {', '.join(KINDS)}")
    return kind


# --- routing ---------------------------------------------------------------------------------------------

def route(kind: str | None, site: str, cat: Catalogue, base: str, path: str, page: int, module) -> object:
    """The page a redesign serves at `path`, NOT_FOUND for a path it took away, None when unchanged."""
    if kind == "login":
        if path == LOGIN_PATH:
            return _login_page(site)
        if _is_article(site, cat, path):
            return Page(302, HTML, "", location=f"{base}{LOGIN_PATH}?next={quote(path)}")
    elif kind == "feed":
        return _kyodo_feed(cat, base, path, page, module) if site == "kyodo" else _inakoran_feed(cat, base, path)
    elif kind == "markup" and site == "inakoran":
        story = _inakoran_story(cat, path)
        if story is not None:
            return _inakoran_article(cat, base, story)
    return None


def _is_article(site: str, cat: Catalogue, path: str) -> bool:
    parts = path.strip("/").split("/")
    if site == "kyodo":
        return len(parts) == 3 and parts[0] == "articles" and parts[2].isdigit()
    return _inakoran_story(cat, path) is not None


def _inakoran_story(cat: Catalogue, path: str) -> Story | None:
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "read" and parts[1].isdigit():
        story = cat.by_id.get(int(parts[1]))
        return story if story is not None and story.kind == "a" else None
    story = cat.by_path.get(path.rstrip("/"))
    return story if story is not None and story.kind == "b" else None


def _kyodo_feed(cat: Catalogue, base: str, path: str, page: int, module) -> object:
    if path == "/list/feed/rss4kyodonews-fzone" or (path.startswith("/sitemap") and "/" not in path[1:]):
        return NOT_FOUND
    if path == KYODO_FEED:
        found = module.render_rss(cat, base)
        found.body = found.body.replace("/list/feed/rss4kyodonews-fzone", KYODO_FEED)
        return found
    if path == "/robots.txt":
        found = module.render_robots(base)
        found.body = found.body.replace("/sitemap.xml", KYODO_SITEMAP)
        return found
    if path.startswith("/sitemaps/") and path.endswith(".xml"):
        name = path[len("/sitemaps/"):]
        old = {"index.xml": "sitemap.xml", "static.xml": "sitemap-static.xml"}.get(name)
        if old is None and re.fullmatch(r"news-\d{4}\.xml", name):
            old = "sitemap-" + name[len("news-"):]
        found = module.render_sitemap(cat, base, old) if old else None
        if found is None:
            return NOT_FOUND
        found.body = found.body.replace(f"{base}/sitemap-static.xml", f"{base}/sitemaps/static.xml") \
            .replace(f"{base}/sitemap-", f"{base}/sitemaps/news-")
        return found
    return None


def _inakoran_feed(cat: Catalogue, base: str, path: str) -> object:
    from mirror import inakoran_pages

    if path == "/sitemap.xml":
        return NOT_FOUND
    if path == INAKORAN_SITEMAP:
        return inakoran_pages.render_sitemap(cat, base)
    if path == "/":
        body = f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8" />
<title>Inakoran.com telah pindah</title>
<meta name="description" content="Inakoran kini hadir di alamat baru." />
</head>
<body>
<div class="pindah">
<h1>Inakoran telah pindah</h1>
<p>Mulai hari ini seluruh berita Inakoran hadir di alamat baru dengan tampilan yang lebih segar.</p>
<p><a href="{INAKORAN_NEW_HOME}">Kunjungi {INAKORAN_NEW_HOME.split("/")[2]}</a></p>
</div>
</body>
</html>"""
        return Page(200, HTML, body, cat.last_change())
    return None


def _login_page(site: str) -> Page:
    if site == "kyodo":
        title, heading, user, button = ("Log in | Japan Wire by Kyodo News", "Log in to Japan Wire",
                                        "Email address", "Log in")
    else:
        title, heading, user, button = "Masuk | Inakoran.com", "Masuk ke Inakoran", "Surel", "Masuk"
    body = f"""<!DOCTYPE html>
<html lang="{'en' if site == 'kyodo' else 'id'}">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<meta name="robots" content="noindex">
</head>
<body class="page-login">
<main class="login">
<h1 class="login__ttl">{esc(heading)}</h1>
<form class="login__form" method="post" action="{LOGIN_PATH}">
<label>{esc(user)} <input type="email" name="email" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">{esc(button)}</button>
</form>
</main>
</body>
</html>"""
    return Page(200, HTML, body)


# --- restyling -------------------------------------------------------------------------------------------

def restyle(kind: str | None, site: str, cat: Catalogue, page: Page) -> Page:
    """A rendered page of the normal site as the redesign shows it (HTML pages under `markup` only)."""
    if kind != "markup" or page.status != 200 or not page.content_type.startswith("text/html") \
            or not isinstance(page.body, str):
        return page
    page.body = _kyodo_classes(page.body) if site == "kyodo" else _inakoran_cards(cat, page.body)
    return page


def _kyodo_classes(body: str) -> str:
    def token(name: str) -> str:
        for old, new in _KYODO_RENAMES:
            if name.startswith(old):
                return new + name[len(old):]
        return name

    return _CLASS_ATTR.sub(lambda m: 'class="' + " ".join(token(t) for t in m.group(1).split()) + '"', body)


def _inakoran_cards(cat: Catalogue, body: str) -> str:
    """Links to stories become script-driven cards: `data-href`, no `href` a crawler could follow."""
    def card(m: re.Match) -> str:
        before, href = m.group(1), m.group(2)
        path = href.split("://", 1)[-1].split("/", 1)[-1] if "://" in href else href.lstrip("/")
        if _inakoran_story(cat, "/" + path) is None:
            return m.group(0)
        return f'<a {before}role="link" class="js-card" data-href="{href}"'

    return _HREF.sub(card, body)


def _relative_id(story: Story, now) -> str:
    minutes = int((now - story.published).total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} menit lalu"
    if minutes < 24 * 60:
        return f"{minutes // 60} jam lalu"
    return f"{minutes // (24 * 60)} hari lalu"


def _inakoran_article(cat: Catalogue, base: str, story: Story) -> Page:
    url = base + story.path
    section = story.sections[0]
    name = INA_SECTIONS[section]
    published = iso(story.published.astimezone(WIB))

    def backdrop(photo, cls: str) -> str:
        src = photo.src if photo.src.startswith("http") else base + photo.src
        return (f'<div class="{cls}" role="img" aria-label="{attr(photo.caption or "")}" '
                f'style="background-image:url(\'{attr(src)}\')"></div>')

    paras = [f"<p>{esc(story.dateline)}, Inakoran - {quirky(story.paragraphs[0], f'i{story.id}', 0)}</p>"]
    after = story.text()["body_photo_after"]
    for n, text in enumerate(story.paragraphs[1:], 1):
        paras.append(f"<p>{quirky(text, f'i{story.id}', n)}</p>")
        if story.body_photo and n == after:
            paras.append(backdrop(story.body_photo, "nx-inline-photo"))
    hero = backdrop(story.photo, "nx-story__hero") if story.photo else ""
    body = f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(story.title)} — Inakoran</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{attr(story.title)}">
<meta property="og:url" content="{attr(url)}">
<meta property="article:published_time" content="{published}">
<link rel="stylesheet" href="/assets/css/style.css">
</head>
<body class="nx-theme">
<header class="nx-header"><a class="nx-logo" href="/"><img src="/assets/img/logo.png" alt="Inakoran"></a></header>
<main class="nx-main">
<article class="nx-story">
<nav class="nx-crumbs"><a href="/kategori/{section}">{esc(name)}</a></nav>
<h1 class="nx-story__headline">{esc(story.title)}</h1>
<div class="nx-story__meta"><img class="nx-avatar" src="/assets/img/no-image.png" alt="{attr(story.authors[0])}" width="32" height="32"> <span class="nx-story__ago">{_relative_id(story, cat.now)}</span></div>
{hero}
<div class="nx-story__body">
{chr(10).join(paras)}
</div>
<section class="nx-comments"><h2>KOMENTAR</h2></section>
</article>
</main>
</body>
</html>"""
    return Page(200, HTML, body, story.modified)

"""Inakoran page chrome: header/menu, "Terpopuler" sidebar, footer and list items, per template skin."""

from __future__ import annotations

from crawler.mirror.content import INA_SECTIONS, Catalogue, Story
from crawler.mirror.timefmt import ina_dateline
from crawler.mirror.pages import attr, esc, pagination_window


def header(skin: str) -> str:
    links = "".join(f'<li><a href="/kategori/{slug}">{esc(name)}</a></li>' for slug, name in INA_SECTIONS.items())
    if skin == "a":
        return f"""<div id="header">
<div class="logo"><a href="/"><img src="/assets/img/logo.png" alt="Inakoran" /></a></div>
<div class="tanggal-hari-ini">Portal Berita Indonesia - Tiongkok</div>
<ul id="menu"><li><a href="/">Beranda</a></li>{links}<li><a href="/indeks">Indeks</a></li></ul>
</div>"""
    return f"""<header id="masthead" class="site-header">
<div class="site-branding"><p class="site-title"><a href="/" rel="home">Inakoran</a></p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu"><li class="menu-item"><a href="/">Beranda</a></li>{links.replace('<li>', '<li class="menu-item">')}<li class="menu-item"><a href="/indeks">Indeks</a></li></ul></nav>
</header>"""


def sidebar(cat: Catalogue, skin: str) -> str:
    newest = cat.newest()
    picks = [newest[i] for i in (2, 5, 7, 11, 16) if i < len(newest)]
    items = "\n".join(f'<li><a href="{s.path}">{esc(s.title)}</a></li>' for s in picks)
    if skin == "a":
        return f'<div id="kanan">\n<div class="terpopuler">\n<h3>Terpopuler</h3>\n<ol>\n{items}\n</ol>\n</div>\n</div>'
    return (f'<aside id="secondary" class="widget-area"><section class="widget widget_terpopuler">'
            f'<h2 class="widget-title">Terpopuler</h2>\n<ol>\n{items}\n</ol></section></aside>')


def footer(skin: str) -> str:
    links = ('<a href="/indeks">Indeks Berita</a> | <a href="/sitemap.xml">Sitemap</a> | '
             '<a href="/ina/login">Login Redaksi</a>')
    if skin == "a":
        return f'<div id="footer">\n<p>{links}</p>\n<p>&copy; 2024 Inakoran.com. All rights reserved.</p>\n</div>'
    return (f'<footer id="colophon" class="site-footer"><div class="site-info">{links}<br />'
            f'&copy; 2024 Inakoran</div></footer>')


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

"""Inakoran pages. The URL scheme is the mirror's own invention, deliberately mixed:

  /                            home: headline, latest 20, four stories per section, Terpopuler
  /kategori/<section>[?page=N] section list, 20 per page, query-string pagination
                               sections: nasional internasional ekonomi budaya olahraga gaya-hidup
  /indeks, /indeks/page/<N>    all stories, 20 per page, path pagination (WordPress style)
  /read/<id>/<slug>            article, template (a); a wrong slug 301-redirects to the right one
  /<section>/<slug>            article, template (b)
  /sitemap.xml                 urlset: home, sections, every article with <lastmod> (+07:00)
  /robots.txt                  Disallow /ina/ (admin; also holds inline images) and /cari; Sitemap line
  /ina/login                   editor login (linked from the footer, disallowed by robots)
  /redaksi, /pedoman-media-siber, /tentang-kami, /kontak, /kebijakan-privasi, /disclaimer
                               static pages linked from the top bar and footer (no date: never articles)
  /uploads/..., /ina/userfiles/images/..., /assets/..., /wp-content/..., /wp-includes/...
                               photos, CSS, JS, font and icons with real bytes (module assets)
Anything else: 404 in the site template. Article templates: see inakoran_article.
"""

from __future__ import annotations

from mirror.content import EDIT_ROOM, INA_SECTIONS, Catalogue
from mirror.inakoran_article import render_article
from mirror.inakoran_chrome import INFO_PAGES, ads_config, body_top, footer, head_extra, header, item, \
    path_pagination, query_pagination, sidebar, ticker
from mirror.pages import HTML, TEXT, XML, Page, attr, esc, xml_text
from mirror.timefmt import WIB, iso

PER_PAGE = 20


def _shell(title: str, content: str, cat: Catalogue | None, skin: str = "a", desc: str = "", key: str = "") -> str:
    side = sidebar(cat, skin) if cat is not None else ""
    return f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8" />
<title>{esc(title)}</title>
<meta name="description" content="{attr(desc or 'Inakoran - portal berita Indonesia dan Tiongkok')}" />
<meta property="og:site_name" content="Inakoran" />
<link rel="stylesheet" type="text/css" href="/assets/css/style.css" />
{head_extra(skin)}
{ads_config(skin, key or title)}
</head>
<body>
{body_top(skin)}
<div id="wrapper">
{header(skin)}
{ticker(cat) if cat is not None else ""}
<div id="content">
<div id="kiri">
{content}
</div>
{side}
</div>
{footer(skin)}
</div>
</body>
</html>"""


def render_home(cat: Catalogue) -> Page:
    newest = cat.newest()
    main = next((s for s in newest[:10] if s.photo), None)
    top = ""
    if main is not None:
        top = (f'<div class="headline"><a href="{main.path}"><img src="{attr(main.photo.src)}" alt="" /></a>\n'
               f'<h1><a href="{main.path}">{esc(main.title)}</a></h1></div>')
    blocks = []
    for slug, name in INA_SECTIONS.items():
        picks = cat.newest(slug)[:4]
        if picks:
            links = "\n".join(f'<li><a href="{s.path}">{esc(s.title)}</a></li>' for s in picks)
            blocks.append(f'<div class="blok-kategori"><h3><a href="/kategori/{slug}">{esc(name)}</a></h3>\n'
                          f'<ul>\n{links}\n</ul>\n<a class="lihat-semua" href="/kategori/{slug}">Lihat semua</a></div>')
    content = (f'{top}\n<h2 class="judul-blok">Berita Terkini</h2>\n<div class="daftar-berita">\n'
               + "\n".join(item(s) for s in newest[:PER_PAGE])
               + '\n</div>\n<a class="indeks-link" href="/indeks/page/2">Berita lainnya</a>\n' + "\n".join(blocks))
    return Page(200, HTML, _shell("Inakoran.com - Berita Indonesia Tiongkok", content, cat), cat.last_change())


def render_section(cat: Catalogue, slug: str, page: int) -> Page | None:
    stories = cat.newest(slug)
    last = max(1, -(-len(stories) // PER_PAGE))
    if page < 1 or page > last:
        return None
    chunk = stories[(page - 1) * PER_PAGE: page * PER_PAGE]
    name = INA_SECTIONS[slug]
    content = (f'<div class="breadcrumb"><a href="/">Home</a> &raquo; {esc(name)}</div>\n'
               f'<h1 class="judul-kategori">{esc(name)}</h1>\n<div class="daftar-berita">\n'
               + "\n".join(item(s) for s in chunk) + "\n</div>\n"
               + query_pagination(f"/kategori/{slug}", page, last))
    title = f"{name} - Halaman {page} | Inakoran.com" if page > 1 else f"{name} | Inakoran.com"
    return Page(200, HTML, _shell(title, content, cat), cat.last_change())


def render_index(cat: Catalogue, page: int) -> Page | None:
    stories = cat.newest()
    last = max(1, -(-len(stories) // PER_PAGE))
    if page < 1 or page > last:
        return None
    chunk = stories[(page - 1) * PER_PAGE: page * PER_PAGE]
    content = ('<header class="page-header"><h1 class="page-title">Indeks Berita</h1></header>\n'
               '<div class="daftar-berita">\n' + "\n".join(item(s) for s in chunk) + "\n</div>\n"
               + path_pagination("/indeks", page, last))
    return Page(200, HTML, _shell(f"Indeks Berita - Halaman {page} - Inakoran", content, cat, "b"),
                cat.last_change())


def render_not_found(cat: Catalogue | None = None) -> Page:
    content = ('<div class="error-404"><h1>404 - Halaman tidak ditemukan</h1>\n'
               '<p>Maaf, halaman yang Anda cari tidak tersedia.</p>\n<p><a href="/">Kembali ke beranda</a></p></div>')
    return Page(404, HTML, _shell("Halaman tidak ditemukan | Inakoran.com", content, cat))


_INFO_TEXT = {
    "redaksi": ["Pemimpin Redaksi: Binsar Hutapea", "Wakil Pemimpin Redaksi: Sarah Lim",
                "Redaktur Pelaksana: Hendra Wijaya", "Redaktur: Putri Anggraini, Dimas Prasetyo, Lia Santoso",
                "Reporter: Very Gunawan, Ricky Tan, Wulan Sari, Ferry Halim",
                "Alamat redaksi: Jalan Mangga Dua Raya, Jakarta Utara. Surel: redaksi@inakoran.example"],
    "pedoman-media-siber": [
        "Kemerdekaan berpendapat, kemerdekaan berekspresi, dan kemerdekaan pers adalah hak asasi manusia yang dilindungi "
        "oleh konstitusi. Keberadaan media siber di Indonesia juga merupakan bagian dari kemerdekaan pers.",
        "Media siber memiliki karakter khusus sehingga memerlukan pedoman agar pengelolaannya dapat dilaksanakan secara "
        "profesional, memenuhi fungsi, hak, dan kewajibannya sesuai peraturan yang berlaku.",
        "Setiap berita harus melalui verifikasi. Berita yang dapat merugikan pihak lain memerlukan verifikasi pada "
        "berita yang sama untuk memenuhi prinsip akurasi dan keberimbangan.",
        "Ralat, koreksi, dan hak jawab mengacu pada Undang-Undang Pers, Kode Etik Jurnalistik, dan pedoman hak jawab "
        "yang ditetapkan Dewan Pers. Ralat dapat diajukan melalui surel redaksi."],
    "tentang-kami": [
        "Inakoran adalah media daring yang menyajikan berita seputar Indonesia dan Tiongkok dalam bahasa Indonesia.",
        "Kami meliput politik, ekonomi, budaya, olahraga dan gaya hidup, dengan perhatian khusus pada komunitas "
        "Tionghoa di Indonesia serta hubungan kedua negara."],
    "kontak": ["Redaksi: redaksi@inakoran.example", "Iklan dan kerja sama: iklan@inakoran.example",
               "Telepon kantor tersedia pada hari kerja selama jam kantor."],
    "kebijakan-privasi": [
        "Kami menghormati privasi pembaca. Data yang kami kumpulkan melalui kuki digunakan untuk analitik dan iklan.",
        "Pembaca dapat menonaktifkan kuki melalui pengaturan peramban. Kami tidak menjual data pribadi kepada pihak lain."],
    "disclaimer": [
        "Seluruh konten di situs ini disajikan untuk tujuan informasi. Redaksi berupaya menjaga akurasi setiap berita.",
        "Komentar pembaca adalah tanggung jawab masing-masing penulis komentar dan tidak mewakili pandangan redaksi."],
}


def render_info(cat: Catalogue, slug: str) -> Page:
    """A static page from the top bar / footer: heading and a few paragraphs, no date (never an article)."""
    paras = "\n".join(f"<p>{esc(t)}</p>" for t in _INFO_TEXT[slug])
    content = f'<div class="halaman-statis">\n<h1 class="judul-halaman">{esc(INFO_PAGES[slug])}</h1>\n{paras}\n</div>'
    return Page(200, HTML, _shell(f"{INFO_PAGES[slug]} | Inakoran.com", content, cat), cat.now - EDIT_ROOM)


def render_login() -> Page:
    content = ('<form class="login" method="post" action="/ina/login"><h1>Login Redaksi</h1>\n'
               '<input type="text" name="username" /><input type="password" name="password" />\n'
               '<button type="submit">Masuk</button></form>')
    return Page(200, HTML, _shell("Login Redaksi | Inakoran.com", content, None))


def render_sitemap(cat: Catalogue, base: str) -> Page:
    rows = [f"<url><loc>{xml_text(base)}/</loc><changefreq>hourly</changefreq></url>"]
    rows += [f"<url><loc>{xml_text(base)}/kategori/{slug}</loc><changefreq>hourly</changefreq></url>"
             for slug in INA_SECTIONS]
    for s in cat.newest():
        rows.append(f"<url><loc>{xml_text(base + s.path)}</loc><lastmod>{iso(s.modified.astimezone(WIB))}</lastmod></url>")
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows) + "\n</urlset>\n")
    return Page(200, XML, body, cat.last_change())


def render_robots(base: str) -> Page:
    return Page(200, TEXT, f"User-agent: *\nDisallow: /ina/\nDisallow: /cari\n\nSitemap: {base}/sitemap.xml\n")


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() else -1


def route(cat: Catalogue, base: str, path: str, page: int) -> Page | None:
    if path == "/":
        return render_home(cat)
    if path == "/robots.txt":
        return render_robots(base)
    if path == "/sitemap.xml":
        return render_sitemap(cat, base)
    if path == "/ina/login":
        return render_login()
    parts = path.strip("/").split("/")
    if len(parts) == 1 and parts[0] in INFO_PAGES:
        return render_info(cat, parts[0])
    if len(parts) == 2 and parts[0] == "kategori" and parts[1] in INA_SECTIONS:
        return render_section(cat, parts[1], page)
    if parts[0] == "indeks" and (len(parts) == 1 or (len(parts) == 3 and parts[1] == "page")):
        return render_index(cat, 1 if len(parts) == 1 else _page_number(parts[2]))
    if len(parts) == 3 and parts[0] == "read" and parts[1].isdigit():
        story = cat.by_id.get(int(parts[1]))
        if story is None or story.kind != "a":
            return None
        if parts[2] != story.slug:
            return Page(301, HTML, "", location=base + story.path)
        return render_article(cat, base, story)
    story = cat.by_path.get(path.rstrip("/"))
    if story is not None and story.kind == "b":
        return render_article(cat, base, story)
    return None

"""Inakoran article pages in two templates (the real markup is unknown).

(a) classic PHP CMS, `/read/<id>/<slug>`: no JSON-LD, no article:* meta (only og:title/og:url/og:image).
    Section: `a.label-kategori` above the title and the last link of `div.breadcrumb`.
    `h1.judul`, byline `div.penulis` (name only), date `div.tanggal` as "Friday, 18-10-2024 | 10:11 am"
    (English or Indonesian weekday), lead photo `div.foto-utama > img` (site-relative /uploads/...) with
    `div.keterangan` "caption [ist]"; body `div.isi`: `<p>&nbsp;</p>`, `<p>Jakarta, Inakoran</p>`,
    paragraphs, an inline `/ina/userfiles/images/...` image in its own centred <p> followed by a centred
    caption <p> ending "[ist]"; then `div.share` (Bagikan) and `div.komentar` headed "KOMENTAR".
    No modified time anywhere: ground truth `modified` is null.
(b) WordPress-like, `/<section>/<slug>`: JSON-LD `@graph` with NewsArticle (headline, datePublished,
    dateModified, author Person, articleSection [name]); og:* plus `article:section`,
    `article:published_time` / `article:modified_time` in +07:00; `article.post > header.entry-header`
    with `span.cat-links a[rel="category tag"]`, `h1.entry-title`, `span.author.vcard .fn`,
    `time.entry-date.published[datetime]` (text "18 Oktober 2024 10:11 WIB"), `time.updated[datetime]`;
    `div.post-thumbnail figure > img` (absolute URL) + `figcaption.wp-caption-text` "caption [ist]";
    `div.entry-content`: `<p><strong>Jakarta, Inakoran</strong></p>`, paragraphs, an inline
    `figure.wp-block-image` with `figcaption` "[ist]", then Jetpack-style `div.sharedaddy` (inside
    entry-content!); after the article `div#comments` with `h2.comments-title` "KOMENTAR".
Both: dateline paragraph "<City>, Inakoran" (dateline = City), captions end " [ist]" (credit "ist"),
sidebar "Terpopuler", footer with a robots-disallowed `/ina/login` link.
"""

from __future__ import annotations

from mirror.content import INA_SECTIONS, Catalogue, Story
from mirror.timefmt import WIB, ina_dateline, ina_long_date, iso
from mirror.inakoran_chrome import ads_config, body_top, footer, head_extra, header, related, share, sidebar, ticker
from mirror.pages import HTML, Page, attr, esc, json_ld, quirky


def _paragraphs(story: Story, template: str, base: str) -> str:
    out = ["<p>&nbsp;</p>"] if template == "a" else []
    place = f"{esc(story.dateline)}, Inakoran"
    out.append(f"<p>{place}</p>" if template == "a" else f"<p><strong>{place}</strong></p>")
    photo = story.body_photo
    after = story.text()["body_photo_after"]
    for n, text in enumerate(story.paragraphs):
        out.append(f"<p>{quirky(text, f'i{story.id}', n)}</p>")
        if photo and n == after:
            if template == "a":
                out.append(f'<p>&nbsp;</p>\n<p style="text-align:center"><img alt="" src="{attr(photo.src)}" '
                           f'style="height:400px; width:600px" /></p>\n'
                           f'<p style="text-align:center">{esc(photo.printed)}</p>\n<p>&nbsp;</p>')
            else:
                out.append(f'<figure class="wp-block-image size-large"><img decoding="async" src="{attr(base + photo.src)}" '
                           f'alt="" /><figcaption class="wp-element-caption">{esc(photo.printed)}</figcaption></figure>')
    return "\n".join(out)


def render_a(cat: Catalogue, base: str, story: Story) -> Page:
    url = base + story.path
    section = story.sections[0]
    name = INA_SECTIONS[section]
    photo = story.photo
    og_image = f'\n<meta property="og:image" content="{attr(base + photo.src)}" />' if photo else ""
    lead_photo = (f'<div class="foto-utama">\n<img src="{attr(photo.src)}" alt="{attr(story.title)}" />\n'
                  f'<div class="keterangan">{esc(photo.printed)}</div>\n</div>') if photo else ""
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{esc(story.title)} | Inakoran.com</title>
<meta name="description" content="{attr(story.paragraphs[0][:160])}" />
<meta name="keywords" content="inakoran, berita, {attr(name.lower())}" />
<meta property="og:title" content="{attr(story.title)}" />
<meta property="og:url" content="{attr(url)}" />
<meta property="og:type" content="article" />{og_image}
<link rel="stylesheet" type="text/css" href="/assets/css/style.css" />
<script type="text/javascript" src="/assets/js/jquery.min.js"></script>
{head_extra("a")}
{ads_config("a", story.path)}
</head>
<body>
{body_top("a")}
<div id="wrapper">
{header("a")}
{ticker(cat)}
<div id="content">
<div id="kiri">
<div class="breadcrumb"><a href="/">Home</a> &raquo; <a href="/kategori/{section}">{esc(name)}</a></div>
<div class="detail">
<a class="label-kategori" href="/kategori/{section}">{esc(name)}</a>
<h1 class="judul">{esc(story.title)}</h1>
<div class="penulis">{esc(story.authors[0])}</div>
<div class="tanggal">{ina_dateline(story.published, story.flags.get("hari", False))}</div>
{lead_photo}
<div class="isi">
{_paragraphs(story, "a", base)}
</div>
<div class="share">Bagikan: {share(url, story.title)}</div>
<div class="iklan iklan-artikel"><ins class="adsbygoogle" style="display:block;text-align:center" data-ad-layout="in-article" data-ad-format="fluid" data-ad-client="ca-pub-0000000000000000" data-ad-slot="1000000005"></ins><script>(adsbygoogle = window.adsbygoogle || []).push({{}});</script></div>
{related(cat, story, "a")}
<div class="komentar">
<h3>KOMENTAR</h3>
<div class="fb-comments" data-href="{attr(url)}" data-width="100%" data-numposts="5"></div>
</div>
</div>
</div>
{sidebar(cat, "a")}
</div>
{footer("a")}
</div>
</body>
</html>"""
    return Page(200, HTML, page, story.modified)


def render_b(cat: Catalogue, base: str, story: Story) -> Page:
    url = base + story.path
    section = story.sections[0]
    name = INA_SECTIONS[section]
    photo = story.photo
    published = iso(story.published.astimezone(WIB))
    modified = iso(story.modified.astimezone(WIB))
    article = {"@type": "NewsArticle", "@id": f"{url}#article", "isPartOf": {"@id": url},
               "author": {"@type": "Person", "name": story.authors[0]}, "headline": story.title,
               "datePublished": published, "dateModified": modified, "mainEntityOfPage": {"@id": url},
               "publisher": {"@id": f"{base}/#organization"}, "articleSection": [name], "inLanguage": "id-ID"}
    if photo:
        article["image"] = {"@type": "ImageObject", "url": base + photo.src, "width": 800, "height": 533}
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "@id": url, "url": url, "name": f"{story.title} - Inakoran",
         "isPartOf": {"@id": f"{base}/#website"}, "datePublished": published, "dateModified": modified},
        article,
        {"@type": "Organization", "@id": f"{base}/#organization", "name": "Inakoran", "url": base},
        {"@type": "WebSite", "@id": f"{base}/#website", "url": base, "name": "Inakoran", "inLanguage": "id-ID"}]}
    og_image = f'\n<meta property="og:image" content="{attr(base + photo.src)}" />' if photo else ""
    thumb = (f'<div class="post-thumbnail"><figure class="wp-caption"><img width="800" height="533" '
             f'src="{attr(base + photo.src)}" class="attachment-large size-large wp-post-image" alt="" '
             f'decoding="async" /><figcaption class="wp-caption-text">{esc(photo.printed)}</figcaption></figure></div>'
             ) if photo else ""
    local = story.modified.astimezone(WIB)
    page = f"""<!doctype html>
<html lang="id-ID">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(story.title)} - Inakoran</title>
<meta name="robots" content="index, follow, max-image-preview:large" />
<link rel="canonical" href="{attr(url)}" />
<meta property="og:locale" content="id_ID" />
<meta property="og:type" content="article" />
<meta property="og:title" content="{attr(story.title)}" />
<meta property="og:description" content="{attr(story.paragraphs[0][:160])}" />
<meta property="og:url" content="{attr(url)}" />
<meta property="og:site_name" content="Inakoran" />
<meta property="article:section" content="{attr(name)}" />
<meta property="article:published_time" content="{published}" />
<meta property="article:modified_time" content="{modified}" />{og_image}
<meta name="author" content="{attr(story.authors[0])}" />
<meta name="twitter:card" content="summary_large_image" />
<script type="application/ld+json" class="yoast-schema-graph">{json_ld(graph)}</script>
<link rel='stylesheet' id='inakoran-style-css' href='/wp-content/themes/inakoran/style.css?ver=1.4' media='all' />
{head_extra("b")}
{ads_config("b", story.path)}
</head>
<body class="post-template-default single single-post postid-{story.id} single-format-standard">
{body_top("b")}
<div id="page" class="site">
{header("b")}
{ticker(cat)}
<div id="content" class="site-content">
<main id="primary" class="site-main">
<article id="post-{story.id}" class="post-{story.id} post type-post status-publish format-standard has-post-thumbnail category-{section}">
<header class="entry-header">
<div class="entry-meta"><span class="cat-links"><a href="/kategori/{section}" rel="category tag">{esc(name)}</a></span></div>
<h1 class="entry-title">{esc(story.title)}</h1>
<div class="entry-meta">
<span class="byline">Penulis: <span class="author vcard"><span class="fn">{esc(story.authors[0])}</span></span></span>
<span class="posted-on"><time class="entry-date published" datetime="{published}">{ina_long_date(story.published)}</time><time class="updated" datetime="{modified}">{local.day:02d}/{local.month:02d}/{local.year}</time></span>
</div>
{thumb}
</header>
<div class="entry-content">
{_paragraphs(story, "b", base)}
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social"><h3 class="sd-title">Bagikan ini:</h3><div class="sd-content"><ul><li>{share(url, story.title)}</li></ul></div></div></div>
</div>
<footer class="entry-footer"><span class="tags-links">Tag: <a href="/kategori/{section}" rel="tag">{esc(name)}</a></span></footer>
</article>
{related(cat, story, "b")}
<div id="comments" class="comments-area">
<h2 class="comments-title">KOMENTAR</h2>
<div id="respond" class="comment-respond"><p class="must-log-in">Silakan masuk untuk berkomentar.</p></div>
</div>
</main>
{sidebar(cat, "b")}
</div>
{footer("b")}
</div>
</body>
</html>"""
    return Page(200, HTML, page, story.modified)


def render_article(cat: Catalogue, base: str, story: Story) -> Page:
    return (render_a if story.kind == "a" else render_b)(cat, base, story)

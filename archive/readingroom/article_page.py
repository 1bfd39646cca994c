"""The reading room's article page: `/{db}/-/article/{id}` (and `.json`).

What it shows comes from `archive.articles.describe`, the function behind `newsarchive show`: the article's
fields, its images each with its capture or why it has none, and its provenance. The page lays them out for
reading and links the article to its archived capture (replayed by pywb, and raw), its versions, citation,
JSON and the live URL."""

from __future__ import annotations

from datasette.utils.asgi import NotFound, Response

from archive import requisites
from archive.articles import ArticleNotFound, describe
from archive.readingroom import pages
from archive.readingroom.querying import run
from archive.replay import replay_url
from archive.terminal import json_text
from archive.times import parse_time, utc_text

ACCESS_NOTES = {
    "full": "Full text: the page carried the whole article, subscriber text included.",
    "open": "Open: the page had no paywall; the whole article was on it.",
    "gated": "Gated: the page showed the lead only, behind a login box, so the text here is that lead.",
    "expired": "Expired: the site said the article is no longer available; the text here is what the page kept.",
}
NO_REPLAY = "Replay needs pywb: run `newsarchive replay install`, then `newsarchive serve`."  # JSON's `no_replay`


def times(value: str | None) -> dict | None:
    """A stored time (ISO 8601, the site's offset) as the site printed it and in UTC, for people."""
    moment = parse_time(value, default_zone=None)
    if moment is None:
        return None
    if moment.tzinfo is None:  # no offset: the moment is unknown, show it as given
        return {"iso": value, "site": moment.strftime("%Y-%m-%d %H:%M:%S"), "utc": None}
    offset = moment.strftime("%z")
    return {"iso": value, "site": f"{moment.strftime('%Y-%m-%d %H:%M:%S')} UTC{offset[:3]}:{offset[3:]}",
            "utc": utc_text(moment).replace("T", " ").replace("Z", " UTC")}


def paragraphs(body: str | None) -> list[str]:
    return [p for p in (body or "").split("\n\n") if p.strip()]


def links(database: str, article: dict, provenance: dict, replay_base: str | None) -> dict:
    """Where the article leads: its capture replayed and raw, its versions, citation, JSON and the live URL."""
    capture_id = provenance.get("capture_id")
    replay = None
    if replay_base and provenance.get("fetched_at"):
        replay = replay_url(replay_base, article["url"], provenance["fetched_at"])
    return {
        "replay": replay,
        "raw": pages.capture_path(database, capture_id, "raw") if capture_id is not None else None,
        "versions": pages.article_path(database, article["id"], "/versions"),
        "cite": pages.article_path(database, article["id"], "/cite"),
        "json": pages.article_path(database, article["id"], ".json"),
        "live": article["url"],  # as fetched: the canonical URL may name another host than the one crawled
    }


def figures(database: str, images: list[dict]) -> list[dict]:
    """Each image with the archived copy to show (`src`) or why there is none (`missing`)."""
    shown = []
    for image in images:
        figure = {"caption": image.get("caption"), "credit": image.get("credit"), "url": image.get("src"),
                  "src": None, "missing": None}
        capture = image.get("capture")
        if capture is not None and capture.get("status") == 200:
            figure["src"] = pages.capture_path(database, capture["id"], "body")
        elif capture is not None:
            figure["missing"] = f"the archived answer was HTTP {capture.get('status')}, not the image"
        elif image.get("missing"):
            figure["missing"] = requisites.describe_missing(image["missing"])
        else:
            figure["missing"] = "not archived: the image is not a web address (held in the page itself)"
        shown.append(figure)
    return shown


async def article_view(request, datasette):
    database = request.url_vars["database"]
    db = pages.index_database(datasette, database)
    try:
        shown = await run(db, describe, int(request.url_vars["id"]))
    except ArticleNotFound as exc:
        raise NotFound(str(exc))
    article, provenance = shown["article"], shown["provenance"]
    page_links = links(database, article, provenance, pages.replay_base(datasette))
    if request.url_vars.get("format"):
        document = {**shown, "links": page_links}
        if not page_links["replay"]:
            document["no_replay"] = NO_REPLAY
        return Response(json_text(document, indent=1), content_type="application/json; charset=utf-8")
    html = await datasette.render_template("newsarchive_article.html", {
        "database": database, "article": article, "provenance": provenance, "links": page_links,
        "published": times(article.get("published")), "modified": times(article.get("modified")),
        "paragraphs": paragraphs(article.get("body")), "figures": figures(database, article.get("images") or []),
        "access_note": ACCESS_NOTES.get(article.get("access") or "", None),
        "requisites": shown["requisites"],
    }, request=request)
    return Response.html(html)


ROUTES = [(r"^/(?P<database>[^/]+)/-/article/(?P<id>\d{1,18})(?P<format>\.json)?$", article_view)]

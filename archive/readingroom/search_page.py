"""The reading room's search page: `/{db}/-/search?q=&site=&author=&since=&until=&access=&limit=`.

It runs what `newsarchive search` runs (archive.search: the query through `fts_query`, the same filters, the
same bounded ranking) on Datasette's read connection, and shows each hit with its title linked to the
article page, its site, date, authors and a snippet with the match highlighted."""

from __future__ import annotations

import re

from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from archive.access import ACCESS_STATES
from archive.readingroom import pages
from archive.readingroom.querying import run
from archive.search import Filters, SearchError, _search

DEFAULT_LIMIT = 20
MAX_LIMIT = 200
FILTERS = ("site", "author", "since", "until", "access")
_MARKED = re.compile(r"\[([^\[\]]*)\]")  # snippet() wraps each matched token in [ ]

# Distinct sites by walking the (site, published_utc) index from one site to the next: a few lookups, not a
# scan of every article.
SITES_SQL = """WITH RECURSIVE s(site) AS (SELECT min(site) FROM articles
  UNION ALL SELECT (SELECT min(site) FROM articles WHERE site > s.site) FROM s WHERE s.site IS NOT NULL)
SELECT site FROM s WHERE site IS NOT NULL"""


def highlight(snippet: str) -> Markup:
    """The snippet escaped, then each `[match]` FTS5 marked as <mark>match</mark>."""
    return Markup(_MARKED.sub(r"<mark>\1</mark>", str(escape(snippet))))


def parse_limit(value: str | None) -> int:
    if value in (None, ""):
        return DEFAULT_LIMIT
    if not value.strip().isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise SearchError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {value!r}")
    return int(value)


def _sites(conn) -> list[str]:
    return [row[0] for row in conn.execute(SITES_SQL)]


async def search_view(request, datasette):
    database = request.url_vars["database"]
    db = pages.index_database(datasette, database)
    form = {name: (request.args.get(name) or "").strip() for name in ("q", "limit", *FILTERS)}
    result, error, status = None, None, 200
    if form["q"]:
        try:
            limit = parse_limit(form["limit"])
            filters = Filters(**{name: form[name] or None for name in FILTERS})
            result = await run(db, _search, form["q"], filters, limit, False)  # _search expands stems
        except SearchError as exc:
            error, status = str(exc), 400
    elif any(form[name] for name in FILTERS):
        error, status = "give a search query: one or more words, a \"quoted phrase\", or terms joined by OR", 400
    hits = []
    for hit in result.hits if result else ():
        hits.append({"hit": hit, "href": pages.article_path(database, hit.id), "snippet": highlight(hit.snippet)})
    html = await datasette.render_template("newsarchive_search.html", {
        "database": database, "form": form, "sites": await run(db, _sites), "access_states": ACCESS_STATES,
        "error": error, "result": result, "hits": hits,
        "table_search": f"/{database}/articles?_search=", "page_title": "Search",
    }, request=request)
    return Response.html(html, status=status)


ROUTES = [(r"^/(?P<database>[^/]+)/-/search$", search_view)]

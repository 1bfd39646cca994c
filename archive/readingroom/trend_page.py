"""`/{db}/-/trend?q=&by=&site=&since=&until=` (`trend.json` for the numbers as JSON): articles matching a query per period and site, as two charts
(each site's share of its own articles, and the matching articles) and a table; every count links to the
search for exactly the articles it counts. The counting is `archive.trend.trend`, the same as
`newsarchive trend` runs."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from datasette.utils.asgi import Response

from archive.readingroom import pages
from archive.readingroom.querying import run
from archive.readingroom.trend_chart import charts, tip
from archive.search import SearchError
from archive.trend import PERIODS, Period, Trend, sites, trend

DEFAULT_BY = "week"  # three years by day is a thousand periods; a week reads at a glance


def search_prefix(database: str, query: str) -> str:
    """The reading room's search page for `query`; each link adds its filters (site, since, until: times with
    their offset are exact instants, bare days whole UTC days)."""
    return f"/{database}/-/search?{urlencode({'q': query})}"


async def trend_view(request, datasette):
    database = request.url_vars["database"]
    db = pages.index_database(datasette, database)
    args = request.args
    query = (args.get("q") or "").strip()
    form = {"q": query, "by": args.get("by") or DEFAULT_BY, "site": args.get("site") or "",
            "since": (args.get("since") or "").strip(), "until": (args.get("until") or "").strip()}
    error, result = None, None
    if query:
        try:
            result = await run(db, trend, query, site=form["site"] or None, by=form["by"],
                               since=form["since"] or None, until=form["until"] or None)
        except SearchError as exc:
            error = str(exc)
    if request.url_vars.get("format") == ".json":  # what `newsarchive trend --format json` prints
        if not query and not error:
            error = "give a search query: one or more words, a \"quoted phrase\", or terms joined by OR"
        return Response.json({"error": error} if error else result.as_dict(), status=400 if error else 200)
    known_sites = await run(db, sites)

    prefix = search_prefix(database, query)
    links: dict[tuple, str] = {}  # each count is linked from both charts and the table: its URL made once

    def exact(period: Period, site: str) -> str:  # the articles one count counts: the site's own days
        key = (period.start, site)
        if key not in links:
            since, until = result.window(period, site)
            links[key] = f"{prefix}&site={quote(site, safe='')}&since={quote(since, safe='')}&until={quote(until, safe='')}"
        return links[key]

    context = {
        "database": database, "form": form, "periods": PERIODS, "known_sites": known_sites, "error": error,
        "result": result, "charts": charts(result, exact) if result else [],
        "rows": _rows(database, result, exact) if result else "",
        "json_url": f"/{database}/-/trend.json?{urlencode({k: v for k, v in form.items() if v})}",
    }
    html = await datasette.render_template("newsarchive_trend.html", context, request=request)
    return Response.html(html, status=400 if error else 200)


def _rows(database: str, result: Trend, exact) -> Markup:
    """The table's body beneath the charts: a row per period, per site its matches (linked), articles and share.
    Written here rather than in the template: Datasette's async Jinja took ~0.1 s a page over three years by day."""
    prefix = search_prefix(database, result.query)
    lines = []
    for period in result.periods:
        start, end = period.start.isoformat(), period.end.isoformat()
        cells = []
        for site in result.sites:
            share = period.share(site)
            cells.append(f'<td class="num"><a href="{escape(exact(period, site))}" title="{escape(tip(result, period, site))}">'
                         f'{period.matches[site]:,}</a></td><td class="num">{period.totals[site]:,}</td>'
                         f'<td class="num">{"–" if share is None else f"{100 * share:.1f}%"}</td>')
        lines.append(f'<tr><td><a href="{escape(f"{prefix}&since={start}&until={end}")}" title="{start} to {end}">'
                     f'{escape(period.label)}</a></td>{"".join(cells)}</tr>')
    return Markup("\n".join(lines))


ROUTES = [(r"^/(?P<database>[^/]+)/-/trend(?P<format>\.json)?$", trend_view)]

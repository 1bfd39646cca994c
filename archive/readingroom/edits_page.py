"""The reading room's edits pages: edited articles, an article's versions, a word-level diff between two
versions, and a citation (text and CSL-JSON). They gather with archive.edits and archive.cite, run on
Datasette's read-only connection (`db.execute_fn`), and show; nothing here decides what an edit is."""

from __future__ import annotations

import json
from typing import Any

from datasette.utils import tilde_decode
from datasette.utils.asgi import BadRequest, NotFound, Response

from archive import cite as citations, edits
from archive.readingroom import pages
from archive.replay import DEFAULT_REPLAY_BASE, replay_url

PAGE_SIZE = 200  # edited articles listed per page of /-/edits
SITES = ("kyodo", "inakoran")


def _database(request, datasette):
    name = tilde_decode(request.url_vars["db"])
    return name, pages.index_database(datasette, name)


def _number(request, name: str) -> int | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 1 << 31:
        raise BadRequest(f"{name}: not a version number: {value!r}")
    return int(value)


def _citation_base(datasette, db) -> str:
    """Citations name a replay URL even when no pywb runs here: the archive's configured one."""
    from archive.config import ConfigError, load

    running = pages.replay_base(datasette)
    if running:
        return running
    try:
        return load(pages.data_dir(db)).replay_url
    except ConfigError:
        return DEFAULT_REPLAY_BASE


async def _render(datasette, request, template: str, context: dict[str, Any]) -> Response:
    return Response.html(await datasette.render_template(template, context, request=request))


async def edits_view(request, datasette):
    name, db = _database(request, datasette)
    site = request.args.get("site") or None
    if site is not None and site not in SITES:
        raise BadRequest(f"site: one of {', '.join(SITES)}")
    since = (request.args.get("since") or "").strip() or None
    silent = {"1": True, "on": True, "true": True, "0": False, "false": False}.get(request.args.get("silent") or "")
    try:
        found = await db.execute_fn(lambda conn: edits.edited_articles(conn, site=site, since=since, silent=silent,
                                                                       limit=PAGE_SIZE))
    except ValueError as exc:  # SearchError: a --since that is no date
        raise BadRequest(str(exc)) from None
    return await _render(datasette, request, "newsarchive_edits.html", {
        "database": name, "articles": found, "site": site, "since": since or "", "silent": silent, "sites": SITES,
        "page_size": PAGE_SIZE, "article_path": pages.article_path})


def _article(conn, article_id: int) -> dict[str, Any]:
    cursor = conn.execute("SELECT id, url, site, title, published, modified, capture_id FROM articles WHERE id = ?",
                          [article_id])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row)) if row else None


async def versions_view(request, datasette):
    name, db = _database(request, datasette)
    article_id = int(request.url_vars["id"])
    base = _citation_base(datasette, db)

    def gather(conn):
        article = _article(conn, article_id)
        if article is None:
            return None
        held = edits.versions(conn, article_id)
        for old, new in zip([None, *held], held):
            new["change"] = edits.change(old, new) if old else None
            new["citation"] = citations.cite(conn, article_id, new["number"], base)["text"]
        return article, held

    found = await db.execute_fn(gather)
    if found is None:
        raise NotFound(f"no article {article_id}")
    article, held = found
    replay = pages.replay_base(datasette)
    for version in held:
        version["replay_url"] = (replay_url(replay, version["capture_url"] or article["url"],
                                          version["fetched_at"]) if replay else None)
        version["raw_path"] = pages.capture_path(name, version["capture_id"]) if version["capture_id"] else None
    return await _render(datasette, request, "newsarchive_versions.html", {
        "database": name, "article": article, "versions": held, "replay": replay,
        "article_path": pages.article_path})


async def diff_view(request, datasette):
    name, db = _database(request, datasette)
    article_id = int(request.url_vars["id"])
    start, end = _number(request, "from"), _number(request, "to")

    def gather(conn):
        article = _article(conn, article_id)
        if article is None:
            return None
        try:
            return article, edits.compare(conn, article_id, start, end)
        except edits.VersionNotFound as exc:
            return article, exc

    found = await db.execute_fn(gather)
    if found is None:
        raise NotFound(f"no article {article_id}")
    article, result = found
    if isinstance(result, Exception):
        raise NotFound(str(result))
    return await _render(datasette, request, "newsarchive_diff.html", {
        "database": name, "article": article, "result": result, "change": result["change"],
        "numbers": range(1, result["versions"] + 1), "article_path": pages.article_path})


async def cite_view(request, datasette):
    name, db = _database(request, datasette)
    article_id = int(request.url_vars["id"])
    number = _number(request, "version")
    base = _citation_base(datasette, db)

    def gather(conn):
        try:
            return citations.cite(conn, article_id, number, base)
        except citations.CitationError as exc:
            return exc

    cited = await db.execute_fn(gather)
    if isinstance(cited, Exception):
        raise NotFound(str(cited))
    if request.url_vars.get("json"):
        return Response.json([cited["csl"]], headers={"Content-Disposition": "inline"})
    return await _render(datasette, request, "newsarchive_cite.html", {
        "database": name, "cited": cited, "number": number, "article_path": pages.article_path,
        "csl_text": json.dumps([cited["csl"]], ensure_ascii=False, indent=2)})


_DB = r"^/(?P<db>[^/]+)/-/"
ROUTES = [
    (_DB + r"edits$", edits_view),
    (_DB + r"article/(?P<id>\d{1,18})/versions$", versions_view),
    (_DB + r"article/(?P<id>\d{1,18})/diff$", diff_view),
    (_DB + r"article/(?P<id>\d{1,18})/cite(?P<json>\.json)?$", cite_view),
]

"""The Datasette plugin (entry point `newsarchive` in group `datasette`): metadata for every database that is a
newsarchive index, the reading room's routes, and cells that stay short in tables."""

from __future__ import annotations

from datasette import hookimpl

from archive.readingroom import assets, cells, pages
from archive.readingroom.metadata import metadata

PAGE_MODULES: tuple[str, ...] = ("assets", "search_page", "article_page", "capture_page", "edits_page",
                                   "trend_page")  # each with ROUTES


@hookimpl
def get_metadata(datasette, key, database, table):
    names = [name for name, db in datasette.databases.items() if pages.is_index(db)]
    if not names:
        return {}
    merged = metadata(names[0])
    for name in names[1:]:
        merged["databases"].update(metadata(name)["databases"])
    return merged


@hookimpl
def register_routes(datasette):
    import importlib

    routes = []
    for name in PAGE_MODULES:
        routes.extend(importlib.import_module(f"archive.readingroom.{name}").ROUTES)
    return routes


@hookimpl
def prepare_jinja2_environment(env, datasette):
    assets.add_template_loader(env)


@hookimpl
def extra_css_urls(datasette):
    return [assets.STYLESHEET]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    db = datasette.databases.get(database)
    if db is None or not pages.is_index(db):
        return None
    return cells.render(row, value, column, table, database)


@hookimpl
def menu_links(datasette, actor, request):
    indexes = [name for name, db in datasette.databases.items() if pages.is_index(db)]
    return [{"href": f"/{name}/-/search", "label": f"Reading room: search {name}"} for name in indexes] + \
        [{"href": f"/{name}/-/trend", "label": f"Reading room: trends in {name}"} for name in indexes]

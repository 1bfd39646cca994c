"""The Datasette plugin (entry point `newsarchive` in group `datasette`): metadata for every database that is a
newsarchive index, the reading room's routes, and cells that stay short in tables."""

from __future__ import annotations

from pathlib import Path

from datasette import hookimpl

from archive.readingroom import pages
from archive.readingroom.metadata import metadata

PAGE_MODULES: tuple[str, ...] = (
    "edits_page",
)  # module names under archive.readingroom, each with ROUTES


@hookimpl
def get_metadata(datasette, key, database, table):
    names = [name for name, db in datasette.databases.items() if pages.is_index(db)]
    if not names:
        return {}
    merged = metadata(names[0])
    for name in names[1:]:
        merged["databases"].update(metadata(name)["databases"])
    return merged


TEMPLATES = Path(__file__).resolve().parent / "templates"


@hookimpl
def prepare_jinja2_environment(env, datasette):
    # Datasette 0.65 finds a plugin's templates/ only beside a *package* entry point (importlib.resources.files
    # of the module raises TypeError for plugin.py, which it swallows): add ours to the loader after its own.
    from jinja2 import ChoiceLoader, FileSystemLoader

    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])


@hookimpl
def register_routes(datasette):
    import importlib

    routes = []
    for name in PAGE_MODULES:
        routes.extend(importlib.import_module(f"archive.readingroom.{name}").ROUTES)
    return routes

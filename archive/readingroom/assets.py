"""The reading room's templates and static files (vendored CSS/JS, never a CDN).

Datasette looks for a plugin's `static/` and `templates/` beside the plugin module as a package
(`importlib.resources.files("archive.readingroom.plugin")`), which Python 3.11 refuses for a module, so the
plugin serves its static files itself, at the path Datasette would use (`/-/static-plugins/newsarchive/`;
plugin routes come before Datasette's own), and adds its templates to Datasette's Jinja loader."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from datasette.utils.asgi import NotFound, Response
from jinja2 import ChoiceLoader, FileSystemLoader

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
STATIC_URL = "/-/static-plugins/newsarchive"
STYLESHEET = f"{STATIC_URL}/newsarchive.css"


def add_template_loader(env) -> None:
    """Datasette's templates first (a plugin cannot replace them by accident), then the reading room's."""
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])


async def static_file(request, datasette):
    name = request.url_vars["path"]
    path = (STATIC / name).resolve()
    if STATIC not in path.parents or not path.is_file():  # no `..` out of the static directory
        raise NotFound(f"no static file {name!r}")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    return Response(path.read_bytes(), content_type=content_type,
                    headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})


ROUTES = [(r"^/-/static-plugins/newsarchive/(?P<path>[A-Za-z0-9_./-]+)$", static_file)]

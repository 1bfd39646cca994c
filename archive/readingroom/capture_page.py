"""The archived bytes of a capture, from its WARC record (archive.captured):

    /{db}/-/capture/{id}/raw    any capture's body as archived; markup and scripts as text/plain (read, never
                                run), other types (images, fonts) with their archived Content-Type
    /{db}/-/capture/{id}/body   a requisite's body with its archived Content-Type, for <img src>; HTML refused

Both are sent with `X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox`: archived bytes are
the publisher's, and nothing in them may run as this server's page. A revisit resolves to the record it refers
to; a WARC file missing or damaged is a 500 page giving the reason."""

from __future__ import annotations

from email.message import Message

from datasette.utils.asgi import NotFound, Response
from datasette.views.base import DatasetteError

from archive.captured import CaptureNotFound, CaptureUnreadable, capture_content
from archive.readingroom import pages
from archive.readingroom.querying import run

SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
                "Cache-Control": "max-age=86400"}
# Types a browser would render as a document (and run scripts in): shown as text, read only.
DOCUMENT_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml")


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """(media type in lower case, charset or None) of a Content-Type header as archived."""
    if not value:
        return "application/octet-stream", None
    message = Message()
    message["content-type"] = value
    return message.get_content_type(), message.get_param("charset")


def as_text(media_type: str) -> bool:
    return (media_type.startswith("text/") or media_type in DOCUMENT_TYPES or "javascript" in media_type
            or media_type.endswith("+xml") or media_type.endswith("/json"))


async def _content(request, datasette):
    database = request.url_vars["database"]
    db = pages.index_database(datasette, database)
    capture_id = int(request.url_vars["id"])
    try:
        return await run(db, capture_content, pages.data_dir(db), capture_id)
    except CaptureNotFound as exc:
        raise NotFound(str(exc))
    except CaptureUnreadable as exc:
        raise DatasetteError(str(exc), title="The archived capture cannot be read", status=500)


async def raw_view(request, datasette):
    stored = await _content(request, datasette)
    media_type, charset = parse_content_type(stored.content_type)
    if as_text(media_type):
        content_type = "text/plain" + (f"; charset={charset}" if charset else "")
    else:
        content_type = media_type
    return Response(stored.response.body, content_type=content_type, headers=dict(SAFE_HEADERS))


async def body_view(request, datasette):
    stored = await _content(request, datasette)
    media_type, charset = parse_content_type(stored.content_type)
    if media_type in ("text/html", "application/xhtml+xml"):
        raise DatasetteError(f"capture {stored.capture['id']} is an HTML page: read it as text at "
                             f"{pages.capture_path(request.url_vars['database'], stored.capture['id'], 'raw')}",
                             title="Not served here", status=403)
    content_type = media_type + (f"; charset={charset}" if charset else "")
    return Response(stored.response.body, content_type=content_type, headers=dict(SAFE_HEADERS))


ROUTES = [(r"^/(?P<database>[^/]+)/-/capture/(?P<id>\d{1,18})/raw$", raw_view),
          (r"^/(?P<database>[^/]+)/-/capture/(?P<id>\d{1,18})/body$", body_view)]

"""A Datasette plugin that `newsarchive serve` loads (--plugins-dir): a request that is not a read is answered
403. The index is opened immutable, so nothing could be written anyway, but Datasette 0.65 answers a POST to a
write endpoint of later versions (`/db/table/-/insert`) with a 500 from its error page; a plain refusal says
what this server is. Self-contained (the file is copied beside the server's metadata): Datasette only."""

from datasette import hookimpl

READS = {"GET", "HEAD", "OPTIONS"}
REFUSAL = b'{"ok": false, "error": "read-only: newsarchive serve answers GET and HEAD requests only"}'


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in READS:
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                        (b"content-length", str(len(REFUSAL)).encode())]})
                await send({"type": "http.response.body", "body": REFUSAL})
                return
            await app(scope, receive, send)
        return read_only
    return wrap

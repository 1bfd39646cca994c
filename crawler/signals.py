"""Signals newsarchive components use to talk to each other (Scrapy style: wired, not imported)."""

# Sent by WarcCaptureMiddleware after a response record is written.
# Arguments: capture (archive.index.Capture), request, response, spider.
capture_written = object()

# Sent when a URL yields no indexed page for a reason worth keeping (fetch_errors table).
# Arguments: url, reason (archive.index.ERROR_REASONS), status, detail, spider.
fetch_failed = object()

# Sent by the download handler as a request is about to go on the wire. A receiver returns why it must not go
# (text), or None; the handler refuses a request with a reason (the politeness middleware: the host's circuit
# breaker opened while the request waited in the downloader's queue). Arguments: request.
veto_download = object()

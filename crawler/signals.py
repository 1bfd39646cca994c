"""Signals newsarchive components use to talk to each other (Scrapy style: wired, not imported)."""

# Sent by WarcCaptureMiddleware after a response record is written.
# Arguments: capture (archive.index.Capture), request, response, spider.
capture_written = object()

# Sent when a URL yields no indexed page for a reason worth keeping (fetch_errors table).
# Arguments: url, reason (archive.index.ERROR_REASONS), status, detail, spider.
fetch_failed = object()

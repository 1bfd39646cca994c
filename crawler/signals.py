"""Signals newsarchive components use to talk to each other (Scrapy style: wired, not imported)."""

# Sent by WarcCaptureMiddleware after a response record is written.
# Arguments: capture (archive.index.Capture), request, response, spider.
capture_written = object()

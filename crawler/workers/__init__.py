"""Child processes of a crawl: the machinery that runs them, the WARC writer, and the site parsers."""

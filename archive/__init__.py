"""newsarchive archive: WARC writing/reading, the SQLite index and its queries. Never imports Scrapy or crawler.

`__version__` is the project's one version: pyproject.toml reads it, crawler re-exports it, the crawl's
User-Agent and WARC warcinfo `software` are made from it.
"""

__version__ = "0.1.0"

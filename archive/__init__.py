"""newsarchive archive: WARC writing/reading, the SQLite index and its queries. Never imports Scrapy or crawler."""

__version__ = "0.1.0"

"""newsarchive crawler: Scrapy project (spiders, parsers, capture middleware, index pipeline) and CLI."""

__version__ = "0.1.0"

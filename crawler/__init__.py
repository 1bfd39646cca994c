"""newsarchive crawler: Scrapy project (spiders, parsers, capture middleware, index pipeline) and CLI.

`crawler.__version__` is archive's (the lower layer, usable alone, holds the one version), looked up when asked
for: importing `crawler.parsers` runs this module, and the parsers must stay importable without archive.
"""


def __getattr__(name: str):
    if name == "__version__":
        from archive import __version__

        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

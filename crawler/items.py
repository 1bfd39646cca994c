"""The crawl's one item: an archived article, as the parser read it, with the capture that holds its page.

Scrapy takes dataclass items (through itemadapter); the spider yields this and the index pipeline hands
both parts to the index writer unchanged (crawler/pipelines.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.index import Capture
from crawler.parsers import Article


@dataclass
class ArchivedArticle:
    article: Article
    capture: Capture  # the WARC record of the page the article was read from

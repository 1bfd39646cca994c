"""What a parser returns: an Article, or NotArticle with the reason.

`Article` is the one shape of an article from the parser to the index: the spider's item carries it
(crawler/items.py) and the index takes it as it is (archive.index.IndexableArticle). Its fields are the
one field list: `ARTICLE_KEYS`, the `newsarchive parse` JSON contract, is read from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

# Field metadata marking a field the index stores but `newsarchive parse` does not print.
NOT_IN_PARSE_JSON = {"parse_json": False}


@dataclass
class Image:
    src: str
    caption: str | None = None
    credit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # What asdict gives (its fields are plain values), at a thirtieth of its cost: the index writer's thread
        # runs this for every image of every article.
        return dict(self.__dict__)


@dataclass
class Article:
    url: str
    canonical_url: str | None
    site: str
    language: str | None
    title: str | None
    authors: list[str] = field(default_factory=list)  # people only, never the agency
    credit: str | None = None  # organisation: "KYODO NEWS", "AP News"
    published: str | None = None  # ISO 8601 with the site's real offset, seconds included
    modified: str | None = None
    date_source: dict[str, str] = field(default_factory=dict)  # {"published": "json-ld", "modified": ...}
    categories: list[str] = field(default_factory=list)
    dateline: str | None = None
    lead: str | None = None
    body: str | None = None  # paragraphs joined by "\n\n"
    images: list[Image] = field(default_factory=list)
    access: str | None = None
    word_count: int = 0
    parser: str = ""
    parser_version: str = ""
    # Why a field is missing or was rejected: stored by the index, kept out of the JSON contract, which
    # describes the page rather than how it was read.
    warnings: list[str] = field(default_factory=list, metadata=NOT_IN_PARSE_JSON)

    def to_dict(self) -> dict[str, Any]:
        """The `newsarchive parse` JSON fields (ARTICLE_KEYS), sharing no list or dict with the article (what
        `asdict` gives, a tenth as dear: the index writer runs this for every article of a crawl)."""
        data = {key: getattr(self, key) for key in ARTICLE_KEYS}
        data.update(authors=list(self.authors), categories=list(self.categories), date_source=dict(self.date_source),
                    images=[image.to_dict() for image in self.images])
        return data

    def all_fields(self) -> dict[str, Any]:
        """Every field, warnings included, as JSON-ready values: what the index stores, one `articles` column
        each (archive.index.IndexableArticle)."""
        return dict(self.to_dict(), warnings=list(self.warnings))


# The exact keys of `newsarchive parse` JSON output, in order: Article's fields but those marked
# NOT_IN_PARSE_JSON.
ARTICLE_KEYS = tuple(f.name for f in fields(Article) if f.metadata.get("parse_json", True))


@dataclass
class NotArticle:
    url: str
    reason: str  # e.g. "list page", "home page", "http 404 page", "photo gallery"
    parser: str = ""
    parser_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"article": None, "reason": self.reason}


ParseResult = Article | NotArticle

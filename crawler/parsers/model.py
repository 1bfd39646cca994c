"""What a parser returns: an Article, or NotArticle with the reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# The exact keys of `newsarchive parse` JSON output, in order (issue #3).
ARTICLE_KEYS = (
    "url", "canonical_url", "site", "language", "title", "authors", "credit", "published", "modified",
    "date_source", "categories", "dateline", "lead", "body", "images", "access", "word_count",
    "parser", "parser_version",
)


@dataclass
class Image:
    src: str
    caption: str | None = None
    credit: str | None = None


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
    # Not part of the JSON contract: why a field is missing or was rejected.
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON fields, sharing no list or dict with the article (what `asdict` gives, a tenth as dear:
        the crawl's parser processes run this for every page)."""
        data = {key: getattr(self, key) for key in ARTICLE_KEYS}
        data.update(authors=list(self.authors), categories=list(self.categories), date_source=dict(self.date_source),
                    images=[asdict(image) for image in self.images])
        return data


@dataclass
class NotArticle:
    url: str
    reason: str  # e.g. "list page", "home page", "http 404 page", "photo gallery"
    parser: str = ""
    parser_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"article": None, "reason": self.reason}


ParseResult = Article | NotArticle

"""The parser `archive.reindex.rebuild` runs on every archived page: the same call the spiders make."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from archive.decoding import MAX_BODY_BYTES
from archive.index import default_db_path
from archive.reindex import ReindexReport, rebuild
from crawler.parsers import Article, parse_page


def parse_for_index(body: bytes, url: str, fetched_at: datetime, site: str | None) -> Article | None:
    """The Article `ArchiveSpider.extract` puts in its item, or None for a page that is not one."""
    result = parse_page(body, url, fetched_at, site=site)
    return result if isinstance(result, Article) else None


def reindex(data_dir: str | Path, warc_dir: str | Path | None = None, workers: int | None = None,
            progress=None, accept_loss: bool = False, max_body_bytes: int = MAX_BODY_BYTES) -> ReindexReport:
    """Rebuild DATA/index.db from the WARC files (DATA/warc unless `warc_dir` is given)."""
    data_dir = Path(data_dir)
    return rebuild(Path(warc_dir) if warc_dir else data_dir / "warc", default_db_path(data_dir),
                   parse_for_index, workers=workers, progress=progress, accept_loss=accept_loss,
                   max_body_bytes=max_body_bytes)

"""Run spiders in-process: the Python twin of `newsarchive crawl`.

Twisted's reactor starts once per process, so `run_crawl` can be called once per process; tests and
schedulers run it in a subprocess (`newsarchive crawl`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from archive.catchup import catch_up
from archive.index import Index, default_db_path
from crawler.bodylimit import max_body_bytes
from crawler.reindex import parse_for_index
from crawler.runinfo import new_crawl_id

logger = logging.getLogger(__name__)

# Politeness off: only for the loopback mirror (demo, tests, benchmarks).
MIRROR_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_TIMES": 1,
    "DOWNLOAD_TIMEOUT": 10,
}


@dataclass
class SiteSummary:
    site: str
    pages: int = 0
    articles: int = 0
    errors: int = 0
    warc_files: list[str] = field(default_factory=list)
    warc_bytes: int = 0
    finish_reason: str = ""
    reachable: bool = True  # False when no request got any HTTP answer other than 5xx
    write_errors: int = 0  # records or rows that could not be written: the run must not pass as good


@dataclass
class CrawlResult:
    crawl_id: str
    data_dir: Path
    sites: list[SiteSummary]

    @property
    def ok(self) -> bool:
        """Exit status 0 means every site answered and everything fetched was archived and indexed.
        Individual page failures do not fail the run: they are in fetch_errors."""
        return all(s.write_errors == 0 and s.reachable and s.finish_reason in ("finished", "closespider_pagecount",
                                                                                 "closespider_itemcount")
                   for s in self.sites)

    def summary_table(self) -> str:
        header = ("site", "pages", "articles", "errors", "warc files", "warc bytes")
        rows = [(s.site, s.pages, s.articles, s.errors, len(s.warc_files), s.warc_bytes) for s in self.sites]
        rows.append(("total", *(self.total(a) for a in ("pages", "articles", "errors", "warc_files", "warc_bytes"))))
        cells = [header] + [(r[0], *(f"{v:,}" for v in r[1:])) for r in rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
                 for row in cells]
        lines.append(f"crawl {self.crawl_id}: WARC files in {self.data_dir / 'warc'}, "
                     f"index {self.data_dir / 'index.db'}")
        return "\n".join(lines)

    def total(self, attr: str) -> int:
        return sum(getattr(s, attr) if not isinstance(getattr(s, attr), list) else len(getattr(s, attr))
                   for s in self.sites)


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def spider_names() -> list[str]:
    return sorted(SpiderLoader.from_settings(project_settings()).list())


def run_crawl(sites: list[str], data_dir: str | Path, base_urls: dict[str, str] | None = None,
              max_articles: int | None = None, settings: dict[str, Any] | None = None,
              crawl_id: str | None = None, spider_args: dict[str, Any] | None = None,
              seeds: dict[str, str] | None = None, schedule: str | None = None) -> CrawlResult:
    """Crawl `sites` into `data_dir` (WARC files in data_dir/warc, index in data_dir/index.db)."""
    known = spider_names()
    unknown = [s for s in sites if s not in known]
    if unknown:
        raise ValueError(f"unknown site(s) {', '.join(unknown)}; known: {', '.join(known)}")
    data_dir = Path(data_dir)
    crawl_id = crawl_id or new_crawl_id()
    overrides = {"NEWSARCHIVE_DATA": str(data_dir), "NEWSARCHIVE_CRAWL_ID": crawl_id,
                 "NEWSARCHIVE_BASE_URLS": dict(base_urls or {}), **(settings or {})}
    caught_up = catch_up(data_dir / "warc", default_db_path(data_dir), parse_for_index,
                         max_body_bytes(project_settings(overrides)))
    if caught_up.files_read or caught_up.recovered:
        logger.warning("%s", caught_up.summary())
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    index = Index(default_db_path(data_dir))
    spider_args = {k: v for k, v in (spider_args or {}).items() if v not in (None, False, "")}
    index.start_crawl(crawl_id, sites, {"sites": sites, "base_urls": base_urls or {}, "max_articles": max_articles,
                                        "settings": settings or {}, "spider_args": spider_args,
                                        "seeds": seeds or {}}, started, schedule=schedule)
    index.close()

    process = CrawlerProcess(project_settings(overrides))
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(site)
        crawlers.append(crawler)
        process.crawl(crawler, max_articles=max_articles, seeds=(seeds or {}).get(site), **spider_args)
    process.start()

    summaries = [_summary(site, crawler.stats.get_stats()) for site, crawler in zip(sites, crawlers)]
    result = CrawlResult(crawl_id=crawl_id, data_dir=data_dir, sites=summaries)
    index = Index(default_db_path(data_dir))
    index.finish_crawl(crawl_id, ended=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       status="finished" if result.ok else "failed", pages=result.total("pages"),
                       articles=result.total("articles"), errors=result.total("errors"),
                       warc_bytes=result.total("warc_bytes"),
                       warc_files=json.dumps([f for s in summaries for f in s.warc_files]))
    index.close()
    return result


def _summary(site: str, stats: dict[str, Any]) -> SiteSummary:
    # Off-site links are recorded (fetch_errors, reason offsite) but were never meant to be fetched.
    errors = sum(v for k, v in stats.items()
                 if k.startswith("newsarchive/failed/") and k != "newsarchive/failed/offsite")
    errors += stats.get("warc/write_errors", 0) + stats.get("index/write_errors", 0)
    answered = sum(v for k, v in stats.items()
                   if k.startswith("downloader/response_status_count/") and not k.rsplit("/", 1)[-1].startswith("5"))
    return SiteSummary(
        site=site, pages=stats.get("warc/responses", 0), articles=stats.get("item_scraped_count", 0),
        errors=errors, warc_files=list(stats.get("warc/file_names", [])), warc_bytes=stats.get("warc/bytes", 0),
        finish_reason=str(stats.get("finish_reason", "")), reachable=answered > 0,
        write_errors=stats.get("warc/write_errors", 0) + stats.get("index/write_errors", 0))


def silence_scrapy_logs(level: int = logging.WARNING) -> None:
    logging.getLogger("scrapy").setLevel(level)

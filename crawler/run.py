"""Run spiders in-process: the Python twin of `newsarchive crawl`.

Twisted's reactor starts once per process, so `run_crawl` can be called once per process; tests and
schedulers run it in a subprocess (`newsarchive crawl`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from archive import accounting, alarms, crawllock, health, indexlock
from archive.config import OperatorConfig, load as load_config
from archive.catchup import catch_up
from archive.index import SKIP_REASONS, Index, default_db_path
from archive.storage import storage_problem
from archive.terminal import printable
from crawler.core.halt import Halt, halted
from crawler.core.bodylimit import max_body_bytes
from crawler.extensions.accounting import site_record
from crawler.operator_config import crawl_settings
from crawler.reindex import parse_for_index
from crawler.runinfo import new_crawl_id
from crawler.setting_values import check_settings
from crawler.sites import DISCOVERY_MODES
from crawler.spiders.state import Window

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
    pages: int = 0  # archived responses other than requisites: feeds, listings, articles, robots.txt, errors
    requisites: int = 0  # archived responses to page requisites (crawler/spiders/requisites.py)
    requisite_bytes: int = 0  # their WARC records' bytes
    requisites_offsite: int = 0  # third-party requisites recorded and not fetched
    articles: int = 0
    errors: int = 0
    warc_files: list[str] = field(default_factory=list)
    warc_bytes: int = 0
    finish_reason: str = ""
    reachable: bool = True  # False when no request got any HTTP answer other than 5xx
    write_errors: int = 0  # records or rows that could not be written: the run must not pass as good
    index_failed: bool = False  # the index writer stopped: rows it had not committed are only in the WARC files
    record: dict[str, Any] = field(default_factory=dict)  # its crawl_sites row (crawler/extensions/accounting.py)


@dataclass
class CrawlResult:
    crawl_id: str
    data_dir: Path
    sites: list[SiteSummary]
    halt: Halt | None = None  # why the crawl stopped early, if the archive could not be written
    findings: list[health.Finding] = field(default_factory=list)  # what the health checks found wrong
    alarms: alarms.AlarmOutcome | None = None  # alarms raised and cleared by this crawl

    @property
    def degraded(self) -> bool:
        """Finished, but the health checks found the sites' output wrong against their history (exit 3)."""
        return self.ok and bool(self.findings)

    @property
    def ok(self) -> bool:
        """Exit status 0 means every site answered and everything fetched was archived and indexed.
        Individual page failures do not fail the run: they are in fetch_errors."""
        return self.halt is None and all(
            s.write_errors == 0 and s.reachable and s.finish_reason in ("finished", "closespider_pagecount",
                                                                        "closespider_itemcount")
            for s in self.sites)

    def summary_table(self) -> str:
        header = ("site", "pages", "articles", "requisites", "errors", "warc files", "warc bytes")
        columns = ("pages", "articles", "requisites", "errors", "warc_files", "warc_bytes")
        rows = [(s.site, *(self.total(a, [s]) for a in columns)) for s in self.sites]
        rows.append(("total", *(self.total(a) for a in columns)))
        cells = [header] + [(r[0], *(f"{v:,}" for v in r[1:])) for r in rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
                 for row in cells]
        if self.total("requisites") or self.total("requisites_offsite"):
            lines.append(f"requisites: {self.total('requisites'):,} captured ({self.total('requisite_bytes'):,} "
                         f"bytes), {self.total('requisites_offsite'):,} skipped third-party")
        lines += self.missed_lines()
        lines.append(f"crawl {self.crawl_id}: WARC files in {self.data_dir / 'warc'}, "
                     f"index {self.data_dir / 'index.db'}")
        return "\n".join(lines + self.health_lines())

    def health_lines(self) -> list[str]:
        """DEGRADED and the findings, then the alarms raised and cleared (text from the index: printable)."""
        lines = []
        if self.findings:
            lines.append(f"{'DEGRADED' if self.degraded else 'health'}: {len(self.findings)} finding(s) against "
                         "the sites' history (archive/health.py)")
            lines += [f"  {printable(f.message)}" for f in self.findings]
        outcome = self.alarms
        if outcome and (outcome.raised or outcome.cleared or outcome.failures):
            lines.append(f"alarms: {len(outcome.raised)} raised, {len(outcome.cleared)} cleared"
                         + "".join(f"; delivered to {t} ({n})" for t, n in outcome.delivered.items()))
            lines += [f"  {printable(line)}" for line in outcome.failures]
        return lines

    def missed_lines(self) -> list[str]:
        """Per site: article URLs discovered, fetched, and not fetched by reason (`newsarchive missed` lists them)."""
        rows = [s.record for s in self.sites if s.record.get("site")]
        if not rows:
            return []
        return [f"missed (`newsarchive missed {self.crawl_id}` lists the URLs):",
                *(f"  {accounting.missed_line(row)}" for row in rows)]

    def total(self, attr: str, sites: list[SiteSummary] | None = None) -> int:
        return sum(getattr(s, attr) if not isinstance(getattr(s, attr), list) else len(getattr(s, attr))
                   for s in (self.sites if sites is None else sites))


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
              seeds: dict[str, str] | None = None, schedule: str | None = None,
              asset_urls: dict[str, list[str]] | None = None, kind: str = "crawl") -> CrawlResult:
    """Crawl `sites` into `data_dir` (WARC files in data_dir/warc, index in data_dir/index.db). `base_urls`
    points a site elsewhere (a mirror), `asset_urls` names that elsewhere's asset origins (the mirror's stand-in
    for Kyodo's CDN: Mirror.asset_urls), in scope for page requisites. `settings` go over DATA/newsarchive.toml's
    [crawl] defaults, which go over the project's (crawler/operator_config.py).

    Raises ValueError (archive.config.ConfigError) for a broken configuration or a real site with the placeholder
    contact URL, before anything is written.

    Raises archive.indexlock.IndexBusy, before anything is written, while a reindex rebuilds the index."""
    known = spider_names()
    unknown = [s for s in sites if s not in known]
    if unknown:
        raise ValueError(f"unknown site(s) {', '.join(unknown)}; known: {', '.join(known)}")
    check_arguments(settings, spider_args)
    # The operator configuration's [crawl] beneath `settings`; a real site with the placeholder contact is
    # refused here, before anything is written (crawler/operator_config.py).
    settings = crawl_settings(data_dir, sites, base_urls, settings)
    data_dir = Path(data_dir)
    crawl_id = crawl_id or new_crawl_id()
    # Held from the catch-up to the last row: a reindex renaming its index in meanwhile would drop our rows.
    with indexlock.held(default_db_path(data_dir), exclusive=False, owner="crawl"):
        crawllock.hold(data_dir, crawl_id)  # before our row exists: another crawl's catch-up sees us alive
        try:
            return _run(sites, data_dir, base_urls, max_articles, settings, crawl_id, spider_args, seeds, schedule,
                        asset_urls, kind)
        finally:
            crawllock.release(data_dir, crawl_id)


def _run(sites: list[str], data_dir: Path, base_urls: dict[str, str] | None, max_articles: int | None,
         settings: dict[str, Any] | None, crawl_id: str, spider_args: dict[str, Any] | None,
         seeds: dict[str, str] | None, schedule: str | None,
         asset_urls: dict[str, list[str]] | None = None, kind: str = "crawl") -> CrawlResult:
    overrides = {"NEWSARCHIVE_DATA": str(data_dir), "NEWSARCHIVE_CRAWL_ID": crawl_id,
                 "NEWSARCHIVE_BASE_URLS": dict(base_urls or {}), **(settings or {})}
    if asset_urls:
        overrides["NEWSARCHIVE_ASSET_URLS"] = {site: [urls] if isinstance(urls, str) else list(urls)
                                               for site, urls in asset_urls.items()}
    caught_up = catch_up(data_dir / "warc", default_db_path(data_dir), parse_for_index,
                         max_body_bytes(project_settings(overrides)))
    if caught_up.files_read or caught_up.recovered or caught_up.damaged:
        logger.warning("%s", caught_up.summary())
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    index = Index(default_db_path(data_dir))
    spider_args = {k: v for k, v in (spider_args or {}).items() if v not in (None, False, "")}
    index.start_crawl(crawl_id, sites, {"sites": sites, "base_urls": base_urls or {}, "max_articles": max_articles,
                                        "settings": settings or {}, "spider_args": spider_args,
                                        "seeds": seeds or {}, **({"asset_urls": asset_urls} if asset_urls else {})},
                      started, schedule=schedule, kind=kind)
    index.close()

    process = CrawlerProcess(project_settings(overrides))
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(site)
        crawlers.append(crawler)
        process.crawl(crawler, max_articles=max_articles, seeds=(seeds or {}).get(site), **spider_args)
    process.start()

    summaries = [_summary(site, crawler.stats.get_stats()) for site, crawler in zip(sites, crawlers)]
    result = CrawlResult(crawl_id=crawl_id, data_dir=data_dir, sites=summaries, halt=halted())
    if any(s.index_failed for s in summaries):
        # Left `running`: the next crawl's catch-up then reads this crawl's WARC files for the rows the index
        # lost, and marks it `interrupted` (archive/catchup.py). A finished status would hide them for good.
        logger.info("crawl %s left `running` in the index, for the next run to catch up", crawl_id)
        return result
    status = "finished" if result.ok else result.halt.reason if result.halt else "failed"
    try:
        index = Index(default_db_path(data_dir))
        try:
            ended = datetime.now(timezone.utc).isoformat(timespec="seconds")
            index.begin()
            accounting.record_sites(index.conn, crawl_id, [s.record for s in summaries])
            if result.halt is None:  # a crawl stopped by a full disk is no measure of the sites
                judgement = health.judge(index.conn, crawl_id)
                result.findings = judgement.findings
                health.record(index.conn, crawl_id, result.findings, ended)
            if result.degraded:
                status = "degraded"
            index.finish_crawl(crawl_id, ended=ended, status=status, pages=result.total("pages"),
                               articles=result.total("articles"), errors=result.total("errors"),
                               warc_bytes=result.total("warc_bytes"),
                               warc_files=json.dumps([f for s in summaries for f in s.warc_files]))
            index.commit()
            if result.halt is None:
                result.alarms = alarms.notify(index.conn, crawl_id, sites, result.findings,
                                              operator_config(data_dir).alarms, ended,
                                              unsettled=judgement.unsettled)
        finally:
            index.close()
    except sqlite3.Error as exc:
        problem = storage_problem(exc)
        if problem is None:
            raise
        logger.info("could not mark crawl %s %s in the index: %s", crawl_id, status, exc)
        result.halt = result.halt or Halt(problem, "the index", f"{type(exc).__name__}: {exc}")
    return result


def check_arguments(settings: dict[str, Any] | None, spider_args: dict[str, Any] | None) -> None:
    """Raise ValueError (one line) for what the spiders would otherwise refuse inside Scrapy, after the
    index was created: settings not of their type, dates that do not exist, unknown discovery modes."""
    check_settings(settings or {})
    args = spider_args or {}
    try:
        Window.parse(args.get("since"), args.get("until"))
    except OverflowError:
        raise ValueError(f"a date out of range: --since {args.get('since')!r}, --until {args.get('until')!r}") from None
    modes = [m.strip() for m in str(args.get("discover") or "").split(",") if m.strip()]
    if [m for m in modes if m not in DISCOVERY_MODES]:
        raise ValueError(f"unknown discovery mode(s) in {args['discover']!r}; choose from {', '.join(DISCOVERY_MODES)}")


def _summary(site: str, stats: dict[str, Any]) -> SiteSummary:
    # Off-site links and robots.txt exclusions are recorded (fetch_errors) but were never meant to be fetched.
    errors = sum(v for k, v in stats.items()
                 if k.startswith("newsarchive/failed/") and k.rsplit("/", 1)[-1] not in SKIP_REASONS)
    errors += stats.get("warc/write_errors", 0) + stats.get("index/write_errors", 0)
    answered = sum(v for k, v in stats.items()
                   if k.startswith("downloader/response_status_count/") and not k.rsplit("/", 1)[-1].startswith("5"))
    requisites = stats.get("newsarchive/requisites", 0)
    return SiteSummary(
        site=site, pages=stats.get("warc/responses", 0) - requisites, requisites=requisites,
        requisite_bytes=stats.get("newsarchive/requisite_bytes", 0),
        requisites_offsite=stats.get("newsarchive/requisites_offsite", 0),
        articles=stats.get("item_scraped_count", 0),
        errors=errors, warc_files=list(stats.get("warc/file_names", [])), warc_bytes=stats.get("warc/bytes", 0),
        finish_reason=str(stats.get("finish_reason", "")), reachable=answered > 0,
        write_errors=stats.get("warc/write_errors", 0) + stats.get("index/write_errors", 0),
        index_failed=bool(stats.get("index/failed")), record=site_record(site, stats))


def operator_config(data_dir: Path) -> OperatorConfig:
    """DATA/newsarchive.toml, or the defaults when it cannot be read (that is said at the crawl's start)."""
    try:
        return load_config(data_dir)
    except ValueError:
        return OperatorConfig()


def silence_scrapy_logs(level: int = logging.WARNING) -> None:
    logging.getLogger("scrapy").setLevel(level)

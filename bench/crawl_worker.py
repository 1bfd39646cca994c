"""One benchmark crawl in a fresh process (Twisted's reactor starts once per process).

    python -m bench.crawl_worker VARIANT BASE_URL DATA_DIR [URL_FILE]

VARIANT: bare (a spider that fetches the URLs in URL_FILE and does nothing else), pipeline (our kyodo
spider, full pipeline), nowrite (the pipeline without writing WARC records: WARC_DRY_RUN, captures and
articles still indexed), nocapture (the pipeline with the capture middleware off: pages parsed, nothing
indexed). Prints one JSON line:
pages, elapsed seconds, peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

from crawler.run import MIRROR_SETTINGS, project_settings


class BareSpider(scrapy.Spider):
    """The baseline: Scrapy fetching the same pages, no parsing, no archiving, no index."""

    name = "bare"
    custom_settings = {"ITEM_PIPELINES": {}, "DOWNLOADER_MIDDLEWARES": {}, "ROBOTSTXT_OBEY": False,
                       "DOWNLOAD_HANDLERS": {}, "SCHEDULER": "scrapy.core.scheduler.Scheduler"}

    def __init__(self, urls: list[str], **kwargs):
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        return None


def main(argv: list[str]) -> int:
    variant, base_url, data_dir = argv[:3]
    overrides = {**MIRROR_SETTINGS, "LOG_LEVEL": "WARNING", "NEWSARCHIVE_DATA": data_dir,
                 "NEWSARCHIVE_BASE_URLS": {"kyodo": base_url}, "CONCURRENT_REQUESTS": 16,
                 "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                 # Pages only, as bare Scrapy fetches them: bench/requisites.py measures what requisites add.
                 "NEWSARCHIVE_REQUISITES": "none"}
    if variant == "nocapture":
        overrides["WARC_ENABLED"] = False
    if variant == "nowrite":
        overrides["WARC_DRY_RUN"] = True
    process = CrawlerProcess(project_settings(overrides))
    if variant == "bare":
        urls = Path(argv[3]).read_text().split()
        crawler = process.create_crawler(BareSpider)
        process.crawl(crawler, urls=urls)
    else:
        crawler = process.create_crawler("kyodo")
        process.crawl(crawler)
    start = time.perf_counter()
    process.start()
    elapsed = time.perf_counter() - start
    stats = crawler.stats.get_stats()
    print(json.dumps({"variant": variant, "pages": stats.get("response_received_count", 0),
                      "items": stats.get("item_scraped_count", 0), "elapsed": elapsed,
                      "crawl_seconds": stats.get("elapsed_time_seconds", elapsed),
                      "peak_rss_mb": peak_rss_mb()}))
    return 0


def peak_rss_mb() -> float:
    """This process's peak resident memory. On Linux from VmHWM: `ru_maxrss` carries over the peak of the
    process that started us (the kernel keeps it across exec), so a benchmark runner that had grown to 104 MB
    made every crawl report at least 104 MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

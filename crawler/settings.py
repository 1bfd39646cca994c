"""Scrapy settings for newsarchive: plain values, every one of them overridable with `-s KEY=VALUE`.

Nothing here is computed from the project's code (no parser, no crawl id, no imports but a constant from
archive): Scrapy, scrapyd and `crawler/setting_values.py` load this module just to read values. What follows
from other settings is derived when a crawl starts (crawler/runinfo.py, crawler/core/bodylimit.py).

Defaults are for the real sites: polite (robots.txt, a delay, two requests per host at a time,
AutoThrottle). The mirror, demo and tests switch delays off through settings, never by editing code.
"""

import os

from archive.decoding import MAX_BODY_BYTES

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# -- where the archive lives -----------------------------------------------------------------------
# WARC files in DATA/warc, index in DATA/index.db. `-s NEWSARCHIVE_DATA=DIR` (the CLI's --data; for scrapyd,
# `setting=NEWSARCHIVE_DATA=DIR` in schedule.json) wins; else $NEWSARCHIVE_DATA, else ./data, made absolute
# against the working directory. Under scrapyd (1.6) a job inherits scrapyd's environment and working directory
# (it adds only SCRAPY_PROJECT, SCRAPYD_EGG_VERSION and, with a [settings] section, SCRAPY_SETTINGS_MODULE;
# the job id comes as the spider argument `_job`, the log file and items feed as the LOG_FILE and FEEDS
# settings): so every job of one scrapyd writes to the same archive, $NEWSARCHIVE_DATA or <its dir>/data.
NEWSARCHIVE_DATA = os.path.abspath(os.path.expanduser(os.environ.get("NEWSARCHIVE_DATA") or "data"))
NEWSARCHIVE_BASE_URLS = {}  # {"kyodo": "http://127.0.0.1:8001"}: point a spider at a mirror
# The asset origins of a site the crawl is pointed elsewhere for (a mirror's stand-in for Kyodo's CDN):
# {"kyodo": ["http://127.0.0.1:8003"]}, in scope beside the base URL (crawler/sites.py Site.origins).
NEWSARCHIVE_ASSET_URLS = {}
# Page requisites fetched with the pages (crawler/spiders/requisites.py): "none"; "pages" = what a desktop
# browser loads for an article or the home page (stylesheets and what they reference, scripts, images at 1x,
# icons, og:image) and a listing's stylesheets and scripts; "all" = also every srcset candidate and
# listing thumbnails. Third-party hosts are never fetched: recorded as skipped (`offsite`).
NEWSARCHIVE_REQUISITES = "pages"
# The crawl id of a run: the CLI passes its own; left empty (plain `scrapy crawl`), runinfo.crawl_id_for makes
# one when a component first asks, the same for every component of the process.
NEWSARCHIVE_CRAWL_ID = ""
NEWSARCHIVE_CONTACT_URL = "https://github.com/newsarchive/newsarchive"
WARC_ENABLED = True  # False: archive nothing, index as usual (bench/crawl_worker.py measures capture's cost)
WARC_PREFIX = "newsarchive"
WARC_MAX_BYTES = 1_000_000_000
WARC_OPERATOR = os.environ.get("NEWSARCHIVE_OPERATOR", "")
WARC_DEDUPE = True  # unchanged payloads of a URL already archived become revisit records (DATA/digests.db)
WARC_DRY_RUN = False  # benchmarks only: index as usual but write no WARC record (bench/crawl.py's baseline)
# An index transaction holds at most INDEX_COMMIT_EVERY rows and at most INDEX_COMMIT_SECONDS of crawling,
# and its articles go into the full-text index together. Committing whenever the writer's queue ran dry (a
# few rows at a time) cost 8% of crawl throughput; 1,000 rows held 20-35 MB more at the peak of a crawl
# for no clear gain. A killed crawl's uncommitted rows are in the WARC files, and the next run indexes them
# before it starts (archive/catchup.py).
INDEX_COMMIT_EVERY = 200
INDEX_COMMIT_SECONDS = 1.0
# Pages are parsed in this many worker processes (0 = in the reactor thread): one per core, at most four. A
# polite crawl parses a few pages a second, and the reactor spends much of its time waiting on the network, so
# a parser may take a core it leaves free (on 2 cores, two parsers fetched 2-4% more pages a second than one).
PARSER_PROCESSES = min(4, os.cpu_count() or 1)
# The largest body received and the largest it may decode to (crawler/core/bodylimit.py): DOWNLOAD_MAXSIZE and
# DOWNLOAD_WARNSIZE follow it unless set themselves. A page past it is archived as it came, recorded
# `too_large` and never parsed: a 2.5 KB brotli body decoded to 1.6 GB before there was one.
NEWSARCHIVE_MAX_BODY_BYTES = MAX_BODY_BYTES

# -- politeness ------------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
# USER_AGENT is not set here: unless set itself (`-s USER_AGENT=...`, a deployment's settings), a crawl sends
# "newsarchive/<version> (+NEWSARCHIVE_CONTACT_URL)" (crawler/runinfo.py derive_user_agent).
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 3
# A body cut short (connection closed before Content-Length bytes) arrives flagged "dataloss" instead of as an
# error: crawler/downloadermiddlewares/capture.py archives what came with WARC-Truncated: length, then retries it (RETRY_TIMES).
DOWNLOAD_FAIL_ON_DATALOSS = False
# crawler/downloadermiddlewares/politeness.py: Crawl-delay from robots.txt, Retry-After, backoff and a per-host circuit breaker.
ROBOTSTXT_CRAWL_DELAY_MAX = 60
RETRY_AFTER_MAX = 300
BACKOFF_MAX_DELAY = 60
CIRCUIT_BREAKER_FAILURES = 10
CIRCUIT_BREAKER_COOLDOWN = 300
COOKIES_ENABLED = False

# Scrapy's own HTTP/1.1 handler, keeping the status line's reason phrase for the WARC records.
DOWNLOAD_HANDLERS = {
    "http": "crawler.core.download.WireHTTP11DownloadHandler",
    "https": "crawler.core.download.WireHTTP11DownloadHandler",
}

# zstd left out on purpose: replay tools (pywb 2.10) cannot rewrite zstd bodies for browsing.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate, br",
}

# -- pipeline wiring -------------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's compares host names only; ours (scheme, host, port) against the site's origins, redirects too.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.downloadermiddlewares.scope.ScopeMiddleware": 50,
    # Above HttpCompressionMiddleware (590): sees bodies still Content-Encoded, as they crossed the wire,
    # and every response before redirects, retries or HTTP-error filtering act on it.
    "crawler.downloadermiddlewares.capture.WarcCaptureMiddleware": 950,
    # Below the capture: its conditions are archived with the request, and a 304 is archived as it came
    # before it is handed on as the earlier 200 it confirmed (decompressed by 590 like any other).
    "crawler.downloadermiddlewares.conditional.ConditionalRequests": 900,
    # Between RetryMiddleware (550) and RedirectMiddleware (600): sees 429/503 before a retry is scheduled.
    "crawler.downloadermiddlewares.politeness.PolitenessMiddleware": 560,
    # Scrapy's own, except that article pages are decompressed in the parser process, off the reactor thread.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.downloadermiddlewares.compression.ParserDecodedCompression": 590,
}
SCHEDULER = "crawler.core.scheduler.PageBudgetScheduler"  # Scrapy's, bounded by NEWSARCHIVE_MAX_PAGES (--max-pages)
NEWSARCHIVE_MAX_PAGES = 0  # 0 = no bound
INAKORAN_MAX_HOPS = 3  # Inakoran discovery: how many links (pagination aside) from the home page it follows
ITEM_PIPELINES = {
    "crawler.pipelines.IndexPipeline": 300,
}
# No server inside a crawl: the Telnet console and Scrapy 2.19's RemoteControl (an HTTP endpoint that runs any
# Python code it is sent, announced through a token file in $HOME) would each let a local process take over
# the crawler. Both stay off even if EXTENSIONS is overridden.
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
    "crawler.extensions.progress.ProgressLine": 500,
    "crawler.extensions.logsafe.SafeLogs": 0,
    # What each crawl discovered, fetched and skipped, and its articles' field figures: crawl_sites rows.
    "crawler.extensions.accounting.CrawlAccounting": 600,
}
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
NEWSARCHIVE_PROGRESS = False  # live progress line on stderr (the CLI sets it on a terminal)
# Scrapy starts CONCURRENT_ITEMS asyncio workers for every callback's output (default 100); our
# callbacks yield a handful of items and the pipeline is synchronous, so 100 workers per page are pure cost.
CONCURRENT_ITEMS = 8
HTTPERROR_ALLOW_ALL = True  # spiders see 4xx/5xx pages and record them; nothing is dropped silently

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

"""Scrapy's engine parts, replaced or bounded: the download handler, the page-budget scheduler, the body limit
and the crawl-wide halt on a storage failure."""

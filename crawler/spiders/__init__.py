"""The spiders: one per site (`scrapy list` prints them)."""

"""Scrapy extensions: the live progress line and log output made safe for a terminal."""

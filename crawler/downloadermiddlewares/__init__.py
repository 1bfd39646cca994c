"""Downloader middlewares, in the order a response meets them: capture to WARC, conditional requests,
politeness, decompression; and the scope guard every request passes first."""

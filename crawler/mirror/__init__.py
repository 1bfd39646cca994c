"""The offline mirror: loopback HTTP copies of Kyodo News English and Inakoran with full ground truth.

    from crawler.mirror import Mirror
    with Mirror(articles=30, seed=1, now=None) as mirror:      # articles = stories per site
        mirror.base_urls        # {"kyodo": "http://127.0.0.1:PORT", "inakoran": "http://127.0.0.1:PORT2"}
        mirror.truth("kyodo")   # ground truth per story (ARTICLE_KEYS minus parser/derived fields)
        mirror.add_articles(5)  # 5 fresh stories per site
        mirror.edit_article("kyodo", 0)   # or an article URL; returns its new truth

Same seed and `now` give byte-identical pages and truth (absolute URLs differ only by the port).
`/_mirror/truth.json` on each site serves that site's truth for a mirror in another process.
CLI: `crawler.mirror.main(argv)` prints `kyodo <url>` and `inakoran <url>` and serves until SIGINT/SIGTERM.

Modules: content (catalogue, variants, truth), textgen (synthetic copy), pages (shared helpers),
kyodo_chrome / kyodo_pages / kyodo_article (Kyodo markup and URL map), inakoran_chrome / inakoran_pages /
inakoran_article (Inakoran URL map and its two article templates), server (HTTP, cache, Mirror, CLI).
"""

from crawler.mirror.server import Mirror, main, serve_forever

__all__ = ["Mirror", "main", "serve_forever"]

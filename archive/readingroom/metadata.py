"""What Datasette shows of an index: a description of every table and column, facets, full-text search in
raw FTS5 syntax (`searchmode: raw`, so `defense OR pertahanan` means what it says), canned queries and a
link to the reading room. The stylesheet is the plugin's static file (plugin.py, `extra_css_urls`). `metadata()` is served by the reading
room's plugin (archive/readingroom/plugin.py, `get_metadata`) for every database that is a newsarchive
index, so a plain `datasette DATA/index.db` shows it as `newsarchive serve` does."""

from __future__ import annotations

TABLES = {
    "crawls": ("One row per crawl run (`newsarchive crawl`); kept across `newsarchive reindex`.", {
        "id": "Crawl id: start time (UTC) and a random suffix; WARC warcinfo `isPartOf`",
        "sites": "Sites crawled, comma-separated", "args": "Options the crawl was run with (JSON)",
        "started": "Start time (UTC)", "ended": "End time (UTC); empty while running or if killed",
        "status": "finished; degraded (finished, but the health checks found its output wrong: crawl_findings); "
                  "failed, running, interrupted, disk_full; `reindexed` for a row rebuilt from warcinfo only",
        "pages": "HTTP responses archived", "articles": "Article pages extracted",
        "errors": "Failed fetches and write errors", "warc_bytes": "Bytes of WARC written",
        "warc_files": "WARC files written (JSON array)", "schedule": "Schedule that started the crawl, if any",
        "kind": "crawl, or canary (a few newest articles, to check the parsers)"}),
    "captures": ("One row per archived HTTP response (WARC response or revisit record).", {
        "id": "Row id", "url": "URL fetched", "site": "Site (spider) that fetched it", "status": "HTTP status",
        "content_type": "Content-Type header", "fetched_at": "Capture time: the record's WARC-Date (UTC)",
        "payload_digest": "WARC-Payload-Digest (sha1, base32) of the body as received",
        "warc_file": "WARC file holding the record", "warc_offset": "Byte offset of the record in the file",
        "warc_length": "Compressed length of the record", "record_id": "WARC-Record-ID",
        "crawl_id": "Crawl that made the capture",
        "record_type": "response, or revisit: unchanged body, stored once in the record named by revisit_of",
        "revisit_of": "WARC-Refers-To of a revisit: the record holding the body",
        "role": "page, or requisite: a stylesheet, script, image or font a page needed to be shown",
        "needed_by": "a requisite's page: the first in its crawl that needed it"}),
    "articles": ("One row per article (canonical URL): the best version seen. Full-text searchable.", {
        "id": "Row id", "url": "URL the article was fetched from", "canonical_url": "Canonical URL (the key)",
        "site": "Site", "language": "Language (BCP 47)", "title": "Headline",
        "authors": "People credited as authors (JSON array; never the agency)",
        "credit": "Organisation credited, e.g. KYODO NEWS", "published": "Publication time, site's own offset",
        "modified": "Last modification time the page gave", "date_source": "Where each date came from (JSON)",
        "categories": "Sections / categories (JSON array)", "dateline": "Dateline, e.g. TOKYO",
        "lead": "Lead paragraph", "body": "Article text, paragraphs separated by blank lines",
        "images": "Images: src, caption, credit (JSON array)",
        "access": "full, open, gated (paywall: lead only) or expired (no longer available)",
        "word_count": "Words in the body", "parser": "Parser that extracted it", "parser_version": "Its version",
        "warnings": "Why a field is missing or was rejected (JSON array)",
        "fetched_at": "Capture time of the version shown", "first_seen": "First capture of this article",
        "last_seen": "Last capture (revisits included)", "capture_id": "Capture of the version shown",
        "crawl_id": "Crawl of the version shown", "warc_file": "WARC file of the version shown",
        "warc_offset": "Byte offset of its response record", "warc_length": "Compressed length of the record",
        "record_id": "WARC-Record-ID of the response record", "published_utc": "Publication time in UTC",
        "search_stems": "Indonesian articles: the distinct word stems (Sastrawi) of title, lead and body that differ "
                        "from the word, e.g. ajar for mengajar; search them with search_stems:ajar"}),
    "article_versions": ("Every distinct (title, body) an article was captured with: edits over time.", {
        "id": "Row id", "article_id": "Article", "capture_id": "Capture with this version",
        "fetched_at": "When this version was captured", "title": "Headline", "lead": "Lead paragraph",
        "body": "Article text", "authors": "Authors (JSON array)", "modified": "Modification time the page gave",
        "published": "Publication time this version gave (empty for versions indexed before schema 6)",
        "access": "Access state", "content_hash": "sha1 of title and body", "parser": "Parser",
        "parser_version": "Parser version"}),
    "authors": ("People credited as authors.", {"id": "Row id", "name": "Name as printed"}),
    "article_authors": ("Which author wrote which article, in byline order.", {
        "article_id": "Article", "author_id": "Author", "position": "Place in the byline (0 = first)"}),
    "fetch_errors": ("URLs that produced no indexed page, and why. Not in the WARC files: kept by reindex.", {
        "id": "Row id", "url": "URL", "site": "Site", "crawl_id": "Crawl",
        "reason": "robots, http, timeout, connection, parse, offsite, duplicate, too_large, not_html, archive, "
                  "circuit, other", "status": "HTTP status, if any", "detail": "What happened", "at": "When (UTC)"}),
    "crawl_findings": ("What the health checks found wrong with a crawl, per site, against the site's own recent "
                       "runs (archive/health.py); a crawl with findings is `degraded`.", {
        "id": "Row id", "crawl_id": "Crawl", "site": "Site",
        "check_name": "no_articles, few_articles, few_discovered, discovery, not_articles, missing_authors, "
                      "missing_published, missing_body, missing_images, body_length, access, login_redirects",
        "message": "The reason in words and numbers", "value": "This run's figure (a count or a share)",
        "baseline": "What the site's history led one to expect", "at": "When (UTC)"}),
    "alarms": ("One row per problem (site, check), from the crawl that raised it to the crawl that cleared it "
               "(archive/alarms.py).", {
        "id": "Row id", "site": "Site", "check_name": "The health check (see crawl_findings)",
        "message": "The finding that raised it", "opened": "When it was raised (UTC)",
        "opened_by": "Crawl that raised it", "cleared": "When it cleared (UTC); empty while open",
        "cleared_by": "Crawl of the same kind that no longer found it",
        "deliveries": "Each delivery to the operator's targets (command, webhook, smtp): event, target, at, ok, "
                      "error (JSON array)"}),
    "articles_fts": ("Full-text index (SQLite FTS5) over articles: title, lead, body, authors, and the word stems "
                     "of Indonesian articles (search_stems:ajar finds mengajar, pelajaran, belajar).", {
        "title": "Headline", "lead": "Lead paragraph", "body": "Article text", "authors": "Authors",
        "search_stems": "Indonesian word stems that differ from the word"}),
}

TABLE_OPTIONS = {
    "articles": {"fts_table": "articles_fts", "fts_pk": "id", "searchmode": "raw", "label_column": "title",
                 "sort_desc": "published_utc",
                 "facets": ["site", {"array": "authors"}, {"array": "categories"}, "access", "language"],
                 "sortable_columns": ["published", "published_utc", "modified", "fetched_at", "first_seen",
                                      "last_seen", "word_count", "title", "site", "access"]},
    "captures": {"label_column": "url", "sort_desc": "fetched_at",
                 "facets": ["site", "role", "status", "record_type", "content_type", "crawl_id"]},
    "crawls": {"sort_desc": "started", "facets": ["status", "kind", "schedule"]},
    "crawl_findings": {"sort_desc": "at", "facets": ["site", "check_name", "crawl_id"]},
    "alarms": {"sort_desc": "opened", "facets": ["site", "check_name"]},
    "article_versions": {"label_column": "title", "sort_desc": "fetched_at", "facets": ["access"]},
    "authors": {"label_column": "name", "sort": "name"},
    "fetch_errors": {"sort_desc": "at", "facets": ["site", "reason", "status", "crawl_id"]},
}

# What each crawl discovered, fetched and missed, per site (archive/accounting.py).
TABLES.update({
    "crawl_sites": ("One row per site of a crawl: article URLs discovered, fetched and skipped, how discovery "
                    "pages answered, and the field figures of the articles; kept by reindex.", {
        "crawl_id": "Crawl", "site": "Site",
        "discovered": "Distinct article URLs found (Kyodo: its article pattern; Inakoran: every page its links, "
                      "feed or sitemap name)",
        "requested": "Of them, asked for", "fetched": "Of them, answered (any HTTP status)",
        "articles": "Articles extracted and indexed",
        "not_articles": "Pages the site's article pattern promised that parsed as no article",
        "http_errors": "Article URLs answered 4xx/5xx",
        "login_redirects": "Article requests redirected to a login, sign-in, consent or subscribe page",
        "skipped": "Article URLs discovered and not fetched, by reason (JSON): budget (--max-articles, "
                   "--max-pages), window (--since/--until), held (in the index, unchanged), robots, offsite, circuit",
        "discovery": "Per discovery source (home, feed, listing, sitemap; JSON): requests, ok (200), not_modified "
                     "(304), http_errors, failed (no answer), unparseable, links (article URLs found)",
        "missing": "Articles without authors, published, body, images (JSON counts)",
        "body_median": "Median body length of the articles, in characters",
        "access": "Articles per access state (JSON): full, open, gated, expired"}),
    "crawl_skips": ("Article URLs a crawl discovered and did not fetch for its budget (--max-articles, "
                    "--max-pages), at most 10,000 a crawl and site; window and held skips are counts in crawl_sites, "
                    "robots, offsite and circuit are fetch_errors rows.", {
        "id": "Row id", "crawl_id": "Crawl", "site": "Site", "url": "Article URL not fetched",
        "reason": "Why: budget", "detail": "e.g. --max-articles 20 reached"}),
})
TABLE_OPTIONS.update({
    "crawl_sites": {"facets": ["site", "crawl_id"]},
    "crawl_skips": {"label_column": "url", "facets": ["site", "reason", "crawl_id"]},
})

# What `trend` counts from, derived from articles by triggers (archive/trend_index.py): hidden, like FTS tables.
TABLES.update({
    "trend_keys": ("Each article's site and calendar day as one integer, for `trend` (archive/trend_index.py).", {
        "id": "Article", "key": "day (Julian day number, 0: undated) * 1024 + trend_sites id"}),
    "trend_totals": ("Articles per site and calendar day, for `trend`.", {
        "key": "As trend_keys.key", "articles": "Articles with that site and day"}),
    "trend_sites": ("The sites' numbers in trend_keys and trend_totals.", {"id": "Number", "name": "Site"}),
})
TABLE_OPTIONS.update({name: {"hidden": True} for name in ("trend_keys", "trend_totals", "trend_sites")})

QUERIES = {
    "articles_per_day_per_site": {
        "title": "Articles per day per site",
        "description": "By published date (the site's own calendar day), newest first.",
        "sql": "SELECT substr(published, 1, 10) AS day, site, count(*) AS articles FROM articles\n"
               "WHERE published IS NOT NULL GROUP BY day, site ORDER BY day DESC, site"},
    "gap_days": {
        "title": "Days without articles",
        "description": "Days with no article between a site's first and last dated article.",
        "sql": "WITH RECURSIVE span(site, day, last) AS (\n"
               "  SELECT site, min(substr(published, 1, 10)), max(substr(published, 1, 10)) FROM articles\n"
               "  WHERE published IS NOT NULL GROUP BY site\n"
               "  UNION ALL SELECT site, date(day, '+1 day'), last FROM span WHERE day < last)\n"
               "SELECT site, day FROM span WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.site = span.site\n"
               "  AND substr(a.published, 1, 10) = span.day) ORDER BY day DESC, site"},
    "top_authors": {
        "title": "Top authors",
        "description": "Authors by number of articles.",
        "sql": "SELECT authors.name AS author, count(*) AS articles, group_concat(DISTINCT articles.site) AS sites,\n"
               "  min(articles.published) AS first_published, max(articles.published) AS last_published\n"
               "FROM article_authors JOIN authors ON authors.id = article_authors.author_id\n"
               "JOIN articles ON articles.id = article_authors.article_id\n"
               "GROUP BY authors.id ORDER BY articles DESC, author LIMIT 100"},
    "recent_fetch_errors": {
        "title": "Recent fetch errors",
        "description": "The latest 200 URLs that produced no indexed page, and why.",
        "sql": "SELECT at, site, reason, status, url, detail, crawl_id FROM fetch_errors\n"
               "ORDER BY at DESC, id DESC LIMIT 200"},
    "open_alarms": {
        "title": "Open alarms",
        "description": "Health problems not cleared yet: a site whose crawls look wrong against its history.",
        "sql": "SELECT site, check_name, message, opened, opened_by FROM alarms\n"
               "WHERE cleared IS NULL ORDER BY opened, id"},
    "recent_findings": {
        "title": "Recent findings",
        "description": "The latest 200 health findings, with their crawl's status.",
        "sql": "SELECT f.at, f.site, f.check_name, f.message, f.value, f.baseline, f.crawl_id, crawls.status\n"
               "FROM crawl_findings f LEFT JOIN crawls ON crawls.id = f.crawl_id\n"
               "ORDER BY f.at DESC, f.id DESC LIMIT 200"},
    "edited_articles": {
        "title": "Edited articles",
        "description": "Articles captured with more than one distinct title or body.",
        "sql": "SELECT articles.id AS article_id, articles.site, articles.title, count(*) AS versions,\n"
               "  min(article_versions.fetched_at) AS first_version, max(article_versions.fetched_at) AS last_version\n"
               "FROM article_versions JOIN articles ON articles.id = article_versions.article_id\n"
               "GROUP BY articles.id HAVING count(*) > 1 ORDER BY last_version DESC"},
}


def metadata(db_name: str = "index") -> dict:
    """Datasette metadata for an index file whose name (without .db) is `db_name`."""
    tables = {}
    for name, (description, columns) in TABLES.items():
        tables[name] = {"description": description, "columns": dict(columns), **TABLE_OPTIONS.get(name, {})}
    return {
        "title": "newsarchive index",
        "description": "Articles archived by newsarchive, each linked to the WARC record it was extracted from. "
                       "Read-only.",
        "license": "Article text and images are the publishers' copyright, archived for research; "
                   "do not republish them",
        "source": "newsarchive WARC archive",
        "databases": {db_name: {"description_html": "The research index, derived from the WARC files. "
                                                    f'<a href="/{db_name}/-/search">Search it in the reading '
                                                    "room</a>: articles to read, each linked to its capture.",
                                "tables": tables, "queries": QUERIES}},
    }



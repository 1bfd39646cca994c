"""Options and arguments that several commands share: `--data`, `--max-body-mb`, the article key, the
article filters (--site, --author, --since, --until, --access), and the crawl options `crawl` and `schedule add`
both take (--asset-url, --requisites). Declared once so that one option reads the
same, with the same help, on every command that takes it."""

from __future__ import annotations

import os

import click

from archive.decoding import MAX_BODY_BYTES
from crawler.cli.errors import remember_data_dir
from crawler.cli.params import ACCESS, DATE, SITE, ArticleKey, SiteURL, count
from crawler.sites import REQUISITE_MODES

DATA_HELP = "Archive directory (WARC files in DIR/warc, index in DIR/index.db). Default: $NEWSARCHIVE_DATA or ./data"


def default_data_dir() -> str:
    return os.environ.get("NEWSARCHIVE_DATA") or "data"


data_option = click.option("--data", "data_dir", type=click.Path(file_okay=False), default=default_data_dir,
                           show_default="$NEWSARCHIVE_DATA or ./data", help=DATA_HELP, callback=remember_data_dir)
article_key = click.argument("key", metavar="URL|ID", type=ArticleKey())
# The readers' twin of the crawl's NEWSARCHIVE_MAX_BODY_BYTES setting.
max_body_option = click.option(
    "--max-body-mb", "max_body_mb", type=count(1, 1 << 20), default=MAX_BODY_BYTES >> 20, show_default=True,
    help="Largest page body, as stored or decoded, that is read: a decompression bomb stops there.")

asset_url_option = click.option(
    "--asset-url", "asset_urls", multiple=True, metavar="SITE=URL", type=SiteURL(),
    help="An asset origin of SITE (its images, CSS, JS) in scope beside it, e.g. a mirror's stand-in for a CDN. "
         "Repeatable.")
requisites_option = click.option(
    "--requisites", type=click.Choice(REQUISITE_MODES), default=None,
    help="Page requisites fetched with the pages: none; pages (what a desktop browser loads for each page); all "
         "(also every srcset candidate, listing thumbnails) [default: pages, or the NEWSARCHIVE_REQUISITES setting].")

FILTER_HELP = {
    "site": "Only this site (kyodo, inakoran).",
    "author": "Only articles by this author: exact name, any case.",
    "since": "Published on or after DATE: YYYY-MM-DD (a UTC day) or an ISO 8601 time.",
    "until": "Published on or before DATE: YYYY-MM-DD includes that whole UTC day.",
    "access": "Only this access state (full, open, gated, expired).",
}
FILTER_TYPES = {"site": SITE, "since": DATE, "until": DATE, "access": ACCESS, "author": None}


def filter_options(fn):
    """--site, --author, --since, --until, --access, in that order (click lists options in decorator order,
    hence the reversed loop)."""
    for name in ("access", "until", "since", "author", "site"):
        fn = click.option(f"--{name}", default=None, type=FILTER_TYPES[name],
                          metavar="DATE" if name in ("since", "until") else None, help=FILTER_HELP[name])(fn)
    return fn

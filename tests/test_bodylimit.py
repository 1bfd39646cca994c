"""NEWSARCHIVE_MAX_BODY_BYTES sets the raw cap too, unless DOWNLOAD_MAXSIZE is set by hand (crawler/core/bodylimit.py)."""

from crawler.run import project_settings
from crawler.spiders.kyodo import KyodoSpider


def settings_of_a_crawl(**overrides):
    settings = project_settings(overrides)
    KyodoSpider.update_settings(settings)
    return settings


def test_the_raw_cap_follows_the_body_limit_unless_set_by_hand():
    default = settings_of_a_crawl()
    assert default.getint("NEWSARCHIVE_MAX_BODY_BYTES") == default.getint("DOWNLOAD_MAXSIZE") == 32 << 20
    assert default.getint("DOWNLOAD_WARNSIZE") == 16 << 20
    lowered = settings_of_a_crawl(NEWSARCHIVE_MAX_BODY_BYTES=8 << 20)
    assert (lowered.getint("DOWNLOAD_MAXSIZE"), lowered.getint("DOWNLOAD_WARNSIZE")) == (8 << 20, 4 << 20)
    by_hand = settings_of_a_crawl(DOWNLOAD_MAXSIZE=5 << 20)
    assert by_hand.getint("DOWNLOAD_MAXSIZE") == 5 << 20 and by_hand.getint("NEWSARCHIVE_MAX_BODY_BYTES") == 32 << 20

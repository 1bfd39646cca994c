from crawler.urls import canonicalize, same_origin


def test_canonicalize_strips_whitespace_fragments_and_tracking_but_keeps_query_bytes():
    assert canonicalize("/list/news/\tasian-games", "https://english.kyodonews.net/") == \
        "https://english.kyodonews.net/list/news/asian-games"
    assert canonicalize("https://X.org/a?utm_source=rss&utm_medium=http&page=2#top") == "https://x.org/a?page=2"
    assert canonicalize("http://h/q?a=1&b=x%20y&fbclid=z") == "http://h/q?a=1&b=x%20y"


def test_same_origin_compares_scheme_host_and_port():
    assert same_origin("http://127.0.0.1:8421/x", "http://127.0.0.1:8421")
    assert not same_origin("http://127.0.0.1:8422/x", "http://127.0.0.1:8421")

from crawler.urls import canonicalize, same_origin


def test_canonicalize_strips_whitespace_fragments_and_tracking_but_keeps_query_bytes():
    assert canonicalize("/list/news/\tasian-games", "https://english.kyodonews.net/") == \
        "https://english.kyodonews.net/list/news/asian-games"
    assert canonicalize("https://X.org/a?utm_source=rss&utm_medium=http&page=2#top") == "https://x.org/a?page=2"
    assert canonicalize("http://h/q?a=1&b=x%20y&fbclid=z") == "http://h/q?a=1&b=x%20y"


def test_same_origin_compares_scheme_host_and_port():
    assert same_origin("http://127.0.0.1:8421/x", "http://127.0.0.1:8421")
    assert not same_origin("http://127.0.0.1:8422/x", "http://127.0.0.1:8421")


def test_canonicalize_percent_encodes_inner_spaces_and_non_ascii_instead_of_deleting_them():
    assert canonicalize("/a b/", "http://h/") == "http://h/a%20b/"
    assert canonicalize(" http://h/berita/jalan ke depan ") == "http://h/berita/jalan%20ke%20depan"
    assert canonicalize("http://h/ä?q=é") == "http://h/%C3%A4?q=%C3%A9"
    assert canonicalize("http://h/a%20b/") == "http://h/a%20b/"  # already encoded: unchanged
    assert canonicalize("http://h/a\n/b\r\n") == "http://h/a/b"  # line breaks inside an href are not the URL's


def test_an_origin_is_scheme_host_and_port_with_default_ports_filled_in():
    from crawler.urls import origin

    assert origin("https://English.KyodoNews.net/articles/-/1") == ("https", "english.kyodonews.net", 443)
    assert origin("https://user:pw@english.kyodonews.net:443/") == ("https", "english.kyodonews.net", 443)
    assert origin("http://127.0.0.1:8421/x") == ("http", "127.0.0.1", 8421)
    assert origin("http://127.0.0.1:99999/") is None and origin("mailto:a@b") is None and origin("/x") is None
    assert same_origin("https://inakoran.com:443/x", "https://inakoran.com")


def test_a_sites_scope_is_its_registry_origins_or_only_the_override():
    from crawler.sites import get_site
    from crawler.urls import origin

    inakoran = get_site("inakoran")
    assert inakoran.origins() == {("https", "inakoran.com", 443), ("https", "www.inakoran.com", 443)}
    assert inakoran.origins("https://inakoran.com") == inakoran.origins()
    assert inakoran.origins("http://127.0.0.1:8422") == {("http", "127.0.0.1", 8422)}, "a mirror stands in for all"
    assert inakoran.asset_origins == (), "the hook for asset hosts (images, CDNs), empty for now"
    scope = get_site("kyodo").origins()
    for outside in ("http://english.kyodonews.net/", "https://english.kyodonews.net:8443/",
                    "https://img.english.kyodonews.net/", "https://kyodonews.net/"):
        assert origin(outside) not in scope, outside

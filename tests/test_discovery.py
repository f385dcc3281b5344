import datetime as dt
import gzip
import json

import pytest

from copydesk.crawler.discovery import (DiscoveryError, gunzip, parse_feed, parse_sitemap, robots_sitemaps,
                                       w3c_timestamp)

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><language>en-gb</language>
<item><title>One</title><link>/2026/11/01/one.html</link><pubDate>Sun, 01 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Two</title><link>https://ex.org/two.html?utm_source=rss</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><title>Three</title><link href="https://ex.org/three.html"/><updated>2026-10-30T12:00:00Z</updated></entry>
</feed>"""

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://ex.org/a.html</loc><news:news><news:publication><news:name>Ex</news:name>
<news:language>fr</news:language></news:publication><news:publication_date>2026-11-03T09:00:00+00:00</news:publication_date>
<news:title>Un titre</news:title></news:news></url>
<url><loc>https://ex.org/b.html</loc><lastmod>2026-10-01</lastmod></url>
</urlset>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://ex.org/news.xml</loc></sitemap><sitemap><loc>/pages.xml.gz</loc>
<lastmod>2026-11-30T10:00:00+01:00</lastmod></sitemap></sitemapindex>"""

BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://ex.org/&lol3;</loc></url></urlset>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&x;</title><link>https://ex.org/x</link></item></channel></rss>"""


def test_rss():
    links = parse_feed(RSS, "https://ex.org/feed.xml")
    assert [lk.url for lk in links] == ["https://ex.org/2026/11/01/one.html", "https://ex.org/two.html?utm_source=rss"]
    assert links[0].published == "2026-11-01T10:00:00Z" and links[0].title == "One" and links[0].language == "en"
    assert links[1].published is None


def test_atom():
    (link,) = parse_feed(ATOM, "https://ex.org/atom.xml")
    assert link.url == "https://ex.org/three.html" and link.published.startswith("2026-10-30")


def test_google_news_fields_kept():
    sm = parse_sitemap(NEWS, "https://ex.org/sitemap.xml")
    assert sm.kind == "urlset"
    a, b = sm.links
    assert (a.url, a.title, a.language, a.published) == ("https://ex.org/a.html", "Un titre", "fr",
                                                         "2026-11-03T09:00:00+00:00")
    # a plain <lastmod> is when the page changed, not a publication date
    assert b.published is None and b.modified == "2026-10-01" and b.title is None


def test_index_and_gzip():
    sm = parse_sitemap(gzip.compress(INDEX), "https://ex.org/sitemap.xml")
    assert sm.kind == "index" and sm.sitemaps == ["https://ex.org/news.xml", "https://ex.org/pages.xml.gz"]
    assert sm.lastmod == {"https://ex.org/pages.xml.gz": "2026-11-30T10:00:00+01:00"}


@pytest.mark.parametrize("value, expected", [
    ("2026-11-30", "2026-11-30T00:00:00+00:00"),                  # a date alone: its midnight, UTC
    ("2026-11-30T10:00Z", "2026-11-30T10:00:00+00:00"),
    ("2026-11-30T10:00:00.5+01:00", "2026-11-30T09:00:00.500000+00:00"),
    ("2026-11-30T10:00:00", "2026-11-30T10:00:00+00:00"),         # no offset: UTC
    ("2026-11", None), ("yesterday", None), ("", None), (None, None), ("2026-02-30", None)])
def test_w3c_timestamp(value, expected):
    got = w3c_timestamp(value)
    assert (got if got is None else dt.datetime.fromtimestamp(got, dt.timezone.utc).isoformat()) == expected


@pytest.mark.parametrize("body", [BOMB, XXE])
def test_entities_refused(body):
    with pytest.raises(DiscoveryError) as e:
        parse_sitemap(body, "https://ex.org/s.xml")
    assert e.value.reason == "xml_entities_refused"
    with pytest.raises(DiscoveryError):
        parse_feed(body, "https://ex.org/f.xml")


def test_gzip_bomb_stopped():
    bomb = gzip.compress(b"<" + b"a" * 5_000_000)
    with pytest.raises(DiscoveryError) as e:
        gunzip(bomb, 1_000_000)
    assert e.value.reason == "decompressed_too_large"


@pytest.mark.parametrize("body", [b"", b"not xml at all", b"<html><body>hi</body></html>", b"\x00\xff" * 50])
def test_garbage_is_a_clear_error(body):
    with pytest.raises(DiscoveryError):
        parse_sitemap(body, "https://ex.org/s.xml")
    with pytest.raises(DiscoveryError):
        parse_feed(body, "https://ex.org/f.xml")


def test_robots_sitemap_lines():
    body = b"User-agent: *\nDisallow: /private/\nSitemap: https://ex.org/sitemap.xml\nsitemap: /news.xml\n"
    assert robots_sitemaps(body, "https://ex.org/robots.txt") == ["https://ex.org/sitemap.xml", "https://ex.org/news.xml"]


def test_a_relative_xml_base_is_resolved_against_the_feed_url():
    atom = (b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="../news/">'
            b'<title>t</title><id>u:1</id><entry><title>a</title><id>u:a</id><link href="a.html"/></entry></feed>')
    assert [lk.url for lk in parse_feed(atom, "https://ex.org/feeds/atom.xml")] == ["https://ex.org/news/a.html"]


def test_json_feed():
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "language": "de-AT", "items": [
        {"id": "1", "url": "/2026/12/ein-artikel.html", "title": "Ein Artikel", "date_published": "2026-12-05T10:00:00+01:00"},
        {"id": "2", "external_url": "https://other.example/b", "language": "en"}, {"id": "3"}, "junk"]}).encode()
    links = parse_feed(b"\xef\xbb\xbf" + body, "https://ex.org/feed.json", content_type="application/feed+json")
    assert [(lk.url, lk.title, lk.published, lk.language) for lk in links] == [
        ("https://ex.org/2026/12/ein-artikel.html", "Ein Artikel", "2026-12-05T10:00:00+01:00", "de"),
        ("https://other.example/b", None, None, "en")]
    with pytest.raises(DiscoveryError, match="JSON Feed version"):
        parse_feed(b'{"items": []}', "https://ex.org/f.json")
    with pytest.raises(DiscoveryError, match="RecursionError"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1", "items": ' + b"[" * 100_000, "https://ex.org/f.json")


def test_a_text_sitemap_is_read_one_url_per_line():
    body = "\ufeffhttps://ex.example/a.html\r\n\r\n  https://ex.example/b?id=2  \nhttp://ex.example/c\n".encode()
    sm = parse_sitemap(body, "https://ex.example/sitemap.txt")
    assert sm.kind == "urlset" and [lk.url for lk in sm.links] == [
        "https://ex.example/a.html", "https://ex.example/b?id=2", "http://ex.example/c"]
    # a text file that is not one URL per line is no sitemap
    with pytest.raises(DiscoveryError):
        parse_sitemap(b"https://ex.example/a.html is our best page\n", "https://ex.example/sitemap.txt")

"""Hostile and broken feeds, sitemaps and robots.txt: only DiscoveryError escapes, nothing is fetched.

The XML guarantees (RELIABILITY.md, "XML entities"): entity declarations are refused in every
encoding feedparser or libxml2 would read (UTF-8, UTF-16/32 with and without BOM, EBCDIC,
UTF-7 by header or declaration); external entities, external DTDs, parameter entities, XInclude
and stylesheets are never read: a temp file's content never appears in any output and a loopback
HTTP server that every reference points at records no request; a gzip bomb stops at max_size.
"""
from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copydesk.crawler.discovery import DiscoveryError, Link, Sitemap, gunzip, parse_feed, parse_sitemap, robots_sitemaps
from tests.loopback import Recorder

FUZZ = Path(__file__).parent / "fixtures" / "fuzz"
FEEDS = [(FUZZ / n).read_bytes() for n in ("rss.xml", "atom.xml", "rdf.xml")]
SITEMAPS = [(FUZZ / n).read_bytes() for n in ("sitemap-news.xml", "sitemap-index.xml")]
ROBOTS = (FUZZ / "robots.txt").read_bytes()
SECRET = "CANARY-8c1f0e-must-never-be-read"


# ----------------------------------------------------------------------------- the canaries


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    """(secret file path, recording server base URL, list of recorded request paths)."""
    secret = tmp_path_factory.mktemp("canary") / "secret.txt"
    secret.write_text(SECRET)
    with Recorder(f'<!ENTITY leak "{SECRET}">'.encode()) as server:
        yield str(secret), server.base, server.hits


def _outcome(fn, *args, **kwargs):
    """The result, or the DiscoveryError's reason; anything else propagates and fails the test."""
    try:
        return fn(*args, **kwargs)
    except DiscoveryError as e:
        assert e.reason
        return e.reason


def _check(result):
    if isinstance(result, str):
        return
    if isinstance(result, Sitemap):
        assert result.kind in ("index", "urlset")
        assert all(isinstance(u, str) for u in result.sitemaps)
        result = result.links
    assert isinstance(result, list)
    assert all(isinstance(x, Link) and isinstance(x.url, str) or isinstance(x, str) for x in result)


# ----------------------------------------------------------------------------- properties

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(st.binary(max_size=3000), st.sampled_from([None, "application/rss+xml", "text/xml; charset=utf-16", "text/html"]))
def test_arbitrary_bytes_raise_only_discovery_error(body, ct):
    _check(_outcome(parse_feed, body, "https://ex.example/feed", content_type=ct))
    _check(_outcome(parse_sitemap, body, "https://ex.example/sitemap.xml", max_size=4096))
    _check(_outcome(robots_sitemaps, body, "https://ex.example/robots.txt"))
    raw = _outcome(gunzip, body, 1024)
    assert isinstance(raw, str) or len(raw) <= 1024


@PROPS
@given(st.text(max_size=300))
def test_arbitrary_text_in_real_documents(s):
    for doc in FEEDS:
        _check(_outcome(parse_feed, doc.replace(b"Harbour Times", s.encode("utf-8", "surrogatepass")), "https://ex.example/"))
    body = SITEMAPS[0].replace(b"https://ex.example/2026/11/03/a.html", s.encode("utf-8", "surrogatepass"))
    _check(_outcome(parse_sitemap, body, "https://ex.example/"))
    _check(_outcome(robots_sitemaps, b"Sitemap: " + s.encode("utf-8", "surrogatepass"), "https://ex.example/"))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False), st.sampled_from(FEEDS + SITEMAPS + [ROBOTS]))
def test_mutated_real_xml_with_injected_entities(canary, rnd, seed):
    from tests.fuzzing import XML_TOKENS, mutate

    secret, base, hits = canary
    tokens = XML_TOKENS + [t.encode() for t in (
        f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>', f'<!DOCTYPE r SYSTEM "{base}/dtd">',
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{base}/p"> %p;]>', f'<!DOCTYPE r [<!ENTITY x SYSTEM "{base}/x">]>',
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{secret}" parse="text"/>', "&x;", "&leak;",
    )]
    body = mutate(seed, rnd, tokens=tokens, seeds=FEEDS + SITEMAPS, max_len=60_000)
    for result in (
        _outcome(parse_feed, body, "https://ex.example/feed", content_type=rnd.choice([None, "application/xml", "text/xml; charset=utf-16"])),
        _outcome(parse_sitemap, body, "https://ex.example/sitemap.xml", max_size=1_000_000),
        _outcome(parse_sitemap, gzip.compress(body), "https://ex.example/sitemap.xml.gz", max_size=4096),
        _outcome(robots_sitemaps, body, "https://ex.example/robots.txt"),
    ):
        _check(result)
        assert SECRET not in repr(result)
    assert hits == []


# ----------------------------------------------------------------------------- XML entity guarantees

LAUGHS = ('<!DOCTYPE l [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
          '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
          '<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>')
QUADRATIC = '<!DOCTYPE q [<!ENTITY a "' + "A" * 100_000 + '">]>'
FEED_TMPL = '<?xml version="1.0" encoding="{enc}"?>{dtd}<rss version="2.0"><channel><item><title>{ref}</title><link>https://ex.example/{ref}</link></item></channel></rss>'
SITEMAP_TMPL = '<?xml version="1.0" encoding="{enc}"?>{dtd}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://ex.example/{ref}</loc></url></urlset>'

# (codec used to write the bytes, encoding named in the declaration, Content-Type header)
ENCODINGS = [
    ("utf-8", "utf-8", None), ("utf-16", "utf-16", None), ("utf-16-le", "utf-16", None),
    ("utf-16-be", "utf-16", "application/xml; charset=utf-16be"), ("utf-32", "utf-32", None),
    ("cp037", "ebcdic-cp-us", None), ("utf-7", "utf-7", None), ("utf-7", "utf-7", "application/xml; charset=utf-7"),
]


@pytest.mark.parametrize("codec, declared, ct", ENCODINGS)
@pytest.mark.parametrize("dtd, ref", [(LAUGHS, "&lol9;"), (QUADRATIC, "&a;" * 1000)], ids=["billion-laughs", "quadratic"])
def test_entity_declarations_refused_in_every_encoding(codec, declared, ct, dtd, ref):
    feed = FEED_TMPL.format(enc=declared, dtd=dtd, ref=ref).encode(codec)
    sitemap = SITEMAP_TMPL.format(enc=declared, dtd=dtd, ref=ref).encode(codec)
    t0 = time.perf_counter()
    with pytest.raises(DiscoveryError) as e:
        parse_feed(feed, "https://ex.example/", content_type=ct)
    assert e.value.reason == "xml_entities_refused"
    result = _outcome(parse_sitemap, sitemap, "https://ex.example/")
    # libxml2 does not read UTF-7 and EBCDIC sitemaps at all (bad_sitemap): refused or harmless
    assert result == "xml_entities_refused" or codec in ("utf-7", "cp037") and "lollol" not in repr(result) \
        and "AAAA" not in repr(result)
    assert time.perf_counter() - t0 < 2


@pytest.mark.parametrize("codec, declared, ct", ENCODINGS)
def test_external_entities_never_read(canary, codec, declared, ct):
    secret, base, hits = canary
    for dtd, ref in [
        (f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>', "&x;"),
        (f'<!DOCTYPE r [<!ENTITY x SYSTEM "{base}/entity">]>', "&x;"),
        (f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{base}/param"> %p;]>', "&leak;"),
        (f'<!DOCTYPE r [<!ENTITY % p SYSTEM "file://{secret}"> <!ENTITY % q "<!ENTITY x SYSTEM \'{base}/?%p;\'>"> %q;]>', "&x;"),
    ]:
        for tmpl, parse in ((FEED_TMPL, lambda b: parse_feed(b, "https://ex.example/", content_type=ct)),
                            (SITEMAP_TMPL, lambda b: parse_sitemap(b, "https://ex.example/"))):
            result = _outcome(parse, tmpl.format(enc=declared, dtd=dtd, ref=ref).encode(codec))
            assert SECRET not in repr(result)
    assert hits == []


@pytest.mark.parametrize("kind", ["feed", "sitemap"])
def test_external_dtd_xinclude_and_stylesheet_never_fetched(canary, kind):
    """No <!ENTITY here, so the screen lets these through: the parsers themselves must not fetch."""
    secret, base, hits = canary
    prologs = [
        f'<!DOCTYPE r SYSTEM "{base}/dtd">',
        f'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "{base}/rss-0.91.dtd">',
        f'<!DOCTYPE r SYSTEM "file://{secret}">',
        f'<?xml-stylesheet type="text/xsl" href="{base}/xsl"?>',
    ]
    for prolog in prologs:
        for extra in ("", f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{secret}" parse="text"/>',
                      f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{base}/xinclude"/>'):
            if kind == "feed":
                body = FEED_TMPL.format(enc="utf-8", dtd=prolog, ref="a" + extra).encode()
                result = _outcome(parse_feed, body, "https://ex.example/")
            else:
                body = SITEMAP_TMPL.format(enc="utf-8", dtd=prolog, ref="a</loc>" + extra + "<loc>b").encode()
                result = _outcome(parse_sitemap, body, "https://ex.example/")
            assert SECRET not in repr(result)
    assert hits == []


def _bomb(size: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"<url><loc>https://ex.example/a</loc></url>" * 25_000  # ~1 MB
    parts = [c.compress(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')]
    parts += [c.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + c.flush()


def test_gzip_bomb_stops_at_max_size():
    bomb = _bomb(300_000_000)  # 300 MB of XML in ~0.6 MB of gzip
    assert len(bomb) < 5_000_000
    tracemalloc.start()
    try:
        with pytest.raises(DiscoveryError) as e:
            gunzip(bomb, 10_000_000)
        assert e.value.reason == "decompressed_too_large"
        with pytest.raises(DiscoveryError) as e:
            parse_sitemap(bomb, "https://ex.example/sitemap.xml.gz", max_size=10_000_000)
        assert e.value.reason == "decompressed_too_large"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40_000_000, f"peak {peak / 1e6:.0f} MB while refusing a 300 MB bomb with max_size 10 MB"


@pytest.mark.parametrize("max_size", [1, 100, 4096])
def test_gunzip_never_returns_more_than_max_size(max_size):
    data = gzip.compress(b"x" * 10_000)
    out = _outcome(gunzip, data, max_size)
    assert out == "decompressed_too_large"
    assert gunzip(gzip.compress(b"x" * max_size), max_size) == b"x" * max_size


# ----------------------------------------------------------------------------- regressions (fuzz findings)


def test_regression_body_that_is_a_local_path_is_not_opened(tmp_path):
    """feedparser.parse(bytes) treats bytes naming an existing file as a path and reads the file."""
    local = tmp_path / "local-feed.xml"
    local.write_bytes(b'<rss version="2.0"><channel><item><link>https://secret.example/LEAKED</link></item></channel></rss>')
    result = _outcome(parse_feed, str(local).encode(), "https://ex.example/feed")
    assert "LEAKED" not in repr(result)


@pytest.mark.parametrize("bad", ["http://[::1", "http://[", "https://[zz]/x"])
def test_regression_unparseable_url_is_passed_on_not_raised(bad):
    """urljoin raised ValueError("Invalid IPv6 URL") out of every parser. Such a URL is passed on as
    written, and the spider counts it as skipped bad_url (tests/test_field_fixes.py)."""
    ok = "https://ex.example/ok"
    rss = f'<rss version="2.0"><channel><item><link>{bad}</link></item><item><link>{ok}</link></item></channel></rss>'
    assert [lk.url for lk in parse_feed(rss.encode(), "https://ex.example/")][-1] == ok  # (feedparser may drop it)
    urlset = f'<urlset><url><loc>{bad}</loc></url><url><loc>{ok}</loc></url></urlset>'
    assert [lk.url for lk in parse_sitemap(urlset.encode(), "https://ex.example/").links] == [bad, ok]
    index = f'<sitemapindex><sitemap><loc>{bad}</loc></sitemap><sitemap><loc>{ok}</loc></sitemap></sitemapindex>'
    assert parse_sitemap(index.encode(), "https://ex.example/").sitemaps == [bad, ok]
    assert robots_sitemaps(f"Sitemap: {bad}\nSitemap: {ok}\n".encode(), "https://ex.example/") == [bad, ok]


def test_regression_utf16_entity_declaration_was_expanded():
    """The <!ENTITY screen looked at raw bytes only; in UTF-16 feedparser expanded the entities."""
    doc = FEED_TMPL.format(enc="utf-16", dtd='<!DOCTYPE r [<!ENTITY a "AAAA"><!ENTITY b "&a;&a;&a;&a;">]>', ref="&b;")
    with pytest.raises(DiscoveryError, match="xml_entities_refused"):
        parse_feed(doc.encode("utf-16"), "https://ex.example/")


def test_regression_chardet_quadratic_on_long_letter_runs():
    """A feed in an undeclared, non-UTF-8 charset with a long run of ASCII letters (a base64 blob):
    feedparser's chardet fallback took 248 s for 260 KB (its word filter is quadratic in the run),
    on the crawl's reactor thread."""
    body = (b'<rss version="2.0"><channel><item><title>Caf\xe9 \x81\x8d</title><link>https://ex.example/a</link>'
            b"<description>" + b"x" * 200_000 + b"</description></item></channel></rss>")
    t0 = time.perf_counter()
    links = parse_feed(body, "https://ex.example/")
    assert time.perf_counter() - t0 < 2
    assert [lk.url for lk in links] == ["https://ex.example/a"]


def test_feed_parse_does_not_touch_network_for_a_url_body(canary):
    """A body that looks like a URL is data, never something to fetch."""
    secret, base, hits = canary
    _outcome(parse_feed, f"{base}/feed".encode(), "https://ex.example/")
    result = _outcome(parse_feed, f"file://{secret}".encode(), "https://ex.example/")
    assert SECRET not in repr(result)
    assert hits == []


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0" encoding="u\xd4f-8"?><rss version="2.0"></rss>',  # UnicodeDecodeError in feedparser's convert_to_utf8
    b'<?m?><t x="" xmlns:news="h\xa0\x80"><news:e>',                      # ValueError: too many values to unpack (xml.sax
])                                                                        # splits "uri localname" on the U+00A0 in the URI)
def test_regression_feedparser_exceptions_become_bad_feed(body):
    with pytest.raises(DiscoveryError) as e:
        parse_feed(body, "https://ex.example/")
    assert e.value.reason == "bad_feed"

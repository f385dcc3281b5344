"""Article discovery from feeds (RSS, Atom), sitemaps (index, urlset, Google News) and robots.txt.

Plain functions over bytes: no network, no Scrapy, so they are easy to test and fuzz. XML is
parsed without resolving entities, DTDs or anything on the network; a document that declares
entities is refused outright (the "billion laughs" family), as is a decompressed body past the size
limit (gzip bombs).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin

import feedparser
import feedparser.encodings
from feedparser.encodings import convert_to_utf8
from lxml import etree

# feedparser falls back to chardet over the whole body when the declared charset (or UTF-8) does not
# decode it. chardet's word filter is quadratic in runs of ASCII letters, once per single-byte
# prober: a 260 KB feed holding a 64 KB run (a base64 image, say) took 248 s, and even a 4 KB
# prefix 5 s, on the crawl's reactor thread. Without it feedparser goes on to UTF-8, then
# windows-1252 (the browsers' default for undeclared pages), then ISO-8859-2: links are ASCII anyway.
feedparser.encodings.lazy_chardet_encoding = None

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be used; ``reason`` is short and stable (for the counts)."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class Link:
    """An article URL with what discovery knows about it."""

    url: str
    published: str | None = None  # ISO 8601 (feed pubDate/updated, news:publication_date)
    title: str | None = None
    language: str | None = None
    modified: str | None = None   # a sitemap's <lastmod>: when the page last changed, not its publication


@dataclass(frozen=True)
class Sitemap:
    kind: str                 # "index" | "urlset"
    sitemaps: list[str]       # for an index: the child sitemaps
    links: list[Link]         # for a urlset: the article URLs
    lastmod: dict[str, str] = field(default_factory=dict)  # for an index: a child's <lastmod>, as written


def gunzip(body: bytes, max_size: int) -> bytes:
    """Decompress a gzip body (a .xml.gz sitemap), refusing to grow past ``max_size``."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = io.BytesIO()
    try:
        chunk = d.decompress(body, max_size + 1)
        out.write(chunk)
        while d.unconsumed_tail and out.tell() <= max_size:
            out.write(d.decompress(d.unconsumed_tail, max_size + 1 - out.tell()))
    except zlib.error as e:
        raise DiscoveryError("bad_gzip", str(e)) from None
    if out.tell() > max_size:
        raise DiscoveryError("decompressed_too_large", f"more than {max_size} bytes")
    return out.getvalue()


def maybe_gunzip(body: bytes, max_size: int) -> bytes:
    return gunzip(body, max_size) if body[:2] == b"\x1f\x8b" else body


def screen_xml(body: bytes) -> None:
    """Refuse XML that declares entities: nothing legitimate in a feed or sitemap needs them.

    UTF-16/UTF-32 documents spell ``<!ENTITY`` with NUL bytes between the letters: they are
    screened with the NULs removed as well.
    """
    if _ENTITY_DECL.search(body[:65536]) or (len(body) > 65536 and _ENTITY_DECL.search(body)):
        raise DiscoveryError("xml_entities_refused", "the document declares XML entities")
    if b"\x00" in body and _ENTITY_DECL.search(body.replace(b"\x00", b"")):
        raise DiscoveryError("xml_entities_refused", "the document declares XML entities")


def _join(base_url: str, href: str) -> str | None:
    """urljoin; a URL that cannot be parsed (``http://[::1``: urlsplit raises ValueError) as it is
    written, for the spider to count as bad_url; None for an empty one."""
    try:
        return urljoin(base_url, href)
    except ValueError:
        return href or None


def parse_feed(body: bytes, base_url: str, *, content_type: str | None = None) -> list[Link]:
    """RSS 0.9x/1.0/2.0 and Atom entries -> links (feedparser, after the entity screen); JSON Feed
    1.x items (https://jsonfeed.org) too."""
    screen_xml(body)
    if not body.strip():
        raise DiscoveryError("empty")
    if _JSON_FEED.match(body[:512]):
        return _json_feed(body, base_url)
    # content-location: the base a relative xml:base ("../news/") is resolved against
    headers = {"content-type": content_type, "content-location": base_url} if content_type else {
        "content-location": base_url}
    # feedparser re-encodes the document to UTF-8 before parsing (BOM, EBCDIC, UTF-16 without BOM,
    # declared charsets): screen exactly what its XML parser will see, too.
    try:
        utf8 = convert_to_utf8(dict(headers), body, {})
        screen_xml(utf8)
        # A BytesIO, never the bytes: feedparser.parse(b"/etc/passwd") opens and reads that local file.
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False,
                                  resolve_relative_uris=False)
    except DiscoveryError:
        raise
    except Exception as e:  # feedparser's own bugs on broken input (UnicodeDecodeError, ValueError, ...)
        raise DiscoveryError("bad_feed", f"{type(e).__name__}: {e}") from None
    if parsed.bozo and not parsed.entries:
        raise DiscoveryError("bad_feed", str(getattr(parsed, "bozo_exception", "unparseable")))
    if not parsed.get("version") and not parsed.entries:
        raise DiscoveryError("not_a_feed")
    links = []
    feed_lang = (parsed.feed.get("language") or "")[:2].lower() or None
    for e in parsed.entries:
        href = e.get("link") or next((lk.get("href") for lk in e.get("links", []) if lk.get("href")), None)
        if not href:
            continue
        # dict.get: feedparser's own get() maps a missing published_parsed to updated_parsed with a
        # DeprecationWarning; the fallback is spelled out here instead
        when = dict.get(e, "published_parsed") or dict.get(e, "updated_parsed")
        published = (f"{when.tm_year:04d}-{when.tm_mon:02d}-{when.tm_mday:02d}T{when.tm_hour:02d}:"
                     f"{when.tm_min:02d}:{when.tm_sec:02d}Z") if when else None
        url = _join(base_url, href.strip())
        if url:
            links.append(Link(url, published, e.get("title"), feed_lang))
    return links


_JSON_FEED = re.compile(rb"^(?:\xef\xbb\xbf)?\s*\{")


def _json_feed(body: bytes, base_url: str) -> list[Link]:
    """A JSON Feed's items: ``url`` (or ``external_url``), ``date_published``, ``title`` and the
    item's or the feed's ``language``."""
    try:
        feed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:  # RecursionError: "[[[[..." nested deep
        raise DiscoveryError("bad_feed", f"JSON: {type(e).__name__}: {e}") from None
    if not isinstance(feed, dict) or "jsonfeed.org" not in str(feed.get("version", "")):
        raise DiscoveryError("not_a_feed", "JSON without a JSON Feed version (https://jsonfeed.org)")
    items = feed.get("items")
    if not isinstance(items, list):
        raise DiscoveryError("bad_feed", "JSON Feed without an items list")
    feed_lang = feed.get("language")
    links = []
    for item in items:
        if not isinstance(item, dict):
            continue
        href = item.get("url") or item.get("external_url")
        url = _join(base_url, href.strip()) if isinstance(href, str) else None
        if not url:
            continue
        lang = item.get("language") or feed_lang
        published, title = item.get("date_published"), item.get("title")
        links.append(Link(url, published if isinstance(published, str) else None,
                          title if isinstance(title, str) else None,
                          lang[:2].lower() if isinstance(lang, str) and lang else None))
    return links


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


_TEXT_SITEMAP_LINE = re.compile(r"https?://\S+", re.I)


def _text_sitemap(body: bytes, base_url: str) -> list[Link] | None:
    """The links of a text sitemap (sitemaps.org: UTF-8, one absolute URL per line), or None when
    the body is not one: every non-empty line must be an http(s) URL and nothing else."""
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:16].lower()
    if not head.startswith((b"http://", b"https://")):
        return None
    try:
        lines = [line.strip() for line in body.decode("utf-8-sig").splitlines()]
    except UnicodeDecodeError:
        return None
    lines = [line for line in lines if line]
    if not all(_TEXT_SITEMAP_LINE.fullmatch(line) for line in lines):
        return None
    return [Link(url) for line in lines if (url := _join(base_url, line))]


def parse_sitemap(body: bytes, base_url: str, *, max_size: int = 50_000_000) -> Sitemap:
    """A sitemap index or urlset, keeping the Google News fields (news:title, news:language,
    news:publication_date) that Scrapy's own sitemap parser drops; or a text sitemap (one URL per
    line)."""
    body = maybe_gunzip(body, max_size)
    if (text_links := _text_sitemap(body, base_url)) is not None:
        return Sitemap("urlset", [], text_links)
    screen_xml(body)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             recover=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as e:
        raise DiscoveryError("bad_sitemap", str(e)) from None
    if root is None:
        raise DiscoveryError("bad_sitemap", "empty document")
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = [(_join(base_url, loc), _text(sm, "lastmod"))
                    for sm in root if _local(sm.tag) == "sitemap" and (loc := _text(sm, "loc"))]
        return Sitemap("index", [u for u, _ in children if u], [], {u: m for u, m in children if u and m})
    if kind != "urlset":
        raise DiscoveryError("not_a_sitemap", f"root element <{kind}>")
    links = []
    for url in root:
        if _local(url.tag) != "url":
            continue
        loc = _text(url, "loc")
        if not loc:
            continue
        published, title, lang, modified = None, None, None, _text(url, "lastmod")
        news = next((c for c in url if _local(c.tag) == "news"), None)
        if news is not None:
            published = _text(news, "publication_date") or published
            title = _text(news, "title")
            pub = next((c for c in news if _local(c.tag) == "publication"), None)
            if pub is not None:
                lang = (_text(pub, "language") or "")[:2].lower() or None
        url = _join(base_url, loc)
        if url:
            links.append(Link(url, published, title, lang, modified))
    return Sitemap("urlset", [], links)


def w3c_timestamp(value: str | None) -> float | None:
    """A sitemap's W3C datetime (``2026-12-05``, ``2026-12-05T09:30Z``, ``...+01:00``) as a POSIX
    timestamp; a date alone is its midnight, a time without an offset is UTC. None when unreadable."""
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip())
        return (when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)).timestamp()
    except (ValueError, OverflowError):  # "9999-12-31T23:59-01:00" is past datetime's range in UTC
        return None


def _text(el: etree._Element, name: str) -> str | None:
    for c in el:
        if _local(c.tag) == name:
            t = (c.text or "").strip()
            return t or None
    return None


def robots_sitemaps(body: bytes, base_url: str) -> list[str]:
    """The `Sitemap:` lines of a robots.txt."""
    text = body.decode("utf-8", errors="replace")
    return [u for m in _SITEMAP_LINE.finditer(text) if (u := _join(base_url, m.group(1)))]


__all__ = ["DiscoveryError", "Link", "Sitemap", "gunzip", "maybe_gunzip", "parse_feed",
           "parse_sitemap", "robots_sitemaps", "screen_xml", "w3c_timestamp"]

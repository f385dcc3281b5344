"""One spider for all configured sources: discovery (feeds, sitemaps, section pages) and article fetches.

Each request carries its source's name; articles come back as ``crawler.sink.Page`` items,
which the item pipeline (crawler.pipelines) hands to the crawl's sink (cleaning, dedup and storage,
in copydesk). URLs the sink knows are never requested; feeds, sitemaps and section pages are
fetched with conditional GET. The spider knows only ``crawler.sink`` (SourceSpec, CrawlSink).

One link, one decision per crawl: each article or sitemap link is put to the crawl's dupefilter
(Scrapy's DUPEFILTER_CLASS, fingerprints from REQUEST_FINGERPRINTER_CLASS: copydesk keys them on
its canonical URL) when it is found. A link it has seen is dropped unseen, even when it was not
fetched (known, offsite, filtered: such links never reach the scheduler, so the scheduler cannot be
the one to ask); a new one is counted and decided, and its request carries ``dont_filter`` because
it has passed the filter already (asked again, the filter would answer "seen"). docs/crawler-sink.md.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import Request, Selector, signals
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from copydesk.crawler.discovery import (DiscoveryError, Link, parse_feed, parse_sitemap, robots_sitemaps,
                                       w3c_timestamp)
from copydesk.crawler.domains import Domains
from copydesk.crawler.middlewares import KnownTarget
from copydesk.crawler.reasons import failure_reason
from copydesk.crawler.sink import CrawlSink, Page, SourceSpec, Validators, published_before

log = logging.getLogger("copydesk.crawler")

FEED, SITEMAP, ROBOTS, SECTION, ARTICLE = "feed", "sitemap", "robots", "section", "article"
# robots.txt -> sitemap index -> sitemap is as deep as the protocol goes (an index may not list
# indexes); one level of slack for sites that nest anyway, then a chain is a trap
MAX_SITEMAP_DEPTH = 3
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Content-Types that say nothing (a server's default for files it cannot name; "" is no header): an
# article page under one of these is HTML when its body starts like HTML (SNIFF_BYTES, looks_like_html)
GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream", "application/unknown")
SNIFF_BYTES = 1024
# an AMP page (<html amp> or <html ⚡>) names its full page in rel=canonical within its <head>
_AMP_HTML = re.compile(rb"<html\b[^>]*?\s(?:amp|\xe2\x9a\xa1)(?=[\s=/>])", re.I)
AMP_HEAD_BYTES = 65_536
AMP_META = "amp_page"    # on a full page's request: (url, url as discovered) of the AMP page it stands for
KEEP_AMP = "keep_amp"    # on an AMP page's second request: its full page could not be had
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>/]", re.I)
# sitemaps up to this size (a Google News sitemap's 1,000 URLs) are parsed on the reactor thread,
# ~8 ms per 100 KB; larger and compressed ones in the extraction pool, with its time limit
INLINE_SITEMAP_BYTES = 256_000
# A sitemap an index lists is not requested when the index's <lastmod> for it is this much older
# than the answer that gave (or confirmed) its validators: slack for the site's clock and for a
# <lastmod> written in the wrong time zone or as a date alone (docs/crawling.md)
LASTMOD_SLACK = 86_400.0
# ... and only within this long of that answer: an index whose <lastmod>s are never updated still
# has its sitemaps read once a day
LASTMOD_TRUSTED_FOR = 86_400.0


class NewsSpider(scrapy.Spider):
    name = "copydesk"

    def __init__(self, sources: list[SourceSpec], sink: CrawlSink, *, discover: bool = True, **kwargs: Any):
        """``discover=False``: start with no request (a crawl fed by a shared frontier only, which
        fetches what other crawls discovered)."""
        super().__init__(**kwargs)
        self.discover = discover
        self.sources = {s.name: s for s in sources}
        self.sink = sink  # the item pipeline (crawler.pipelines) hands pages to it too
        self.hosts = {s.name: s.hosts for s in sources}
        # where each source may fetch articles and sitemaps (crawler.domains; SafetyMiddleware too)
        self.domains = {s.name: Domains(s.hosts, s.allowed_domains) for s in sources}
        self.follow = {s.name: LinkExtractor(allow=s.follow or (), unique=True) for s in sources}
        self.max_bytes = 0  # DOWNLOAD_MAXSIZE, from the settings (from_crawler)
        self.finish_reason: str | None = None  # Scrapy's close reason: "finished", "shutdown", ...

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE")  # also bounds a sitemap's gunzip
        crawler.signals.connect(spider._response_received, signal=signals.response_received)
        return spider

    def closed(self, reason: str) -> None:
        self.finish_reason = reason

    def _response_received(self, response: Response, request: Request, **_: Any) -> None:
        src = request.meta.get("source")
        if src:
            self.sink.count(src, "requests")

    # -- requests -----------------------------------------------------------------------------
    def _request(self, url: str, source: str, kind: str, callback: Any, *, conditional: bool = False,
                 saved: Validators | None = None, hints: dict[str, Any] | None = None,
                 extra_meta: dict[str, Any] | None = None) -> Request:
        """``saved``: the URL's validators when the caller has looked them up already."""
        headers = {}
        if conditional:
            etag, modified, _ = saved if saved is not None else self.sink.validators(url, source)
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
        # (no download_slot: crawler.downloader keys every request by its URL's host name)
        meta = {"source": source, "kind": kind,
                "handle_httpstatus_list": [304] if conditional else [], "hints": hints or {}, **(extra_meta or {})}
        # dont_filter on every request: an article or sitemap link has been through the dupefilter
        # already (``_seen``; its redirects and retries inherit the flag, so a redirect loop is
        # reported, not swallowed); a configured feed, robots.txt or section page is fetched once
        # per run as configured, and its URL is no link: a section page that links to itself still
        # has that link fetched as an article, as before.
        return Request(url, callback=callback, errback=self.failed, headers=headers, meta=meta, dont_filter=True)

    def _seen(self, request: Request) -> bool:
        """Ask the crawl's dupefilter (the scheduler's, so DUPEFILTER_CLASS decides) whether this
        crawl has had a request for the same fingerprint (copydesk: the same canonical URL); it
        records this one either way."""
        return bool(self.crawler.engine.scheduler.df.request_seen(request))

    async def start(self) -> AsyncIterator[Request]:
        if not self.discover:
            return
        for name, s in self.sources.items():
            for url in self.sink.retry_urls(name):
                request = self._article(url, name)
                self._seen(request)  # discovery must not count or request it again
                yield request
            for url in s.feeds:
                yield self._request(url, name, FEED, self.parse_feed, conditional=True)
            for url in s.sitemaps:
                if urlsplit(url).path.rstrip("/").endswith("robots.txt"):
                    yield self._request(url, name, ROBOTS, self.parse_robots, extra_meta={"dont_obey_robotstxt": True})
                else:
                    request = self._request(url, name, SITEMAP, self.parse_sitemap, conditional=True)
                    self._seen(request)  # an index that lists it does not have it fetched again
                    yield request
            for url in s.start_urls:
                yield self._request(url, name, SECTION, self.parse_section, conditional=True)

    def _article(self, url: str, source: str, hints: dict[str, Any] | None = None,
                 extra_meta: dict[str, Any] | None = None) -> Request:
        return self._request(url, source, ARTICLE, self.parse_article, hints=hints, extra_meta=extra_meta)

    def articles(self, links: list[Link], source: str, *, extra_meta: dict[str, Any] | None = None) -> Iterator[Request]:
        """Requests for the links worth fetching; the others are counted with their reason."""
        sink = self.sink
        for link in links:
            url = link.url
            if url.split(":", 1)[0].strip().lower() not in ("http", "https"):
                continue
            if not valid_url(url):
                sink.count(source, "discovered")
                sink.skip(source, url, "bad_url", article=False)
                continue
            request = self._article(url, source, hints={
                "title": link.title, "published": link.published, "language": link.language}, extra_meta=extra_meta)
            if self._seen(request):
                continue
            sink.count(source, "discovered")
            if sink.is_known(url, source):
                sink.count(source, "known")
                continue
            if not self.domains[source].allows(urlsplit(url).hostname or ""):
                sink.skip(source, url, "offsite")
                continue
            reason = self._prefilter(link, self.sources[source])
            if reason:
                sink.skip(source, url, reason)
                continue
            yield request

    @staticmethod
    def _prefilter(link: Link, spec: SourceSpec) -> str | None:
        # a page changed (lastmod) before `since` was published before it too
        if published_before(link.published or link.modified, spec.since):
            return "filter_since"
        if spec.languages and link.language and link.language not in spec.languages:
            return "filter_language"
        return None

    # -- callbacks ----------------------------------------------------------------------------
    def _not_modified(self, response: Response) -> bool:
        """A 304: counted, and the validators it confirmed are saved again, as of now."""
        if response.status != 304:
            return False
        src = response.meta["source"]
        self.sink.count(src, "not_modified")
        self.sink.count(src, "discovery_ok")
        sent = response.request.headers
        url = (response.meta.get("redirect_urls") or [response.url])[0]
        self.sink.remember_validators(src, url, _decoded(sent.get(b"If-None-Match")),
                                      _decoded(sent.get(b"If-Modified-Since")))
        return True

    def _discovered(self, response: Response, ok: bool, *, remember: bool = True) -> None:
        """Count a feed, sitemap, robots.txt or section page that worked (or not: the run's health,
        SourceCounts.health). Only one that worked has its validators remembered (none when not
        ``remember``, replacing any saved before): a broken feed must not turn into a 304 next time."""
        src = response.meta["source"]
        if not ok:
            self.sink.count(src, "discovery_failed")
            return
        self.sink.count(src, "discovery_ok")
        url = (response.meta.get("redirect_urls") or [response.url])[0]
        # none when not `remember`: a URL that was a plain sitemap and is now an index sends none
        etag, modified = (_header(response, b"ETag"), _header(response, b"Last-Modified")) if remember else (None, None)
        self.sink.remember_validators(src, url, etag, modified)

    async def _parse(self, response: Response, fn: Any, *args: Any, inline: bool = False, **kwargs: Any) -> Any:
        """Parse untrusted XML off the reactor thread (``sink.offload``: the extraction pool's time
        and memory limits), or on the reactor
        thread when ``inline`` (a small sitemap: lxml reads it in milliseconds, less than the trip to
        the pool, and the crawl's first article requests wait for it). Feeds always go to the pool:
        feedparser's fallback parser takes seconds per megabyte of broken XML. Returns None after
        counting the failure."""
        import asyncio
        from concurrent.futures import TimeoutError as FuturesTimeout
        from functools import partial

        src = response.meta["source"]
        try:
            if inline:
                return fn(*args, **kwargs)
            return await asyncio.wrap_future(self.sink.offload(partial(fn, **kwargs), *args))
        except DiscoveryError as e:
            self.sink.fail(src, response.url, e.reason, str(e), article=False)
        except FuturesTimeout:
            self.sink.fail(src, response.url, "parse_timeout", article=False)
        except Exception as e:  # noqa: BLE001 - a worker crash or an unexpected parser error is counted
            self.sink.fail(src, response.url, f"parse_error:{type(e).__name__}", str(e)[:300], article=False)
        return None

    async def parse_feed(self, response: Response) -> AsyncIterator[Request]:
        if self._not_modified(response):
            return
        src = response.meta["source"]
        links = await self._parse(response, parse_feed, response.body, response.url,
                                  content_type=_header(response, b"Content-Type"))
        self._discovered(response, links is not None)
        for request in self.articles(links or [], src):
            yield request

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Request]:
        if self._not_modified(response):
            return
        src = response.meta["source"]
        body = response.body
        inline = len(body) <= INLINE_SITEMAP_BYTES and body[:2] != b"\x1f\x8b"  # gzip: a bomb is small
        sm = await self._parse(response, parse_sitemap, body, response.url, inline=inline, max_size=self.max_bytes)
        # a sitemap index is read in full every run: its sitemaps change (a news sitemap gets new
        # articles) while the index stays the same, and a 304 for it would hide them; each sitemap
        # it lists gets its own conditional GET
        self._discovered(response, sm is not None, remember=not (sm and sm.sitemaps))
        if sm is None:
            return
        depth = response.meta.get("sitemap_depth", 0) + 1
        for child in sm.sitemaps:
            request = self._child_sitemap(child, src, depth, lastmod=sm.lastmod.get(child))
            if request is not None:
                yield request
        for request in self.articles(sm.links, src):
            yield request

    def parse_robots(self, response: Response) -> Iterator[Request]:
        src = response.meta["source"]
        self._discovered(response, True)
        for url in robots_sitemaps(response.body, response.url):
            request = self._child_sitemap(url, src, 1)
            if request is not None:
                yield request

    def _child_sitemap(self, url: str, source: str, depth: int, *, lastmod: str | None = None) -> Request | None:
        """A request for a sitemap found in an index or robots.txt, unless this run has it already
        (an index that lists itself, or two that list each other), it is outside the source's
        domains (not fetched; counted as skipped, ``offsite``, and logged, but not decided for
        good: sitemaps are read every run, and the next one may allow its domain), it is nested
        too deep, or the index's ``lastmod`` says it is as last read (``sitemaps_unchanged``)."""
        if not valid_url(url):
            self.sink.skip(source, url, "bad_url", article=False)
            return None
        host = urlsplit(url).hostname or ""
        saved = self.sink.validators(url, source)
        request = self._request(url, source, SITEMAP, self.parse_sitemap, conditional=True, saved=saved,
                                extra_meta={"sitemap_depth": depth})
        if self._seen(request):
            return None
        if not self.domains[source].allows(host):
            self.sink.skip(source, url, "offsite", article=False)
            log.info("%s: sitemap %s not read: %s is outside the source's domains (to read it, add its domain "
                     "to the source's allowed_domains)", source, url, host)
            return None
        if depth > MAX_SITEMAP_DEPTH:
            self.sink.fail(source, url, "sitemap_too_deep", article=False)
            return None
        if _unchanged_since_read(saved, lastmod):
            self.sink.count(source, "sitemaps_unchanged")
            return None
        return request

    def parse_section(self, response: Response) -> Iterator[Request]:
        if self._not_modified(response):
            return
        src = response.meta["source"]
        if not isinstance(response, TextResponse):
            self.sink.fail(src, response.url, "not_html", article=False)
            self._discovered(response, False)
            return
        self._discovered(response, True)
        links = [Link(lk.url, title=lk.text.strip() or None) for lk in self.follow[src].extract_links(response)]
        yield from self.articles(links, src)

    def parse_article(self, response: Response) -> Iterator[Page | Request]:
        """The page as a Page for the pipeline, when it is HTML: by its Content-Type, or, under a
        generic one (GENERIC_TYPES; Scrapy then builds a plain Response, not a TextResponse: only
        the bytes are used), by its first bytes. The Page then says text/html (the cleaning
        refuses octet-stream); its headers keep what the server sent. An AMP page whose
        rel=canonical is another page on its host has that page requested instead (amp_page); when
        that request fails or robots.txt refuses it, the AMP page is fetched again and stored."""
        src = response.meta["source"]
        ctype = _header(response, b"Content-Type")
        redirects = response.meta.get("redirect_urls") or []
        if AMP_META in response.meta:  # the full page came: the AMP page it stands for is decided
            amp_url, amp_first = response.meta[AMP_META]
            self.sink.skip(src, amp_url, "amp_page", request_url=amp_first)
        mime, _, params = (ctype or "").partition(";")
        mime = mime.strip().lower()
        if mime not in HTML_TYPES:
            if mime not in GENERIC_TYPES or not looks_like_html(response.body):
                self.sink.skip(src, response.url, "not_html", request_url=redirects[0] if redirects else None)
                return
            ctype = "text/html" + (f";{params}" if params.strip() else "")
        full_page = None if response.meta.get(KEEP_AMP) else _amp_canonical(response)
        if full_page:
            # the full page is the record (its URL, its byline): fetched instead, once, like any
            # link; the AMP page is skipped when it comes, or now when it is not requested
            amp = (response.url, redirects[0] if redirects else None)
            hints = response.meta.get("hints") or {}
            requests = list(self.articles([Link(full_page, hints.get("published"), hints.get("title"),
                                                hints.get("language"))], src, extra_meta={AMP_META: amp}))
            if not requests:
                self.sink.skip(src, amp[0], "amp_page", request_url=amp[1])
            yield from requests
            return
        headers = tuple((k.decode("latin-1"), v.decode("latin-1"))
                        for k, vs in response.headers.items() for v in vs)
        yield Page(url=response.url, body=response.body, source=src, fetched_at=dt.datetime.now(dt.timezone.utc),
                   status=response.status, headers=headers, content_type=ctype,
                   request_url=redirects[0] if redirects else None, hints=response.meta.get("hints") or {})

    def failed(self, failure: Failure) -> list[Request]:
        """The failure counted with its reason; a full page requested for an AMP page has that AMP
        page fetched again, to be stored itself (returned)."""
        request = failure.request
        src, kind = request.meta.get("source"), request.meta.get("kind")
        if failure.check(KnownTarget):  # a redirect to a URL decided already (stored, taken down, ...)
            self.sink.skip(src, request.meta["redirect_urls"][0], "redirect_known")
            return []
        reason = failure_reason(failure)
        if kind != ARTICLE and src:
            self.sink.count(src, "discovery_failed")
        if reason == "robots_disallowed" and kind == ARTICLE:
            self.sink.skip(src, request.url, reason)
        else:
            detail = failure.getErrorMessage()
            if reason == "error":  # no known kind: keep what it was
                detail = f"{type(failure.value).__name__}: {detail}"
            self.sink.fail(src, request.url, reason, detail[:300], article=kind == ARTICLE)
        if AMP_META not in request.meta:
            return []
        amp_url = request.meta[AMP_META][0]
        return [self._article(amp_url, src, request.meta.get("hints"), extra_meta={KEEP_AMP: True})]


def _unchanged_since_read(saved: Validators, lastmod: str | None) -> bool:
    """Whether an index's ``<lastmod>`` for a sitemap is LASTMOD_SLACK older than the last answer
    for it (``saved``: its validators and when they came), which came less than LASTMOD_TRUSTED_FOR
    ago. Only a sitemap that answered with an ETag or Last-Modified qualifies: an index is saved
    with neither, and must be read every run for its own sitemaps' changes."""
    modified = w3c_timestamp(lastmod)
    etag, last_modified, checked_at = saved
    if modified is None or checked_at is None or not (etag or last_modified):
        return False
    return modified + LASTMOD_SLACK <= checked_at and time.time() - checked_at < LASTMOD_TRUSTED_FOR


def _amp_canonical(response: Response) -> str | None:
    """For an AMP page: its rel=canonical when that is another page on the same host (the full
    page the AMP one is made from); None otherwise."""
    head = response.body[:AMP_HEAD_BYTES]
    if not _AMP_HTML.search(head):
        return None
    encoding = getattr(response, "encoding", None) or "utf-8"
    href = Selector(text=head.decode(encoding, "replace")).xpath(
        "//link[contains(concat(' ', normalize-space(translate(@rel, 'CANONICAL', 'canonical')), ' '),"
        " ' canonical ')]/@href").get()
    if not href:
        return None
    try:
        url = response.urljoin(href.strip())
        here, there = urlsplit(response.url), urlsplit(url)
    except ValueError:
        return None
    same_host = (here.hostname or "").removeprefix("www.") == (there.hostname or "").removeprefix("www.")
    if there.scheme not in ("http", "https") or not same_host:
        return None
    return url if there._replace(fragment="") != here._replace(fragment="") else None


def valid_url(url: str) -> bool:
    """An http(s) URL with a host and a valid port, which Scrapy can request (``urlsplit`` raises on
    a port out of range or not a number and on an unterminated IPv6 literal only when asked)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def looks_like_html(body: bytes) -> bool:
    """Whether ``body`` starts like an HTML document: within its first SNIFF_BYTES, after a byte
    order mark, whitespace, comments and an <?xml ...?> declaration, a doctype html or an <html>,
    <head> or <body> tag (any case). A UTF-16 body (with its BOM) is read as such."""
    head = body[:SNIFF_BYTES]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", "replace").encode("utf-8", "replace")
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    while head[:4] == b"<!--" or head[:2] == b"<?":
        end = head.find(b"-->" if head[:4] == b"<!--" else b"?>")
        if end < 0:
            return False
        head = head[end + (3 if head[:4] == b"<!--" else 2):].lstrip()
    return _HTML_START.match(head) is not None


def _header(response: Response, name: bytes) -> str | None:
    return _decoded(response.headers.get(name))


def _decoded(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None

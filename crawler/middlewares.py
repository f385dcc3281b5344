"""Scrapy components for politeness: retries with backoff, robots.txt Crawl-delay under AutoThrottle."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response

log = logging.getLogger("copydesk.crawler")

NOT_BEFORE = "copydesk_not_before"


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (time-outs, connection errors, 5xx) with exponential backoff: the n-th retry
    waits RETRY_BACKOFF_BASE * 2**(n-1) seconds (at most RETRY_BACKOFF_MAX), or what Retry-After asks."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        o = super().from_crawler(crawler)
        o.base = crawler.settings.getfloat("RETRY_BACKOFF_BASE", 0.5)
        o.cap = crawler.settings.getfloat("RETRY_BACKOFF_MAX", 30.0)
        return o

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Any:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            after = response.headers.get(b"Retry-After")
            if after and after.strip().isdigit():
                result.meta[NOT_BEFORE] = time.monotonic() + min(self.cap, float(after.strip()))
        return result

    def _retry(self, request: Request, reason: Any) -> Request | None:
        new = super()._retry(request, reason)
        if new is not None:
            n = new.meta.get("retry_times", 1)
            new.meta[NOT_BEFORE] = time.monotonic() + min(self.cap, self.base * 2 ** (n - 1))
        return new

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        wait = request.meta.get(NOT_BEFORE, 0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return None


# Scrapy looks for <meta http-equiv="refresh"> in a page's first 4096 characters: up to 16 KB of
# UTF-8 (or of any ASCII-compatible encoding); NUL bytes mean UTF-16/32, which only decoding can tell
_REFRESH_WINDOW = 4 * 4096


class QuickMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, parsing only the pages that can hold one: Scrapy decodes
    every HTML body in full (``response.text``) and runs its regexes over it, for the one page in
    thousands that redirects this way."""

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Any:
        head = response.body[:_REFRESH_WINDOW]
        if b"\x00" not in head and b"refresh" not in head.lower():  # 10x quicker than one regex
            return response
        return super().process_response(request, response)


class PoliteThrottle(AutoThrottle):
    """AutoThrottle that never goes below a host's robots.txt Crawl-delay.

    Scrapy parses robots.txt (Protego) but does not apply Crawl-delay; its `robots_parsed` signal
    hands us the parser, and we pin the delay on the host's download slot (one per host name:
    crawler.downloader; two ports of one host with different Crawl-delays get the larger).

    A computed delay under `negligible_delay` becomes 0: Scrapy sends one request per delay,
    each from its own reactor call, so on a busy reactor a delay of a fraction of a millisecond
    (a host answering in 8 ms at a target concurrency of 16) serialises the host's requests
    behind the reactor's loop instead of spacing them. Such a host is limited by
    per_host_concurrency alone; a slower one (latency > target concurrency x 10 ms) is throttled.
    """

    negligible_delay = 0.01

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.crawl_delays: dict[str, float] = {}
        self.user_agent = crawler.settings.get("USER_AGENT")
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self._reached_downloader, signal=signals.request_reached_downloader)

    def _reached_downloader(self, request: Request, **_: Any) -> None:
        key = request.meta.get("download_slot")
        floor = self.crawl_delays.get(key or "")
        if floor:
            slot = self.crawler.engine.downloader.slots.get(key)
            if slot is not None:
                _pin(slot, floor)

    def _robots_parsed(self, robotparser: Any, request: Request, **_: Any) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay:
            return
        from copydesk.crawler.downloader import host_key

        host = host_key(request)  # the download slot (crawler.downloader): one per host name
        self.crawl_delays[host] = max(float(delay), self.crawl_delays.get(host, 0.0))
        downloader = self.crawler.engine.downloader
        gate = getattr(downloader, "gate", None)  # the process's (crawler.hostgate): other crawls wait too
        if gate is not None:
            gate.set_floor(host, downloader, self.crawl_delays[host])
        slot = downloader.slots.get(host)
        if slot is not None:
            _pin(slot, self.crawl_delays[host])
        log.info("robots.txt of %s asks for Crawl-delay %.2fs", request.url, delay)

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        # (pydispatch passes each receiver the arguments its signature names: keep this signature)
        super()._response_downloaded(response, request, spider)  # AutoThrottle's new delay
        key, slot = self._get_slot(request, spider)
        if slot is None:
            return
        if slot.delay < self.negligible_delay:
            slot.delay = 0.0
        floor = self.crawl_delays.get(key or "")
        if floor:
            _pin(slot, floor)


def _pin(slot: Any, crawl_delay: float) -> None:
    """At least `crawl_delay` between two requests of the slot: Scrapy varies a slot's delay by
    +-50 % (RANDOMIZE_DOWNLOAD_DELAY), which would halve a Crawl-delay, so such a slot has none."""
    slot.jitter = 0.0
    if slot.delay < crawl_delay:
        slot.delay = crawl_delay


class KnownTarget(IgnoreRequest):
    """A redirect of an article request to a URL already decided: not followed (the spider's
    errback skips the URL that redirected as ``redirect_known``)."""


class KnownRedirectMiddleware:
    """A redirect (HTTP 3xx or meta refresh) of an article request to a URL that is decided already
    (stored, taken down with `copydesk delete`, skipped for good, failed too often: the sink's
    ``is_known``, as for every discovered link) is not followed: the target is not requested, and
    the URL that redirected is skipped as ``redirect_known`` (never fetched again). Scrapy's
    redirect middlewares make the redirect a new Request that goes through the whole downloader
    chain again; this runs right after SafetyMiddleware, before robots.txt. (The crawl's
    dupefilter is not asked: a redirect's retries carry the same URL, and a loop must still be
    reported as ``redirect_loop``.)"""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownRedirectMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        redirects = request.meta.get("redirect_urls")
        source = request.meta.get("source")
        if not redirects or request.meta.get("kind") != "article" or source is None:
            return None
        sink = getattr(self.crawler.spider, "sink", None)
        if sink is not None and sink.is_known(request.url, source):
            raise KnownTarget(f"redirect to a known URL not followed: {request.url}")
        return None


class SafetyMiddleware:
    """What the crawler may touch: http(s) only; a source's own hosts and the hosts under its
    domains (crawler.domains), plus the redirects of its article URLs; never a loopback, private,
    link-local, multicast, reserved or cloud-metadata address, unless the source itself is
    configured on such an address (a local mirror, tests). A host the source configures itself is
    trusted as configured; any other host (one under its domains, a redirect target) is checked on
    its resolved address, once per crawl.

    Runs before the robots.txt middleware, so a refused redirect target does not even get its
    robots.txt fetched. Requests without a source (robots.txt itself) were vetted with the request
    that caused them.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._local_ok: dict[str, bool] = {}
        self._internal: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafetyMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        from urllib.parse import urlsplit

        from scrapy.exceptions import IgnoreRequest

        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            raise IgnoreRequest(f"unsafe scheme refused: {parts.scheme}")
        source = request.meta.get("source")
        spider = self.crawler.spider
        if source is None or spider is None:
            return None
        hosts = spider.hosts.get(source, frozenset())
        host = (parts.hostname or "").lower()
        if host in hosts:
            return None
        domains = getattr(spider, "domains", {}).get(source)
        ours = domains is not None and domains.allows(host)
        if not ours and not (request.meta.get("kind") == "article" and request.meta.get("redirect_urls")):
            raise IgnoreRequest(f"offsite request refused: {host}")
        if await self._is_internal(host) and not await self._source_is_local(source, hosts):
            raise IgnoreRequest(f"request to an internal address refused: {host}")
        return None

    async def _is_internal(self, host: str) -> bool:
        if host not in self._internal:
            self._internal[host] = await _is_internal(host)
        return self._internal[host]

    async def _source_is_local(self, source: str, hosts: frozenset[str]) -> bool:
        if source not in self._local_ok:
            self._local_ok[source] = any([await _is_internal(h) for h in hosts])
        return self._local_ok[source]


async def _is_internal(host: str) -> bool:
    """True when ``host`` is, or resolves to, an address no crawler should reach from the outside in."""
    import ipaddress
    import socket

    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet.threads import deferToThread

    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = await maybe_deferred_to_future(deferToThread(socket.getaddrinfo, host, None))
        except OSError:
            return False  # unresolvable: the download fails by itself with a DNS error
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for a in addresses:
        if getattr(a, "ipv4_mapped", None):
            a = a.ipv4_mapped
        if (a.is_loopback or a.is_private or a.is_link_local or a.is_multicast or a.is_reserved
                or a.is_unspecified or str(a) in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")):
            return True
    return False

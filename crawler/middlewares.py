"""Scrapy components for politeness: retries with backoff, robots.txt Crawl-delay under AutoThrottle."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
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


class PoliteThrottle(AutoThrottle):
    """AutoThrottle that never goes below a host's robots.txt Crawl-delay.

    Scrapy parses robots.txt (Protego) but does not apply Crawl-delay; its `robots_parsed` signal
    hands us the parser, and we pin the delay on the host's download slot(s).
    """

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
            if slot is not None and slot.delay < floor:
                slot.delay = floor

    def _robots_parsed(self, robotparser: Any, request: Request, **_: Any) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay:
            return
        from urllib.parse import urlsplit

        netloc = urlsplit(request.url).netloc
        self.crawl_delays[netloc] = float(delay)
        slot = self.crawler.engine.downloader.slots.get(netloc)
        if slot is not None:
            slot.delay = max(slot.delay, float(delay))
        log.info("robots.txt of %s asks for Crawl-delay %.2fs", netloc, delay)

    def _adjust_delay(self, slot: Any, latency: float, response: Response) -> None:
        super()._adjust_delay(slot, latency, response)
        key = response.request.meta.get("download_slot") if response.request is not None else None
        floor = self.crawl_delays.get(key or "", 0.0)
        if slot.delay < floor:
            slot.delay = floor

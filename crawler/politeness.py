"""Cluster-wide politeness on Redis: per-host concurrency and delay that hold across all workers.

- ``HostSlots.acquire(host, limit, delay)``: one Lua script (atomic on the server, server clock):
  drop expired tokens from the host's ZSET (member = token, score = expiry in ms), refuse while
  the host's next-allowed time is in the future (Crawl-delay / DOWNLOAD_DELAY between request
  starts, cluster-wide), refuse while ZCARD >= limit, else add a token and push the next-allowed
  time by ``delay``. A token expires by itself after ``token_seconds`` unless its holder renews it
  (``renew``, every third of that time while the download runs), so a worker killed mid-download
  frees its slots after at most ``token_seconds`` without anyone's help.
- ``release(host, token)``: ZREM.
- ``ClusterPolitenessMiddleware``: a downloader middleware placed next to the download handler
  (order 950) that waits for a slot without blocking the reactor (Twisted ``deferLater``) and
  releases it on the response or the failure. Each process's own per-host limit
  (crawler.downloader.HostDownloader) still applies; this adds the cluster's on top.

Keys: P+"host:{host}:slots" (ZSET) and P+"host:{host}:next" (ms timestamp, expires with the delay).
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from copydesk.crawler.downloader import host_key
from copydesk.crawler.leases import StoppedBeforeDownload, lost_before_download
from copydesk.crawler.outage import outage


FULL = -1
REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError)
MIN_SLOT_SECONDS = 15.0
ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local hold = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + hold, ARGV[1])
redis.call('PEXPIRE', KEYS[1], hold)
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
return 0
"""
# extend the holder's tokens (KEYS: their hosts' slot sets; ARGV: hold ms, then one token per key)
RENEW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hold = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + hold, ARGV[i + 1])
  redis.call('PEXPIRE', key, hold)
end
return #KEYS
"""
TOKEN_META = "cluster_slot"


@dataclass
class Grant:
    """``token`` when a slot was acquired, else ``wait``: seconds until it is worth asking again."""
    token: str | None
    wait: float = 0.0

    def __bool__(self) -> bool:
        return self.token is not None


class HostSlots:
    def __init__(self, client: redis.Redis, prefix: str = "copydesk:default:", *, token_seconds: float = 200.0,
                 poll_seconds: float = 0.02):
        self.client = client
        self.prefix = prefix
        self.token_ms = int(token_seconds * 1000)
        self.poll = poll_seconds
        self._acquire = client.register_script(ACQUIRE_LUA)
        self._renew = client.register_script(RENEW_LUA)

    def _keys(self, host: str) -> list[str]:
        return [f"{self.prefix}host:{host}:slots", f"{self.prefix}host:{host}:next"]

    def acquire(self, host: str, limit: int, delay: float = 0.0) -> Grant:
        token = uuid.uuid4().hex
        result = int(self._acquire(keys=self._keys(host), args=[token, limit, int(delay * 1000), self.token_ms]))
        if result == 0:
            return Grant(token)
        if result == FULL:  # a slot frees when a download ends: poll, with jitter so waiters spread
            return Grant(None, self.poll * (1 + random.random()))
        return Grant(None, result / 1000)

    def renew(self, held: list[tuple[str, str]]) -> None:
        """Extend these (host, token) slots by the token time from now: a live holder keeps its
        slots; a killed one's expire after at most the token time."""
        if held:
            self._renew(keys=[self._keys(h)[0] for h, _ in held], args=[self.token_ms, *(t for _, t in held)])

    def release(self, host: str, token: str) -> None:
        self.client.zrem(self._keys(host)[0], token)

    def in_use(self, host: str) -> int:
        return int(self.client.zcard(self._keys(host)[0]))


class ClusterPolitenessMiddleware:
    """Settings: FRONTIER_REDIS_URL, FRONTIER_PREFIX, CLUSTER_HOST_CONCURRENCY (default
    CONCURRENT_REQUESTS_PER_DOMAIN), DOWNLOAD_DELAY (the cluster-wide minimum between two request
    starts on a host; robots.txt Crawl-delay raises it per host) and CLUSTER_SLOT_SECONDS (a
    token's life, renewed while its download runs; default FRONTIER_LEASE_SECONDS but at least
    15 s, else DOWNLOAD_TIMEOUT + 30 s)."""

    def __init__(self, crawler: Any, slots: HostSlots):
        s = crawler.settings
        self.crawler = crawler
        self.slots = slots
        self.outage = outage(s.get("FRONTIER_REDIS_URL", ""))
        self.limit = s.getint("CLUSTER_HOST_CONCURRENCY") or s.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.delay = s.getfloat("DOWNLOAD_DELAY")
        self.user_agent = s.get("USER_AGENT")
        self.crawl_delays: dict[str, float] = {}
        self.held: dict[str, str] = {}  # token -> host, renewed every third of the token time
        self._renewer: Any = None
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ClusterPolitenessMiddleware:
        from copydesk.crawler.frontier import connect

        s = crawler.settings
        # a slot is held for the lease time (at least MIN_SLOT_SECONDS: a renewal delayed by a busy
        # reactor must not let a slot expire under a running download) and renewed while its
        # download runs, so a killed worker's slots free after that, not after the download timeout
        lease = s.getfloat("FRONTIER_LEASE_SECONDS")
        prefix = s.get("FRONTIER_PREFIX", "copydesk:default:")
        slots = HostSlots(connect(s["FRONTIER_REDIS_URL"], prefix), prefix,
                          token_seconds=s.getfloat("CLUSTER_SLOT_SECONDS") or (max(lease, MIN_SLOT_SECONDS) if lease
                                                                               else s.getfloat("DOWNLOAD_TIMEOUT", 180) + 30))
        return cls(crawler, slots)

    def _opened(self, **_: Any) -> None:
        from twisted.internet import task

        self._renewer = task.LoopingCall(self._renew)
        self._renewer.start(self.slots.token_ms / 3000, now=False)

    def _closed(self, **_: Any) -> None:
        if self._renewer is not None and self._renewer.running:
            self._renewer.stop()

    def _renew(self) -> None:
        try:
            self.slots.renew([(h, t) for t, h in self.held.items()])
        except REDIS_ERRORS as e:
            self.outage.went_down(e)

    def _robots_parsed(self, robotparser: Any, request: Request, **_: Any) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if delay:
            host = host_key(request)
            self.crawl_delays[host] = max(float(delay), self.crawl_delays.get(host, 0.0))

    async def process_request(self, request: Request) -> None:
        host = host_key(request)
        delay = max(self.delay, self.crawl_delays.get(host, 0.0))
        from twisted.internet import reactor  # the one Scrapy installed (not at import time)

        backoff = 1.0
        while True:
            lost = lost_before_download(self.crawler, request)
            if lost is not None:  # claimed by another worker while waiting here: it fetches it
                raise lost
            try:
                grant = self.slots.acquire(host, self.limit, delay)
            except REDIS_ERRORS as e:  # paused, not failed: the download waits for Redis
                self.outage.went_down(e)
                if not self.crawler.crawling:  # the crawl is stopping: it must not wait for Redis
                    raise StoppedBeforeDownload("crawl stopped while redis was unavailable") from None
                grant = Grant(None, 0.5)
            else:
                self.outage.came_back()
            if grant:
                request.meta[TOKEN_META] = (host, grant.token)
                self.held[grant.token] = host
                return None
            # a host kept full by other workers is polled less and less often (at most every 0.25 s):
            # each poll is a round trip on the reactor thread
            await maybe_deferred_to_future(deferLater(reactor, min(grant.wait * backoff, 0.25), lambda: None))
            backoff = min(backoff * 1.5, 12.0)

    def _release(self, request: Request) -> None:
        held = request.meta.pop(TOKEN_META, None)
        if held:
            self.held.pop(held[1], None)
            try:
                self.slots.release(*held)
            except REDIS_ERRORS as e:  # the token expires by itself
                self.outage.went_down(e)

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)
        return None


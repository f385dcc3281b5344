"""Scrapy settings built from copydesk's config: politeness on by default, and the request
fingerprint keyed on copydesk's canonical URL (docs/crawler-sink.md)."""
from __future__ import annotations

import hashlib
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler

from copydesk.config import Config
from copydesk.storage import url_key


class UrlKeyFingerprinter:
    """REQUEST_FINGERPRINTER_CLASS: a request's fingerprint is its URL's canonical key
    (storage.url_key: tracking parameters, fragment, default port, query order and case do not
    count), the key of copydesk's URL decisions. So the crawl's dupefilter (DUPEFILTER_CLASS, which
    fingerprints with it) sees two spellings of one article as one request. Method and body do not
    count: copydesk only sends GETs."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UrlKeyFingerprinter:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        return hashlib.sha1(url_key(request.url).encode("utf-8")).digest()


def scrapy_settings(config: Config) -> dict[str, Any]:
    c = config.crawl
    return {
        # the crawl's dupefilter, asked once per discovered link (crawler/spider.py): Scrapy's own,
        # on fingerprints of canonical URLs, which also drops an article another crawl of the process
        # is fetching (`serve`'s overlapping runs: crawler/inflight.py); a shared one plugs in here
        "REQUEST_FINGERPRINTER_CLASS": "copydesk.scrapy_settings.UrlKeyFingerprinter",
        "DUPEFILTER_CLASS": "copydesk.crawler.inflight.SharedDupeFilter",
        "BOT_NAME": "copydesk",
        "USER_AGENT": c.user_agent,
        "ROBOTSTXT_OBEY": c.obey_robots,          # Scrapy's default is False
        "CONCURRENT_REQUESTS": c.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": c.per_host_concurrency,
        # one download slot per host name, and a slot's limit that holds with a delay of 0
        "DOWNLOADER": "copydesk.crawler.downloader.HostDownloader",
        # ... and one limit and Crawl-delay per host for all the crawls of a process (`serve` runs
        # each source as a crawl of its own: crawler/hostgate.py)
        "COPYDESK_HOST_GATE": True,
        # a stopping crawl starts no request from its downloader's queues (crawler/downloader.py)
        "COPYDESK_STOP_HANDS_BACK": True,
        "DOWNLOAD_TIMEOUT": c.timeout,
        "DOWNLOAD_MAXSIZE": c.max_page_bytes,     # also bounds decompressed size (gzip bombs)
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": True,             # as PoliteThrottle: AutoThrottle that also honours Crawl-delay
        "AUTOTHROTTLE_START_DELAY": 0.02,         # until a host's latency is known (one response)
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(c.per_host_concurrency),
        "RETRY_ENABLED": c.retries > 0,
        "RETRY_TIMES": c.retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "RETRY_BACKOFF_BASE": 0.5,
        "RETRY_BACKOFF_MAX": 30.0,
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        "REDIRECT_MAX_TIMES": 10,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy 2.19 starts an HTTP server by default that runs any Python code it is sent
        # (authenticated by a token in ~/.local/state/scrapy/job_files, left behind by killed runs)
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        # responses waiting for extraction (bytes): the bound on the crawler's memory when downloads
        # outrun the workers. Scrapy's default; a single larger page still goes through.
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 5_000_000,
        # Scrapy starts this many asyncio tasks for every response's output; an article response
        # yields one item and discovery responses yield requests, so more only costs reactor time
        "CONCURRENT_ITEMS": 1,
        # components copydesk does not use, each a layer of per-request or per-output work on the
        # reactor thread: Scrapy's request stats (copydesk counts its own), depth tracking (discovery
        # is at most sitemap index -> sitemap -> article), a developer warning. (The Referer
        # middleware stays: Scrapy's redirect middlewares warn on every crawl without it.)
        "DOWNLOADER_STATS": False,
        # the default collector runs a Python __getattribute__ hook on every access, several times
        # per request, for stats nothing reads
        "STATS_CLASS": "scrapy.statscollectors.DummyStatsCollector",
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
        },
        "DOWNLOAD_HANDLERS": {"file": None, "ftp": None, "s3": None, "data": None},  # http(s) only
        "DOWNLOADER_MIDDLEWARES": {
            "copydesk.crawler.middlewares.SafetyMiddleware": 50,
            # a redirect to an article URL already decided (stored, taken down) is not followed
            "copydesk.crawler.middlewares.KnownRedirectMiddleware": 60,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "copydesk.crawler.robots.RobotsMiddleware": 100,   # an unavailable robots.txt disallows (RFC 9309)
            "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "copydesk.crawler.middlewares.BackoffRetryMiddleware": 550,
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
            "copydesk.crawler.middlewares.QuickMetaRefreshMiddleware": 580,
        },
        "EXTENSIONS": {
            "scrapy.extensions.throttle.AutoThrottle": None,
            "copydesk.crawler.middlewares.PoliteThrottle": 0,
            "scrapy.extensions.telnet.TelnetConsole": None,
            # Scrapy's stats and their log, feed exports, JOBDIR state: item_scraped and
            # response_received handlers on every page
            "scrapy.extensions.corestats.CoreStats": None,
            "scrapy.extensions.logcount.LogCount": None,
            "scrapy.extensions.logstats.LogStats": None,
            "scrapy.extensions.feedexport.FeedExporter": None,
            "scrapy.extensions.spiderstate.SpiderState": None,
        },
        "ITEM_PIPELINES": {"copydesk.crawler.pipelines.CorpusPipeline": 300},
    }


def cluster_scrapy_settings(config: Config, worker: str, *, consume: bool) -> dict[str, Any]:
    """``scrapy_settings`` on the cluster's shared frontier ([cluster], docs/scale-out-serve.md):
    article requests go through the Redis Stream (queued once cluster-wide), every download takes a
    cluster-wide per-host slot. ``consume``: the daemon's one long-running fetch crawl, which reads
    the stream and never ends when it is empty; otherwise a discovery crawl, which queues the
    articles it finds and fetches only its feeds, sitemaps and section pages."""
    from copydesk.cluster.connection import keys_prefix
    from copydesk.crawler.frontier import frontier_settings

    cluster = config.cluster
    assert cluster is not None
    base = scrapy_settings(config)
    shared = frontier_settings(cluster.redis, prefix=keys_prefix(cluster.name), lease_seconds=cluster.lease_seconds,
                               max_deliveries=cluster.max_deliveries, shared_meta={"kind": "article"}, worker=worker,
                               consume=consume, keep_open=consume)
    # the process-wide host gate and in-flight filter are the cluster's on Redis here
    # (crawler.politeness, the frontier); a stopping worker's queued requests keep their leases and
    # cluster slots as before
    merged = {**base, **shared, "CLUSTER_HOST_CONCURRENCY": config.crawl.per_host_concurrency,
              "COPYDESK_HOST_GATE": False, "COPYDESK_STOP_HANDS_BACK": False}
    for key in ("SPIDER_MIDDLEWARES", "DOWNLOADER_MIDDLEWARES"):
        merged[key] = {**base.get(key, {}), **shared[key]}
    return merged

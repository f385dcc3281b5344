"""`copydesk serve` with ``[cluster]``: what one daemon of the cluster runs (docs/scale-out-serve.md).

- **Fetching**: one long-running crawl (``start_fetching``) on the shared frontier that never ends
  when the stream is empty; its article pages are extracted in this daemon's pool and published on
  the doc stream (``WorkerSink``); a frontier entry is acked after the publish.
- **Discovery** (``DiscoveryRun``): each source on this daemon's schedule, but only under the
  source's discovery lease, so it runs once per schedule in the cluster; a discovery crawl queues
  the articles it finds on the frontier and fetches only its feeds, sitemaps and section pages.
  Its run (counts, validators, decisions) is recorded in the Redis SeenStore.
- **Writing** (copydesk/cluster/writer.py): whichever daemon holds the writer lease stores the doc
  stream into its corpus with the embedded Pipeline.
- **Heartbeat** with the role (``writer`` or ``worker``) for `copydesk status`.

A Redis outage pauses all of it with one warning line (crawler/outage.py) and resumes.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from copydesk.config import Config, Source
from copydesk.crawl_sink import source_spec
from copydesk.extraction import Extractor
from copydesk.ledger import Ledger
from copydesk.pipeline import Pipeline
from copydesk.stats import RunStats

from .connection import Connection, keys_prefix
from .docstream import Publisher
from .lease import Lease, discovery_lease
from .registry import Heartbeat, Registry
from .seen import RedisSeenStore
from .worker import FetchLedger, WorkerSink
from .writer import Writer

log = logging.getLogger("copydesk.cluster")

CRON_DISCOVERY_LEASE = 60.0  # a cron source's discovery lease (its daemons fire at the same cron time)


class ClusterNode:
    """The cluster side of one daemon: its Redis connection, extraction pool, writer role, heartbeat
    and fetch crawl. ``stop`` is set when the daemon stops (it also ends waits on Redis)."""

    def __init__(self, cfg: Config):
        assert cfg.cluster is not None
        self.cfg, self.worker, self.prefix = cfg, cfg.cluster.worker, keys_prefix(cfg.cluster.name)
        self.stop = threading.Event()
        self.conn = Connection(cfg.cluster.redis, stop=self.stop, prefix=self.prefix)
        self.registry = Registry(self.conn, self.prefix, self.worker)
        self.seen = RedisSeenStore(self.conn, self.prefix, self.worker, alive=self.registry.alive)
        self.extractor = Extractor(None, timeout=cfg.crawl.extract_timeout)
        self.publisher = Publisher(self.conn, self.prefix)
        self.threads = ThreadPoolExecutor(4, thread_name_prefix="cluster-publish")
        self.writer = Writer(cfg, self.conn, self.prefix, self.worker, self.seen, self.stop)
        self.heartbeat: Heartbeat | None = None
        self.fetch_stats = RunStats()
        self.fetch_crawler: Any = None
        self.published = 0
        self._recent: deque[float] = deque()  # publish times of the last minute

    def role(self) -> str:
        return "writer" if self.writer.holding else "worker"

    def last_completed(self, source: str) -> float | None:
        """When the cluster's last completed discovery run of ``source`` began (the schedule's anchor)."""
        return self.seen.last_completed(source)

    def pages_per_min(self) -> float:
        cutoff = time.monotonic() - 60
        while self._recent and self._recent[0] < cutoff:
            self._recent.popleft()
        return float(len(self._recent))

    def _published(self) -> None:
        self.published += 1
        self._recent.append(time.monotonic())

    def sink(self, ledger: Ledger, *, commit_now: bool) -> WorkerSink:
        return WorkerSink(ledger, self.extractor, self.publisher, self.threads, commit_now=commit_now,
                          on_published=self._published)

    # -- on the reactor thread ----------------------------------------------------------------
    def start(self, runner: Any) -> Any:
        """Join the cluster: writer thread, heartbeat, and the fetch crawl (a Deferred that fires when
        it ends, i.e. when the daemon stops it)."""
        from scrapy.crawler import Crawler
        from scrapy.settings import Settings

        from copydesk.crawler.spider import NewsSpider
        from copydesk.scrapy_settings import cluster_scrapy_settings

        closed = self.seen.close_dangling_runs()
        if closed:
            log.info("closed %d discovery run(s) left running by workers that are gone", closed)
        if self.cfg.cluster.writer:
            self.writer.start()
        else:
            log.info("cluster: this daemon never takes the writer role ([cluster] writer = false or --no-writer)")
        self.heartbeat = Heartbeat(self.registry, self.role, self.pages_per_min, self.stop).start()
        ledger = FetchLedger(self.seen, self.cfg, self.fetch_stats, kind="serve", max_attempts=Pipeline.max_attempts)
        # at a priority above the runner's (the discovery crawls' settings), which CrawlerRunner.crawl
        # lays over a Crawler's own at equal priority
        settings = Settings(cluster_scrapy_settings(self.cfg, self.worker, consume=True), priority="cmdline")
        self.fetch_crawler = Crawler(NewsSpider, settings)
        return runner.crawl(self.fetch_crawler, sources=[source_spec(self.cfg, s) for s in self.cfg.sources],
                            sink=self.sink(ledger, commit_now=True), discover=False)

    def discovery(self, source: Source) -> DiscoveryRun | None:
        """A discovery run of ``source``, or None when another daemon has its lease this time."""
        interval = CRON_DISCOVERY_LEASE if source.cron else source.interval or self.cfg.schedule.interval
        lease = discovery_lease(self.conn, self.prefix, source.name, self.worker, interval)
        if not lease.acquire():
            log.debug("discovery of %s: another worker has it this time", source.name)
            return None
        return DiscoveryRun(self, source, lease, interval)

    # -- after the reactor stopped ------------------------------------------------------------
    def close(self) -> None:
        """Stop the writer (its pipeline closes: a checkpoint, then acks), leave the registry,
        release the pool."""
        self.stop.set()
        self.writer.join()
        if self.heartbeat is not None:
            try:
                self.heartbeat.close()
            except Exception as e:  # noqa: BLE001 - Redis down at the stop: the entry goes stale
                log.warning("cluster: could not leave the registry: %s", e)
        self.threads.shutdown(wait=True)
        self.extractor.close()
        self.conn.close()


class DiscoveryRun:
    """One discovery run of a source, under its lease; ``end`` records it."""

    def __init__(self, node: ClusterNode, source: Source, lease: Lease, interval: float):
        self.node, self.source, self.lease, self.interval = node, source, lease, interval
        self.started = time.monotonic()
        self.stats = RunStats()
        self.ledger = Ledger(node.seen, node.cfg, self.stats, kind="serve", max_attempts=Pipeline.max_attempts)
        self.ledger.begin_run(source.name)
        self.sink = node.sink(self.ledger, commit_now=False)

    def end(self, status: str) -> dict[str, Any]:
        """Commit the run's decisions (and its validators, when it went through), record it, and
        keep the lease for what is left of the interval: a daemon whose trigger fires a little
        later skips the source this time."""
        name = self.source.name
        status = self.stats[name].health(status)
        self.ledger.commit([], validators_of=[name] if status in ("completed", "degraded") else [])
        self.ledger.committed()
        counts = self.ledger.finish_run(name, status)
        self.lease.renew(max(0.001, self.interval - (time.monotonic() - self.started)))
        return counts

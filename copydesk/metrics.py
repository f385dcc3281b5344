"""`serve --metrics-port N`: Prometheus metrics at /metrics and a health check at /healthz, on 127.0.0.1.

In a cluster ([cluster] in the config) each daemon also exports ``copydesk_worker_info{worker, host,
cluster}`` = 1 (join its other metrics to the worker id on the scrape target) and the cluster's gauges
labelled with its worker id, read from Redis at each scrape (``ClusterCollector``): the frontier's
requests and leases, the docs waiting for the writer, live workers, whether this worker is the
writer, and whether Redis answered at all.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from copydesk.config import ClusterSettings


RUN_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)
RUN_STATUSES = ("completed", "degraded", "failed", "interrupted")  # a run's status (docs/operations.md)


def _children_rss() -> float:
    import psutil

    total = 0
    for child in psutil.Process().children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:  # a worker that just ended
            continue
    return float(total)


class Metrics:
    def __init__(self, daemon: Any, port: int, host: str = "127.0.0.1"):
        self.daemon = daemon
        self.registry = CollectorRegistry()
        self.pages = Counter("copydesk_pages", "Article URLs by source and outcome (stored_new, stored_copy, "
                             "skipped, failed) and reason", ["source", "outcome", "reason"], registry=self.registry)
        self.requests = Counter("copydesk_requests", "HTTP requests by source", ["source"], registry=self.registry)
        self.runs = Counter("copydesk_runs", "Finished runs by source and status", ["source", "status"],
                            registry=self.registry)
        self.last_run = Gauge("copydesk_last_run_finished_timestamp_seconds", "When the last run of a source ended",
                              ["source"], registry=self.registry)
        self.last_status = Gauge("copydesk_last_run_status", "1 for the status of a source's last run (completed, "
                                 "degraded, failed, interrupted), 0 for the others", ["source", "status"],
                                 registry=self.registry)
        self.discovery = Counter("copydesk_discovery", "Feeds, sitemaps and section pages fetched, by source and "
                                 "result (ok, failed)", ["source", "result"], registry=self.registry)
        self.run_duration = Histogram("copydesk_run_duration_seconds", "How long runs took, by source", ["source"],
                                      buckets=RUN_BUCKETS, registry=self.registry)
        self.not_modified = Counter("copydesk_not_modified", "304 Not Modified answers (feeds, sitemaps, sections) "
                                    "by source", ["source"], registry=self.registry)
        self.sitemaps_unchanged = Counter("copydesk_sitemaps_unchanged", "Sitemaps not requested because their "
                                          "index's <lastmod> says they are as last read, by source", ["source"],
                                          registry=self.registry)
        self.last_success = Gauge("copydesk_last_success_timestamp_seconds", "When the last completed run of a "
                                  "source started", ["source"], registry=self.registry)
        # process_resident_memory_bytes, process_cpu_seconds_total, process_open_fds, ... of the daemon
        ProcessCollector(registry=self.registry)
        self.workers_memory = Gauge("copydesk_workers_resident_memory_bytes", "Resident memory of the extraction "
                                    "worker processes together", registry=self.registry)
        self.workers_memory.set_function(_children_rss)
        self.documents = Gauge("copydesk_corpus_documents", "Documents in the corpus", registry=self.registry)
        self.clusters = Gauge("copydesk_corpus_clusters", "Story clusters in the corpus", registry=self.registry)
        cluster: ClusterSettings | None = getattr(daemon.cfg, "cluster", None)
        self.cluster: ClusterCollector | None = None
        if cluster is not None:
            import socket

            Gauge("copydesk_worker_info", "1 for this daemon's worker id in the cluster (a label on the cluster "
                  "gauges too)", ["worker", "host", "cluster"], registry=self.registry
                  ).labels(cluster.worker, socket.gethostname(), cluster.name).set(1)
            self.cluster = ClusterCollector(cluster)
            self.registry.register(self.cluster)
        self._seeded = False
        metrics = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.startswith("/metrics"):
                    body, ctype, code = generate_latest(metrics.registry), CONTENT_TYPE_LATEST, 200
                elif self.path.startswith("/healthz"):
                    st = metrics.daemon.status()
                    body, ctype = json.dumps(st).encode(), "application/json"
                    code = 200 if st["status"] == "ok" else 503
                else:
                    body, ctype, code = b"see /metrics and /healthz\n", "text/plain", 404
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True, name="metrics").start()

    def run_finished(self, source: str, status: str, counts: dict[str, Any]) -> None:
        import time

        self.seed_last_success()
        self.runs.labels(source, status).inc()
        for st in RUN_STATUSES:
            self.last_status.labels(source, st).set(1 if st == status else 0)
        self.discovery.labels(source, "ok").inc(counts.get("discovery_ok") or 0)
        self.discovery.labels(source, "failed").inc(counts.get("discovery_failed") or 0)
        now = time.time()
        self.last_run.labels(source).set(now)
        self.run_duration.labels(source).observe(float(counts.get("elapsed_s") or 0.0))
        self.not_modified.labels(source).inc(counts.get("not_modified") or 0)
        self.sitemaps_unchanged.labels(source).inc(counts.get("sitemaps_unchanged") or 0)
        if status == "completed":
            self.last_success.labels(source).set(now - float(counts.get("elapsed_s") or 0.0))
        self.requests.labels(source).inc(counts["requests"])
        self.pages.labels(source, "stored_new", "").inc(counts["stored_new"])
        self.pages.labels(source, "stored_copy", "").inc(counts["stored_copy"])
        for outcome in ("skipped", "failed"):
            for reason, n in counts[outcome].items():
                self.pages.labels(source, outcome, reason).inc(n)
        self._corpus_counts()

    def _corpus_counts(self) -> None:
        """From the manifest the run's last checkpoint wrote (a worker host has no corpus: unchanged)."""
        from copydesk.storage import Corpus

        m = Corpus(self.daemon.cfg.corpus).manifest
        if "documents" in m:
            self.documents.set(m["documents"])
            self.clusters.set(m["clusters"])

    def seed_last_success(self) -> None:
        """At the first finished run (in the daemon's thread, which owns the state store): the last
        success of every source before this start, so the gauge has a value for each after a restart."""
        if self._seeded or getattr(self.daemon, "pipeline", None) is None:
            return
        self._seeded = True
        try:
            for src in self.daemon.cfg.sources:
                t = self.daemon.pipeline.last_completed(src.name)
                if t:
                    self.last_success.labels(src.name).set(t)
        except Exception:  # noqa: BLE001 - a gauge without history is fine; the next run sets it
            pass

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.cluster is not None:
            self.cluster.client.close()


class ClusterCollector(Collector):
    """The cluster's gauges, read from Redis at each scrape (one pipelined round trip,
    copydesk.cluster.registry.cluster_status); a scrape while Redis is down answers at once with
    ``copydesk_cluster_up`` 0 and nothing else from the cluster."""

    def __init__(self, settings: ClusterSettings, timeout: float = 2.0):
        from copydesk.cluster.connection import client, keys_prefix

        self.worker, self.prefix = settings.worker, keys_prefix(settings.name)
        self.client = client(settings.redis, socket_timeout=timeout)

    def collect(self) -> Any:
        import redis

        from copydesk.cluster.registry import cluster_status

        def gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
            g = GaugeMetricFamily(name, doc, labels=["worker"])
            g.add_metric([self.worker], value)
            return g

        try:
            c = cluster_status(self.client, self.prefix)
        except redis.RedisError:
            yield gauge("copydesk_cluster_up", "1 when the cluster's Redis answered this scrape", 0)
            return
        yield gauge("copydesk_cluster_up", "1 when the cluster's Redis answered this scrape", 1)
        f = c["frontier"]
        yield gauge("copydesk_cluster_frontier_requests", "Article requests in the shared frontier (queued + "
                    "leased)", f["length"])
        yield gauge("copydesk_cluster_frontier_leased", "Frontier requests leased to a worker, not yet "
                    "acknowledged (leases outstanding)", f["pending"])
        yield gauge("copydesk_cluster_frontier_dead", "Requests in the frontier's dead-letter stream (no worker "
                    "could read them, or each worker that took them stopped before finishing)", f["dead"])
        yield gauge("copydesk_cluster_docs_waiting", "Extracted pages in the doc stream waiting for the writer "
                    "to make them durable", c["docs"]["length"])
        yield gauge("copydesk_cluster_workers", "Workers whose heartbeat is fresh",
                    sum(not w["stale"] for w in c["workers"]))
        yield gauge("copydesk_cluster_writer", "1 when this worker holds the writer lease",
                    1 if c["writer"]["holder"] == self.worker else 0)

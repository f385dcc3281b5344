"""`serve --metrics-port N`: Prometheus metrics at /metrics and a health check at /healthz, on 127.0.0.1."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


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
        self.documents = Gauge("copydesk_corpus_documents", "Documents in the corpus", registry=self.registry)
        self.clusters = Gauge("copydesk_corpus_clusters", "Story clusters in the corpus", registry=self.registry)
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

        self.runs.labels(source, status).inc()
        self.last_run.labels(source).set(time.time())
        self.requests.labels(source).inc(counts["requests"])
        self.pages.labels(source, "stored_new", "").inc(counts["stored_new"])
        self.pages.labels(source, "stored_copy", "").inc(counts["stored_copy"])
        for outcome in ("skipped", "failed"):
            for reason, n in counts[outcome].items():
                self.pages.labels(source, outcome, reason).inc(n)
        c = self.daemon.pipeline.state.counts()
        self.documents.set(c["documents"])
        self.clusters.set(c["clusters"])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

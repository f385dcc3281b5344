"""copydesk on Redis (issue 17): fetch-and-extract workers feed one dedup-and-store writer.

    connection  a client from [cluster], and calls that pause through a Redis outage
    lease       SET NX PX leases (the writer role, discovery of a source once per schedule)
    docstream   extracted pages, worker -> writer, acknowledged only once durable
    seen        the cluster-wide SeenStore (URL decisions, validators, runs)
    registry    worker heartbeats and ``cluster_status`` for `copydesk status`
    serve       `copydesk serve` in a cluster: fetch crawl, discovery under its lease (worker: the
                crawl sink; writer: the writer role). docs/scale-out-serve.md

Design, key names and failure modes: docs/scale-out-core.md.
"""
from .connection import Connection, Stopped, keys_prefix

__all__ = ["Connection", "Stopped", "keys_prefix"]

"""Who is in the cluster, and what `copydesk status` shows of it.

Each daemon beats into the HASH P+"workers" (worker id -> JSON host, pid, heartbeat, pages per
minute, role) every few seconds and removes itself on a graceful stop. ``cluster_status`` reads
everything `copydesk status` shows in one pipelined round trip.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from typing import Any

from .connection import Connection, Stopped

HEARTBEAT_SECONDS = 5.0
STALE_AFTER = 3 * HEARTBEAT_SECONDS   # a worker not heard from for this long is shown stale


class Registry:
    def __init__(self, conn: Connection, prefix: str, worker: str):
        self.conn, self.key, self.worker = conn, prefix + "workers", worker

    def beat(self, role: str, pages_per_min: float) -> None:
        entry = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "heartbeat": time.time(),
                            "pages_per_min": round(pages_per_min, 1), "role": role})
        self.conn.call(lambda c: c.hset(self.key, self.worker, entry))

    def leave(self) -> None:
        self.conn.call(lambda c: c.hdel(self.key, self.worker))

    def alive(self, worker: str) -> bool:
        """Heard from within STALE_AFTER (for RedisSeenStore.close_dangling_runs)."""
        v = self.conn.call(lambda c: c.hget(self.key, worker))
        return v is not None and time.time() - json.loads(v)["heartbeat"] < STALE_AFTER


class Heartbeat:
    """Beats every HEARTBEAT_SECONDS in a thread; ``role()`` and ``pages_per_min()`` are asked each
    time (e.g. 'writer' while this daemon holds the writer lease, else 'worker')."""

    def __init__(self, registry: Registry, role: Any, pages_per_min: Any, stop: threading.Event):
        self.registry, self.role, self.pages_per_min, self.stop = registry, role, pages_per_min, stop
        self._thread = threading.Thread(target=self._run, name="cluster-heartbeat", daemon=True)

    def start(self) -> "Heartbeat":
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while True:
                self.registry.beat(self.role(), self.pages_per_min())
                if self.stop.wait(HEARTBEAT_SECONDS):
                    return
        except Stopped:
            return

    def close(self) -> None:
        """After ``stop`` is set: wait for the thread and leave the registry."""
        self._thread.join()
        self.registry.leave()


def _group(groups: list[dict], name: bytes) -> dict:
    return next((g for g in groups if g.get("name") == name), {})


def _stream(raw_len: Any, raw_groups: Any, group: bytes) -> dict[str, Any]:
    groups = raw_groups if isinstance(raw_groups, list) else []
    g = _group(groups, group)
    return {"length": raw_len if isinstance(raw_len, int) else 0, "lag": g.get("lag"),
            "pending": g.get("pending", 0), "consumers": g.get("consumers", 0)}


def cluster_status(client: Any, prefix: str, *, now: float | None = None) -> dict[str, Any]:
    """Workers (host, pid, seconds since their heartbeat, pages per minute, role, stale), the
    frontier (length, group lag = entries never delivered, pending = requests leased to a worker
    and not yet acknowledged, dead = entries in its dead-letter stream), the docs waiting for the
    writer (the doc stream holds only unacknowledged entries: its length), and the writer lease's
    holder and time left.
    ``client``: a redis client (status is a one-shot read: no outage pausing)."""
    now = time.time() if now is None else now
    p = client.pipeline(transaction=False)
    p.hgetall(prefix + "workers")
    for s in ("frontier", "docs"):
        p.xlen(prefix + s)
        p.xinfo_groups(prefix + s)
    p.get(prefix + "lock:writer")
    p.pttl(prefix + "lock:writer")
    p.xlen(prefix + "frontier:dead")
    out = p.execute(raise_on_error=False)
    workers = []
    for wid, raw in sorted(out[0].items()):
        w = json.loads(raw)
        age = now - w["heartbeat"]
        workers.append({"id": wid.decode(), **w, "age": round(age, 1), "stale": age >= STALE_AFTER})
    writer, ttl = out[5], out[6]
    return {
        "workers": workers,
        "frontier": {**_stream(out[1], out[2], b"fetchers"), "dead": out[7] if isinstance(out[7], int) else 0},
        "docs": _stream(out[3], out[4], b"writer"),
        "writer": {"holder": writer.decode() if isinstance(writer, bytes) else None,
                   "expires_in": ttl / 1000 if isinstance(ttl, int) and ttl > 0 else None},
    }

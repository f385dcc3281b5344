"""Leases: a key set with NX and an expiry, whose value is the holder's id.

Only the holder can renew (compare-and-extend) or release (compare-and-delete) it, each one Lua
script, so a holder that paused past its expiry cannot extend or delete the lease another worker
took meanwhile. Used for the writer role (``writer_lease``) and for discovery of a source once per
schedule across the cluster (``discovery_lease``): that one is not released when discovery ends
but cut to what is left of the schedule's interval, so a worker whose own schedule fires a little
later finds it held and skips the source.
"""
from __future__ import annotations

import threading

from .connection import Connection

# KEYS[1] lease, ARGV[1] owner, ARGV[2] ms: extend only if still ours
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end"
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"


class Lease:
    def __init__(self, conn: Connection, key: str, owner: str, ttl: float):
        """``ttl`` in seconds (config [cluster] lease_seconds for the writer)."""
        self.conn, self.key, self.owner = conn, key, owner
        self.ttl_ms = max(1, int(ttl * 1000))
        self._renew = conn.client.register_script(_RENEW)
        self._release = conn.client.register_script(_RELEASE)

    def acquire(self) -> bool:
        """Take the lease if nobody holds it (or we already do: a retried SET after a lost reply)."""
        if self.conn.call(lambda c: c.set(self.key, self.owner, nx=True, px=self.ttl_ms)):
            return True
        return self.renew()

    def renew(self, ttl: float | None = None) -> bool:
        """Extend to ``ttl`` seconds from now (default: the lease's ttl) if we still hold it."""
        ms = self.ttl_ms if ttl is None else max(1, int(ttl * 1000))
        return bool(self.conn.call(lambda c: self._renew(keys=[self.key], args=[self.owner, ms], client=c)))

    def release(self) -> bool:
        return bool(self.conn.call(lambda c: self._release(keys=[self.key], args=[self.owner], client=c)))

    def holder(self) -> str | None:
        v = self.conn.call(lambda c: c.get(self.key))
        return None if v is None else v.decode()

    def held(self) -> bool:
        return self.holder() == self.owner


class Keeper:
    """Renews a lease every third of its ttl in a thread; sets ``lost`` when a renewal finds the
    lease gone or held by another (the holder must then stop acting on it), or Redis lost the
    cluster's data (``data_lost`` too: the lease went with it)."""

    def __init__(self, lease: Lease, stop: threading.Event | None = None):
        self.lease = lease
        self.lost = threading.Event()
        self.data_lost = False
        self._stop = stop or threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease:{lease.key}", daemon=True)

    def start(self) -> "Keeper":
        self._thread.start()
        return self

    def _run(self) -> None:
        from .connection import DataLost, Stopped

        with self.lease.conn.raising_lost():
            while not (self._done.wait(self.lease.ttl_ms / 3000) or self._stop.is_set()):
                try:
                    if not self.lease.renew():
                        self.lost.set()
                        return
                except Stopped:
                    return
                except DataLost:
                    self.data_lost = True
                    self.lost.set()
                    return

    def close(self) -> None:
        self._done.set()
        self._thread.join()


def writer_lease(conn: Connection, prefix: str, worker: str, ttl: float) -> Lease:
    return Lease(conn, prefix + "lock:writer", worker, ttl)


def discovery_lease(conn: Connection, prefix: str, source: str, worker: str, interval: float) -> Lease:
    """Held for the source's schedule interval from when its discovery starts: take it with
    ``acquire`` (False: another worker discovers this source this time), keep it with a Keeper
    while discovery runs longer than that, and end with ``renew(remaining)`` rather than release."""
    return Lease(conn, prefix + f"lock:discover:{source}", worker, interval)

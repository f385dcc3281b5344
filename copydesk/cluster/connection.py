"""A Redis client from ``[cluster]``, and one way to run an operation through an outage.

Every cluster operation goes through ``Connection.call``: on a ConnectionError or TimeoutError
(server down, restarting, loading its AOF) it logs ONE warning for the whole outage, however many
threads are waiting, retries with a capped backoff, and logs ONE info line when a call succeeds
again. A stop event (SIGTERM) ends the wait promptly with ``Stopped``.

Redis that answers but lost the cluster's data (NOGROUP; crawler.outage.DataLost) is paused through
the same way, with its own line, until `copydesk cluster migrate` has put the data back; a thread
that must not wait for that (the writer, which has to give the corpus up for the migration) asks
for ``DataLost`` to be raised instead (``raising_lost``).

A retried write may have been applied before the connection broke (the reply was lost): cluster
writes are therefore idempotent or harmless when repeated (a doc published twice is skipped by the
writer's Identify step; a lease re-set by its owner is the same lease).
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from copydesk.crawler.outage import DataLost, StoppedWaiting, guarded, outage, safe_url


T = TypeVar("T")

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class Stopped(StoppedWaiting):
    """The stop event was set while waiting for Redis."""


def keys_prefix(name: str) -> str:
    """Every key of one cluster starts with this (config [cluster] name)."""
    return f"copydesk:{name}:"


def client(url: str, *, socket_timeout: float = 10.0, prefix: str | None = None) -> redis.Redis:
    """A bytes client (no decoding: stream payloads are binary). ``socket_timeout`` bounds a call
    on a server that stopped answering; blocking reads must block for less than it. With the
    cluster's ``prefix``: a daemon's client, which pauses while Redis lacks the cluster's data
    (crawler.outage.guarded)."""
    kw = dict(socket_timeout=socket_timeout, socket_connect_timeout=min(2.0, socket_timeout), health_check_interval=30)
    if prefix is not None:
        return guarded(url, prefix, **kw)
    return redis.Redis.from_url(url, **kw)


class Connection:
    """A client plus the outage policy. Thread-safe (redis-py pools connections)."""

    def __init__(self, url: str, *, stop: threading.Event | None = None, first_delay: float = 0.05,
                 max_delay: float = 2.0, socket_timeout: float = 10.0, prefix: str | None = None):
        """``prefix``: the cluster's keys (a daemon's connection: see ``client``)."""
        self.url = url
        self.client = client(url, socket_timeout=socket_timeout, prefix=prefix)
        self._local = threading.local()
        self.stop = stop or threading.Event()
        self.first_delay, self.max_delay = first_delay, max_delay
        # shared with every other user of this server in the process (the frontier too): one
        # warning per outage
        self._outage = outage(url)

    @property
    def down(self) -> bool:
        return self._outage.down or self._outage.lost is not None

    def data_lost(self, marker: str) -> DataLost:
        """Redis lacks the cluster's ``marker``: the process pauses as on a NOGROUP (logged once);
        the exception to raise."""
        self._outage.went_lost(marker)
        return DataLost(marker)

    @contextlib.contextmanager
    def raising_lost(self) -> Iterator[None]:
        """In this thread, calls raise ``DataLost`` (logged once) instead of waiting for the reseed."""
        before = getattr(self._local, "raise_lost", False)
        self._local.raise_lost = True
        try:
            yield
        finally:
            self._local.raise_lost = before

    def call(self, op: Callable[[redis.Redis], T]) -> T:
        """``op(client)``, retried through an outage until it succeeds or ``stop`` is set."""
        delay = self.first_delay
        while True:
            if self.stop.is_set() and self.down:
                raise Stopped(f"stopped while redis at {safe_url(self.url)} was unavailable")
            try:
                out = op(self.client)
            except OUTAGE_ERRORS as e:
                self._outage.went_down(e)
                if isinstance(e, DataLost) and getattr(self._local, "raise_lost", False):
                    raise
                if self.stop.wait(delay):
                    raise Stopped(f"stopped while redis at {safe_url(self.url)} was unavailable") from None
                delay = min(delay * 2, self.max_delay)
                continue
            self._outage.came_back()
            return out

    def close(self) -> None:
        self.client.close()

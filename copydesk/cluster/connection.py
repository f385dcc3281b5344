"""A Redis client from ``[cluster]``, and one way to run an operation through an outage.

Every cluster operation goes through ``Connection.call``: on a ConnectionError or TimeoutError
(server down, restarting, loading its AOF) it logs ONE warning for the whole outage, however many
threads are waiting, retries with a capped backoff, and logs ONE info line when a call succeeds
again. A stop event (SIGTERM) ends the wait promptly with ``Stopped``.

A retried write may have been applied before the connection broke (the reply was lost): cluster
writes are therefore idempotent or harmless when repeated (a doc published twice is skipped by the
writer's Identify step; a lease re-set by its owner is the same lease).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from copydesk.crawler.outage import outage, safe_url


T = TypeVar("T")

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class Stopped(Exception):
    """The stop event was set while waiting for Redis."""


def keys_prefix(name: str) -> str:
    """Every key of one cluster starts with this (config [cluster] name)."""
    return f"copydesk:{name}:"


def client(url: str, *, socket_timeout: float = 10.0) -> redis.Redis:
    """A bytes client (no decoding: stream payloads are binary). ``socket_timeout`` bounds a call
    on a server that stopped answering; blocking reads must block for less than it."""
    return redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=min(2.0, socket_timeout),
                                health_check_interval=30)


class Connection:
    """A client plus the outage policy. Thread-safe (redis-py pools connections)."""

    def __init__(self, url: str, *, stop: threading.Event | None = None, first_delay: float = 0.05,
                 max_delay: float = 2.0, socket_timeout: float = 10.0):
        self.url = url
        self.client = client(url, socket_timeout=socket_timeout)
        self.stop = stop or threading.Event()
        self.first_delay, self.max_delay = first_delay, max_delay
        # shared with every other user of this server in the process (the frontier too): one
        # warning per outage
        self._outage = outage(url)

    @property
    def down(self) -> bool:
        return self._outage.down

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
                if self.stop.wait(delay):
                    raise Stopped(f"stopped while redis at {safe_url(self.url)} was unavailable") from None
                delay = min(delay * 2, self.max_delay)
                continue
            self._outage.came_back()
            return out

    def close(self) -> None:
        self.client.close()

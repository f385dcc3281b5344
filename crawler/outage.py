"""One warning line per Redis outage per process, however many parts of it notice.

The frontier (crawler.frontier, on the reactor thread) and copydesk's cluster connection
(copydesk/cluster/connection.py, in threads) talk to the same server; each reports an outage here,
keyed by the server's URL, so the log shows ONE ``redis unavailable at URL: pausing (...)`` when it
starts and ONE ``redis back: resuming`` when it ends (docs/scale-out.md, "Failures").

Redis that answers but lost the cluster's data (restarted without its AOF: the queue, the seen set,
the decisions and the consumer groups are gone) is the same pause with another line: a daemon's
client (``guarded``) turns the server's NOGROUP into ``DataLost`` (a ConnectionError, so every
caller that pauses through an outage pauses through this too), logs ONE ``redis lost the
cluster's data (no KEY): pausing; run `copydesk cluster migrate` to reseed it``, and from then on
sends nothing but an EXISTS of the cluster's marker (P+"origin", written by `cluster migrate` at its
end and by the first writer of a cluster started empty) every half second until the migration has
put it back; then it logs ``redis holds the cluster's data again: resuming`` and every call goes
through again.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

log = logging.getLogger("copydesk.cluster")


def safe_url(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


MARKER = "origin"   # P+"origin": present while Redis holds the cluster's data (see the module docstring)
CHECK_SECONDS = 0.5  # while the data is lost: how often the marker is looked for
_NOGROUP = re.compile(r"No such key '([^']*)' or consumer group '([^']*)'")


class DataLost(redis.ConnectionError):
    """Redis answers but no longer holds the cluster's data (its marker key is gone)."""

    def __init__(self, marker: str):
        super().__init__(f"redis lost the cluster's data (no {marker}): pausing; "
                         "run `copydesk cluster migrate` to reseed it")
        self.marker = marker


class StoppedWaiting(Exception):
    """The daemon stopped while a call waited for Redis (copydesk.cluster.connection.Stopped is
    one): what that call was to record was not recorded; its frontier entry is not acked."""


class GroupRecreated(redis.ConnectionError):
    """A consumer group was missing while the cluster's marker is there (its stream deleted by hand):
    created again; the call is retried as after an outage."""


class Outage:
    """Whether the server at ``url`` is down, or lost the cluster's data, as last seen by any caller
    in this process. ``losses`` counts the losses seen (the frontier drops what it read from a lost
    queue when it changes)."""

    def __init__(self, url: str):
        self.url = url
        self.down = False
        self.lost: str | None = None   # the marker key awaited while the cluster's data is lost
        self.losses = 0
        self._checked = 0.0
        self._lock = threading.Lock()

    def went_down(self, e: BaseException) -> None:
        if isinstance(e, DataLost):
            self.went_lost(e.marker)
            return
        with self._lock:
            if self.down:
                return
            self.down = True
        log.warning("redis unavailable at %s: pausing (%s: %s)", safe_url(self.url), type(e).__name__, e)

    def came_back(self) -> None:
        if not self.down:  # the common case: no lock
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.info("redis back: resuming")

    def went_lost(self, marker: str) -> None:
        with self._lock:
            if self.lost is not None:
                return
            self.lost = marker
            self.losses += 1
            self._checked = time.monotonic()
        log.warning("%s", DataLost(marker))

    def data_back(self, exists: Any) -> bool:
        """While the data is lost: whether the marker is back (``exists()`` asks Redis, at most
        every CHECK_SECONDS across the process); True when it is not lost."""
        if self.lost is None:
            return True
        now = time.monotonic()
        with self._lock:
            if now - self._checked < CHECK_SECONDS:
                return False
            self._checked = now
        if not exists(self.lost):
            return False
        with self._lock:
            if self.lost is None:
                return True
            self.lost = None
        log.info("redis holds the cluster's data again: resuming")
        return True


class GuardedRedis(redis.Redis):
    """A daemon's client of the cluster with prefix ``marker_prefix`` (``guarded``): NOGROUP becomes
    ``DataLost`` (or, with the marker present, the group is created again), and while the data is
    lost nothing is sent but the marker check."""

    guard: Outage
    marker: str

    def _raw(self, *args: Any, **options: Any) -> Any:
        return super().execute_command(*args, **options)

    def _check(self) -> None:
        if self.guard.lost is not None and not self.guard.data_back(lambda key: self._raw("EXISTS", key)):
            raise DataLost(self.guard.lost)

    def _nogroup(self, e: redis.ResponseError) -> None:
        """Raise what a NOGROUP reply means; returns when the group was created again (retry)."""
        if self._raw("EXISTS", self.marker):
            m = _NOGROUP.search(str(e))
            if m is None:
                raise e
            try:
                self._raw("XGROUP", "CREATE", m.group(1), m.group(2), "0", "MKSTREAM")
            except redis.ResponseError as busy:
                if "BUSYGROUP" not in str(busy):
                    raise
            log.warning("redis: consumer group %s of %s was missing: created again", m.group(2), m.group(1))
            return
        self.guard.went_lost(self.marker)
        raise DataLost(self.marker) from None

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self._check()
        try:
            return self._raw(*args, **options)
        except redis.ResponseError as e:
            if "NOGROUP" not in str(e):
                raise
            self._nogroup(e)
        return self._raw(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        p = super().pipeline(transaction, shard_hint)
        execute = p.execute

        def guarded_execute(raise_on_error: bool = True) -> Any:
            self._check()
            try:
                return execute(raise_on_error)
            except redis.ResponseError as e:
                if "NOGROUP" not in str(e):
                    raise
                self._nogroup(e)  # its commands are gone: the caller retries, as after an outage
                raise GroupRecreated(str(e)) from None
        p.execute = guarded_execute
        return p


def guarded(url: str, prefix: str, **kw: Any) -> GuardedRedis:
    """A daemon's client of the cluster whose keys start with ``prefix`` (``redis.Redis.from_url``
    arguments in ``kw``)."""
    c = GuardedRedis.from_url(url, **kw)
    c.guard, c.marker = outage(url), prefix + MARKER
    return c


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage(url: str) -> Outage:
    """The process's one tracker for the server at ``url``."""
    with _outages_lock:
        return _outages.setdefault(url, Outage(url))

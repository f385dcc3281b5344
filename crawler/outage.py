"""One warning line per Redis outage per process, however many parts of it notice.

The frontier (crawler.frontier, on the reactor thread) and copydesk's cluster connection
(copydesk/cluster/connection.py, in threads) talk to the same server; each reports an outage here,
keyed by the server's URL, so the log shows ONE ``redis unavailable at URL: pausing (...)`` when it
starts and ONE ``redis back: resuming`` when it ends (docs/scale-out.md, "Failures").
"""
from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger("copydesk.cluster")


def safe_url(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


class Outage:
    """Whether the server at ``url`` is down, as last seen by any caller in this process."""

    def __init__(self, url: str):
        self.url = url
        self.down = False
        self._lock = threading.Lock()

    def went_down(self, e: BaseException) -> None:
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


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage(url: str) -> Outage:
    """The process's one tracker for the server at ``url``."""
    with _outages_lock:
        return _outages.setdefault(url, Outage(url))

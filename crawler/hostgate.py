"""One per-host limit and delay for every crawl in a process (`copydesk serve` runs each source as
its own Scrapy crawl, each with its own downloader and download slots).

``crawler.downloader.HostDownloader`` asks the process's gate before a request leaves a slot's queue:
it may start when fewer than the slot's concurrency (``per_host_concurrency``) requests to the host
are in flight in the whole process, and when the slot's delay (at least the host's robots.txt
``Crawl-delay`` as any live crawl has read it) has passed since the last request to the host started,
in any crawl. A slot that finds the host full waits here and is woken when one of the host's requests
ends, in turn with the other crawls' slots waiting there. Everything runs on the reactor thread:
no locks.

Off (``COPYDESK_HOST_GATE`` false) under ``[cluster]``, where ``crawler.politeness`` holds the same
limit and delay cluster-wide on Redis.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("copydesk.crawler")

SETTING = "COPYDESK_HOST_GATE"


class HostGate:
    def __init__(self) -> None:
        self.in_flight: dict[str, int] = {}
        self.last_start: dict[str, float] = {}
        # host -> owner (a crawl's downloader) -> the Crawl-delay that crawl read for the host
        self.floors: dict[str, dict[int, float]] = {}
        # host -> slot -> the callable that processes its queue again (insertion order: first come, first woken)
        self.waiters: dict[str, dict[Any, tuple[int, Callable[[], None]]]] = {}

    def floor(self, host: str) -> float:
        """The longest Crawl-delay any live crawl has read for ``host`` (0 when none)."""
        return max(self.floors.get(host, {}).values(), default=0.0)

    def set_floor(self, host: str, owner: object, delay: float) -> None:
        self.floors.setdefault(host, {})[id(owner)] = delay

    def has_room(self, host: str, limit: int) -> bool:
        return self.in_flight.get(host, 0) < limit

    def acquire(self, host: str, now: float) -> None:
        self.in_flight[host] = self.in_flight.get(host, 0) + 1
        self.last_start[host] = max(now, self.last_start.get(host, 0.0))

    def release(self, host: str) -> None:
        n = self.in_flight.get(host, 0) - 1
        if n > 0:
            self.in_flight[host] = n
        else:
            self.in_flight.pop(host, None)
        # the first waiting slot that takes the place has it; it waits again behind the others
        # (round robin between the crawls), the others keep their turn
        for slot in list(self.waiters.get(host, {})):
            waiting = self.waiters.get(host, {})
            if slot not in waiting:
                continue
            _, wake = waiting.pop(slot)
            if not waiting:
                self.waiters.pop(host, None)
            before = self.in_flight.get(host, 0)
            try:
                wake()
            except Exception:  # noqa: BLE001 - one crawl's error must not stop the others' wake-ups
                log.exception("waking a download slot of %s failed", host)
            if self.in_flight.get(host, 0) > before:
                break

    def wait(self, host: str, slot: Any, owner: object, wake: Callable[[], None]) -> None:
        """Have ``wake`` called when one of ``host``'s requests ends (once; a slot waits once)."""
        self.waiters.setdefault(host, {}).setdefault(slot, (id(owner), wake))

    def forget(self, owner: object) -> None:
        """A crawl's downloader closed: its slots wait no more, its Crawl-delays no longer count."""
        key = id(owner)
        for host in list(self.waiters):
            waiting = self.waiters[host]
            for slot in [s for s, (o, _) in waiting.items() if o == key]:
                del waiting[slot]
            if not waiting:
                del self.waiters[host]
        for host in list(self.floors):
            self.floors[host].pop(key, None)
            if not self.floors[host]:
                del self.floors[host]


_GATE = HostGate()


def process_gate(settings: Any) -> HostGate | None:
    """The process's gate, or None when the crawl's settings turn it off."""
    return _GATE if settings.getbool(SETTING, False) else None

"""Scrapy's downloader with a per-host limit that holds.

Two things let more than ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests reach one host at once under
Scrapy 2.19 (issue 13, item 3; `tests/test_per_host_limit.py` measures it at the server):

- ``Downloader._process_queue`` hands each queued request to a task (``_schedule_coro``: with the
  asyncio reactor, ``loop.create_task``), and the task marks the request as transferring only when
  it first runs, on a later turn of the loop. A slot with a delay sends one request per call and
  stops; a slot with delay 0 (AutoThrottle's delay on a host answering in milliseconds, which
  ``PoliteThrottle`` rounds to 0) loops "while there are free transfer slots", and they all still
  look free: the whole queue went out at once.
- Slots were keyed by what the request's meta said: ``host:port`` for the spider's requests, the
  host name for robots.txt (Scrapy's default), and a redirect carried its first URL's key to
  another host. One host could have several slots, each with its own limit.

Here a request counts as transferring from the moment it leaves the queue, and the slot is always
the request URL's host name (lower case), whatever the meta says. A request whose frontier lease
another worker claimed while it waited in the queue is dropped as it leaves it
(crawler.leases.lost_before_download): that worker fetches it.
"""
from __future__ import annotations

from time import monotonic

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.defer import _schedule_coro
from scrapy.utils.httpobj import urlparse_cached
from twisted.python.failure import Failure

from copydesk.crawler.leases import lost_before_download


def host_key(request: Request) -> str:
    """The download slot of a request: its URL's host name."""
    return (urlparse_cached(request).hostname or "").lower()


class HostDownloader(Downloader):
    """See the module docstring."""

    def get_slot_key(self, request: Request) -> str:
        return host_key(request)

    def _process_queue(self, slot: Slot) -> None:
        # Scrapy 2.19's Downloader._process_queue, with one change: the request joins
        # slot.transferring before its task is scheduled (Downloader._download adds it again, a no-op
        # on a set, and removes it when the download ends).
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                from scrapy.utils.asyncio import call_later

                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            request, queue_dfd = slot.queue.popleft()
            lost = lost_before_download(self.crawler, request)
            if lost is not None:
                queue_dfd.errback(Failure(lost))
                continue
            slot.lastseen = now
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break

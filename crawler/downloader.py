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

Two more rules, for `copydesk serve`, where every scheduled run is a crawl of its own:

- The process's host gate (crawler.hostgate, ``COPYDESK_HOST_GATE``): a request leaves its slot only
  when the host has room in the whole process and the slot's delay (at least the host's Crawl-delay
  as any running crawl read it) has passed since the host's last request in any crawl.
- Once the crawl is stopping (``crawler.crawling`` false: SIGTERM, Ctrl-C), nothing leaves a queue
  (``COPYDESK_STOP_HANDS_BACK``): each queued request is handed back to the engine, which puts it in
  its scheduler as it does a redirect and, closing, never takes it out again. The spider hears
  nothing of it, so no failure is counted; the next run discovers the URL again. A request with no
  callback (robots.txt, which the robots middleware downloads itself) is refused instead.
"""
from __future__ import annotations

from time import monotonic
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import _schedule_coro
from scrapy.utils.httpobj import urlparse_cached
from twisted.python.failure import Failure

from copydesk.crawler.hostgate import process_gate
from copydesk.crawler.leases import lost_before_download

STOP_SETTING = "COPYDESK_STOP_HANDS_BACK"
STOP_POLL_SECONDS = 0.2


def host_key(request: Request) -> str:
    """The download slot of a request: its URL's host name."""
    return (urlparse_cached(request).hostname or "").lower()


class HostDownloader(Downloader):
    """See the module docstring."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.gate = process_gate(self.settings)
        self.hand_back_on_stop = self.settings.getbool(STOP_SETTING, False)
        self.gated: set[Request] = set()  # requests holding a place at the gate
        self._stop_watch: Any = None
        if self.hand_back_on_stop:
            from scrapy.utils.asyncio import create_looping_call

            # a slot waiting out a delay or a full host is not looked at again until then: empty
            # the queues as soon as the crawl stops, so that the stop waits only for what is in flight
            self._stop_watch = create_looping_call(self._empty_queues_if_stopping)
            self._stop_watch.start(STOP_POLL_SECONDS, now=False)

    def get_slot_key(self, request: Request) -> str:
        return host_key(request)

    def _stopping(self) -> bool:
        return self.hand_back_on_stop and not self.crawler.crawling

    def _empty_queues_if_stopping(self) -> None:
        if self._stopping():
            for slot in list(self.slots.values()):
                if slot.queue:
                    self._process_queue(slot)

    def _hand_back(self, slot: Slot) -> None:
        if slot.latercall:
            slot.latercall.cancel()
            slot.latercall = None
        while slot.queue:
            request, queue_dfd = slot.queue.popleft()
            if request.callback is NO_CALLBACK:
                queue_dfd.errback(Failure(IgnoreRequest("the crawl is stopping")))
            else:
                queue_dfd.callback(request)  # back to the engine's scheduler, as a redirect goes

    def _process_queue(self, slot: Slot) -> None:
        # Scrapy 2.19's Downloader._process_queue, with these changes: the request joins
        # slot.transferring before its task is scheduled (Downloader._download adds it again, a no-op
        # on a set, and removes it when the download ends); the process's host gate; a stopping
        # crawl starts nothing.
        if self._stopping():
            self._hand_back(slot)
            return
        if slot.latercall or not slot.queue:
            return
        now = monotonic()
        delay = slot.download_delay()
        last = slot.lastseen
        gate, host = self.gate, host_key(slot.queue[0][0])  # every request of a slot has its host
        if gate is not None:
            delay = max(delay, gate.floor(host))
            last = max(last, gate.last_start.get(host, 0.0))
        if delay:
            penalty = delay - now + last
            if penalty > 0:
                from scrapy.utils.asyncio import call_later

                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            if gate is not None and not gate.has_room(host, slot.concurrency):
                # another crawl's requests fill the host: go on when one of them ends
                gate.wait(host, slot, self, lambda: self._process_queue(slot))
                return
            request, queue_dfd = slot.queue.popleft()
            lost = lost_before_download(self.crawler, request)
            if lost is not None:
                queue_dfd.errback(Failure(lost))
                continue
            slot.lastseen = now
            slot.transferring.add(request)
            if gate is not None:
                gate.acquire(host, now)
                self.gated.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break

    async def _download(self, slot: Slot, request: Request) -> Any:
        try:
            return await super()._download(slot, request)
        finally:
            if self.gate is not None and request in self.gated:
                self.gated.discard(request)
                self.gate.release(host_key(request))

    def close(self) -> None:
        if self._stop_watch is not None and self._stop_watch.running:
            self._stop_watch.stop()
        super().close()
        if self.gate is not None:
            # a download that never ran (its task cancelled) must not hold its host's place for good
            for request in list(self.gated):
                self.gated.discard(request)
                self.gate.release(host_key(request))
            self.gate.forget(self)

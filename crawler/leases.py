"""When a leased frontier request is done: the bookkeeping behind the frontier's ack rule.

A request taken from the shared stream (crawler.frontier) is *leased* to this worker until it is
acknowledged. The rule: **ack only once the request's outcome has been handed on** — the callback
(or errback) has run to its end, every item it yielded has left the item pipelines
(``item_scraped`` / ``item_dropped`` / ``item_error``) and every request it yielded has been
queued (XADD done, or refused by the dupefilter). A worker that dies before that point leaves the
entry pending; another worker claims it when the lease runs out.

Scrapy has no "response fully handled" signal, so completion is assembled from what there is:

- ``response_received`` marks the end of the download (redirects and retries before it come back
  through the scheduler as *continuations* of the same lease, never as new entries);
- ``FrontierAckMiddleware``, a spider middleware placed next to the engine (order 0), wraps the
  output of every callback (and of an errback called for a response a spider middleware rejected,
  e.g. HttpError): it counts what comes out and sees the end (or the exception);
- a download failure goes to the errback without passing the spider middlewares: the scheduler
  gives every leased request an errback wrapper (pass-through when the request had none, so
  Scrapy's behaviour is unchanged) that does the same counting;
- ``spider_error`` covers a callback that failed before producing an output.

A lease another worker claimed while its request waited in this worker's downloader (for a
cluster host slot, or in the host's queue) is dropped before the download starts (``lost_before_download``):
``LeaseLost`` goes to the errback wrapper, which settles the lease without acking it and without
the spider's errback, so the URL is fetched once, by the claimer, and no failure is recorded here.
"""
from __future__ import annotations

import inspect
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure

from copydesk.crawler.outage import StoppedWaiting

logger = logging.getLogger("copydesk.crawler.frontier")

META_KEY = "frontier_entry"  # the stream entry id of a leased request, in its meta

DOWNLOADING, SCRAPING = "downloading", "scraping"


@dataclass
class Lease:
    entry: str
    payload: str                # the JSON the entry carries (to hand it back on a graceful stop)
    state: str = "queued"       # queued (read, not started) | downloading | scraping
    outputs: int = 0            # items and requests yielded and not yet settled
    output_done: bool = False   # the callback/errback ran to its end (or raised)
    abandoned: bool = False     # something could not be recorded: never ack, let the lease expire
    lost: bool = False          # another worker claimed it (renewed too late): no more renewals
    gone: bool = False          # Redis lost the cluster's data: its entry is gone (no renewal, no ack)


class LeaseLost(IgnoreRequest):
    """A leased request's lease was claimed by another worker before its download started."""


class StoppedBeforeDownload(IgnoreRequest):
    """The crawl stopped while a leased request waited for Redis (a host slot during an outage): not
    a failure of its URL; not acked, so it comes back to the queue (crawler.politeness)."""


def report_left_to_claimer(entry: str, url: str) -> None:
    """A lost lease whose request had not started here: dropped, the claimer fetches it (the
    cluster tests read this line)."""
    logger.warning("frontier: lease on %s (%s) lost before its request started (renewed too late); "
                   "left to the worker that claimed it", entry, url)


def lost_before_download(crawler: Any, request: Request) -> LeaseLost | None:
    """The exception that drops `request` when its lease was lost (reported here, once: the
    scheduler's renewal only marks a lease under way as lost); None otherwise."""
    book = LeaseBook.of(crawler)
    lease = book.lease_of(request) if book is not None else None
    if lease is None or not lease.lost:
        return None
    report_left_to_claimer(lease.entry, request.url)
    return LeaseLost(f"lease on {lease.entry} lost to another worker")


class LeaseBook:
    """The leases of one crawler; ``on_done(lease)`` is called once when a lease may be acked."""

    _books: weakref.WeakKeyDictionary[Any, LeaseBook] = weakref.WeakKeyDictionary()

    def __init__(self, on_done: Callable[[Lease], None]):
        self.leases: dict[str, Lease] = {}
        self.on_done = on_done
        self._children: dict[int, tuple[Request, Lease]] = {}

    @classmethod
    def register(cls, crawler: Any, book: LeaseBook) -> None:
        cls._books[crawler] = book

    @classmethod
    def of(cls, crawler: Any) -> LeaseBook | None:
        return cls._books.get(crawler)

    def lease_of(self, request: Request | None) -> Lease | None:
        if request is None:
            return None
        entry = request.meta.get(META_KEY)
        return self.leases.get(entry) if entry else None

    def lease_of_response(self, response: Any) -> Lease | None:
        """The lease behind an item signal's ``response``: a Response, or a Failure (errback output)."""
        return self.lease_of(getattr(response, "request", None))

    # -- outputs ------------------------------------------------------------------------------
    def track_output(self, lease: Lease, result: Iterable[Any] | AsyncIterator[Any]) -> Any:
        """``result`` wrapped so that each output is counted and its end marks the lease's output done."""
        if isinstance(result, AsyncIterator):
            return self._track_async(lease, result)
        return self._track_sync(lease, result)

    def _count(self, lease: Lease, out: Any) -> None:
        if out is None:
            return
        lease.outputs += 1
        if isinstance(out, Request):
            self._children[id(out)] = (out, lease)

    def _track_sync(self, lease: Lease, result: Iterable[Any]) -> Iterable[Any]:
        try:
            for out in result:
                self._count(lease, out)
                yield out
        except StoppedWaiting:  # a decision not recorded: not acked
            lease.abandoned = True
            raise
        finally:
            self.output_done(lease)

    async def _track_async(self, lease: Lease, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for out in result:
                self._count(lease, out)
                yield out
        except StoppedWaiting:  # a decision not recorded: not acked
            lease.abandoned = True
            raise
        finally:
            self.output_done(lease)

    def output_done(self, lease: Lease) -> None:
        lease.output_done = True
        self._maybe_done(lease)

    def settled(self, lease: Lease | None) -> None:
        """One output of ``lease`` was recorded (an item left the pipelines, a request was queued)."""
        if lease is not None:
            lease.outputs -= 1
            self._maybe_done(lease)

    def child_parent(self, request: Request) -> Lease | None:
        """The lease whose callback yielded ``request`` (forgotten once asked)."""
        found = self._children.pop(id(request), None)
        return found[1] if found and found[0] is request else None

    def is_child(self, request: Request) -> bool:
        found = self._children.get(id(request))
        return found is not None and found[0] is request

    def _maybe_done(self, lease: Lease) -> None:
        if lease.output_done and lease.outputs <= 0 and self.leases.get(lease.entry) is lease:
            del self.leases[lease.entry]
            if not lease.abandoned:
                self.on_done(lease)

    # -- errback ------------------------------------------------------------------------------
    def wrap_errback(self, request: Request) -> None:
        """Give a leased request the counting errback (once; redirects and retries copy it)."""
        if getattr(request.errback, "frontier_wrapped", False):
            return
        original = request.errback
        book = self

        def errback(failure: Failure) -> Any:
            lease = book.lease_of(getattr(failure, "request", None))
            if lease is None or lease.state != DOWNLOADING:
                # a response a spider middleware rejected: its output passes FrontierAckMiddleware
                return original(failure) if original else failure
            if failure.check(LeaseLost, StoppedBeforeDownload):  # not acked, nothing recorded here
                lease.abandoned = True
                book.output_done(lease)
                return None
            try:
                out = original(failure) if original else failure
            except StoppedWaiting:  # the daemon stopped while the failure waited for Redis: not recorded, not acked
                lease.abandoned = True
                book.output_done(lease)
                return None
            except BaseException:
                book.output_done(lease)
                raise
            if out is None or isinstance(out, Failure):
                book.output_done(lease)
                return out
            if inspect.isawaitable(out):
                return book._track_async(lease, _awaited(out))
            return book.track_output(lease, out)

        errback.frontier_wrapped = True  # type: ignore[attr-defined]
        request.errback = errback


async def _awaited(coro: Any) -> AsyncIterator[Any]:
    """The output of an ``async def`` errback as an async iterator."""
    result = await coro
    if result is None:
        return
    if isinstance(result, AsyncIterator):
        async for out in result:
            yield out
        return
    for out in result if isinstance(result, Iterable) and not isinstance(result, (dict, str, bytes)) else [result]:
        yield out


class FrontierAckMiddleware:
    """Spider middleware (order 0, next to the engine): counts a leased response's outputs."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierAckMiddleware:
        return cls(crawler)

    def _lease(self, response: Any) -> tuple[LeaseBook, Lease] | None:
        book = LeaseBook.of(self.crawler)
        lease = book.lease_of_response(response) if book else None
        return (book, lease) if book and lease else None

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterable[Any]:
        found = self._lease(response)
        if found is None:
            yield from result
            return
        yield from found[0]._track_sync(found[1], result)

    def process_spider_exception(self, response: Any, exception: BaseException) -> Any:
        """A callback stopped while waiting for Redis (the daemon is stopping): nothing was recorded and
        the lease is not acked (``_track_sync``); one line, not a traceback."""
        if isinstance(exception, StoppedWaiting):
            found = self._lease(response)
            if found is not None:
                found[1].abandoned = True
            logger.info("%s: not recorded (%s)", getattr(response, "url", "?"), exception)
            return []
        return None

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        found = self._lease(response)
        if found is None:
            async for out in result:
                yield out
            return
        async for out in found[0]._track_async(found[1], result):
            yield out

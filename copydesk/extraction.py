"""The extraction pool: ``cleaning.analyze`` for each page in worker processes (pebble), with a
per-page time limit and an address-space limit per worker, or inline without workers.

A worker also does the per-article work that needs no corpus state (the raw WARC record, the
template line keys, the dedup features), so the process running the crawler's reactor does not.
"""
from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, NamedTuple

from copydesk import cleaning
from copydesk import dedup
from copydesk.documents import Page
from copydesk.storage import RawResponse, warc_member


class Extracted(NamedTuple):
    """A worker's result for one page. For an article, also what the steps after extraction would
    otherwise compute from its text in the main process (there it competes with the crawler's
    reactor for one core): the raw response as a WARC record, the template line keys, the dedup
    features. The steps use the last two only if the text is still the one they were made from."""

    result: cleaning.Article | cleaning.Rejected
    warc: bytes | None = None
    line_keys: list[int] | None = None
    features: dedup.Features | None = None


# Extraction can take hundreds of times a page's size in memory on hostile pages (RELIABILITY.md):
# a worker past this address-space limit gets a MemoryError for that page (counted), not the machine.
WORKER_MEMORY_LIMIT = 3 * 2**30


def _init_worker(memory_limit: int) -> None:
    # (Workers run at the crawler's own priority: at nice +5 or +15 the crawl was 2-6 % slower, the
    # reactor preempting a worker on every network event and doing less per wake-up; BENCHMARKS.md.)
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, hard))


_preparer: dedup.Preparer | None = None


def _extract(page: Page) -> Extracted:
    """Runs in a worker: the cleaned article and the per-article work that needs no corpus state
    (see Extracted)."""
    global _preparer
    result = cleaning.analyze(page.body, page.url, content_type=page.content_type)
    if not result:
        return Extracted(result)
    if _preparer is None:
        _preparer = dedup.Preparer()
    return Extracted(result, warc_member(RawResponse(page.url, page.body, page.status, page.headers, page.fetched_at)),
                     cleaning.line_keys(result.text), _preparer.features(result.text))


class Extractor:
    """Runs ``cleaning.analyze`` in worker processes (pebble: a per-task time limit that kills a
    stuck worker) or inline when ``workers == 0``."""

    def __init__(self, workers: int | None = None, *, timeout: float = 20.0):
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.timeout = timeout
        self.pool = None
        self._starting: threading.Thread | None = None
        if self.workers > 0:
            from pebble import ProcessPool

            from copydesk import workers

            ctx = workers.context()
            self.pool = ProcessPool(max_workers=self.workers, max_tasks=1000, context=ctx,
                                    initializer=_init_worker, initargs=(WORKER_MEMORY_LIMIT,))
            # pebble starts the workers on the first task, and that call waits for the forkserver's
            # imports and language model (~1.5 s). Make that first call now, in a thread of its own,
            # so it overlaps with the caller getting ready (a crawler starting up) instead of
            # stalling the reactor when the first sitemap or page is handed over.
            self._starting = threading.Thread(
                target=self.pool.schedule, args=(len, ("",)), name="copydesk-pool-start", daemon=True)
            self._starting.start()

    def submit(self, page: Page) -> Future:
        return self.call(_extract, page)

    def call(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)`` in a worker (inline without a pool), with the per-task time limit: for
        any CPU-heavy parsing of untrusted input (pages, feeds, sitemaps)."""
        if self.pool is None:
            f: Future = Future()
            try:
                f.set_result(fn(*args))
            except Exception as e:  # noqa: BLE001 - a broken input must not stop the run
                f.set_exception(e)
            return f
        return self.pool.schedule(fn, args=args, timeout=self.timeout)

    @staticmethod
    def outcome(future: Future) -> Extracted:
        """The extraction result, with time-outs and worker crashes turned into a reason."""
        from concurrent.futures import TimeoutError as FuturesTimeout

        try:
            return future.result()
        except FuturesTimeout:
            return Extracted(cleaning.Rejected("extraction_timeout"))
        except Exception as e:  # noqa: BLE001
            name = type(e).__name__
            return Extracted(cleaning.Rejected("extraction_crashed" if name == "ProcessExpired" else f"extraction_error:{name}"))

    def run(self, pages: Iterable[Page], *, window_pages: int = 32,
            window_bytes: int = 32 * 2**20) -> Iterator[tuple[Page, Extracted]]:
        """Ordered results with up to ``window_pages`` pages per worker (and ``window_bytes`` of
        bodies) in flight: enough queued work that the workers keep going while the caller
        checkpoints (~0.1-0.25 s). With 4 per worker they ran dry then: ingest was ~10 % slower."""
        window: deque[tuple[Page, Future]] = deque()
        depth, size = max(1, self.workers) * window_pages, 0
        for page in pages:
            window.append((page, self.submit(page)))
            size += len(page.body)
            while len(window) >= depth or size > window_bytes:
                p, f = window.popleft()
                size -= len(p.body)
                yield p, self.outcome(f)
        while window:
            p, f = window.popleft()
            yield p, self.outcome(f)

    def close(self) -> None:
        if self.pool is not None:
            if self._starting is not None:
                self._starting.join()
                self._starting = None
            self.pool.close()
            self.pool.join(timeout=10)
            self.pool = None

"""What a daemon in a cluster gives its crawls (crawler.sink.CrawlSink): URL decisions and
validators from the cluster's Redis SeenStore, pages extracted in this daemon's pool and published
on the doc stream for the writer. Nothing is stored here (docs/scale-out-serve.md).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from copydesk.crawl_sink import PipelineSink
from copydesk.crawler.sink import Page
from copydesk.extraction import Extractor
from copydesk.ledger import Ledger

from .docstream import Publisher


class FetchLedger(Ledger):
    """The ledger of a daemon's shared fetch crawl: its decisions (a page not HTML, a fetch that
    failed) belong to no run of a source: runs are discovery's, one per schedule in the cluster."""

    def run_id(self, source: str) -> int:
        return 0


class WorkerSink(PipelineSink):
    """``PipelineSink`` over a ``Ledger`` on the Redis SeenStore instead of a Pipeline.

    ``commit_now``: each skip or failure is committed to Redis at once (the fetch crawl: the
    frontier entry is acked after the callback returns, so the decision must be recorded by then);
    otherwise the decisions wait for the end of the run, with its validators (a discovery run, as
    embedded). ``submit`` extracts in the pool and publishes on the doc stream (in ``threads``: a
    Redis outage pauses the publish, not the reactor); the frontier entry is acked after it returns."""

    def __init__(self, ledger: Ledger, extractor: Extractor, publisher: Publisher, threads: Executor, *,
                 commit_now: bool, on_published: Callable[[], None] | None = None):
        super().__init__(ledger)  # type: ignore[arg-type] - the ledger answers what PipelineSink asks but extract/offload
        self.ledger, self.extractor, self.publisher, self.threads = ledger, extractor, publisher, threads
        self.commit_now = commit_now
        self.on_published = on_published

    def extract(self, page: Page) -> Future:
        return self.extractor.submit(page)

    def offload(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self.extractor.call(fn, *args)

    async def submit(self, page: Page) -> None:
        extracted = await self.extracted(page)
        await asyncio.wrap_future(self.threads.submit(self.publisher.publish, page, extracted))
        if self.on_published:
            self.on_published()

    def skip(self, source: str, url: str, reason: str, *, request_url: str | None = None,
             article: bool = True) -> None:
        super().skip(source, url, reason, request_url=request_url, article=article)
        self._commit()

    def fail(self, source: str, url: str, reason: str, detail: str | None = None, *, article: bool = True) -> None:
        super().fail(source, url, reason, detail, article=article)
        self._commit()

    def _commit(self) -> None:
        if self.commit_now:
            self.ledger.commit([])
            self.ledger.committed()

"""The crawler's sink over copydesk's Pipeline (crawler.sink.CrawlSink), and the source specs the
spider gets from the configuration. The only place that knows both sides: re-point it here when the
pipeline's methods change (docs/crawler-sink.md)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from copydesk.config import Config, Source
from copydesk.crawler.sink import Counter, Page, SourceSpec, Validators
from copydesk.extraction import Extracted, Extractor
from copydesk.pipeline import Pipeline


def source_spec(config: Config, source: Source) -> SourceSpec:
    """What the spider needs of ``source``; [filter]'s languages and since apply to every source."""
    f = config.filter
    return SourceSpec(name=source.name, hosts=source.hosts, feeds=source.feeds, sitemaps=source.sitemaps,
                      start_urls=source.start_urls, follow=source.follow, allowed_domains=source.allowed_domains,
                      languages=frozenset(f.languages), since=f.since)


class PipelineSink:
    """CrawlSink over a live Pipeline (one per corpus, shared by every crawl of a daemon)."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def is_known(self, url: str, source: str) -> bool:
        return self.pipeline.is_known(url, source)

    def validators(self, url: str, source: str) -> Validators:
        return self.pipeline.validators(url, source)

    def remember_validators(self, source: str, url: str, etag: str | None, last_modified: str | None) -> None:
        self.pipeline.remember_validators(source, url, etag, last_modified)

    def skip(self, source: str, url: str, reason: str, *, request_url: str | None = None,
             article: bool = True) -> None:
        self.pipeline.skip_url(source, url, reason, request_url=request_url, article=article)

    def fail(self, source: str, url: str, reason: str, detail: str | None = None, *, article: bool = True) -> None:
        self.pipeline.fail(source, url, reason, detail, article=article)

    async def submit(self, page: Page) -> None:
        self.pipeline.finish(page, await self.extracted(page))

    async def extracted(self, page: Page) -> Extracted:
        """``page`` extracted in the pool (the reactor waits without working); a crash or time-out
        comes back as a counted reason."""
        future = self.extract(page)
        try:
            await asyncio.wrap_future(future)
        except BaseException:  # noqa: BLE001 - turned into a counted reason by Extractor.outcome
            pass
        return Extractor.outcome(future)

    def extract(self, page: Page) -> Future:
        return self.pipeline.extract(page)

    def retry_urls(self, source: str) -> list[str]:
        return self.pipeline.retry_urls(source)

    def offload(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self.pipeline.offload(fn, *args)

    def count(self, source: str, counter: Counter, n: int = 1) -> None:
        counts = self.pipeline.stats[source]
        setattr(counts, counter, getattr(counts, counter) + n)
        counts.touch()

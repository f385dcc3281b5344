"""The item pipeline: hands each fetched article page to the crawl's sink (crawler.sink).

Extraction runs off the reactor thread (in copydesk, the pipeline's process pool); the reactor
awaits the result instead of doing the CPU work itself, so downloads keep flowing while pages are
cleaned.
"""
from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from copydesk.crawler.outage import StoppedWaiting
from copydesk.crawler.sink import CrawlSink, Page


class NotHandedOn(DropItem):
    """The daemon stopped while the page waited for Redis: not handed on, its frontier entry not
    acked (crawler.frontier: it comes back after its lease). Logged in one line, at DEBUG by Scrapy."""

    def __init__(self, page: Page):
        super().__init__(f"{page.url}: not published (the daemon stopped while redis was unavailable)",
                         log_level="DEBUG")


class CorpusPipeline:
    """Uses the sink the spider was built with (Scrapy settings are deep-copied, so a live object
    with a database connection cannot travel in them)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CorpusPipeline:
        return cls(crawler)

    @property
    def sink(self) -> CrawlSink:
        return self.crawler.spider.sink

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, Page):
            raise DropItem(f"not a page: {type(item).__name__}")
        try:
            await self.sink.submit(item)
        except StoppedWaiting:
            raise NotHandedOn(item) from None
        return {"url": item.url, "source": item.source}

"""The item pipeline: hands each fetched article page to copydesk's pipeline.

Extraction runs in the pipeline's process pool; the reactor awaits the result instead of doing
the CPU work itself, so downloads keep flowing while pages are cleaned.
"""
from __future__ import annotations

import asyncio
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from copydesk.pipeline import Extractor, Page, Pipeline


class CorpusPipeline:
    """Uses the copydesk Pipeline that the spider was built with (Scrapy settings are deep-copied,
    so a live object with a database connection cannot travel in them)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CorpusPipeline:
        return cls(crawler)

    @property
    def pipeline(self) -> Pipeline:
        return self.crawler.spider.pipeline

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, Page):
            raise DropItem(f"not a page: {type(item).__name__}")
        future = self.pipeline.extractor.submit(item)
        try:
            await asyncio.wrap_future(future)
        except BaseException:  # noqa: BLE001 - turned into a counted reason by Extractor.outcome
            pass
        self.pipeline.finish(item, Extractor.outcome(future))
        return {"url": item.url, "source": item.source}

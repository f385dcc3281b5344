"""One crawl worker on the shared frontier, for tests/test_frontier.py and bench/frontier.py.

``python tests/frontier_worker.py REDIS_URL PREFIX OUT_FILE START_URL...`` crawls with
crawler.frontier's scheduler and dupefilter and crawler.politeness' cluster-wide host limit: index
pages list articles; every article is an item whose URL the item pipeline appends to OUT_FILE (the
"outcome recorded" the frontier acks after). Environment: WORKER (id, also in the User-Agent so
the server can tell workers apart), LEASE (seconds), HOST_LIMIT, CONCURRENCY, POLITENESS (0: no
cluster-wide host limit, for comparison), SLOT_SECONDS (a host slot's life, CLUSTER_SLOT_SECONDS;
unset: the product's default, at least 15 s).
"""
from __future__ import annotations

import os
import sys
from typing import Any, Iterator

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from copydesk.crawler.frontier import frontier_settings


class ArticleSpider(scrapy.Spider):
    name = "frontier-test"

    def __init__(self, indexes: list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.indexes = indexes

    async def start(self) -> Any:
        for url in self.indexes:
            yield scrapy.Request(url, callback=self.parse_index)

    def parse_index(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_article)

    def parse_article(self, response: Response) -> Iterator[Any]:
        yield {"url": response.url}
        for href in response.css("a::attr(href)").getall():  # links to other articles: the dupefilter's work
            yield response.follow(href, callback=self.parse_article)


class RecordPipeline:
    def open_spider(self, spider: Any = None) -> None:
        self.out = open(os.environ["OUT_FILE"], "a", buffering=1)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        self.out.write(item["url"] + "\n")
        return item

    def close_spider(self, spider: Any = None) -> None:
        self.out.close()


def main() -> None:
    redis_url, prefix, out, *start = sys.argv[1:]
    os.environ["OUT_FILE"] = out
    worker = os.environ.get("WORKER", f"w{os.getpid()}")
    settings = frontier_settings(redis_url, prefix=prefix, lease_seconds=float(os.environ.get("LEASE", "2")),
                                 worker=worker, politeness=os.environ.get("POLITENESS", "1") == "1")
    limit = int(os.environ.get("HOST_LIMIT", "2"))
    settings.update({
        "USER_AGENT": f"frontier-test/{worker}",
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS": int(os.environ.get("CONCURRENCY", "16")),
        "CONCURRENT_REQUESTS_PER_DOMAIN": limit,
        "CLUSTER_HOST_CONCURRENCY": limit,
        "DOWNLOADER": "copydesk.crawler.downloader.HostDownloader",
        "DOWNLOAD_DELAY": 0,
        "RETRY_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "ITEM_PIPELINES": {RecordPipeline: 300},
    })
    if os.environ.get("SLOT_SECONDS"):
        settings["CLUSTER_SLOT_SECONDS"] = float(os.environ["SLOT_SECONDS"])
    process = CrawlerProcess(settings)
    process.crawl(ArticleSpider, indexes=start)
    process.start()


if __name__ == "__main__":
    main()

"""Scrapy's own CPU cost per request on this machine: the bench site of bench/crawl.py
(tests/news_site.py) crawled by a bare spider that does nothing with its responses (same
concurrency), so the crawl's ceiling against the pipeline-only rate can be worked out (BENCHMARKS.md, issue #3).

    python bench/scrapy_floor.py [--pages 2000] [--per-host 16] [--reactor asyncio|epoll]
                                 [--handler twisted|aiohttp|httpx]  (Scrapy 2.19's download handlers)
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.news_site import start_site  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--per-host", type=int, default=16)
    ap.add_argument("--reactor", choices=("asyncio", "epoll"), default="asyncio")
    ap.add_argument("--handler", choices=("twisted", "aiohttp", "httpx"), default="twisted")
    args = ap.parse_args()
    server, base = start_site(args.pages)
    import scrapy
    from scrapy.crawler import CrawlerProcess

    paths = [f"/2026/11/{i // 100:02d}/story-{i}.html" for i in range(args.pages)]

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):  # noqa: ANN202
            for p in paths:
                yield scrapy.Request(base + p, dont_filter=True)

        def parse(self, response):  # noqa: ANN001, ANN201
            yield {"bytes": len(response.body)}

    settings = {"LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": args.per_host * 2, "CONCURRENT_ITEMS": 1,
                "CONCURRENT_REQUESTS_PER_DOMAIN": args.per_host, "TELNETCONSOLE_ENABLED": False,
                "COOKIES_ENABLED": False, "ROBOTSTXT_OBEY": False}
    if args.reactor == "epoll":
        settings["TWISTED_REACTOR"] = "twisted.internet.epollreactor.EPollReactor"
    if args.handler != "twisted":
        mod = {"aiohttp": "_aiohttp.AiohttpDownloadHandler", "httpx": "_httpx.HttpxDownloadHandler"}[args.handler]
        settings["DOWNLOAD_HANDLERS"] = {s: f"scrapy.core.downloader.handlers.{mod}" for s in ("http", "https")}
    process = CrawlerProcess(settings)
    process.crawl(Bare)
    t, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    try:
        process.start()
    finally:
        server.terminate()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    wall = time.perf_counter() - t
    print(f"{args.pages} requests, {args.reactor} reactor: {wall:.2f} s wall ({args.pages / wall:.0f} requests/s), "
          f"{cpu:.2f} s CPU = {1000 * cpu / args.pages:.2f} ms of CPU per request")


if __name__ == "__main__":
    main()

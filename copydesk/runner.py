"""One crawl of some sources into the corpus: Scrapy's CrawlerProcess driving NewsSpider, with the
pipeline's extraction pool and a live progress display."""
from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

from copydesk import logs, report
from copydesk.config import Config
from copydesk.gc_tuning import settle_gc
from copydesk.pipeline import Doc, Pipeline
from copydesk.stats import RunStats
from copydesk.storage import CorpusLock

log = logging.getLogger("copydesk.crawl")


def crawl(cfg: Config, names: list[str], pipeline: Pipeline, *, settings: dict[str, Any] | None = None) -> str:
    """Run the crawl to its end in this process (the reactor cannot be restarted: one crawl per
    process). Returns the run status: 'completed', or 'interrupted' after SIGINT/SIGTERM.
    ``settings``: Scrapy settings over copydesk's (tests: another DUPEFILTER_CLASS)."""
    from scrapy.crawler import CrawlerProcess

    from copydesk.crawl_sink import PipelineSink, source_spec
    from copydesk.crawler.spider import NewsSpider
    from copydesk.scrapy_settings import scrapy_settings

    sources = [source_spec(cfg, cfg.source(n)) for n in names]
    process = CrawlerProcess({**scrapy_settings(cfg), "LOG_INSTALL_ROOT_HANDLER": False, **(settings or {})})
    logs.settle_scrapy()
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sources=sources, sink=PipelineSink(pipeline))
    settle_gc()
    for name in names:  # the runs' clocks start with the crawl, after the process's start-up
        pipeline.begin_run(name)
    process.start()
    for name in names:
        # one Scrapy crawl for every source: none knows when another's requests are done, so each
        # run ends at its source's last event (answer, count or decision; docs/operations.md), not
        # with the whole crawl
        c = pipeline.stats[name]
        c.finished = c.finished or c.last_event or c.started
    reason = getattr(crawler.spider, "finish_reason", None)
    return "completed" if reason in (None, "finished") else "interrupted"


def crawl_command(cfg: Config, names: list[str], *, kind: str = "crawl", title: str | None = None) -> int:
    with CorpusLock(cfg.corpus) as lock:
        if lock.took_over:
            log.warning("took over the corpus lock left by a dead process: %s", lock.took_over)
        stats = RunStats()
        pipe = Pipeline(cfg, kind=kind, stats=stats)
        try:
            with report.progress() as prog:
                task = prog.add_task("crawling", total=None, detail="")
                shown = [0.0]

                def update(_: Doc | None = None, *, force: bool = False) -> None:
                    # the display redraws 10 times a second: totalling the counts for every page
                    # (or with no display at all) only took the reactor's time
                    now = time.monotonic()
                    if prog.disable or (now - shown[0] < 0.1 and not force):
                        return
                    shown[0] = now
                    t = stats.total()
                    prog.update(task, completed=t.pages, detail=(
                        f"requests {t.requests} · new {t.stored_new} · copies {t.stored_copy}"
                        f" · skipped {sum(t.skipped.values())} · failed {sum(t.failed.values())}"))

                pipe.on_outcome = update
                status = crawl(cfg, names, pipe)
                update(force=True)
        except BaseException:
            pipe.abort()
            raise
        pipe.close(status)
    # a run that ended normally is failed/degraded when all/part of its source's discovery failed
    health = {name: stats[name].health(status) for name in names}
    counts = Counter(health.values())
    unhealthy = counts["degraded"] + counts["failed"]
    # "3 source(s), 1 completed, 1 degraded, 1 failed": the crawl ended normally, its sources did not all
    shown = status if not unhealthy or status != "completed" else ", ".join(
        f"{counts[st]} {st}" for st in ("completed", "degraded", "failed") if counts[st])
    report.print_summary(stats, title=title or f"crawl: {len(names)} source(s), {shown}", corpus=cfg.corpus)
    if status != "completed":
        return 130
    return EXIT_DISCOVERY_FAILED if unhealthy else 0


# `crawl`'s exit status when a source's run was `failed` or `degraded`: its feeds, sitemaps or section
# pages failed, all or some (README, docs/crawling.md); page failures alone are not that
EXIT_DISCOVERY_FAILED = 3


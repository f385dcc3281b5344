"""Garbage-collector settings for a process that runs a long crawl, serve or ingest.

Such a process first loads what it keeps for its whole life (Scrapy, Twisted, lxml, the config, the
dedup index: ~130,000 container objects in a fresh crawler), then allocates a few hundred short-lived
containers per request (requests, responses, headers, Deferreds, coroutines). With CPython's
default thresholds a young collection ran every ~3 requests, and every full collection walked the
whole start-up heap again: 1.1 s of collections per 2,000 pages on the reactor thread, 8 % of the
crawl's CPU (BENCHMARKS.md). Freezing the start-up heap and collecting the young generation every
10,000 allocations brings that to ~0.25 s, for one collection of 75-100 ms at start-up. Cycles
still get collected: later and in larger batches.
"""
from __future__ import annotations

import gc
import logging

log = logging.getLogger("copydesk")

# net container allocations between young collections (CPython's default: 700); the older
# generations keep their default multipliers
YOUNG_THRESHOLD = 10_000


def freeze_heap() -> None:
    """Collect once, then move every live object out of the collector's sight (``gc.freeze``): later
    collections walk only what is allocated after this. Before a fork, it also keeps the children's
    collections from writing to the parent's pages (Python's gc documentation)."""
    gc.collect()
    gc.freeze()


def settle_gc() -> None:
    """Call once the process has loaded what it keeps (before the crawl or ingest starts): freezes
    the heap (freeze_heap) and makes young collections rarer. Later garbage is collected as usual."""
    freeze_heap()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    log.debug("gc: %d objects frozen, thresholds %s", gc.get_freeze_count(), gc.get_threshold())
